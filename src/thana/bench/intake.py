"""`thana bench intake`: inbound message -> committed case with its acknowledgement, per second.

For each database: the pipeline's throughput draining a backlog with W workers; the plain-insert
ceiling, the same rows the pipeline committed for those messages (the inbound message, its case, the
case's events, the acknowledgement queued, the units notified) inserted again in batches of the same
size with no logic, as messages per second; beside it the inserts of the inbound rows alone; and
latency from stored to case at a fixed offered rate (messages arriving one by one, as webhooks
deliver them).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text, true

from thana.channels import IncomingMessage
from thana.config import settings
from thana.packages import get_force
from thana.store.db import Database, forget_databases
from thana.store.inbound import save_incoming
from thana.store.schema import case_events, cases, inbound, notifications, outbox
from thana.triage.train import training_corpus

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def messages(n: int, tag: str) -> list[IncomingMessage]:
    """n realistic messages (the corpus, cycled), a tenth of them follow-ups in an earlier thread."""
    texts = [r["text"] for r in training_corpus()]
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        thread = f"t{i - 1}" if i % 10 == 9 else f"t{i}"
        out.append(
            IncomingMessage(
                channel="sms",
                external_id=f"{tag}-{i}",
                text=texts[i % len(texts)],
                sender=f"bench-{thread}",
                thread_id=thread,
                received_at=now,
            )
        )
    return out


# What the pipeline writes for a message, in the order foreign keys need, and the columns that must
# differ in a copy (unique), each given a suffix.
WRITTEN = (cases, inbound, case_events, outbox, notifications)
UNIQUE = {
    cases: ("reference", "open_key", "public_token"),
    inbound: ("external_id", "public_token"),
    outbox: ("idempotency_key",),
}


def _of_throughput(table):
    """The rows of the throughput run: its messages (not the inbound-only ceiling's) and all else written."""
    return inbound.c.external_id.like("throughput-%") if table is inbound else true()


def _rows_ceiling(db: Database, n: int, batch: int) -> float:
    """Messages per second when the rows the pipeline committed for n messages are inserted again, plainly
    (the table's own INSERT, one transaction per batch of messages): the database's share of the work."""
    with db.engine.connect() as conn:
        written = {
            table: [
                dict(r)
                for r in conn.execute(select(table).where(_of_throughput(table)).order_by(table.c.id)).mappings()
            ]
            for table in WRITTEN
        }
    if len(written[inbound]) != n:
        raise RuntimeError(f"expected the {n} messages of the throughput run, found {len(written[inbound])}")
    for table, rows in written.items():
        for row in rows:
            del row["id"]  # the copy gets an id of its own; its references to cases stay as they were
            for column in UNIQUE.get(table, ()):
                if row[column] is not None:
                    row[column] = f"{row[column]}~"
    chunks = max(1, n // batch)
    start = time.perf_counter()
    for k in range(chunks):
        with db.engine.begin() as conn:
            for table, rows in written.items():
                part = rows[k * len(rows) // chunks : (k + 1) * len(rows) // chunks]
                if part:
                    conn.execute(table.insert(), part)
    return n / (time.perf_counter() - start)


def _ceiling(db: Database, n: int) -> float:
    """Inbound rows alone, inserted in batches: what storing the messages costs, with nothing decided."""
    rows = [
        m.row() | {"stored_at": datetime.now(UTC), "status": "processed", "attempts": 0} for m in messages(n, "ceiling")
    ]
    start = time.perf_counter()
    with db.engine.begin() as conn:
        for i in range(0, n, 200):
            conn.execute(inbound.insert(), rows[i : i + 200])
    return n / (time.perf_counter() - start)


def _worker_process(url: str, force: str, batch: int, stop_when_idle: bool, ready) -> None:
    os.environ["THANA_DATABASE_URL"], os.environ["THANA_FORCE"] = url, force
    from thana.config import reload_settings
    from thana.pipeline import Pipeline
    from thana.store.db import get_database

    forget_databases()
    reload_settings()
    pipeline = Pipeline(get_database(url), get_force(force), worker_id=f"bench-{os.getpid()}", batch_size=batch)
    ready.wait()
    idle_since = None
    while True:
        done = pipeline.run_once()
        if done:
            idle_since = None
            continue
        if stop_when_idle:
            return
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > 3:
            return
        time.sleep(0.005)


def _pending(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(inbound).where(inbound.c.status == "pending")).scalar()


def _throughput(db: Database, n: int, workers: int, batch: int) -> float:
    save_incoming(db, messages(n, "throughput"))
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    procs = [
        ctx.Process(target=_worker_process, args=(db.url, settings().force, batch, True, ready)) for _ in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let each worker load the force and the model before the clock starts
    start = time.perf_counter()
    ready.set()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    if _pending(db):
        raise RuntimeError("workers stopped with messages still pending")
    return n / elapsed


def _latency(db: Database, rate: float, seconds: float, workers: int) -> dict:
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    procs = [
        ctx.Process(target=_worker_process, args=(db.url, settings().force, 50, False, ready)) for _ in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)
    ready.set()
    feed = messages(int(rate * seconds), "latency")
    start = time.perf_counter()
    for i, m in enumerate(feed):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        m.received_at = datetime.now(UTC)
        save_incoming(db, [m])
    while _pending(db):
        time.sleep(0.05)
    for p in procs:
        p.join(timeout=10)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(inbound.c.stored_at, inbound.c.processed_at).where(inbound.c.external_id.like("latency-%"))
        ).all()
    ms = sorted((done - stored).total_seconds() * 1000 for stored, done in rows)
    return {
        "offered_per_s": rate,
        "messages": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
    }


def _fresh_postgres() -> tuple[str, callable]:
    admin_url = os.environ.get("THANA_BENCH_POSTGRES_URL", DEFAULT_PG)
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


def run(
    databases: list[str], n: int = 20_000, workers: int = 2, rate: float = 200, seconds: float = 10, batch: int = 200
) -> dict:
    results = {}
    for kind in databases:
        if kind == "postgresql":
            url, cleanup = _fresh_postgres()
            count = workers
        else:
            folder = tempfile.TemporaryDirectory(prefix="thana-bench-")
            url, cleanup, count = f"sqlite:///{folder.name}/bench.db", folder.cleanup, 1
        try:
            db = Database(url)
            db.migrate()
            inbound_only = _ceiling(db, n)
            throughput = _throughput(db, n, count, batch)
            ceiling = _rows_ceiling(db, n, batch)
            latency = _latency(db, rate, seconds, count)
            results[kind] = {
                "workers": count,
                "messages": n,
                "pipeline_per_s": round(throughput),
                "plain_insert_per_s": round(ceiling),
                "share_of_ceiling": round(throughput / ceiling, 3),
                "plain_insert_inbound_only_per_s": round(inbound_only),
                "share_of_inbound_only": round(throughput / inbound_only, 3),
                "latency": latency,
            }
            db.dispose()
        finally:
            cleanup()
    return results
