"""`thana society …` and `thana counselling`: housing societies, advisories to them, counselling centres.

The same rules as the API and the pages: an officer (`--as`) sees and verifies only their own stations'
societies, and an advisory goes through the outbox (one WhatsApp template per verified society, never twice).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from thana.cli.common import console, fail, load_force, print_json
from thana.cli.people import _db, _officer
from thana.config import settings

society_app = typer.Typer(
    help="Housing societies linked to their station, and advisories to them.", no_args_is_help=True
)
AsUser = Annotated[str, typer.Option("--as", help="the officer whose view this is (`thana user list`)")]


@society_app.command("list")
def society_list(
    as_user: AsUser,
    status: Annotated[str | None, typer.Option(help="pending, verified or rejected")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The societies of the officer's stations, newest first (secretaries' numbers masked unless --json)."""
    from thana.store.outreach import list_societies

    force = load_force(settings().force)
    rows = list_societies(_db(), force, _officer(as_user), status)
    if json_out:
        print_json(rows)
        return
    table = Table("id", "society", "station", "secretary", "status", "registered")
    for r in rows:
        phone = r["secretary_phone"]
        station = force.units[r["station_id"]].name if r["station_id"] in force.units else "—"
        secretary = f"{r['secretary_name']} ({phone[:4]}…{phone[-2:]})"
        table.add_row(str(r["id"]), r["name"], station, secretary, r["status"], f"{r['registered_at']:%Y-%m-%d}")
    console.print(table if rows else "no societies")


def _decide(as_user: str, society_id: int, decision: str) -> None:
    from thana.store.cases import BadRequest, NotFound
    from thana.store.outreach import decide_society

    try:
        decide_society(_db(), load_force(settings().force), _officer(as_user), society_id, decision)
    except (BadRequest, NotFound) as exc:
        fail(str(exc))
    console.print(f"society {society_id}: {decision}")


@society_app.command("verify")
def society_verify(society_id: int, as_user: AsUser) -> None:
    """Verify a society (after checking its secretary by phone): its messages are then raised with its details."""
    _decide(as_user, society_id, "verified")


@society_app.command("reject")
def society_reject(society_id: int, as_user: AsUser) -> None:
    """Reject a registration (not in the station's area, or not a real society)."""
    _decide(as_user, society_id, "rejected")


@society_app.command("advise")
def society_advise(
    station: Annotated[str, typer.Argument(help="the station's id, e.g. charkop")],
    text: Annotated[str, typer.Argument(help="the advisory, up to 1000 characters")],
    as_user: AsUser,
    language: Annotated[str, typer.Option(help="the template language: en, hi or mr")] = "en",
) -> None:
    """Send an advisory to every verified society of a station (WhatsApp template, through the outbox)."""
    from thana.store.cases import BadRequest, NotFound
    from thana.store.outreach import send_advisory

    try:
        sent = send_advisory(
            _db(), load_force(settings().force), settings(), _officer(as_user), station_id=station, text=text,
            language=language,
        )  # fmt: skip
    except (BadRequest, NotFound) as exc:
        fail(str(exc))
    console.print(f"advisory {sent['advisory_id']}: queued for {sent['societies']} verified societies")


@society_app.command("advisory")
def society_advisory(
    advisory_id: int, as_user: AsUser, json_out: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Delivery of one advisory, society by society."""
    from thana.store.cases import NotFound
    from thana.store.outreach import advisory_status

    try:
        rows = advisory_status(_db(), load_force(settings().force), _officer(as_user), advisory_id)
    except NotFound as exc:
        fail(str(exc))
    if json_out:
        print_json(rows)
        return
    table = Table("society", "status", "attempts", "delivered", "read", "error")
    for r in rows:
        when = [f"{r[k]:%Y-%m-%d %H:%M}" if r[k] else "" for k in ("delivered_at", "read_at")]
        table.add_row(str(r["society_id"]), r["status"], str(r["attempts"]), *when, r["last_error"] or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("counselling")
    def counselling(
        region: Annotated[str | None, typer.Option(help="a region's id, e.g. region-north")] = None,
        json_out: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The force's counselling centres, by region, with their source."""
        force = load_force(settings().force)
        if region and region not in force.units:
            fail(f"no unit {region!r}; `thana force show` lists the regions")
        centres = [c for c in force.counselling if region is None or c.region_id == region]
        if json_out:
            print_json([asdict(c) for c in centres])
            return
        table = Table("region", "centre", "address", "phone", "source")
        for c in centres:
            table.add_row(force.units[c.region_id].name, c.name, c.address, c.phone or "not published", c.source)
        console.print(table if centres else "no counselling centres listed")
