"""Runs `rasa data validate` (and its story check with --fail-on-warnings) and fails on any warning it prints.

Two kinds of warning are tolerated. Rasa 3.6 looks for responses in stories and rules only, so it
reports every domain response that only a custom action or a form sends as unused: exactly the
responses the actions send are accepted (sent_by_actions). And one known false positive: declaring
the retrieval intent `faq` in domain.yml (which stories and rules need) always makes the importer
report it as duplicated when it merges the domain with the retrieval intents found in the NLU data.
Every other warning fails the check.
"""

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.readiness import responses_of_the_check  # noqa: E402
from bot.knowledge.contacts import contact_routes  # noqa: E402

RASA = ".venv-rasa/bin/rasa"
KNOWN_FALSE_POSITIVE = "The following duplicated intents have been found across multiple domain files: faq\n"
WARNING = re.compile(r"UserWarning: (.*?)(?=\n\S|\Z)", re.S)
UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
# A whole response name, not the start of one that an f-string builds (f"utter_route_{route_id}").
RESPONSE_NAME = re.compile(r"utter_\w*[^\W_]")


def names_in_actions() -> set[str]:
    """Every response name the actions' code spells out as a string ("utter_route_intro")."""
    return {node.value for path in sorted((ROOT / "actions").glob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and RESPONSE_NAME.fullmatch(node.value)}


@cache
def sent_by_actions() -> frozenset[str]:
    """The responses the custom actions send: the names their code spells out, the names it builds
    from data (the guided question for each slot of worry_form, actions/worry_form.py; the text of
    each contact route, actions/recommend.py), and the readiness check's."""
    forms = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["forms"]
    questions = {f"utter_ask_{slot}" for slot in forms["worry_form"]["required_slots"]}
    routes = {f"utter_route_{route_id}" for route_id in contact_routes()}
    return frozenset(names_in_actions() | questions | routes | responses_of_the_check())


def tolerated(warning: str) -> bool:
    if (warning + "\n").startswith(KNOWN_FALSE_POSITIVE):
        return True
    unused = UNUSED_RESPONSE.match(warning.strip())
    return bool(unused) and unused.group(1) in sent_by_actions()


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
