"""The conversation benchmark against a running web app: score, harm guards, every failure.

    WEB_SETTINGS=benchmarks/data/web_settings_load.yml make run      # in one terminal
    .venv/bin/python benchmarks/conversations.py tests/conversations/benchmark.yml

The web settings for load lift the limit on new conversations per address: the benchmark opens
every conversation from this machine. File format: tests/conversations/README.md.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.conversations import load, play_all, report, validate  # noqa: E402

DEFAULT_WEB = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--web", default=DEFAULT_WEB, help=f"the web app (default {DEFAULT_WEB})")
    parser.add_argument("--only", nargs="*", help="play only these conversation ids")
    parser.add_argument("--quiet", action="store_true", help="no transcripts of failed conversations")
    args = parser.parse_args()
    conversations = load(args.paths)
    problems = validate(conversations)
    if problems:
        print("\n".join(problems))
        return 2
    if args.only:
        conversations = [c for c in conversations if c["id"] in set(args.only)]
    print(report(play_all(conversations, args.web), show_transcripts=not args.quiet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
