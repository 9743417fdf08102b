"""Statistics for the centre's knowledge work: cases per month by sign, role and police district,
as a chart and a CSV file. Only the anonymous monthly counts are read."""

import asyncio
import csv
import io
from dataclasses import dataclass

from aiohttp import web

from bot.store.statistics import CountRow, monthly_counts
from bot.web.appkeys import ENGINE
from bot.web.desk_auth import render, staff_only
from bot.web.desk_labels import label

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
    kind = DIMENSIONS.get(dimension, (None, None))[1]
    if kind:
        return label(kind, value)
    return value or "Ikke oplyst"


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
        "tables": tables(rows), "total": sum(totals.values()),
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
