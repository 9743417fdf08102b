"""Scores the anonymiser on annotated sentences: "Min søn [[NAVN:Mads]] bor på [[ADRESSE:...]]".

A marked span counts as found when every letter and digit in it is covered by found spans of its
type; a found span counts as right when it overlaps a marked span of its type. A marked span
left visible under every type is a leak.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.privacy.anonymizer import find_personal_data
from bot.privacy.spans import KINDS, Span

MARK = re.compile(r"\[\[(" + "|".join(KINDS) + r"):(.+?)\]\]")


@dataclass(frozen=True)
class Example:
    text: str
    gold: tuple[Span, ...]


def parse_line(line: str) -> Example:
    text, gold, position = [], [], 0
    for match in MARK.finditer(line):
        text.append(line[position : match.start()])
        start = sum(len(part) for part in text)
        text.append(match.group(2))
        gold.append(Span(start, start + len(match.group(2)), match.group(1)))
        position = match.end()
    text.append(line[position:])
    return Example("".join(text), tuple(gold))


def load_examples(path: Path) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_line(line) for line in lines if line.strip() and not line.startswith("#")]


def _covered(text: str, gold: Span, found: list[Span]) -> bool:
    return all(
        any(span.start <= i < span.end for span in found)
        for i in range(gold.start, gold.end)
        if text[i].isalnum()
    )


@dataclass
class Score:
    gold: Counter = field(default_factory=Counter)
    found_right: Counter = field(default_factory=Counter)
    predicted: Counter = field(default_factory=Counter)
    predicted_right: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        total = self.gold[kind] if kind else sum(self.gold.values())
        right = self.found_right[kind] if kind else sum(self.found_right.values())
        return right / total if total else 1.0

    def precision(self, kind: str | None = None) -> float:
        total = self.predicted[kind] if kind else sum(self.predicted.values())
        right = self.predicted_right[kind] if kind else sum(self.predicted_right.values())
        return right / total if total else 1.0


def score(examples: list[Example]) -> Score:
    result = Score()
    for example in examples:
        found = find_personal_data(example.text)
        for gold in example.gold:
            result.gold[gold.kind] += 1
            if _covered(example.text, gold, [s for s in found if s.kind == gold.kind]):
                result.found_right[gold.kind] += 1
            else:
                result.misses.append(f"{gold.kind} {example.text[gold.start:gold.end]!r} in: {example.text}")
            if not _covered(example.text, gold, found):
                result.leaks.append(f"{gold.kind} {example.text[gold.start:gold.end]!r} in: {example.text}")
        for span in found:
            result.predicted[span.kind] += 1
            if any(span.overlaps(g) and g.kind == span.kind for g in example.gold):
                result.predicted_right[span.kind] += 1
            else:
                result.false_alarms.append(f"{span.kind} {example.text[span.start:span.end]!r} in: {example.text}")
    return result
