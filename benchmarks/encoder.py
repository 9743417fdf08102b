"""What the pretrained encoder and the situation readers cost per message, one message at a time.

    .venv-rasa/bin/python benchmarks/encoder.py [--model models/current.tar.gz]

Messages: every example of the NLU files under tests/understanding (real chat lengths, from two
words to long paragraphs), each embedded alone, as the server does. Prints the encoder's time per
message (mean, median, 95th percentile) and its tokens, then what the trained situation readers
add once the message is embedded (the featurizer and the readers share one embedding), and the
language detector. The goal (issue 13): the encoder under 15 ms a message on two cores.
"""

import argparse
import re
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import joblib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.understanding.encoder import E5Encoder  # noqa: E402
from bot.understanding.language import language_of  # noqa: E402

EXAMPLE = re.compile(r"^\s*- (.+)$")
ANNOTATION = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")


def messages() -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests" / "understanding").glob("*/nlu*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = EXAMPLE.match(line)
            if match and not match.group(1).startswith("intent:"):
                texts.append(ANNOTATION.sub(r"\1", match.group(1)))
    return list(dict.fromkeys(texts))


def timed(function, items) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name}: mean {statistics.mean(times):.1f} ms, median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"


def readers_from(model: Path):
    with tempfile.TemporaryDirectory() as directory:
        with tarfile.open(model) as archive:
            archive.extractall(directory)
        return joblib.load(next(Path(directory).rglob("situation_readers.joblib")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz")
    args = parser.parse_args()
    texts = messages()
    encoder = E5Encoder()
    encoder.embed(["opvarmning"])
    tokens = [encoder._model.token_count(text, True) for text in texts]
    print(f"{len(texts)} messages, {statistics.mean(tokens):.1f} tokens on average (max {max(tokens)})")
    print(summary("encoder, one message", timed(lambda text: encoder.embed([text]), texts)))
    readers = readers_from(args.model)
    readers.features.attach(encoder)  # the texts are now among the encoder's recent ones
    recent = texts[-60:]
    encoder.embed(recent)
    print(summary("situation readers, the message already embedded", timed(lambda text: readers.read([text]), recent)))
    print(summary("language detector", timed(language_of, texts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
