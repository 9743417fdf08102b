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

    def add(self, start: int, end: int) -> None:
        """Add a range that overlaps none already held."""
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the strongest of overlapping finds; return them in text order."""
    ranked = sorted(spans, key=lambda s: (KINDS.index(s.kind), -(s.end - s.start), s.start))
    taken = Ranges()
    chosen: list[Span] = []
    for span in ranked:
        if not taken.overlaps(span.start, span.end):
            taken.add(span.start, span.end)
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
