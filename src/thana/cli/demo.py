"""`thana demo` and `thana serve`."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
) -> None:
    """Serve the public pages and the API from embedded SQLite in ./thana-data/ (nothing else to install)."""
    import uvicorn

    from thana.web.app import create_app

    url = f"http://{host}:{port}/"
    typer.echo(f"Thana demo: open {url}  (API docs: {url}docs)  — Ctrl+C to stop")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
