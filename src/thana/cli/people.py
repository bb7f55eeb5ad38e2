"""`thana user …`, `thana token …`, `thana case …`: officers, integrations, and working cases from a terminal."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

import typer
from rich.table import Table

from thana.cli.common import console, fail, load_force, print_json
from thana.config import settings

user_app = typer.Typer(help="Officer accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
case_app = typer.Typer(help="Cases: list, show, act (as an officer).", no_args_is_help=True)


def _db():
    from thana.store.db import get_database

    db = get_database()
    db.migrate()
    return db


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="username")],
    role: Annotated[str, typer.Option(help="desk_officer, station_incharge, acp, dcp, addl_cp, hq or admin")],
    unit: Annotated[str | None, typer.Option(help="the unit's id (none for hq and admin)")] = None,
    display_name: Annotated[str | None, typer.Option(help="name shown in the audit trail")] = None,
    desk: Annotated[str, typer.Option(help="comma-separated desks the officer belongs to, e.g. women")] = "",
    password: Annotated[
        str | None,
        typer.Option(help="at least 10 characters; a random one is made if not given", envvar="THANA_NEW_PASSWORD"),
    ] = None,
) -> None:
    """Create an officer account bound to a unit."""
    from thana.store.users import UserError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user_id = create_user(
            _db(),
            load_force(settings().force),
            name,
            role=role,
            unit_id=unit,
            password=password,
            display_name=display_name,
            desks=desk,
        )
    except UserError as exc:
        fail(str(exc))
    console.print(f"user {name} (id {user_id}) · {role}" + (f" · {unit}" if unit else ""))
    if generated:
        console.print(f"password: [bold]{password}[/] (shown once)")


@user_app.command("list")
def user_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every officer account."""
    from thana.store.users import list_users

    rows = list_users(_db())
    if as_json:
        print_json(rows)
        return
    table = Table("id", "username", "name", "role", "unit", "desks", "active")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["username"],
            r["display_name"],
            r["role"],
            r["unit_id"] or "",
            r["desks"] or "",
            "yes" if r["active"] else "no",
        )
    console.print(table)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="the role the token acts with")],
    name: Annotated[str, typer.Option(help="who uses it, e.g. 'zone-11 dashboard'")],
    unit: Annotated[str | None, typer.Option(help="the unit's id (none for hq and admin)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API token (sent as 'Authorization: Bearer <token>'); it is shown once."""
    from thana.store.users import UserError, create_token

    try:
        token = create_token(_db(), load_force(settings().force), name=name, role=role, unit_id=unit)
    except UserError as exc:
        fail(str(exc))
    if as_json:
        print_json({"token": token, "role": role, "unit": unit, "name": name})
    else:
        console.print(f"token for {name} ({role}{' · ' + unit if unit else ''}): [bold]{token}[/] (shown once)")


@token_app.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="the token's id or name")]) -> None:
    """Revoke an API token: it stops working at once."""
    from thana.store.users import revoke_token

    n = revoke_token(_db(), token)
    if not n:
        fail(f"no active token {token!r}")
    console.print(f"revoked {n} token(s)")


def _officer(username: str):
    from thana.store.users import user_by_name

    who = user_by_name(_db(), username)
    if who is None:
        fail(f"no active officer {username!r}; `thana user list` shows them")
    return who


@case_app.command("list")
def case_list(
    as_user: Annotated[str, typer.Option("--as", help="the officer whose view this is")],
    status: Annotated[str | None, typer.Option(help="comma-separated statuses")] = None,
    overdue: Annotated[bool | None, typer.Option("--overdue/--not-overdue")] = None,
    category: str | None = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cases in the officer's scope, most urgent first."""
    from thana.store.cases import BadRequest, Filters, list_cases

    who = _officer(as_user)
    try:
        items, total = list_cases(
            _db(),
            load_force(settings().force),
            who,
            Filters(status=status, overdue=overdue, category=category),
            per_page=limit,
        )
    except BadRequest as exc:
        fail(str(exc))
    if as_json:
        print_json({"items": items, "total": total})
        return
    table = Table("reference", "prio", "status", "category", "station", "due", title=f"{total} case(s)")
    for c in items:
        due = ("[red]" if c["overdue"] else "") + (c["due_at"] or "")[:16]
        table.add_row(
            c["reference"],
            c["priority"] or "",
            c["status"],
            c["category"],
            c["station"]["name"] if c["station"] else "HQ",
            due,
        )
    console.print(table)


@case_app.command("show")
def case_show(
    reference: str,
    as_user: Annotated[str, typer.Option("--as")],
    reveal: Annotated[bool, typer.Option(help="show who wrote (assigned officers; recorded)")] = False,
) -> None:
    """A case with its conversation and audit trail (JSON)."""
    from thana.store.cases import NotFound, get_case

    try:
        print_json(get_case(_db(), load_force(settings().force), _officer(as_user), reference, reveal=reveal))
    except (NotFound, PermissionError) as exc:
        fail(str(exc))


@case_app.command("act")
def case_act(
    reference: str,
    action: Annotated[
        str,
        typer.Argument(
            help="acknowledge, assign, start, reply, note, transfer, redirect, merge, "
            "resolve, close, reopen, recategorise"
        ),
    ],
    as_user: Annotated[str, typer.Option("--as")],
    args: Annotated[str, typer.Option("--args", help='JSON arguments, e.g. \'{"text": "..."}\'')] = "{}",
) -> None:
    """Act on a case as an officer (the same rules and audit as the API)."""
    from thana.cases.lifecycle import IllegalTransition
    from thana.store.cases import BadRequest, NotFound, act

    try:
        parsed = json.loads(args)
    except json.JSONDecodeError as exc:
        fail(f"--args is not JSON: {exc}")
    if not isinstance(parsed, dict):
        fail("--args must be a JSON object")
    try:
        print_json(act(_db(), load_force(settings().force), _officer(as_user), reference, action, **parsed))
    except (NotFound, BadRequest, IllegalTransition, TypeError) as exc:
        fail(str(exc))
