"""Fails when `rasa test core` reports any failed test story (rasa itself may exit 0)."""

import json
import sys
from pathlib import Path

import yaml


def main(results: Path) -> int:
    failed_file = results / "failed_test_stories.yml"
    failed = (yaml.safe_load(failed_file.read_text()) or {}).get("stories") or [] if failed_file.exists() else []
    report_file = results / "story_report.json"
    if not report_file.exists():
        print(f"no story report in {results}: the story test did not finish")
        return 1
    total = json.loads(report_file.read_text()).get("conversation_accuracy", {}).get("total", 0)
    print(f"test stories: {total} evaluated, {len(failed)} failed")
    for story in failed:
        print(f"  FAILED: {story.get('story')}")
    return 1 if failed or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/core")))
