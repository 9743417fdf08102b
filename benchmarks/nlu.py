"""NLU benchmark: trains the NLU model, scores it on the held-out file, prints time and memory.

    .venv/bin/python benchmarks/nlu.py

Prints the held-out report (per intent, macro-F1, FAQ topics), the training wall time and the
peak resident memory of the training and evaluation processes. Uses a temporary model directory,
so the product's model is left alone.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_measured(args: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of this child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        train_s, train_mib = run_measured(
            [str(RASA), "train", "nlu", "--out", workdir, "--fixed-model-name", "bench", "--quiet"]
        )
        results = Path(workdir) / "results"
        test_s, test_mib = run_measured(
            [str(RASA), "test", "nlu", "--nlu", "tests/nlu_holdout.yml", "--model", f"{workdir}/bench.tar.gz",
             "--out", str(results)]
        )
        report = json.loads((results / "intent_report.json").read_text())
        faq = json.loads((results / "response_selection_report.json").read_text())

    print(f"{'intent':24s} {'precision':>9s} {'recall':>7s} {'f1':>6s} {'n':>4s}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and not name.endswith(" avg"):
            print(f"{name:24s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:6.3f} {row['support']:4d}")
    print(f"\nintent macro-F1 (held out): {report['macro avg']['f1-score']:.3f}   accuracy: {report['accuracy']:.3f}")
    print(f"faq topic macro-F1 (held out): {faq['macro avg']['f1-score']:.3f}")
    print(f"training: {train_s:.0f} s wall, peak memory {train_mib:.0f} MiB")
    print(f"evaluation: {test_s:.0f} s wall, peak memory {test_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
