"""NLU benchmark: trains the NLU model, scores it on the held-out and dev files, prints time and memory.

    .venv/bin/python benchmarks/nlu.py

Prints the held-out report (per intent, macro-F1, FAQ topics), the training wall time and the
peak resident memory of the training and evaluation processes. Uses a temporary model directory,
so the product's model is left alone.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


# Runs the command as its only child, so its RUSAGE_CHILDREN peak is that command's own.
_MEASURE = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def run_measured(args: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak resident memory of the command in MiB)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _MEASURE, *args], cwd=ROOT, env=ENV, check=True,
                            capture_output=True, text=True)
    return time.perf_counter() - start, int(result.stdout.strip()) / 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        train_s, train_mib = run_measured(
            [str(RASA), "train", "nlu", "--out", workdir, "--fixed-model-name", "bench", "--quiet"]
        )
        scores = {}
        for label, data in (("held-out", "tests/understanding/heldout/nlu.yml"),
                            ("dev, optimistic", "tests/understanding/dev/nlu.yml")):
            results = Path(workdir) / label.split(",")[0]
            test_s, test_mib = run_measured(
                [str(RASA), "test", "nlu", "--nlu", data, "--model", f"{workdir}/bench.tar.gz", "--out", str(results)]
            )
            scores[label] = (
                json.loads((results / "intent_report.json").read_text()),
                json.loads((results / "response_selection_report.json").read_text()),
            )

    report, _ = scores["held-out"]
    print(f"{'intent (held-out)':24s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'n':>4s}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and not name.endswith(" avg"):
            print(f"{name:24s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:6.3f} {row['support']:4d}")
    print()
    for label, (intents, faq) in scores.items():
        print(f"{label:16s} intent macro-F1 {intents['macro avg']['f1-score']:.3f}  accuracy {intents['accuracy']:.3f}"
              f"  faq-topic macro-F1 {faq['macro avg']['f1-score']:.3f}")
    print(f"training: {train_s:.0f} s wall, peak memory {train_mib:.0f} MiB")
    print(f"evaluation (last file): {test_s:.0f} s wall, peak memory {test_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
