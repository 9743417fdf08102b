"""Statistics for the centre's knowledge work: cases per month by sign, role and police district,
as a chart and a CSV file, and the kommune staff's completed readiness checks by answer. Only the
anonymous monthly counts are read."""

import asyncio
import csv
import io
from dataclasses import dataclass

from aiohttp import web

from bot.knowledge.readiness import question_keys
from bot.store.statistics import READINESS, CountRow, monthly_counts
from bot.web.appkeys import ENGINE
from bot.web.desk_auth import render, staff_only
from bot.web.desk_labels import desk_words, label

routes = web.RouteTableDef()
DIMENSIONS = {"sign": ("Tegn", "sign"), "role": ("Hvem skrev", "role"), "police_district": ("Politikreds", None)}
CHART_WIDTH, CHART_BAR_AREA = 640, 200


@dataclass(frozen=True)
class Bar:
    month: str
    count: int
    x: int
    y: int
    width: int
    height: int


def _value_label(dimension: str, value: str) -> str:
    if dimension == READINESS:
        return _pattern_label(value)
    kind = DIMENSIONS.get(dimension, (None, None))[1]
    if kind:
        return label(kind, value)
    return value or "Ikke oplyst"


def _pattern_label(pattern: str) -> str:
    """A readiness check's answer letters in words: 'Fælles forståelse: Ja; Strategi og vision: Nej; ...'."""
    words = desk_words()
    names, answers = words["readiness_questions"], words["readiness_answers"]
    return "; ".join(f"{names[key]}: {answers.get(letter, letter)}" for key, letter in zip(question_keys(), pattern))


@dataclass(frozen=True)
class ReadinessTable:
    completed: int
    answers: list[str]
    questions: dict[str, list[int]]  # a question's name: how often each answer was given


def readiness_table(rows: list[CountRow]) -> ReadinessTable:
    """The completed readiness checks of all months, and per question how often each answer was given."""
    words = desk_words()
    names, answers = words["readiness_questions"], words["readiness_answers"]
    given = {key: dict.fromkeys(answers, 0) for key in question_keys()}
    completed = 0
    for row in rows:
        if row.dimension != READINESS:
            continue
        completed += row.count
        for key, letter in zip(question_keys(), row.value):
            if letter in answers:
                given[key][letter] += row.count
    return ReadinessTable(completed, list(answers.values()),
                          {names[key]: list(counts.values()) for key, counts in given.items()})


def chart_bars(totals: dict[str, int]) -> list[Bar]:
    """Bars for an SVG chart of cases per month (drawn with attributes only, no inline style)."""
    months = sorted(totals)
    if not months:
        return []
    highest = max(totals.values()) or 1
    slot = CHART_WIDTH // len(months)
    width = max(8, int(slot * 0.7))
    bars = []
    for index, month in enumerate(months):
        height = round(CHART_BAR_AREA * totals[month] / highest)
        bars.append(Bar(month, totals[month], index * slot + (slot - width) // 2, 20 + CHART_BAR_AREA - height, width, height))
    return bars


def tables(rows: list[CountRow]) -> dict[str, dict]:
    """Per dimension: the months, and per value its count in each month."""
    months = sorted({row.month for row in rows})
    result = {}
    for dimension, (title, _) in DIMENSIONS.items():
        values: dict[str, dict[str, int]] = {}
        for row in rows:
            if row.dimension == dimension:
                values.setdefault(_value_label(dimension, row.value), {})[row.month] = row.count
        result[dimension] = {"title": title, "months": months, "values": dict(sorted(values.items()))}
    return result


@routes.get("/staff/stats")
@staff_only()
async def stats_page(request: web.Request) -> web.Response:
    rows = await asyncio.to_thread(monthly_counts, request.app[ENGINE])
    totals = {row.month: row.count for row in rows if row.dimension == "total"}
    return await render(request, "staff/stats.html", {
        "bars": chart_bars(totals), "chart_width": CHART_WIDTH, "chart_height": CHART_BAR_AREA + 50,
        "tables": tables(rows), "total": sum(totals.values()), "readiness": readiness_table(rows),
    })


@routes.get("/staff/stats.csv")
@staff_only()
async def stats_csv(request: web.Request) -> web.Response:
    rows = await asyncio.to_thread(monthly_counts, request.app[ENGINE])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["month", "dimension", "value", "label", "count"])
    for row in rows:
        writer.writerow([row.month, row.dimension, row.value, _value_label(row.dimension, row.value), row.count])
    return web.Response(
        text=buffer.getvalue(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="hotline-statistik.csv"'},
    )
