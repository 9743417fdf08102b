"""The honest NLU score: reads `rasa test nlu` results on tests/nlu_holdout.yml and gates them.

Fails when intent macro-F1 is below the gate or when any acute-danger message was classified as
something else. Prints the goal (0.95) beside the gate (0.90) so a drop shows before it fails.
"""

import json
import sys
from pathlib import Path

GATE_MACRO_F1 = 0.90
GOAL_MACRO_F1 = 0.95
ACUTE_INTENT = "acute_danger"


def _rows(report: dict) -> dict[str, dict]:
    return {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v and not k.endswith(" avg")}


def main(results: Path) -> int:
    intents = json.loads((results / "intent_report.json").read_text())
    errors = json.loads((results / "intent_errors.json").read_text())
    responses = json.loads((results / "response_selection_report.json").read_text())

    for name, row in sorted(_rows(intents).items()):
        print(f"  {name:22s} precision {row['precision']:.2f}  recall {row['recall']:.2f}  f1 {row['f1-score']:.2f}  n={row['support']}")
    macro = intents["macro avg"]["f1-score"]
    faq_macro = responses["macro avg"]["f1-score"]
    print(f"intent macro-F1 {macro:.3f} (gate {GATE_MACRO_F1}, goal {GOAL_MACRO_F1}: {'met' if macro >= GOAL_MACRO_F1 else 'NOT met'})")
    print(f"faq topic (response selection) macro-F1 {faq_macro:.3f}")

    missed_acute = [e for e in errors if e["intent"] == ACUTE_INTENT]
    for error in missed_acute:
        print(f"MISSED ACUTE DANGER: {error['text']!r} -> {error['intent_prediction']['name']}")
    for error in errors:
        if error["intent"] != ACUTE_INTENT:
            print(f"  miss: {error['intent']} -> {error['intent_prediction']['name']}: {error['text']!r}")

    failed = macro < GATE_MACRO_F1 or bool(missed_acute)
    print("NLU gate: FAILED" if failed else "NLU gate: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")))
