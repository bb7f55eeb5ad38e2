"""Oversight figures in aggregate SQL: per station (and rolled up per zone) for a unit, within a time window.

Every query is restricted by case_scope (who asks) and by the unit looked at; the flows (cases received,
acknowledged in time, medians, escalations) by a time window too. The live state (open, overdue) counts
every open case of the unit, however old: an old forgotten case is exactly what oversight must see, and
`status IN (open statuses)` is selective and indexed.

Medians come from one helper, `aggregate`: percentile_cont on PostgreSQL; on SQLite (no ordered-set
aggregates) the values of the window are fetched, one column each, and the median is taken in Python.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Numeric, and_, case, cast, false, func, literal, or_, select, text, true, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from thana.cases import lifecycle
from thana.cases.access import Principal
from thana.force.model import STATION_KINDS, Force, Unit, natural_key
from thana.store.access import case_scope
from thana.store.cases import overdue_clause, summary
from thana.store.db import Database
from thana.store.schema import cases, dispatches, utcnow

WINDOW_DAYS = 30
NO_STATION = "_none"  # the row key of cases no station was found for (headquarters' queue)
NO_STATION_NAME = "No station (HQ queue)"

# The per-station columns, in order: (key, word in staff_i18n, kind). Pages, CSV and the PDF iterate over
# this, so a new figure (e.g. the Nirbhaya dispatch times, another issue) is one entry here plus its SQL.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "received_30d", "int"),
    ("open", "open", "int"),
    ("overdue", "overdue", "int"),
    ("ack_in_time_pct", "ack_in_time", "pct"),
    ("median_first_response_min", "median_first_response", "minutes"),
    ("median_resolution_min", "median_resolution", "minutes"),
    ("escalations", "escalations", "int"),
    ("dispatches", "dispatches", "int"),
    ("median_dispatch_reach_min", "median_dispatch_reach", "minutes"),
)


# -- the dialect-aware pieces ----------------------------------------------------------------------------


def seconds_between(db: Database, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    """later - earlier in seconds (NULL when either is NULL)."""
    if db.is_postgres:  # date_part gives double precision; extract() numeric, several times slower to sort
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def local_day(db: Database, force: Force, column: ColumnElement, now: datetime) -> ColumnElement:
    """The calendar day of a UTC timestamp in the force's time zone."""
    if db.is_postgres:
        return func.date(func.timezone(force.timezone, column))
    offset = now.astimezone(ZoneInfo(force.timezone)).utcoffset() or timedelta(0)
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def aggregate(
    conn: Connection,
    db: Database,
    *,
    where: ColumnElement,
    keys: Iterable[ColumnElement] = (),
    sets: Iterable[tuple[int, ...]] | None = None,
    counts: dict[str, ColumnElement] | None = None,
    medians: dict[str, ColumnElement] | None = None,
) -> dict[tuple, dict]:
    """Aggregates of the cases matching `where`, in ONE pass over them: each count expression (an aggregate)
    and the median of each median expression (NULLs ignored), per group.

    Without `sets`: one GROUP BY over all `keys` (none: one group, key ()); returns {key tuple: figures}.
    With `sets` (tuples of positions in `keys`; () is the grand total): GROUP BY GROUPING SETS on
    PostgreSQL; returns {(set position, key tuple): figures}. On SQLite each set's counts are one GROUP BY
    and the medians are taken in Python from one fetch of the values."""
    keys, counts, medians = list(keys), counts or {}, medians or {}
    plain = sets is None
    sets = [tuple(range(len(keys)))] if plain else [tuple(x) for x in sets]
    n, names = len(keys), [*counts, *medians]
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    out: dict[tuple, dict] = {}

    def slot(set_index: int, key: tuple) -> dict:
        return out.setdefault(key if plain else (set_index, key), {})

    if db.is_postgres:
        masks = {sum(1 << (n - 1 - i) for i in range(n) if i not in s): j for j, s in enumerate(sets)}
        columns = [
            *labelled,
            (func.grouping(*keys) if n else literal(0)).label("grouping_mask"),
            *(expr.label(name) for name, expr in counts.items()),
            *(func.percentile_cont(0.5).within_group(expr).label(name) for name, expr in medians.items()),
        ]
        stmt = select(*columns).select_from(cases).where(where)
        if n and plain:
            stmt = stmt.group_by(*keys)
        elif n:
            stmt = stmt.group_by(func.grouping_sets(*(tuple_(*(keys[i] for i in s)) for s in sets)))
        for row in conn.execute(stmt).all():
            j = 0 if plain else masks[row[n]]
            values = dict(zip(names, row[n + 1 :], strict=True))
            slot(j, _key(row[i] for i in sets[j])).update(
                {k: (float(v) if k in medians and v is not None else v) for k, v in values.items()}
            )
        return out
    for j, s in enumerate(sets):
        if not counts:
            break
        group = [keys[i] for i in s]
        stmt = select(*group, *(expr.label(name) for name, expr in counts.items())).select_from(cases).where(where)
        if group:
            stmt = stmt.group_by(*group)
        for row in conn.execute(stmt).all():
            slot(j, _key(row[: len(group)])).update(zip(counts, row[len(group) :], strict=True))
    if medians:
        collected: dict[tuple, dict[str, list[float]]] = {}
        stmt = (
            select(*labelled, *(expr.label(name) for name, expr in medians.items()))
            .select_from(cases)
            .where(where, or_(*(expr.is_not(None) for expr in medians.values())))
        )
        for row in conn.execute(stmt):
            for j, s in enumerate(sets):
                lists = collected.setdefault((j, _key(row[i] for i in s)), {name: [] for name in medians})
                for name, value in zip(medians, row[n:], strict=True):
                    if value is not None:
                        lists[name].append(float(value))
        for (j, key), lists in collected.items():
            target = slot(j, key)
            for name, values in lists.items():
                target[name] = statistics.median(values) if values else None
    for figures in out.values():
        for name in counts:
            figures.setdefault(name, 0)
        for name in medians:
            figures.setdefault(name, None)
    return out


def _key(values) -> tuple:
    return tuple(v.isoformat() if isinstance(v, date) else v for v in values)


def _sum(condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# -- units and scope -------------------------------------------------------------------------------------


def unit_clause(unit: Unit) -> ColumnElement[bool]:
    """The cases of a unit: a station's (owned or of its area), or everything under a division, zone, region."""
    if unit.kind == "headquarters":
        return true()
    if unit.kind in STATION_KINDS or unit.kind == "control_room":
        return or_(cases.c.owner_unit_id == unit.id, cases.c.station_id == unit.id)
    column = {"division": cases.c.division_id, "zone": cases.c.zone_id, "region": cases.c.region_id}.get(unit.kind)
    return column == unit.id if column is not None else false()


def may_view(force: Force, who: Principal, unit: Unit) -> bool:
    """An officer looks at their own unit or one below it; headquarters and administrators at any."""
    if who.city_wide:
        return True
    return bool(who.unit_id) and who.unit_id in force.units and force.is_within(unit.id, who.unit_id)


def home_unit(force: Force, who: Principal) -> Unit:
    if who.city_wide or not who.unit_id or who.unit_id not in force.units:
        return force.root
    return force.units[who.unit_id]


def viewable_units(force: Force, who: Principal) -> list[Unit]:
    """The units an officer may pick on the monitor and for reports, from the top down."""
    top = home_unit(force, who)
    order = {"headquarters": 0, "region": 1, "zone": 2, "division": 3}
    below = [u for u in force.descendants(top.id) if u.kind in order]
    return [top, *sorted(below, key=lambda u: (order[u.kind], natural_key(u.name)))]


def row_stations(force: Force, unit: Unit) -> list[Unit]:
    """The stations a unit's table lists (every active one, even without cases)."""
    if unit.kind in STATION_KINDS or unit.kind == "control_room":
        return [unit]
    return [s for s in force.stations_under(unit.id) if s.active]


def _is_station(unit: Unit) -> bool:
    return unit.kind in STATION_KINDS or unit.kind == "control_room"


# -- the figures -----------------------------------------------------------------------------------------


def _flow_counts(db: Database, now: datetime) -> tuple[dict, dict]:
    decided = and_(cases.c.ack_due_at.is_not(None), or_(cases.c.acknowledged_at.is_not(None), cases.c.ack_due_at < now))
    in_time = and_(cases.c.acknowledged_at.is_not(None), cases.c.acknowledged_at <= cases.c.ack_due_at)
    counts = {
        "received": func.count(),
        "p1": _sum(cases.c.priority == "P1"),
        "ack_decided": _sum(decided),
        "ack_in_time": _sum(and_(decided, in_time)),
        "escalations": _sum(cases.c.escalation_level > 0),
    }
    medians = {
        "median_first_response_min": seconds_between(db, cases.c.first_response_at, cases.c.received_at) / 60.0,
        "median_resolution_min": seconds_between(db, cases.c.resolved_at, cases.c.received_at) / 60.0,
    }
    return counts, medians


def _blank() -> dict:
    return {
        "received": 0,
        "p1": 0,
        "open": 0,
        "overdue": 0,
        "ack_decided": 0,
        "ack_in_time": 0,
        "ack_in_time_pct": None,
        "median_first_response_min": None,
        "median_resolution_min": None,
        "escalations": 0,
        "dispatches": 0,
        "median_dispatch_reach_min": None,
    }


def _finish(figures: dict) -> dict:
    decided = figures.get("ack_decided") or 0
    figures["ack_in_time_pct"] = round(100.0 * figures["ack_in_time"] / decided, 1) if decided else None
    for name in ("median_first_response_min", "median_resolution_min", "median_dispatch_reach_min"):
        if figures.get(name) is not None:
            figures[name] = round(figures[name], 1)
    return figures


def window_start(force: Force, until: datetime, days: int) -> datetime:
    """Local midnight `days - 1` days before `until`'s day: the window of the flows and of the trend."""
    tz = ZoneInfo(force.timezone)
    first = until.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tz).astimezone(UTC)


def _station_key(unit: Unit) -> ColumnElement | None:
    return None if _is_station(unit) else func.coalesce(cases.c.station_id, NO_STATION)


def figures_by(
    conn: Connection,
    db: Database,
    force: Force,
    where: ColumnElement,
    by: dict[str, ColumnElement],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
) -> dict[str, dict]:
    """{name: {value: figures}} for each grouping in `by`, plus "total": {None: figures}. Flows over the
    cases received in [since, until) — one pass over them, all groupings at once — and the open and overdue
    cases now (a second, small pass over the open ones)."""
    names = list(by)
    sets = [(i,) for i in range(len(names))] + [()]
    counts, medians = _flow_counts(db, now)
    if db.is_postgres:  # the medians sort each group: in memory, not on disk (this transaction only)
        conn.execute(text("SET LOCAL work_mem = '64MB'"))
    flows = aggregate(
        conn,
        db,
        where=and_(where, cases.c.received_at >= since, cases.c.received_at < until),
        keys=[by[n] for n in names],
        sets=sets,
        counts=counts,
        medians=medians,
    )
    state_names = [n for n in names if n != "day"]
    state = aggregate(
        conn,
        db,
        where=and_(where, cases.c.status.in_(sorted(lifecycle.OPEN))),
        keys=[by[n] for n in state_names],
        sets=[(i,) for i in range(len(state_names))] + [()],
        counts={"open": func.count(), "overdue": _sum(overdue_clause(now))},
    )
    out: dict[str, dict] = {name: {} for name in [*names, "total"]}
    for (j, key), figures in flows.items():
        name = names[j] if j < len(names) else "total"
        out[name][key[0] if key else None] = _blank() | figures
    for (j, key), figures in state.items():
        name = state_names[j] if j < len(state_names) else "total"
        target = out[name].setdefault(key[0] if key else None, _blank())
        target.update(figures)
    for groups in out.values():
        for figures in groups.values():
            _finish(figures)
    return out


def dispatch_times(
    conn: Connection, where: ColumnElement, by: dict[str, ColumnElement], *, since: datetime, until: datetime
) -> dict[str, dict]:
    """Nirbhaya squads sent in [since, until) to the cases matching `where`: {name: {value: {dispatches,
    median_dispatch_reach_min}}} per grouping in `by`, plus "total". Squads go out a few times a day per
    zone, so the minutes are fetched and the medians taken here, the same on both databases."""
    names = [n for n in by if n != "day"]
    stmt = (
        select(*(by[n] for n in names), dispatches.c.dispatched_at, dispatches.c.reached_at)
        .select_from(dispatches.join(cases, cases.c.id == dispatches.c.case_id))
        .where(where, dispatches.c.dispatched_at >= since, dispatches.c.dispatched_at < until)
    )
    minutes: dict[str, dict] = {name: {} for name in [*names, "total"]}
    for row in conn.execute(stmt):
        sent, reached = row[-2], row[-1]
        took = (reached - sent).total_seconds() / 60.0 if reached is not None and reached >= sent else None
        for name, key in [*zip(names, row[: len(names)], strict=True), ("total", None)]:
            minutes[name].setdefault(key, []).append(took)
    return {
        name: {
            key: {
                "dispatches": len(values),
                "median_dispatch_reach_min": _median([v for v in values if v is not None]),
            }
            for key, values in groups.items()
        }
        for name, groups in minutes.items()
    }


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _station_rows(force: Force, unit: Unit, by_station: dict) -> list[dict]:
    rows, listed = [], set()
    for station in row_stations(force, unit):
        key = None if _is_station(unit) else station.id
        rows.append({"id": station.id, "name": station.name, "unit": station, **(by_station.get(key) or _blank())})
        listed.add(key)
    for key, figures in by_station.items():  # cases of the unit at a station outside it (e.g. owned above)
        if key in listed:
            continue
        found = force.units.get(key or "")
        name = found.name if found else (NO_STATION_NAME if key in (None, NO_STATION) else key)
        rows.append({"id": NO_STATION if key is None else key, "name": name, "unit": found, **figures})
    return rows


def _stations_of(figures: dict[str, dict], unit: Unit) -> dict:
    if _is_station(unit):
        return {None: figures["total"].get(None) or _blank()}
    return {(None if k == NO_STATION else k): v for k, v in figures.get("station", {}).items()}


def monitor(
    db: Database, force: Force, who: Principal, unit: Unit, *, trend: bool = True, now: datetime | None = None
) -> dict:
    """The zone monitor's numbers: per station, per zone (when the unit has several), the unit's total,
    and (unless trend=False, e.g. while the page has its charts cached) the daily trend over the window."""
    now = now or utcnow()
    since = window_start(force, now, WINDOW_DAYS)
    where = and_(case_scope(who, force), unit_clause(unit))
    by = {"day": local_day(db, force, cases.c.received_at, now)} if trend else {}
    if not _is_station(unit):
        by["station"] = _station_key(unit)
    if unit.kind in ("headquarters", "region"):
        by["zone"] = func.coalesce(cases.c.zone_id, NO_STATION)
    with db.engine.connect() as conn:
        found = figures_by(conn, db, force, where, by, since=since, until=now, now=now)
        for name, groups in dispatch_times(conn, where, by, since=since, until=now).items():
            for key, figures in groups.items():
                target = found[name].setdefault(key, _blank())
                target.update(figures)
                _finish(target)
    zones = []
    if "zone" in by:
        by_zone = dict(found["zone"])
        for zone in sorted(
            (u for u in force.descendants(unit.id) if u.kind == "zone"), key=lambda u: natural_key(u.name)
        ):
            zones.append({"id": zone.id, "name": zone.name, **(by_zone.pop(zone.id, None) or _blank())})
        for k, figures in by_zone.items():
            zones.append({"id": k, "name": force.units[k].name if k in force.units else NO_STATION_NAME, **figures})
    return {
        "unit": unit,
        "rows": _station_rows(force, unit, _stations_of(found, unit)),
        "zones": zones,
        "total": found["total"].get(None) or _blank(),
        "trend": _trend(force, found["day"], WINDOW_DAYS, now) if trend else None,
        "window_days": WINDOW_DAYS,
        "since": since,
        "now": now,
    }


def monitor_trend(db: Database, force: Force, who: Principal, unit: Unit) -> list[dict]:
    """The monitor's daily trend, to draw its charts again in the background."""
    return monitor(db, force, who, unit, trend=True)["trend"]


def _trend(force: Force, by_day: dict, days: int, until: datetime) -> list[dict]:
    """Per local day of the `days` days up to `until`: cases received and their median first response."""
    last = until.astimezone(ZoneInfo(force.timezone)).date()
    out = []
    for i in range(days):
        d = last - timedelta(days=days - 1 - i)
        figures = by_day.get(d.isoformat()) or {}
        out.append(
            {
                "day": d,
                "received": int(figures.get("received") or 0),
                "median_first_response_min": figures.get("median_first_response_min"),
            }
        )
    return out


# -- headquarters ----------------------------------------------------------------------------------------


def unrouted(db: Database, force: Force, who: Principal, *, limit: int = 200, now: datetime | None = None):
    """Open cases no station could be found for, newest first: (rows, how many in all)."""
    now = now or utcnow()
    where = and_(case_scope(who, force), cases.c.station_id.is_(None), cases.c.status.in_(sorted(lifecycle.OPEN)))
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(where)).scalar()
        rows = (
            conn.execute(select(cases).where(where).order_by(cases.c.received_at.desc()).limit(limit)).mappings().all()
        )
    return [summary(force, r, now) for r in rows], int(total or 0)


def redirections(db: Database, force: Force, who: Principal, *, now: datetime | None = None) -> dict:
    """Cases handed to other agencies over the window, per agency (1, 7 and 30 days), and the latest ones."""
    now = now or utcnow()
    where = and_(
        case_scope(who, force),
        cases.c.agency_id.is_not(None),
        cases.c.received_at >= now - timedelta(days=WINDOW_DAYS),
    )
    with db.engine.connect() as conn:
        found = aggregate(
            conn,
            db,
            where=where,
            keys=[cases.c.agency_id],
            counts={
                "day": _sum(cases.c.received_at >= now - timedelta(days=1)),
                "week": _sum(cases.c.received_at >= now - timedelta(days=7)),
                "month": func.count(),
            },
        )
        latest = (
            conn.execute(select(cases).where(where).order_by(cases.c.received_at.desc()).limit(20)).mappings().all()
        )
    agencies = []
    for (agency_id,), figures in found.items():
        agency = force.agency(agency_id)
        agencies.append({"id": agency_id, "name": agency.name if agency else agency_id, "agency": agency, **figures})
    agencies.sort(key=lambda a: (-a["month"], a["name"]))
    return {"agencies": agencies, "latest": [summary(force, r, now) for r in latest]}


def incident_clusters(db: Database, force: Force, who: Principal, *, days: int = 7, now: datetime | None = None):
    """('incidents', clusters) — cases grouped into one incident, at their mean position — or, while no
    incident has two reports yet, ('places', points): open cases by place."""
    now = now or utcnow()
    base = and_(case_scope(who, force), cases.c.received_at >= now - timedelta(days=days), cases.c.lat.is_not(None))
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                cases.c.incident_id,
                func.count().label("n"),
                func.avg(cases.c.lat).label("lat"),
                func.avg(cases.c.lon).label("lon"),
                func.min(cases.c.category).label("category"),
                func.max(cases.c.place_name).label("place"),
                func.max(cases.c.received_at).label("last"),
            )
            .where(base, cases.c.incident_id.is_not(None))
            .group_by(cases.c.incident_id)
            .having(func.count() >= 2)
            .order_by(func.count().desc())
            .limit(60)
        ).all()
        if rows:
            return "incidents", [
                {
                    "id": r.incident_id,
                    "count": r.n,
                    "lat": r.lat,
                    "lon": r.lon,
                    "category": r.category,
                    "place": r.place,
                }
                for r in rows
            ]
        lat3 = func.round(cast(cases.c.lat, Numeric(9, 6)), 3)
        lon3 = func.round(cast(cases.c.lon, Numeric(9, 6)), 3)
        rows = conn.execute(
            select(
                func.count().label("n"),
                func.avg(cases.c.lat).label("lat"),
                func.avg(cases.c.lon).label("lon"),
                func.max(cases.c.place_name).label("place"),
                func.min(cases.c.category).label("category"),
            )
            .where(base, cases.c.status.in_(sorted(lifecycle.OPEN)))
            .group_by(lat3, lon3)
            .order_by(func.count().desc())
            .limit(200)
        ).all()
    return "places", [
        {"id": None, "count": r.n, "lat": r.lat, "lon": r.lon, "category": r.category, "place": r.place} for r in rows
    ]


def volume_by(
    db: Database,
    force: Force,
    who: Principal,
    columns: dict[str, ColumnElement],
    *,
    days: int = 7,
    now: datetime | None = None,
) -> dict[str, list[tuple[str, int]]]:
    """{name: [(value, cases)], most first} over the last `days` days, for each column: one pass."""
    now = now or utcnow()
    names = list(columns)
    with db.engine.connect() as conn:
        found = aggregate(
            conn,
            db,
            where=and_(case_scope(who, force), cases.c.received_at >= now - timedelta(days=days)),
            keys=[columns[n] for n in names],
            sets=[(i,) for i in range(len(names))],
            counts={"n": func.count()},
        )
    out: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    for (j, key), figures in found.items():
        out[names[j]].append((key[0] or "—", int(figures["n"])))
    for pairs in out.values():
        pairs.sort(key=lambda p: (-p[1], p[0]))
    return out


# -- the daily report ------------------------------------------------------------------------------------


def report_period(force: Force, day: date, now: datetime) -> tuple[datetime, datetime]:
    """The 24 hours a daily report covers: those ending at the end of `day` (local), or now for today."""
    tz = ZoneInfo(force.timezone)
    end = min(now, datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC))
    return end - timedelta(hours=24), end


def daily(db: Database, force: Force, who: Principal, unit: Unit, day: date, *, now: datetime | None = None) -> dict:
    """The morning review's numbers for a unit: per station over the 24 hours, its P1 cases, the trend."""
    now = now or utcnow()
    since, until = report_period(force, day, now)
    where = and_(case_scope(who, force), unit_clause(unit))
    by = {} if _is_station(unit) else {"station": _station_key(unit)}
    with db.engine.connect() as conn:
        found = figures_by(conn, db, force, where, by, since=since, until=until, now=now)
        trend = figures_by(
            conn,
            db,
            force,
            where,
            {"day": local_day(db, force, cases.c.received_at, now)},
            since=window_start(force, until, WINDOW_DAYS),
            until=until,
            now=now,
        )["day"]
        p1 = (
            conn.execute(
                select(cases)
                .where(where, cases.c.priority == "P1", cases.c.received_at >= since, cases.c.received_at < until)
                .order_by(cases.c.received_at)
                .limit(500)
            )
            .mappings()
            .all()
        )
    p1_cases = []
    for r in p1:
        item = summary(force, r, now)
        ack = r["acknowledged_at"]
        item["acknowledged_at"] = ack.isoformat() if ack else None
        item["ack_in_time"] = bool(ack and r["ack_due_at"] and ack <= r["ack_due_at"])
        p1_cases.append(item)
    return {
        "unit": unit,
        "day": day,
        "since": since,
        "until": until,
        "rows": _station_rows(force, unit, _stations_of(found, unit)),
        "total": found["total"].get(None) or _blank(),
        "p1_cases": p1_cases,
        "trend": _trend(force, trend, WINDOW_DAYS, until),
        "now": now,
    }
