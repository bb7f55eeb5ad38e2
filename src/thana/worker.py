"""`thana worker`: processes pending inbound messages until asked to stop.

SIGTERM or Ctrl+C lets the batch in hand finish and commit (or, if it cannot, roll back so the
messages stay pending for another worker); then the worker exits. With --concurrency N, N worker
processes run side by side on PostgreSQL; SQLite allows one writer, so it always runs one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

from thana.config import settings
from thana.packages import get_force
from thana.pipeline import Pipeline
from thana.store.db import Database, forget_databases, get_database

log = logging.getLogger("thana.worker")
IDLE_SLEEP = 0.05
TASK_INTERVAL = 0.5  # seconds between runs of the side tasks when there is intake work


class Worker:
    def __init__(self, db: Database, *, worker_id: str | None = None, batch_size: int = 200, tasks: list | None = None):
        self.db = db
        self.worker_id = (worker_id or f"{socket.gethostname()}-{os.getpid()}")[-64:]
        self.pipeline = Pipeline(db, get_force(settings().force), worker_id=self.worker_id, batch_size=batch_size)
        self.stopping = threading.Event()
        self.tasks = tasks if tasks is not None else default_tasks(db)  # run between batches
        self.processed = 0

    def stop(self, *_args) -> None:
        self.stopping.set()

    def run(self) -> None:
        log.info("worker %s started", self.worker_id)
        while not self.stopping.is_set():
            done = self.pipeline.run_once()
            self.processed += done
            for task in self.tasks:
                try:
                    task()
                except Exception:
                    log.exception("worker task %s failed", getattr(task, "__name__", task))
            if done == 0:
                self.stopping.wait(IDLE_SLEEP)
        log.info("worker %s stopped after %d messages", self.worker_id, self.processed)


def default_tasks(db: Database) -> list:
    """What a worker does between batches: send the outbox, escalate overdue cases."""
    from thana.channels.outbox import OutboxSender
    from thana.channels.senders import senders
    from thana.store.sla import Sweeper

    s = settings()
    return [
        OutboxSender(db, senders(s), max_attempts=s.outbox_max_attempts).run_once,
        Sweeper(db, get_force(s.force)).run_once,
    ]


def _run_process(index: int, batch_size: int) -> None:
    forget_databases()  # never share connections across fork
    worker = Worker(get_database(), worker_id=f"{socket.gethostname()}-{os.getpid()}-{index}", batch_size=batch_size)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run()


def run_workers(concurrency: int = 1, batch_size: int = 200) -> None:
    db = get_database()
    db.migrate()
    if not db.is_postgres and concurrency > 1:
        log.warning("SQLite takes one writer: running one worker instead of %d", concurrency)
        concurrency = 1
    if concurrency == 1:
        _run_process(0, batch_size)
        return
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_run_process, args=(i, batch_size), daemon=False) for i in range(concurrency)]
    for p in procs:
        p.start()

    def forward(signum, _frame):
        for p in procs:
            if p.is_alive():
                os.kill(p.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while any(p.is_alive() for p in procs):
        time.sleep(0.2)
