"""What every command shares: the --force option, loading the force, printing errors."""

from __future__ import annotations

import json
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from thana.force.model import Force
from thana.packages import ForceNotFound, InvalidForce, get_force

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

ForceOption = Annotated[
    str | None,
    typer.Option("--force", help="a bundled force's name (e.g. mumbai) or a force package directory"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def load_force(name_or_dir: str | None) -> Force:
    try:
        return get_force(name_or_dir)
    except (ForceNotFound, InvalidForce) as exc:
        fail(str(exc))


def print_json(data) -> None:
    """JSON on stdout; times and dates as ISO 8601."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_iso) + "\n")


def _iso(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
