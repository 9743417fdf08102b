"""Precision and recall of every situation reader on annotated folders (tests/understanding/*).

    .venv-rasa/bin/python benchmarks/understanding.py tests/understanding/heldout [--mistakes]
    .venv-rasa/bin/python benchmarks/understanding.py DIR --rasa http://127.0.0.1:5005 --token TOKEN

Without --rasa the readers are trained here from bot/understanding/data and data/nlu, exactly as
`rasa train` trains them; with --rasa every text goes through the running server's NLU
(/model/parse), so the figures are those of the deployed model. Runs in Rasa's environment.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge.signs import sign_groups  # noqa: E402
from bot.understanding.evaluation import rasa_reader, report, score_folder  # noqa: E402


def _train_here():
    """The readers trained in this process from bot/understanding/data and Rasa's everyday NLU examples."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.understanding.encoder import default_encoder
    from bot.understanding.situation import SituationReaders
    from rasa_components.situation_reader import everyday_examples, not_a_crisis_examples

    started = time.perf_counter()
    nlu = load_data(str(ROOT / "data" / "nlu"))
    readers = SituationReaders.train(default_encoder(), everyday_examples(nlu), not_a_crisis_examples(nlu))
    print(f"trained the readers in {time.perf_counter() - started:.1f} s")
    return readers.read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--rasa", help="read through this running Rasa server instead of training here")
    parser.add_argument("--token", default="", help="the Rasa server's auth token")
    parser.add_argument("--mistakes", action="store_true", help="print every mistake")
    args = parser.parse_args()
    if args.rasa:
        read = rasa_reader(args.rasa, args.token)
    else:
        read = _train_here()
    for folder in args.folders:
        print(f"\n== {folder}")
        print(report(score_folder(folder, read, tuple(sign_groups())), show_mistakes=args.mistakes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
