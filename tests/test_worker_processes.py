"""Real `thana worker` processes on PostgreSQL: SIGKILL mid-transaction, concurrent workers, SIGTERM.

Each worker is a subprocess of the installed `thana` command, pointed at the session's test database.
PGAPPNAME names each worker's database connections, so the test can see (in pg_stat_activity and
pg_locks) whether a worker is holding a claimed batch at the moment it is killed or stopped.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from thana.channels import IncomingMessage
from thana.packages import get_force
from thana.pipeline import Pipeline
from thana.store.db import Database
from thana.store.inbound import save_incoming
from thana.triage.train import training_corpus

THANA = Path(sys.executable).with_name("thana")
if not THANA.exists():  # pragma: no cover - an unusual install
    THANA = Path(shutil.which("thana") or "thana")
BATCH = 50


# -- helpers ---------------------------------------------------------------------------------------------


def corpus_messages(n: int, follow_up_share: float = 0.1, seed: int = 7) -> list[IncomingMessage]:
    """n varied citizen messages from the corpus; about follow_up_share of them continue a recent chat.

    Received a minute ago, so no case is overdue (and escalated by the worker's sweeper) during the test.
    """
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(minutes=1)
    corpus = training_corpus()
    rng.shuffle(corpus)
    chats: list[tuple[str, str]] = []
    out = []
    for i in range(n):
        row = corpus[i % len(corpus)]
        if chats and rng.random() < follow_up_share:
            chat, sender = rng.choice(chats[-20:])  # recent: the first message may be in a batch being written
        else:
            chat, sender = f"chat-{i}", f"+91980{i:07d}"
            chats.append((chat, sender))
        channel = "sms" if i % 10 == 3 else "whatsapp"
        out.append(
            IncomingMessage(
                channel=channel,
                external_id=f"wamid.{i:06d}",
                text=row["text"],
                sender=sender,
                thread_id=chat if channel == "whatsapp" else None,
                received_at=start + timedelta(milliseconds=i),
            )
        )
    return out


def scalar(db: Database, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(db: Database, sql: str, **params) -> list:
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def pending(db: Database) -> int:
    return scalar(db, "SELECT count(*) FROM inbound_messages WHERE status = 'pending'")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class WorkerProcess:
    """One `thana worker` subprocess; its worker id is <host>-<pid>-<index> as the worker names itself."""

    def __init__(self, name: str, tmp_path: Path, *args: str):
        self.name = name
        self.log = tmp_path / f"{name}.log"
        env = dict(os.environ, PGAPPNAME=name, THANA_LOG_LEVEL="INFO")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(THANA), "worker", "--batch-size", str(BATCH), *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.worker_id = f"{socket.gethostname()}-{self.proc.pid}-0"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def started(self, count: int = 1) -> bool:
        """Whether `count` worker loops in this process tree have logged that they started."""
        return len(re.findall(r"INFO thana\.worker: worker \S+ started", self.output())) >= count

    def processed(self, db: Database) -> int:
        return scalar(db, "SELECT count(*) FROM inbound_messages WHERE processed_by = :w", w=self.worker_id)

    def holds_a_claim(self, db: Database) -> bool:
        """Whether one of its connections is in a transaction holding the claim lock on inbound_messages."""
        return bool(
            scalar(
                db,
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.application_name = :name AND l.relation = 'inbound_messages'::regclass "
                "AND l.mode = 'RowShareLock' AND a.xact_start IS NOT NULL",
                name=self.name,
            )
        )

    def signal_mid_batch(self, db: Database, sig: signal.Signals, timeout: float = 15) -> None:
        """Freeze the worker until it is caught holding a claimed batch, then send sig (and let it run on)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.send_signal(signal.SIGSTOP)
            if self.holds_a_claim(db):
                self.proc.send_signal(sig)
                self.proc.send_signal(signal.SIGCONT)
                return
            self.proc.send_signal(signal.SIGCONT)
            time.sleep(0.005)
        raise AssertionError(f"{self.name} was never caught holding a batch")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout} s:\n{self.output()[-3000:]}") from None


@pytest.fixture
def workers(tmp_path: Path):
    """Start workers with start(name); every one still running is killed at the end."""
    started: list[WorkerProcess] = []

    def start(name: str, *args: str) -> WorkerProcess:
        w = WorkerProcess(name, tmp_path, *args)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


def assert_processed_exactly_once(db: Database, messages: list[IncomingMessage]) -> None:
    """Every inbound processed once; one created/message_added event each; one ack per case; no duplicates."""
    assert scalar(db, "SELECT count(*) FROM inbound_messages") == len(messages)
    statuses = dict(rows(db, "SELECT status, count(*) FROM inbound_messages GROUP BY status"))
    assert statuses == {"processed": len(messages)}
    assert rows(db, "SELECT DISTINCT attempts FROM inbound_messages") == [(1,)]
    assert scalar(db, "SELECT count(*) FROM inbound_messages WHERE error IS NOT NULL") == 0

    # one 'created' or 'message_added' per inbound that has a case, on that case; none for the others
    per_inbound = rows(
        db,
        "SELECT i.id, i.case_id, i.outcome, count(e.id), min(e.case_id), max(e.case_id) "
        "FROM inbound_messages i LEFT JOIN case_events e "
        "ON (e.detail->>'inbound_id')::bigint = i.id AND e.kind IN ('created', 'message_added') "
        "GROUP BY i.id, i.case_id, i.outcome",
    )
    for inbound_id, case_id, outcome, events, lo, hi in per_inbound:
        if case_id is None:
            assert (outcome, events) == ("spam", 0), inbound_id
        else:
            assert outcome in ("new_case", "attached"), inbound_id
            assert (events, lo, hi) == (1, case_id, case_id), inbound_id

    # cases, 'created' events and acknowledgements match one for one
    n_cases = scalar(db, "SELECT count(*) FROM cases")
    new_case_ids = {r[0] for r in rows(db, "SELECT id FROM inbound_messages WHERE outcome = 'new_case'")}
    assert n_cases == len(new_case_ids) > 0
    assert scalar(db, "SELECT count(*) FROM case_events WHERE kind = 'created'") == n_cases
    assert scalar(db, "SELECT count(DISTINCT case_id) FROM case_events WHERE kind = 'created'") == n_cases
    acks = rows(db, "SELECT idempotency_key, case_id FROM outbox WHERE kind = 'ack'")
    assert len(acks) == n_cases
    assert Counter(case_id for _, case_id in acks) == Counter(
        r[0] for r in rows(db, "SELECT id FROM cases")
    )  # exactly one per case
    assert {key for key, _ in acks} == {f"ack:{i}" for i in new_case_ids}
    assert scalar(db, "SELECT count(DISTINCT reference) FROM cases") == n_cases
    assert all(re.fullmatch(r"MUM-\d{2}-\d{6}", r[0]) for r in rows(db, "SELECT reference FROM cases"))

    # a follow-up joined the case of its own conversation
    wrong = rows(
        db,
        "SELECT i.id FROM inbound_messages i JOIN cases c ON c.id = i.case_id "
        "WHERE c.thread_key <> i.channel || ':' || coalesce(i.thread_id, i.sender, i.external_id)",
    )
    assert wrong == []

    # each inbound's audit events were written by one worker: the one recorded as processing it
    actors = rows(
        db,
        "SELECT i.id, i.processed_by, array_agg(DISTINCT e.actor) FROM inbound_messages i "
        "JOIN case_events e ON (e.detail->>'inbound_id')::bigint = i.id GROUP BY i.id, i.processed_by",
    )
    for inbound_id, processed_by, actor_list in actors:
        assert actor_list == [f"worker:{processed_by}"], inbound_id


def assert_redelivery_adds_nothing(db: Database, messages: list[IncomingMessage]) -> None:
    counts = [scalar(db, f"SELECT count(*) FROM {t}") for t in ("inbound_messages", "cases", "case_events", "outbox")]
    assert save_incoming(db, messages) == (0, len(messages))
    assert Pipeline(db, get_force("mumbai"), worker_id="redelivery").drain() == 0
    after = [scalar(db, f"SELECT count(*) FROM {t}") for t in ("inbound_messages", "cases", "case_events", "outbox")]
    assert after == counts


def stopped_after(worker: WorkerProcess) -> int:
    """The count in the worker's own last words: 'worker <id> stopped after N messages'."""
    match = re.search(rf"worker {re.escape(worker.worker_id)} stopped after (\d+) messages", worker.output())
    assert match, worker.output()[-3000:]
    return int(match[1])


# -- the tests -------------------------------------------------------------------------------------------


def test_sigkill_mid_batch_loses_and_duplicates_nothing(pg, workers):
    """3 workers on 3,000 messages; one is SIGKILLed holding a batch; a replacement finishes; all exactly once."""
    crew = [workers(f"thana-test-w{i}") for i in range(3)]
    wait_until(lambda: all(w.started() for w in crew), 120, "three workers to start")
    messages = corpus_messages(3000)
    assert save_incoming(pg, messages) == (3000, 0)
    wait_until(lambda: all(w.processed(pg) > 0 for w in crew), 120, "all three workers to commit a batch")
    assert scalar(pg, "SELECT count(*) FROM cases") > 0

    victim = crew[0]
    victim.signal_mid_batch(pg, signal.SIGKILL)
    assert victim.proc.wait(10) == -signal.SIGKILL
    left = pending(pg)
    assert 0 < left < 3000, "the kill must land mid-run"
    done_by_victim = victim.processed(pg)
    assert done_by_victim > 0

    crew.append(workers("thana-test-w3"))
    wait_until(lambda: pending(pg) == 0, 180, "no inbound message left pending")
    for w in crew[1:]:
        assert w.stop() == 0, w.output()[-3000:]
        assert "Traceback" not in w.output()
    assert victim.processed(pg) == done_by_victim  # nothing of the killed worker's last batch was kept
    assert sum(w.processed(pg) for w in crew) == 3000

    assert_processed_exactly_once(pg, messages)
    follow_ups = scalar(pg, "SELECT count(*) FROM inbound_messages WHERE outcome = 'attached'")
    assert follow_ups > 100  # the corpus run really exercised follow-ups
    assert_redelivery_adds_nothing(pg, messages)


def test_two_concurrent_workers_never_share_a_message(pg, workers):
    """`thana worker --concurrency 2`: both processes work; each inbound's events come from one worker."""
    pair = workers("thana-test-pair", "--concurrency", "2")
    wait_until(lambda: pair.started(2), 120, "both worker processes to start")
    messages = corpus_messages(1000, seed=11)
    assert save_incoming(pg, messages) == (1000, 0)
    wait_until(lambda: pending(pg) == 0, 180, "no inbound message left pending")
    assert pair.stop() == 0, pair.output()[-3000:]

    by_worker = dict(rows(pg, "SELECT processed_by, count(*) FROM inbound_messages GROUP BY processed_by"))
    host = re.escape(socket.gethostname())
    assert len(by_worker) == 2, by_worker
    assert all(re.fullmatch(rf"{host}-\d+-[01]", w) for w in by_worker), by_worker
    assert {w.rsplit("-", 1)[1] for w in by_worker} == {"0", "1"}
    assert all(n > 0 for n in by_worker.values())
    assert sum(by_worker.values()) == 1000
    # each child's own count when it stopped matches what the database says it did
    logged = dict(re.findall(r"worker (\S+) stopped after (\d+) messages", pair.output()))
    assert {w: int(n) for w, n in logged.items()} == by_worker
    assert_processed_exactly_once(pg, messages)


def test_sigterm_finishes_the_batch_in_hand_and_exits_cleanly(pg, workers):
    """SIGTERM while a batch is claimed: that batch is committed, the rest stay pending, exit 0 quickly."""
    messages = corpus_messages(1200, seed=5)
    assert save_incoming(pg, messages) == (1200, 0)
    worker = workers("thana-test-term")
    wait_until(lambda: worker.processed(pg) >= 100, 120, "the worker to be well under way")

    claimed: list[int] = []

    def caught() -> bool:
        worker.proc.send_signal(signal.SIGSTOP)
        if worker.holds_a_claim(pg):
            # the only worker: the rows it holds are the pending ones SKIP LOCKED cannot take
            with pg.engine.begin() as conn:
                free = conn.execute(
                    text("SELECT id FROM inbound_messages WHERE status = 'pending' FOR UPDATE SKIP LOCKED")
                ).all()
                all_pending = conn.execute(text("SELECT id FROM inbound_messages WHERE status = 'pending'")).all()
            claimed.extend(sorted({r[0] for r in all_pending} - {r[0] for r in free}))
            if claimed:
                return True
        worker.proc.send_signal(signal.SIGCONT)
        time.sleep(0.005)
        return False

    wait_until(caught, 30, "the worker to be caught holding a batch")
    assert 0 < len(claimed) <= BATCH
    sent = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    worker.proc.send_signal(signal.SIGCONT)
    assert worker.proc.wait(20) == 0, worker.output()[-3000:]
    took = time.monotonic() - sent
    assert took < 10, f"took {took:.1f} s to stop"  # well under a second on an idle machine

    # the batch in hand was committed by this worker; nothing is half-done; the rest is still pending
    outcome = rows(pg, "SELECT DISTINCT status, processed_by FROM inbound_messages WHERE id = ANY(:ids)", ids=claimed)
    assert outcome == [("processed", worker.worker_id)]
    done = worker.processed(pg)
    assert stopped_after(worker) == done
    assert scalar(pg, "SELECT count(*) FROM inbound_messages WHERE status = 'processed'") == done
    left = pending(pg)
    assert left == 1200 - done > 0
    untouched = rows(
        pg,
        "SELECT count(*) FROM inbound_messages WHERE status = 'pending' AND attempts = 0 "
        "AND case_id IS NULL AND processed_by IS NULL AND outcome IS NULL",
    )
    assert untouched == [(left,)]

    # a later worker (here, in process) takes the rest: still exactly once
    Pipeline(pg, get_force("mumbai"), worker_id="finisher", batch_size=500).drain()
    assert_processed_exactly_once(pg, messages)
