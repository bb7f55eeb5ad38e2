"""`thana demo`: the whole product on this machine, with sample messages, from one command."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    messages: Annotated[int, typer.Option(help="sample messages to replay", min=0, max=2500)] = 400,
) -> None:
    """Serve the pages and API from embedded SQLite in ./thana-data/, replaying sample messages (marked so)."""
    import uvicorn

    from thana.config import settings
    from thana.demo import sample_stream
    from thana.packages import get_force
    from thana.store.db import get_database
    from thana.store.inbound import save_incoming
    from thana.web.app import create_app

    db = get_database()
    db.migrate()
    stored, _ = save_incoming(db, sample_stream(get_force(settings().force), messages))
    url = f"http://{host}:{port}/"
    typer.echo(f"Thana demo: {stored} sample messages queued (data in {settings().data_dir.resolve()})")
    typer.echo(f"Open {url}  ·  API docs {url}docs  ·  Ctrl+C to stop")
    uvicorn.run(create_app(with_worker=True), host=host, port=port, log_level="warning")
