"""Oversight pages for officers above the station: the zone monitor (rolled up for a division, region and
headquarters), headquarters' page, and reports (the daily PDF, CSV exports).

The numbers come from thana.store.oversight (aggregate SQL, scoped); charts from thana.web.charts
(matplotlib); maps are inline SVG of the force's jurisdictions (thana.web.svg), with a table beside each
carrying the same numbers.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import shapely
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from shapely.geometry import box

from thana.cases.access import Principal
from thana.force.model import Force, Unit
from thana.store import oversight as figures
from thana.store.db import get_database
from thana.store.schema import cases, utcnow
from thana.web import charts
from thana.web.staff import Lang, Officer, TheForce, staff_render
from thana.web.staff_i18n import ts
from thana.web.svg import Frame, frame_for, path_d

router = APIRouter(include_in_schema=False)

# Sequential classes for the choropleth (light to dark; the lightest is "none overdue").
PALETTE = ("#eef2f6", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
MAP_WIDTH = 560


# -- helpers shared by the pages -------------------------------------------------------------------------


def duration(minutes: float | None, lang: str = "en") -> str:
    """12 min, 3.5 h, 2.1 d — or a dash."""
    if minutes is None:
        return "–"
    if minutes < 60:
        return f"{minutes:.0f} {ts(lang, 'unit_min')}"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} {ts(lang, 'unit_h')}"
    return f"{minutes / 1440:.1f} {ts(lang, 'unit_d')}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def shown(kind: str, value, lang: str = "en") -> str:
    if kind == "pct":
        return percent(value)
    if kind == "minutes":
        return duration(value, lang)
    return f"{int(value or 0):,}"


def pick_unit(force: Force, who: Principal, unit_id: str | None) -> Unit:
    """The unit asked for, or the officer's own; 404 for one outside what the officer may see."""
    unit = force.units.get(unit_id) if unit_id else figures.home_unit(force, who)
    if unit is None or not figures.may_view(force, who, unit):
        raise HTTPException(404, f"no unit {unit_id!r} that you may see")
    return unit


def csv_response(header: list[str], rows: list[list], filename: str) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def classes(highest: int) -> list[tuple[int, int]]:
    """Ranges of overdue counts for the map's colours: 0, then up to four equal steps to the highest."""
    if highest <= 0:
        return [(0, 0)]
    step = max(1, math.ceil(highest / 4))
    out, lo = [(0, 0)], 1
    while lo <= highest and len(out) < len(PALETTE):
        hi = highest if len(out) == len(PALETTE) - 1 else min(highest, lo + step - 1)
        out.append((lo, hi))
        lo = hi + 1
    return out


def fill_for(value: int, ranges: list[tuple[int, int]]) -> str:
    for i, (lo, hi) in enumerate(ranges):
        if lo <= value <= hi:
            return PALETTE[i]
    return PALETTE[len(ranges) - 1]


_geometry: dict[tuple, dict] = {}


def unit_geometry(force: Force, unit: Unit, width: int = MAP_WIDTH) -> dict | None:
    """SVG paths of a unit's station areas, with the neighbouring areas in the frame for context (cached)."""
    key = (force.id, force.version, unit.id, width)
    if key in _geometry:
        return _geometry[key]
    stations = [s.id for s in figures.row_stations(force, unit) if s.id in force.jurisdictions]
    if not stations:
        _geometry[key] = None
        return None
    frame = frame_for([force.jurisdictions[s] for s in stations], width)
    window = box(frame.minx, frame.miny, frame.maxx, frame.maxy)
    mine = set(stations)
    context = []
    for uid, geom in force.jurisdictions.items():
        if uid not in mine and geom.intersects(window):
            d = path_d(geom.intersection(window), frame)
            if d:
                context.append(d)
    if force.outline is not None and unit.kind == "headquarters":
        context = []
    areas = {s: path_d(force.jurisdictions[s], frame) for s in stations}
    _geometry[key] = {"view_box": frame.view_box, "areas": areas, "context": context, "frame": frame}
    return _geometry[key]


def choropleth(force: Force, unit: Unit, rows: list[dict], lang: str) -> dict | None:
    geometry = unit_geometry(force, unit)
    if geometry is None:
        return None
    by_id = {r["id"]: r for r in rows}
    ranges = classes(max((by_id[s]["overdue"] for s in geometry["areas"] if s in by_id), default=0))
    areas, overdue_word, open_word = [], ts(lang, "overdue").lower(), ts(lang, "open").lower()
    for station_id, d in geometry["areas"].items():
        row = by_id.get(station_id) or {"overdue": 0, "open": 0}
        name = force.units[station_id].name_in(lang)
        areas.append(
            {
                "id": station_id,
                "d": d,
                "fill": fill_for(row["overdue"], ranges),
                "overdue": row["overdue"],
                "open": row["open"],
                "title": f"{name}: {row['overdue']} {overdue_word}, {row['open']} {open_word}",
            }
        )
    legend = [{"fill": PALETTE[i], "label": str(lo) if lo == hi else f"{lo}–{hi}"} for i, (lo, hi) in enumerate(ranges)]
    return {"view_box": geometry["view_box"], "areas": areas, "context": geometry["context"], "legend": legend}


def chart_words(lang: str) -> dict[str, str]:
    keys = ("cases", "minutes", "hours", "volume_7", "volume_30", "response_7", "response_30")
    return {k: ts(lang, "chart_" + k) for k in keys}


def _local_today(force: Force) -> date:
    return utcnow().astimezone(ZoneInfo(force.timezone)).date()


# -- the monitor -----------------------------------------------------------------------------------------


def monitor_rows_csv(force: Force, data: dict) -> Response:
    header = ["station_id", "station", "zone", *[c[0] for c in figures.COLUMNS]]
    body = []
    for r in data["rows"]:
        zone = force.ancestor_of_kind(r["id"], "zone") if r["id"] in force.units else None
        body.append([r["id"], r["name"], zone.name if zone else "", *[_csv_value(r[c[0]]) for c in figures.COLUMNS]])
    return csv_response(header, body, f"monitor-{data['unit'].id}.csv")


def _csv_value(value):
    return "" if value is None else value


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(
    request: Request,
    force: TheForce,
    lang: Lang,
    who: Officer,
    unit: str | None = None,
    format: str | None = None,
):
    chosen = pick_unit(force, who, unit)
    db = get_database()
    if format == "csv":
        return monitor_rows_csv(force, figures.monitor(db, force, who, chosen, trend=False))
    # The trend (its data and its charts) is kept a minute per unit and scope; while kept, the query skips
    # it. Up to STALE_SECONDS old it is still shown, and drawn again in the background for the next view.
    scope = "city" if who.city_wide else who.unit_id
    key = ("monitor", db.url, scope, chosen.id, lang)

    def drawn(series: list[dict]) -> dict:
        return {"trend": series, "svgs": charts.trend_svgs(series, chart_words(lang), f"m-{chosen.id}")}

    kept = charts.peek(key)
    if kept is None:
        kept = charts.peek(key, charts.STALE_SECONDS)
        if kept is not None:
            charts.refresh_later(key, lambda: drawn(figures.monitor_trend(db, force, who, chosen)))
    data = figures.monitor(db, force, who, chosen, trend=kept is None)
    if kept is None:
        kept = charts.cached(key, lambda: drawn(data["trend"]))
    data["trend"] = kept["trend"]
    zone_of = {
        r["id"]: (force.ancestor_of_kind(r["id"], "zone").name if force.ancestor_of_kind(r["id"], "zone") else "")
        for r in data["rows"]
        if r["id"] in force.units
    }
    return staff_render(
        request,
        "staff/monitor.html",
        lang,
        force=force,
        unit=chosen,
        data=data,
        columns=figures.COLUMNS,
        show=lambda kind, value: shown(kind, value, lang),
        map=choropleth(force, chosen, data["rows"], lang),
        charts=kept["svgs"],
        choices=figures.viewable_units(force, who),
        zone_of=zone_of,
        rolled_up=chosen.kind in ("headquarters", "region"),
        no_station=figures.NO_STATION,
        today=_local_today(force).isoformat(),
    )


# -- headquarters ----------------------------------------------------------------------------------------


_city: dict[tuple, dict] = {}


def city_map(force: Force, width: int = MAP_WIDTH) -> dict:
    key = (force.id, force.version, width)
    if key not in _city:
        geoms = list(force.jurisdictions.values())
        frame = frame_for(geoms, width)
        outline = force.outline if force.outline is not None else shapely.union_all(geoms)
        _city[key] = {
            "frame": frame,
            "view_box": frame.view_box,
            "areas": [path_d(g, frame, tolerance_px=0.8) for g in geoms],
            "outline": path_d(outline, frame, tolerance_px=0.8),
        }
    return _city[key]


def cluster_marks(frame: Frame, clusters: list[dict]) -> list[dict]:
    out = []
    for c in clusters:
        if c["lat"] is None or c["lon"] is None:
            continue
        x, y = frame.xy(c["lon"], c["lat"])
        if not (0 <= x <= frame.width and 0 <= y <= frame.height):
            continue
        out.append(c | {"x": round(x, 1), "y": round(y, 1), "r": round(3 + 3 * math.sqrt(c["count"]), 1)})
    return out


def _require_hq(who: Principal) -> None:
    if not who.city_wide:
        raise HTTPException(403, "headquarters' page is for headquarters and administrators")


UNROUTED_HEADER = ["reference", "priority", "status", "category", "channel", "received_at", "due_at", "overdue"]


@router.get("/hq", response_class=HTMLResponse)
def hq_page(request: Request, force: TheForce, lang: Lang, who: Officer, format: str | None = None):
    _require_hq(who)
    db = get_database()
    if format == "csv":
        items, _ = figures.unrouted(db, force, who, limit=100_000)
        rows = [
            [c["reference"], c["priority"] or "", c["status"], c["category"], c["channel"], c["received_at"]]
            + [c["due_at"] or "", "yes" if c["overdue"] else "", c["place"] or "", c["summary"]]
            for c in items
        ]
        return csv_response([*UNROUTED_HEADER, "place", "summary"], rows, "unrouted.csv")
    queue, queue_total = figures.unrouted(db, force, who, limit=100)
    redirected = figures.redirections(db, force, who)
    kind, clusters = figures.incident_clusters(db, force, who)
    city = city_map(force)
    volume = figures.volume_by(db, force, who, {"channel": cases.c.channel, "category": cases.c.category})
    by_channel, by_category = volume["channel"], volume["category"]

    def bars() -> dict[str, str]:
        word = ts(lang, "chart_cases")
        return {
            "channel": charts.bars_svg(by_channel, word, "hq-ch", ts(lang, "volume_channel")),
            "category": charts.bars_svg(
                [(c.replace("_", " "), n) for c, n in by_category], word, "hq-cat", ts(lang, "volume_category")
            ),
        }

    return staff_render(
        request,
        "staff/hq.html",
        lang,
        force=force,
        queue=queue,
        queue_total=queue_total,
        redirected=redirected,
        cluster_kind=kind,
        clusters=cluster_marks(city["frame"], clusters),
        city=city,
        by_channel=by_channel,
        by_category=by_category,
        bars=charts.cached(("hq", db.url, lang), bars),
    )


# -- reports ---------------------------------------------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, force: TheForce, lang: Lang, who: Officer):
    return staff_render(
        request,
        "staff/reports.html",
        lang,
        force=force,
        choices=figures.viewable_units(force, who),
        today=_local_today(force).isoformat(),
        station_officer=who.role in ("desk_officer", "station_incharge") and not who.city_wide,
    )


@router.get("/reports/daily.pdf")
def daily_pdf(force: TheForce, who: Officer, unit: str | None = None, date: str | None = None) -> Response:
    from thana.web.daily_report import daily_report_pdf

    chosen = pick_unit(force, who, unit)
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date() if date else _local_today(force)
    except ValueError:
        raise HTTPException(400, "date: give it as YYYY-MM-DD") from None
    pdf = daily_report_pdf(get_database(), force, who, chosen, day)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="daily-{chosen.id}-{day.isoformat()}.pdf"'},
    )
