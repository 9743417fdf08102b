"""The situation readers of the running Rasa server on the blind folder (tests/understanding/heldout).

Every text goes through /model/parse, so the figures are the deployed model's. Fails when a gate
of tests/understanding/gates.yml is not met; prints every figure beside its gate, never a text of the
blind folder.

    .venv/bin/python scripts/understanding_gate.py --rasa http://127.0.0.1:5105  # RASA_AUTH_TOKEN in the environment
"""

import argparse
import os
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.signs import sign_groups  # noqa: E402
from bot.understanding.evaluation import rasa_reader, report, score_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "understanding" / "heldout"
GATES = ROOT / "tests" / "understanding" / "gates.yml"


def check(scores, gates) -> list[str]:
    """The gates that fail: {task: {precision|recall|false_alarms: bound}}."""
    failures = []
    for task, bounds in gates.items():
        micro = scores[task].micro()
        for measure, bound in bounds.items():
            value = micro.fp if measure == "false_alarms" else getattr(micro, measure)
            ok = value <= bound if measure == "false_alarms" else value >= bound
            print(f"  {task} {measure}: {value:.3f} (gate {bound})" if measure != "false_alarms"
                  else f"  {task} false alarms: {value} (gate {bound})")
            if not ok:
                failures.append(f"{task} {measure}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", required=True)
    parser.add_argument("--token", default=os.environ.get("RASA_AUTH_TOKEN"),
                        help="Rasa's API token; default RASA_AUTH_TOKEN (a command line is visible in ps)")
    parser.add_argument("--folder", type=Path, default=FOLDER)
    args = parser.parse_args()
    scores = score_folder(args.folder, rasa_reader(args.rasa, args.token), tuple(sign_groups()))
    print(report(scores, show_mistakes=False))  # counts only: the folder is blind
    failures = check(scores, yaml.safe_load(GATES.read_text())["gates"])
    print("understanding gate: " + (f"FAILED ({', '.join(failures)})" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
