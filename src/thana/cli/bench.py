"""`thana bench …`: measure the fast paths (figures go into the README)."""

from __future__ import annotations

import typer
from rich.table import Table

from thana.cli.common import ForceOption, JsonOption, console, load_force, print_json

app = typer.Typer(help="Benchmarks of the fast paths. Not tests: they report figures.", no_args_is_help=True)


def show(title: str, figures: dict, as_json: bool) -> None:
    if as_json:
        print_json(figures)
        return
    table = Table(title=title, show_header=False)
    for key, value in figures.items():
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int | float) else str(value))
    console.print(table)


@app.command("locate")
def bench_locate(
    force: ForceOption = None,
    as_json: JsonOption = False,
    seconds: float = typer.Option(2.0, help="how long to run each measurement"),
) -> None:
    """Point -> station lookups per second (single and batch) and free-text resolutions per second, one core."""
    from thana.bench.locate import run

    show("thana bench locate", run(load_force(force), seconds), as_json)


@app.command("triage")
def bench_triage(
    as_json: JsonOption = False, seconds: float = typer.Option(3.0, help="how long to run each measurement")
) -> None:
    """Messages triaged per second on one core (category, priority, language, personal data, explanation)."""
    from thana.bench.triage import run

    show("thana bench triage", run(seconds), as_json)


@app.command("intake")
def bench_intake(
    as_json: JsonOption = False,
    database: str = typer.Option("both", help="sqlite, postgresql or both"),
    messages: int = typer.Option(20_000, help="backlog size for the throughput measurement"),
    workers: int = typer.Option(2, help="workers on PostgreSQL (SQLite always runs one)"),
    rate: float = typer.Option(200, help="offered messages per second for the latency measurement"),
    seconds: float = typer.Option(10, help="how long to offer messages for the latency measurement"),
) -> None:
    """Inbound -> committed case with acknowledgement per second, beside the plain-insert ceiling; latency."""
    from thana.bench.intake import run

    kinds = ["sqlite", "postgresql"] if database == "both" else [database]
    show("thana bench intake", run(kinds, messages, workers, rate, seconds), as_json)


@app.command("generate-cases")
def bench_generate_cases(
    count: int = typer.Option(1_000_000, "--count", help="how many cases to add"),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="a PostgreSQL URL; default: the database thana_bench_pages on the local server (created if absent)",
    ),
    force: ForceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fill PostgreSQL with realistic cases, fast (INSERT … SELECT over generate_series), for `bench pages`."""
    from thana.bench.pages import generate_cases, named_database

    url = database_url or named_database("thana_bench_pages")

    def progress(done: int, total: int) -> None:
        if not as_json:
            console.print(f"{done:,} / {total:,} cases", highlight=False)

    figures = generate_cases(url, load_force(force), count, progress=progress)
    figures["database_url"] = url
    show("thana bench generate-cases", figures, as_json)


@app.command("pages")
def bench_pages(
    as_json: JsonOption = False,
    database_url: str | None = typer.Option(
        None, "--database-url", help="measure this PostgreSQL database as it is (fill it with generate-cases first)"
    ),
    count: int = typer.Option(1_000_000, help="without --database-url: cases to generate in a fresh database"),
    requests: int = typer.Option(20, help="requests per measurement"),
    force: ForceOption = None,
) -> None:
    """Server time of the station inbox and the zone monitor with a million cases (median and p95)."""
    from thana.bench.pages import run

    def progress(done: int, total: int) -> None:
        if not as_json:
            console.print(f"generating: {done:,} / {total:,} cases", highlight=False)

    figures = run(load_force(force), database_url, count, requests, progress=progress)
    if as_json:
        print_json(figures)
        return
    for phase in ("before_indexes", "with_indexes"):
        if phase in figures:
            rows = {k: f"median {v['median_ms']} ms, p95 {v['p95_ms']} ms" for k, v in figures[phase].items()}
            show(f"thana bench pages: {phase.replace('_', ' ')}", rows, False)
    rest = {k: v for k, v in figures.items() if k not in ("before_indexes", "with_indexes")}
    show("thana bench pages", rest, False)
