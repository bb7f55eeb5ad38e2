"""`thana report daily`: the morning review's PDF for a zone (or any unit), from the command line."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from thana.cli.common import ForceOption, console, fail, load_force

app = typer.Typer(help="Reports for the morning review.", no_args_is_help=True)


@app.command("daily")
def daily(
    unit: str = typer.Option(..., "--unit", help="the unit: a zone (zone-11), a region, a division or a station"),
    date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default: today, the last 24 hours)"),
    out: Path = typer.Option(..., "--out", help="the PDF file to write"),
    force: ForceOption = None,
) -> None:
    """Write the daily report of a unit as a PDF: per station over 24 hours, the P1 cases, the volume chart."""
    from thana.cases.access import SYSTEM
    from thana.store.db import get_database
    from thana.web.daily_report import daily_report_pdf

    the_force = load_force(force)
    chosen = the_force.units.get(unit)
    if chosen is None:
        fail(f"no unit {unit!r} in {the_force.id}; `thana force show --json` lists them")
    try:
        day = Date.fromisoformat(date) if date else datetime.now(ZoneInfo(the_force.timezone)).date()
    except ValueError:
        fail("--date: give it as YYYY-MM-DD")
    db = get_database()
    db.migrate()
    pdf = daily_report_pdf(db, the_force, SYSTEM, chosen, day)
    out.write_bytes(pdf)
    console.print(f"wrote {out} ({len(pdf):,} bytes): {chosen.name}, {day.isoformat()}")
