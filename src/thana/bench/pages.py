"""`thana bench generate-cases` and `thana bench pages`: the officers' pages with a million cases.

generate-cases fills PostgreSQL with realistic cases in SQL alone (INSERT … SELECT over generate_series):
spread over the force's stations (a few busy, most quiet), categories with their priorities, the channels,
and the last 60 days; each case's status follows its age, and its acknowledgement, first response and
resolution come at plausible delays from its service level (some late, so some overdue and escalated).

pages measures server time through the real FastAPI application, in-process (TestClient: no network),
with an API token: the station inbox (first page, for a desk officer of the busiest station) and the zone
monitor (for the DCP of that station's zone): its data queries alone, and the page as served with the
charts cached and with them drawn afresh. Median and p95 over N requests each. Then it adds the indexes
the monitor needs (RECOMMENDED_INDEXES; CREATE INDEX IF NOT EXISTS) and measures again.
"""

from __future__ import annotations

import math
import os
import random
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text

from thana.force.model import Force
from thana.triage.taxonomy import BY_CODE

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DAYS = 60
BATCH = 100_000
SLOTS = 10_000

# Share of cases per category (spam opens no case, so none here).
CATEGORY_WEIGHTS = {
    "theft": 22,
    "nuisance": 14,
    "other": 12,
    "cyber_fraud": 8,
    "traffic": 7,
    "civic": 6,
    "information": 6,
    "women_safety": 4,
    "senior_citizen": 3,
    "missing_person": 3,
    "drugs_illegal": 3,
    "emergency": 2.5,
    "child_safety": 1.5,
    "railway": 2,
    "police_conduct": 1.5,
    "appreciation": 2,
}
CHANNEL_SHARES = (("x", 0.35), ("whatsapp", 0.30), ("sms", 0.15), ("web", 0.15), ("open311", 0.05))

# Found with EXPLAIN ANALYZE on a million cases: the monitor's one pass reads a zone's cases of the last 30
# days (~40-50,000 rows). With only ix_cases_zone_status it is a bitmap heap scan over every case of the zone,
# visiting ~30,000 heap pages; with (zone_id, received_at) carrying the columns the figures need, it is an
# index-only scan of the window alone. In the schema: Index("ix_cases_zone_received", "zone_id", "received_at",
# postgresql_include=[...the INCLUDE columns below...]) (SQLite ignores INCLUDE: the plain two columns).
ZONE_WINDOW_COLUMNS = (
    "station_id",
    "priority",
    "status",
    "ack_due_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "escalation_level",
)
RECOMMENDED_INDEXES = {
    "ix_cases_zone_received": "CREATE INDEX IF NOT EXISTS ix_cases_zone_received ON cases (zone_id, received_at)"
    f" INCLUDE ({', '.join(ZONE_WINDOW_COLUMNS)})",
}


# -- generating ------------------------------------------------------------------------------------------


def _station_table(force: Force, seed: int) -> list[dict]:
    """Every active station with its zone, region and cyber station, and a weight (a few busy, most quiet)."""
    rng = random.Random(seed)
    stations = [s for s in force.stations() if s.kind == "station"]
    rng.shuffle(stations)
    out = []
    for rank, s in enumerate(stations, start=1):
        zone = force.ancestor_of_kind(s.id, "zone")
        region = force.ancestor_of_kind(s.id, "region")
        cyber = None
        if region:
            cyber = next((u.id for u in force.descendants(region.id) if u.kind == "cyber_station"), None)
        out.append(
            {
                "idx": rank,
                "station_id": s.id,
                "zone_id": zone.id if zone else None,
                "region_id": region.id if region else None,
                "cyber_id": cyber,
                "lat": s.lat if s.lat is not None else 19.07,
                "lon": s.lon if s.lon is not None else 72.88,
                "weight": 1.0 / rank**0.3,
            }
        )
    return out


def _slots(weights: list[float]) -> list[int]:
    """SLOTS entries, each the 1-based index of an item, as many for each as its share of the weight."""
    total = sum(weights)
    out: list[int] = []
    for i, w in enumerate(weights, start=1):
        out += [i] * max(1, round(SLOTS * w / total))
    return (out + [1] * SLOTS)[:SLOTS]


def _service_minutes(force: Force) -> tuple[str, str]:
    ack = " ".join(f"WHEN '{p}' THEN {lvl.acknowledge_minutes}" for p, lvl in _levels(force))
    act = " ".join(f"WHEN '{p}' THEN {lvl.first_action_minutes}" for p, lvl in _levels(force))
    return f"(CASE priority {ack} ELSE 1440 END)", f"(CASE priority {act} ELSE 10080 END)"


def _levels(force: Force):
    return [(p, force.service_level(p)) for p in ("P1", "P2", "P3", "P4")]


INSERT_SQL = """
INSERT INTO cases (
  reference, force_id, force_version, station_id, owner_unit_id, division_id, zone_id, region_id, desk,
  category, priority, language, agency_id, status, sensitive, channel, citizen, routed_by, lat, lon, summary,
  escalation_level, received_at, created_at, updated_at, ack_due_at, action_due_at, acknowledged_at,
  first_response_at, resolved_at, closed_at, escalated_to
)
WITH g AS (
  SELECT n, random() AS r_station, random() AS r_cat, random() AS r_age, random() AS r_status,
         random() AS r_ack, random() AS r_resp, random() AS r_res, random() AS r_ch, random() AS r_hq,
         random() AS r_esc, random() AS r_lat, random() AS r_lon
  FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS n
), placed AS (
  SELECT g.*, s.station_id AS s_id, s.zone_id AS s_zone, s.region_id AS s_region, s.cyber_id, s.lat AS s_lat,
         s.lon AS s_lon, c.category, c.priority,
         CAST(:now AS timestamptz) - r_age * interval '{days} days' AS received,
         r_age * {days} AS age_days
  FROM g
  JOIN bench_slots sl ON sl.slot = 1 + floor(g.r_station * {slots})::int
  JOIN bench_stations s ON s.idx = sl.idx
  JOIN bench_category_slots cs ON cs.slot = 1 + floor(g.r_cat * {slots})::int
  JOIN bench_categories c ON c.idx = cs.idx
), routed AS MATERIALIZED (
  SELECT p.*,
    CASE WHEN r_hq < 0.01 THEN NULL ELSE s_id END AS station,
    CASE WHEN r_hq < 0.01 THEN NULL
         WHEN category = 'cyber_fraud' AND cyber_id IS NOT NULL THEN cyber_id
         WHEN category = 'police_conduct' THEN s_zone
         ELSE s_id END AS owner,
    CASE WHEN r_hq < 0.01 OR (category = 'cyber_fraud' AND cyber_id IS NOT NULL) THEN NULL ELSE s_zone END AS zone,
    CASE WHEN r_hq < 0.01 THEN NULL ELSE s_region END AS region,
    CASE WHEN age_days < 1 THEN 0.5 WHEN age_days < 7 THEN 0.12 ELSE 0.02 END AS p_open,
    {ack_minutes} AS ack_min, {action_minutes} AS action_min
  FROM placed p
), decided AS (
  SELECT r.*,
    CASE
      WHEN r_status < p_open THEN
        CASE WHEN r_status / p_open < 0.3 THEN 'new' WHEN r_status / p_open < 0.5 THEN 'acknowledged'
             WHEN r_status / p_open < 0.7 THEN 'assigned' ELSE 'in_progress' END
      ELSE
        CASE WHEN (r_status - p_open) / (1 - p_open) < 0.60 THEN 'resolved'
             WHEN (r_status - p_open) / (1 - p_open) < 0.90 THEN 'closed'
             WHEN (r_status - p_open) / (1 - p_open) < 0.97 THEN 'redirected' ELSE 'merged' END
    END AS status
  FROM routed r
), timed AS MATERIALIZED (
  SELECT d.*,
    CASE WHEN status = 'new' THEN NULL
         ELSE least(CAST(:now AS timestamptz),
                    received + ack_min * 0.7 * -ln(1 - r_ack * 0.999) * interval '1 minute') END AS ack_at
  FROM decided d
), responded AS MATERIALIZED (
  SELECT t.*,
    CASE WHEN status IN ('new', 'redirected', 'merged') THEN NULL
         WHEN status = 'acknowledged' AND r_resp < 0.5 THEN NULL
         ELSE least(CAST(:now AS timestamptz),
                    ack_at + action_min * 0.25 * -ln(1 - r_resp * 0.999) * interval '1 minute') END AS first_at
  FROM timed t
), finished AS MATERIALIZED (
  SELECT r.*,
    CASE WHEN status IN ('resolved', 'closed')
         THEN least(CAST(:now AS timestamptz),
                    coalesce(first_at, ack_at, received)
                    + action_min * 0.8 * -ln(1 - r_res * 0.999) * interval '1 minute') END AS resolved
  FROM responded r
)
SELECT
  :prefix || lpad(CAST(n AS text), 8, '0'), :force_id, :force_version, station, owner, NULL, zone, region,
  CASE WHEN category = 'women_safety' THEN 'women' END,
  category, priority, 'en',
  CASE WHEN status = 'redirected' THEN (ARRAY['traffic', 'bmc', 'grp', 'adani-electricity'])[1 + (n % 4)] END,
  status, category IN ({sensitive}),
  CASE WHEN r_ch < {ch1} THEN 'x' WHEN r_ch < {ch2} THEN 'whatsapp' WHEN r_ch < {ch3} THEN 'sms'
       WHEN r_ch < {ch4} THEN 'web' ELSE 'open311' END,
  'bench-' || CAST(n AS text), CASE WHEN station IS NULL THEN 'hq' ELSE 'handle' END,
  s_lat + (r_lat - 0.5) * 0.02, s_lon + (r_lon - 0.5) * 0.02,
  'Generated case about ' || replace(category, '_', ' '),
  CASE WHEN r_esc < 0.6 AND ((ack_at IS NULL AND received + ack_min * interval '1 minute' < CAST(:now AS timestamptz))
                             OR ack_at > received + ack_min * interval '1 minute')
       THEN 1 + (n % 3) ELSE 0 END,
  received, received, coalesce(resolved, first_at, ack_at, received),
  received + ack_min * interval '1 minute', received + action_min * interval '1 minute',
  ack_at, first_at, resolved,
  CASE WHEN status = 'closed' THEN least(CAST(:now AS timestamptz), resolved + interval '1 day') END,
  NULL
FROM finished
"""


def _prepare(conn, force: Force, seed: int) -> None:
    stations = _station_table(force, seed)
    conn.execute(text("DROP TABLE IF EXISTS bench_stations, bench_slots, bench_categories, bench_category_slots"))
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_stations (idx int PRIMARY KEY, station_id text, zone_id text, region_id text,"
            " cyber_id text, lat float8, lon float8)"
        )
    )
    conn.execute(
        text("INSERT INTO bench_stations VALUES (:idx, :station_id, :zone_id, :region_id, :cyber_id, :lat, :lon)"),
        stations,
    )
    conn.execute(text("CREATE TEMP TABLE bench_slots (slot int PRIMARY KEY, idx int)"))
    slots = _slots([s["weight"] for s in stations])
    conn.execute(
        text("INSERT INTO bench_slots VALUES (:slot, :idx)"), [{"slot": i + 1, "idx": v} for i, v in enumerate(slots)]
    )
    categories = list(CATEGORY_WEIGHTS)
    conn.execute(text("CREATE TEMP TABLE bench_categories (idx int PRIMARY KEY, category text, priority text)"))
    conn.execute(
        text("INSERT INTO bench_categories VALUES (:idx, :category, :priority)"),
        [
            {"idx": i, "category": c, "priority": BY_CODE[c].default_priority or "P4"}
            for i, c in enumerate(categories, start=1)
        ],
    )
    conn.execute(text("CREATE TEMP TABLE bench_category_slots (slot int PRIMARY KEY, idx int)"))
    cslots = _slots([CATEGORY_WEIGHTS[c] for c in categories])
    conn.execute(
        text("INSERT INTO bench_category_slots VALUES (:slot, :idx)"),
        [{"slot": i + 1, "idx": v} for i, v in enumerate(cslots)],
    )
    conn.execute(
        text("ANALYZE bench_stations; ANALYZE bench_slots; ANALYZE bench_categories; ANALYZE bench_category_slots")
    )


def generate_cases(
    url: str,
    force: Force,
    count: int,
    *,
    seed: int = 11,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Insert `count` generated cases into the PostgreSQL database at `url` (migrated first)."""
    from thana.store.db import Database

    db = Database(url)
    if not db.is_postgres:
        raise ValueError(
            "generate-cases fills PostgreSQL (INSERT … SELECT over generate_series); give a postgresql URL"
        )
    db.migrate()
    now = now or datetime.now(UTC)
    ack, action = _service_minutes(force)
    shares, edges = 0.0, []
    for _, share in CHANNEL_SHARES[:-1]:
        shares += share
        edges.append(shares)
    sensitive = ", ".join(f"'{c}'" for c in CATEGORY_WEIGHTS if BY_CODE[c].sensitive)
    sql = INSERT_SQL.format(
        days=DAYS,
        slots=SLOTS,
        ack_minutes=ack,
        action_minutes=action,
        sensitive=sensitive,
        ch1=edges[0],
        ch2=edges[1],
        ch3=edges[2],
        ch4=edges[3],
    )
    prefix = f"G{secrets.token_hex(2).upper()}-"
    start = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execute(text("SET jit = off"))  # compiling this one big expression costs more than it saves
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
        _prepare(conn, force, seed)
        # A bulk load: drop the plain (non-unique) indexes of cases, load, and build them again at the end,
        # which is several times faster than maintaining them row by row.
        plain = dict(
            conn.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname"
                    " JOIN pg_index x ON x.indexrelid = c.oid"
                    " WHERE i.tablename = 'cases' AND NOT x.indisunique AND NOT x.indisprimary"
                )
            ).all()
        )
        for name in plain:
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        conn.commit()
        try:
            done = 0
            while done < count:
                hi = min(count, done + BATCH)
                conn.execute(
                    text(sql),
                    {
                        "lo": done + 1,
                        "hi": hi,
                        "now": now,
                        "prefix": prefix,
                        "force_id": force.id,
                        "force_version": force.version,
                    },
                )
                conn.commit()
                done = hi
                if progress:
                    progress(done, count)
        finally:
            conn.rollback()
            conn.execute(text("SET maintenance_work_mem = '256MB'"))
            for definition in plain.values():
                conn.execute(text(definition))
            conn.commit()
    inserted = time.perf_counter() - start
    autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        conn.execute(text("VACUUM (ANALYZE) cases"))
    with db.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    db.dispose()
    return {
        "inserted": count,
        "cases_in_database": int(total),
        "seconds": round(inserted, 1),
        "per_second": round(count / inserted) if inserted else None,
        "reference_prefix": prefix,
    }


# -- measuring -------------------------------------------------------------------------------------------


def _stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1], 1),
        "n": len(ordered),
    }


def _stale_charts() -> None:
    """Charts a little over a minute old, with no redraw under way (as the next view after a quiet minute)."""
    charts = _charts()
    charts.wait_for_refreshes()
    charts.age_cache(charts.CACHE_SECONDS + 1)


def _timed(fn: Callable[[], object], n: int, before: Callable[[], None] | None = None) -> dict:
    fn()  # warm: the first request loads the force, the templates and the connection pool
    times = []
    for _ in range(n):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return _stats(times)


def _busiest(db) -> tuple[str, str]:
    from thana.store.schema import cases

    with db.engine.connect() as conn:
        row = conn.execute(
            select(cases.c.station_id, cases.c.zone_id, func.count())
            .where(cases.c.station_id.is_not(None), cases.c.zone_id.is_not(None))
            .group_by(cases.c.station_id, cases.c.zone_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
    if row is None:
        raise ValueError("the database has no cases: run `thana bench generate-cases` first")
    return row[0], row[1]


def _present_indexes(db) -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'cases'")).scalars())


def measure(url: str, force: Force, requests: int = 20) -> dict:
    """Server time of the inbox and the monitor on the database at `url` (which has its cases already)."""
    from fastapi.testclient import TestClient

    from thana.config import reload_settings
    from thana.store import oversight
    from thana.store.cases import Filters, list_cases
    from thana.store.db import forget_databases, get_database
    from thana.store.users import create_token, token_principal
    from thana.web import charts
    from thana.web.app import create_app

    os.environ["THANA_DATABASE_URL"] = url
    forget_databases()
    reload_settings()
    db = get_database(url)
    db.migrate()
    station, zone = _busiest(db)
    desk_token = create_token(db, force, name="bench desk officer", role="desk_officer", unit_id=station)
    dcp_token = create_token(db, force, name="bench dcp", role="dcp", unit_id=zone)
    desk, dcp = token_principal(db, desk_token), token_principal(db, dcp_token)
    with db.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    open_filter = Filters(status="new,acknowledged,assigned,in_progress,transferred,reopened")
    figures: dict = {
        "cases": int(total),
        "station": station,
        "zone": zone,
        "requests": requests,
    }

    def phase() -> dict:
        out = {}
        with TestClient(create_app()) as client:
            inbox_headers = {"Authorization": f"Bearer {desk_token}", "Accept": "text/html"}
            monitor_headers = {"Authorization": f"Bearer {dcp_token}", "Accept": "text/html"}

            def get(path: str, headers: dict) -> None:
                r = client.get(path, headers=headers)
                if r.status_code != 200:
                    raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:200]}")

            out["inbox_list_cases"] = _timed(
                lambda: list_cases(db, force, desk, open_filter, page=1, per_page=50), requests
            )
            out["inbox_page"] = _timed(lambda: get("/inbox", inbox_headers), requests)
            out["monitor_queries"] = _timed(lambda: oversight.monitor(db, force, dcp, force.units[zone]), requests)
            out["monitor_page"] = _timed(lambda: get("/monitor", monitor_headers), requests)
            # charts older than a minute: shown as they are, drawn again in the background for the next view
            out["monitor_page_charts_stale"] = _timed(
                lambda: get("/monitor", monitor_headers), requests, before=_stale_charts
            )
            out["monitor_page_charts_redrawn"] = _timed(
                lambda: get("/monitor", monitor_headers), requests, before=charts.clear_cache
            )
        return out

    missing = [name for name in RECOMMENDED_INDEXES if name not in _present_indexes(db)]
    if missing:
        figures["before_indexes"] = phase()
        with db.engine.begin() as conn:
            for name in missing:
                conn.execute(text(RECOMMENDED_INDEXES[name]))
        with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("VACUUM (ANALYZE) cases"))  # the visibility map, for index-only scans
        figures["indexes_added"] = {name: RECOMMENDED_INDEXES[name] for name in missing}
    figures["with_indexes"] = phase()
    figures["target_ms"] = 300
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine inflates the figures
    figures["within_target"] = all(
        figures["with_indexes"][k]["p95_ms"] <= 300 for k in ("inbox_page", "monitor_page", "monitor_page_charts_stale")
    )
    forget_databases()
    return figures


def fresh_database(admin_url: str | None = None) -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database for one run, and the function that drops it."""
    import uuid

    from thana.store.db import forget_databases

    admin_url = admin_url or os.environ.get("THANA_BENCH_POSTGRES_URL", DEFAULT_PG)
    name = f"thana_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        forget_databases()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def run(force: Force, url: str | None, count: int, requests: int = 20, progress=None) -> dict:
    """With a URL: measure that database as it is. Without: a fresh database, `count` cases, measure, drop."""
    if url:
        return measure(url, force, requests)
    url, drop = fresh_database()
    try:
        generated = generate_cases(url, force, count, progress=progress)
        figures = measure(url, force, requests)
        figures["generated"] = generated
        return figures
    finally:
        drop()


def named_database(name: str, admin_url: str | None = None) -> str:
    """The URL of database `name` on the bench's PostgreSQL server, created if absent."""
    admin_url = admin_url or os.environ.get("THANA_BENCH_POSTGRES_URL", DEFAULT_PG)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _charts():
    from thana.web import charts  # matplotlib loads only when the pages are measured

    return charts
