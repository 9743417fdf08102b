"""The honest NLU score: reads `rasa test nlu` results on the blind file and gates them.

    .venv/bin/python scripts/nlu_gate.py results/nlu

Gates (tests/understanding/gates.yml, `nlu`): intent macro-F1, FAQ topic macro-F1, the kommune
entity's F1, and every acute-danger message recognised. Prints each figure beside its gate and
the issue's goal, and every miss, so a drop shows before it fails.
"""

import json
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GATES = ROOT / "tests" / "understanding" / "gates.yml"
ACUTE_INTENT = "acute_danger"
ENTITY_REPORT = "PlaceExtractor_report.json"


def _rows(report: dict) -> dict[str, dict]:
    return {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v and not k.endswith(" avg")}


def main(results: Path) -> int:
    gates = yaml.safe_load(GATES.read_text())["nlu"]
    intents = json.loads((results / "intent_report.json").read_text())
    errors = json.loads((results / "intent_errors.json").read_text())
    responses = json.loads((results / "response_selection_report.json").read_text())
    places = json.loads((results / ENTITY_REPORT).read_text())["kommune"]

    for name, row in sorted(_rows(intents).items()):
        print(f"  {name:22s} precision {row['precision']:.2f}  recall {row['recall']:.2f}  f1 {row['f1-score']:.2f}  n={row['support']}")
    figures = {
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "faq_macro_f1": responses["macro avg"]["f1-score"],
        "kommune_f1": places["f1-score"],
    }
    failed = False
    for name, value in figures.items():
        gate = gates[name]
        print(f"{name} {value:.3f} (gate {gate['gate']}, goal {gate['goal']}: {'met' if value >= gate['goal'] else 'NOT met'})")
        failed |= value < gate["gate"]

    # Counts only: the file is blind, and its texts are not to be studied (tests/understanding/README.md).
    confusions = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    for (wanted, got), count in confusions.most_common():
        print(f"  {count} x {wanted} read as {got}")
    missed_acute = sum(count for (wanted, _), count in confusions.items() if wanted == ACUTE_INTENT)
    allowed = gates["acute_missed"]
    print(f"acute-danger messages missed: {missed_acute} (gate {allowed['gate']}, goal {allowed['goal']})")
    failed |= missed_acute > allowed["gate"]
    print("NLU gate: FAILED" if failed else "NLU gate: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")))
