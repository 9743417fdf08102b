"""Recall and precision of the anonymiser per type on an annotated set, and its speed.

    .venv/bin/python benchmarks/anonymizer.py [tests/data/anonymizer/final.txt] [--show-errors]

Goals (issue 3): recall >= 0.98 overall and 1.00 for CPR, TELEFON, EMAIL; precision >= 0.90.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.privacy.anonymizer import anonymize  # noqa: E402
from bot.privacy.evaluation import load_examples, score  # noqa: E402
from bot.privacy.spans import KINDS  # noqa: E402

WORST_CASES = {
    "dotted run 'a.a.a.'": "a." * 50_000,
    "capital letters 'A A A'": "A " * 50_000,
    "digits '1 1 1'": "1 " * 50_000,
    "street words 'på Stien 4 '": "på Stien 4 " * 9_100,
}
DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "anonymizer" / "final.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--show-errors", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args()

    examples = load_examples(args.path)
    anonymize("warm-up: loads the word lists")
    started = time.perf_counter()
    result = score(examples)
    elapsed = time.perf_counter() - started

    print(f"{args.path} ({len(examples)} sentences)")
    print(f"{'type':<12} {'marked':>6} {'recall':>7} {'found':>6} {'precision':>9}")
    for kind in KINDS:
        print(f"{kind:<12} {result.gold[kind]:>6} {result.recall(kind):>7.3f} "
              f"{result.predicted[kind]:>6} {result.precision(kind):>9.3f}")
    print(f"{'all':<12} {sum(result.gold.values()):>6} {result.recall():>7.3f} "
          f"{sum(result.predicted.values()):>6} {result.precision():>9.3f}")
    print(f"leaks (marked data visible under every type): {len(result.leaks)}")
    print(f"speed: {len(examples) / elapsed:.0f} sentences/s ({elapsed * 1000 / len(examples):.2f} ms each)")
    for name, text in WORST_CASES.items():  # each 100 kB: the time must grow with length, not its square
        started = time.perf_counter()
        anonymize(text)
        print(f"worst case {name} (100 kB): {time.perf_counter() - started:.2f} s")
    if args.show_errors:
        for title, rows in (("misses", result.misses), ("false alarms", result.false_alarms)):
            print(f"\n{title}:")
            print("\n".join(f"  {row}" for row in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
