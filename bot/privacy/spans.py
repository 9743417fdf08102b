"""A found piece of personal data, and the rules for choosing among overlapping finds."""

import bisect
from dataclasses import dataclass

# Letters of names and streets: Latin-1, Latin Extended-A and -B, and Latin Extended Additional
# (ş, ı, ž, ć, ł, ă, ễ ...).
LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏḀ-ỿ"

# When two finds overlap, the earlier kind in this list wins (then the longer find).
KINDS = ("EMAIL", "LINK", "CPR", "TELEFON", "NUMMERPLADE", "ADRESSE", "BRUGERNAVN", "NAVN")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


class Ranges:
    """Non-overlapping [start, end) ranges, kept sorted, with fast overlap and containment checks."""

    def __init__(self, ranges: list[tuple[int, int]] | None = None) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(ranges or []):
            if not self._starts or start >= self._ends[-1]:
                self._starts.append(start)
                self._ends.append(end)
            else:  # merge overlapping input ranges
                self._ends[-1] = max(self._ends[-1], end)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        return (i > 0 and self._ends[i - 1] > start) or (i < len(self._starts) and self._starts[i] < end)

    def contains(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        return i > 0 and self._starts[i - 1] <= start and end <= self._ends[i - 1]

    def uncovered(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) that no held range covers."""
        parts, position = [], start
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        while i < len(self._starts) and self._starts[i] < end:
            if self._ends[i] > position:
                if self._starts[i] > position:
                    parts.append((position, self._starts[i]))
                position = self._ends[i]
            i += 1
        if position < end:
            parts.append((position, end))
        return parts

    def add(self, start: int, end: int) -> None:
        """Add a range that overlaps none already held."""
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def resolve_overlaps(spans: list[Span], text: str) -> list[Span]:
    """Keep the strongest of overlapping finds; of a weaker find, keep the words no stronger find
    covers ("Fuzzbert" of a name that ran into an e-mail address). Return them in text order."""
    ranked = sorted(spans, key=lambda s: (KINDS.index(s.kind), -(s.end - s.start), s.start))
    taken = Ranges()
    chosen: list[Span] = []
    for span in ranked:
        pieces = taken.uncovered(span.start, span.end)
        for start, end in pieces:
            if pieces != [(span.start, span.end)]:  # a cut find: keep its words, not the spaces round them
                while start < end and not text[start].isalnum():
                    start += 1
                while end > start and not text[end - 1].isalnum():
                    end -= 1
            if start < end:
                taken.add(start, end)
                chosen.append(Span(start, end, span.kind))
    return sorted(chosen, key=lambda s: s.start)
