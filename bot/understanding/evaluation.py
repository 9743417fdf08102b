"""Scores the situation readers on an annotated folder (tests/understanding/<set>/): per label.

A folder holds signs.yml, urgency.yml, ordinary.yml, roles.yml, incidents.yml and places.yml
(format: tests/understanding/README.md). `score_folder()` takes a function that reads a list of
texts, so the same scoring serves the readers trained in-process and the running Rasa server.
"""

import json
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import yaml

from bot.knowledge.places import read_places, residence
from bot.understanding.reading import CRIME_INCIDENTS, SituationReading

Reader = Callable[[Sequence[str]], list[SituationReading]]


def rasa_reader(url: str, token: str) -> Reader:
    """Reads texts through a running Rasa server's NLU (/model/parse): the deployed model."""

    def read(texts: Sequence[str]) -> list[SituationReading]:
        readings = []
        for text in texts:
            request = urllib.request.Request(
                f"{url.rstrip('/')}/model/parse?token={token}", data=json.dumps({"text": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                readings.append(SituationReading.from_dict(json.load(response).get("situation")))
        return readings

    return read


@dataclass
class LabelScore:
    """Counts for one label: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, expected: bool, got: bool) -> None:
        self.tp += expected and got
        self.fp += got and not expected
        self.fn += expected and not got


@dataclass
class TaskScore:
    """Per-label counts of one reader on one file, with the mistakes for study."""

    labels: dict[str, LabelScore] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)

    def label(self, name: str) -> LabelScore:
        return self.labels.setdefault(name, LabelScore())

    def micro(self) -> LabelScore:
        total = LabelScore()
        for score in self.labels.values():
            total.tp, total.fp, total.fn = total.tp + score.tp, total.fp + score.fp, total.fn + score.fn
        return total


def _examples(folder: Path, name: str, key: str = "examples") -> list:
    path = folder / f"{name}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))[key] if path.exists() else []


def _multi_label(examples: list[dict], expected: Callable[[dict], set[str]],
                 got: Callable[[SituationReading], set[str]], readings: list[SituationReading],
                 labels: Sequence[str]) -> TaskScore:
    task = TaskScore()
    for example, reading in zip(examples, readings):
        want, have = expected(example), got(reading)
        for label in labels:
            task.label(label).add(label in want, label in have)
        if want != have:
            task.mistakes.append(f"{sorted(want)} -> {sorted(have)}: {example['text']!r}")
    return task


def score_folder(folder: Path, read: Reader, sign_labels: Sequence[str]) -> dict[str, TaskScore]:
    """Every reader's score on the files present in `folder`."""
    scores: dict[str, TaskScore] = {}
    signs = _examples(folder, "signs")
    if signs:
        scores["signs"] = _multi_label(signs, lambda e: set(e["signs"]), lambda r: set(r.signs),
                                       read([e["text"] for e in signs]), sign_labels)
    urgency = _examples(folder, "urgency")
    if urgency:
        scores["acute"] = _multi_label(urgency, lambda e: {"acute"} if e["acute"] else set(),
                                       lambda r: {"acute"} if r.acute else set(),
                                       read([e["text"] for e in urgency]), ["acute"])
    ordinary = _examples(folder, "ordinary", "sentences")
    if ordinary:
        scores["ordinary"] = _multi_label([{"text": text} for text in ordinary], lambda e: set(),
                                          lambda r: {"acute"} if r.acute else set(), read(ordinary), ["acute"])
    roles = _examples(folder, "roles")
    if roles:
        readings = read([e["text"] for e in roles])
        labels = sorted({e["role"] for e in roles} | {r.role for r in readings})
        scores["role"] = _multi_label(roles, lambda e: {e["role"]}, lambda r: {r.role}, readings, labels)
    incidents = _examples(folder, "incidents")
    if incidents:
        readings = read([e["text"] for e in incidents])
        scores["incident"] = _multi_label(incidents, lambda e: {e["incident"]} - {"none"},
                                          lambda r: {r.incident} - {"none"}, readings, list(CRIME_INCIDENTS))
        scores["crisis"] = _multi_label(incidents, lambda e: {"crisis"} if e["crisis"] else set(),
                                        lambda r: {"crisis"} if r.crisis else set(), readings, ["crisis"])
    places = _examples(folder, "places")
    if places:
        scores["places"] = score_places(places)
    return scores


def score_places(examples: list[dict]) -> TaskScore:
    """Where the person lives, read from one message: right kommune, or rightly none / unsure."""
    task = TaskScore()
    for example in examples:
        home = residence(read_places(example["text"]))
        got = home.kommune if home else None
        want = example.get("kommune")
        task.label("kommune").add(want is not None, got is not None and got == want)
        if got is not None and got != want:
            task.label("kommune").fp += 1
        if got != want:
            task.mistakes.append(f"{want} -> {got}: {example['text']!r}")
    return task


def report(scores: dict[str, TaskScore], show_mistakes: bool = False) -> str:
    """Precision and recall per label and overall (micro), one reader after the other."""
    lines = []
    for task, score in scores.items():
        micro = score.micro()
        lines.append(f"{task}: precision {micro.precision:.3f} recall {micro.recall:.3f} "
                     f"(tp {micro.tp}, fp {micro.fp}, fn {micro.fn})")
        if len(score.labels) > 1:
            for name, label in sorted(score.labels.items()):
                lines.append(f"  {name:20s} precision {label.precision:.2f} recall {label.recall:.2f} "
                             f"n={label.tp + label.fn}")
        if show_mistakes:
            lines += [f"    {mistake}" for mistake in score.mistakes]
    return "\n".join(lines)
