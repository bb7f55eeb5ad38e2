"""`thana serve`, `thana worker`, `thana ingest`: running the system and feeding it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from thana.cli.common import console, fail
from thana.config import settings

BATCH = 1000


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("ingest")(ingest)


def _logging() -> None:
    from thana import logs

    logs.configure(settings().log_level)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    with_worker: Annotated[
        bool | None,
        typer.Option("--worker/--no-worker", help="run a pipeline worker in this process (default: yes on SQLite)"),
    ] = None,
) -> None:
    """Run the web app (migrating the database first) and, in embedded mode, a worker in the same process."""
    import uvicorn

    from thana.web.app import create_app

    _logging()
    embedded = settings().embedded if with_worker is None else with_worker
    console.print(
        f"Thana on http://{host}:{port}/ · database {settings().sqlalchemy_url.split('@')[-1]} · "
        f"{'with' if embedded else 'without'} an in-process worker"
    )
    uvicorn.run(create_app(with_worker=embedded), host=host, port=port, log_level="warning")


def worker(
    concurrency: Annotated[int, typer.Option(help="worker processes (PostgreSQL; SQLite runs one)", min=1, max=64)] = 1,
    batch_size: Annotated[int, typer.Option(help="messages claimed per transaction", min=1, max=5000)] = 200,
) -> None:
    """Process inbound messages into cases until stopped (SIGTERM/Ctrl+C finish the batch in hand)."""
    from thana.worker import run_workers

    _logging()
    run_workers(concurrency, batch_size)


def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL: {"channel", "external_id", "sender", "text", "lat"?, '
            '"lon"?, "addressed_to"?, "received_at"?} a line'
        ),
    ],
    process: Annotated[bool, typer.Option("--process", help="also turn them into cases now, in this process")] = False,
) -> None:
    """Feed messages from a file through the same path as the channels (a redelivery is a no-op)."""
    from thana.ingest import read_file
    from thana.store.db import get_database
    from thana.store.inbound import save_incoming, save_unparsed

    if not file.is_file():
        fail(f"{file} does not exist")
    db = get_database()
    db.migrate()
    stored = duplicates = rejected = 0
    total = sum(1 for line in file.open(encoding="utf-8", errors="replace") if line.strip())
    columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, console=console, transient=False) as progress,
        file.open(encoding="utf-8", errors="replace") as fh,
    ):
        task = progress.add_task("ingest", total=total)
        batch = []
        for number, message, problem, raw in read_file(fh):
            if problem:
                rejected += 1
                save_unparsed(db, "file", f"{file.name}:{number}: {problem}", raw)
                progress.advance(task)
                continue
            batch.append(message)
            if len(batch) >= BATCH:
                s, d = save_incoming(db, batch)
                stored, duplicates = stored + s, duplicates + d
                progress.advance(task, len(batch))
                batch = []
        if batch:
            s, d = save_incoming(db, batch)
            stored, duplicates = stored + s, duplicates + d
            progress.advance(task, len(batch))
    console.print(
        f"stored {stored}, already there {duplicates}, rejected {rejected} (kept with the reason for administrators)"
    )
    if process:
        from thana.packages import get_force
        from thana.pipeline import Pipeline

        done = Pipeline(db, get_force(settings().force), worker_id="ingest").drain()
        console.print(f"processed {done} message(s) into cases")
