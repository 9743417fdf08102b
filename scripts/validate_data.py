"""Runs `rasa data validate` (and its story check with --fail-on-warnings) and fails on any warning it prints.

One warning is a known false positive of Rasa 3.6: declaring the retrieval intent `faq` in
domain.yml (which stories and rules need) always makes the importer report it as duplicated when
it merges the domain with the retrieval intents found in the NLU data. Only that exact message is
tolerated, and the readiness check's responses that only its actions and form send (see
UNUSED_RESPONSE); every other warning fails the check.
"""

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actions.readiness import responses_of_the_check  # noqa: E402

RASA = ".venv-rasa/bin/rasa"
KNOWN_FALSE_POSITIVE = "The following duplicated intents have been found across multiple domain files: faq\n"
WARNING = re.compile(r"UserWarning: (.*?)(?=\n\S|\Z)", re.S)
# Rasa 3.6 looks for responses in stories and rules only: a domain response that only an action or
# a form sends is reported as unused. Exactly those of the readiness check are accepted.
UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")


def tolerated(warning: str) -> bool:
    if (warning + "\n").startswith(KNOWN_FALSE_POSITIVE):
        return True
    unused = UNUSED_RESPONSE.match(warning.strip())
    return bool(unused) and unused.group(1) in responses_of_the_check()


def _validate(*arguments: str) -> tuple[int, str]:
    run = subprocess.run([RASA, "data", "validate", *arguments], capture_output=True, text=True)
    return run.returncode, re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)


def main() -> int:
    # Every check, its warnings judged here (with --fail-on-warnings a tolerated one would fail it);
    # errors still end it non-zero. Story conflicts are logged rather than warned, so the story
    # structure is checked on its own with --fail-on-warnings.
    for arguments in ((), ("stories", "--fail-on-warnings")):
        returncode, output = _validate(*arguments)
        warnings = [w for w in WARNING.findall(output) if not tolerated(w)]
        for warning in warnings:
            print(f"WARNING: {warning.strip()}")
        if returncode != 0 or warnings:
            print(output[-3000:] if returncode else "")
            print(f"rasa data validate {' '.join(arguments)}: exit {returncode}, {len(warnings)} warning(s)")
            return 1
    print("rasa data validate: no warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
