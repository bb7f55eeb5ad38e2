"""Shared helpers for the case-workflow tests: real cases from the real pipeline, a force with ACP divisions,
API clients with tokens, and readers of what a change left behind (events, outbox, notifications, labels).

Cases are never inserted by hand: each test stores citizen messages (IncomingMessage + save_incoming)
addressed to a station's X handle and drains thana.pipeline.Pipeline, so routing, ownership and due dates
are the ones production computes.
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

import thana.store.users
from thana.cases.access import SYSTEM
from thana.channels import IncomingMessage
from thana.config import reload_settings
from thana.force.model import Force
from thana.packages import BUNDLED_DIR, get_force, read_package
from thana.pipeline import Pipeline
from thana.store.cases import act
from thana.store.db import Database
from thana.store.inbound import save_incoming
from thana.store.schema import case_events, cases, inbound, notifications, outbox, triage_labels
from thana.store.users import create_token, token_principal
from thana.web.app import create_app

RECEIVED = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)

# Texts the shipped model reads as the category named (checked by open_cases on every run).
TEXTS = {
    "theft": "my bike was stolen from outside my building last night",
    "theft_with_phone": "my bike was stolen from outside my building last night, call me on 9876543210",
    "police_conduct": "a constable at the station demanded a bribe of 500 rupees to register my complaint",
    "cyber_fraud": "I got a call claiming to be from my bank and lost 50000 rupees through UPI fraud, OTP shared",
    "emergency": "there is a fire and people are trapped, send help immediately",
    "child_safety": "my 8 year old son is missing since morning, please help",
    "women_safety": "a woman is being followed and harassed by a man near the bus stop right now",
    "nuisance": "loud music from the neighbours every night after midnight",
    "theft_hi": "मेरी बाइक कल रात घर के बाहर से चोरी हो गई",
    "theft_mr": "माझी बाईक काल रात्री घराबाहेरून चोरीला गेली",
}
CATEGORY_OF_TEXT = {
    "theft_with_phone": "theft",
    "theft_hi": "theft",
    "theft_mr": "theft",
}

# Two ACP divisions in zone 11 (the bundled package records none): Kandivali (Charkop, Kandivali) and
# Borivali (Borivali, Gorai). Malad and the other zone-11 stations stay directly under the zone.
DIVISIONS = {
    "div-kandivali": ("Kandivali Division", ("charkop", "kandivali")),
    "div-borivali": ("Borivali Division", ("borivali", "gorai")),
}


# -- the force ---------------------------------------------------------------------------------------------


@functools.cache
def divided_package(base: Path) -> Path:
    """A copy of the Mumbai package with two ACP divisions under zone 11; validated before use."""
    package = base / "mumbai-with-divisions"
    shutil.copytree(BUNDLED_DIR / "mumbai", package)
    units = package / "units.csv"
    rows = list(csv.DictReader(io.StringIO(units.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    parent_of = {station: division for division, (_, stations) in DIVISIONS.items() for station in stations}
    for row in rows:
        if row["id"] in parent_of:
            row["parent_id"] = parent_of[row["id"]]
    for division, (name, _) in DIVISIONS.items():
        rows.append(
            dict.fromkeys(fields, "")
            | {"id": division, "kind": "division", "parent_id": "zone-11", "name": name, "status": "active"}
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    units.write_text(out.getvalue(), encoding="utf-8")
    result = read_package(package)
    assert result.ok, result.errors
    return package


def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the smallest cost, for tests that create officers but do not test passwords."""
    monkeypatch.setattr(thana.store.users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def use_force(monkeypatch: pytest.MonkeyPatch, package: Path | str) -> Force:
    """Point THANA_FORCE at a package (a directory or a bundled name) and return that force."""
    monkeypatch.setenv("THANA_FORCE", str(package))
    reload_settings()
    return get_force(str(package))


def divided_force(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Force:
    """The Mumbai force with divisions, configured as THANA_FORCE for the API and the CLI."""
    force = use_force(monkeypatch, divided_package(tmp_path_factory.getbasetemp()))
    assert force.ancestor_of_kind("charkop", "division").id == "div-kandivali"
    assert force.ancestor_of_kind("malad", "division") is None
    return force


# -- cases from the pipeline -------------------------------------------------------------------------------


def message(
    key: str,
    station: str | None,
    text: str,
    *,
    force: Force,
    channel: str = "x",
    kind: str = "dm",
    sender: str | None = None,
    sender_name: str | None = None,
    received_at: datetime = RECEIVED,
    thread: str | None = None,
    reply_to: str | None = None,
    addressed: bool = True,
) -> IncomingMessage:
    """A citizen's message naming a station's X handle (or no station when station is None).

    `text` is a key of TEXTS or a literal text. The handle is also the address written to unless `addressed`
    is False (a WhatsApp chat, say): then the handle in the text is what routes it."""
    body = TEXTS.get(text, text)
    handle = force.x_handle(station) if station else None
    return IncomingMessage(
        channel=channel,
        external_id=key,
        kind=kind,
        text=f"{handle} {body}" if handle else body,
        sender=sender or (f"@citizen_{key}" if channel == "x" else f"+9198{zlib.crc32(key.encode()) % 10**8:08d}"),
        sender_name=sender_name,
        addressed_to=handle if addressed else None,
        thread_id=thread or f"thread-{key}",
        reply_to=reply_to,
        received_at=received_at,
    )


def drain(db: Database, force: Force, at: datetime | None = None) -> None:
    Pipeline(db, force, worker_id="t", clock=lambda: at or RECEIVED + timedelta(seconds=1)).drain()


def open_cases(db: Database, force: Force, messages: list[IncomingMessage], at: datetime | None = None) -> dict:
    """Store the messages, run the pipeline; {external id: reference}, each message having opened a case."""
    save_incoming(db, messages)
    drain(db, force, at)
    keys = [m.external_id for m in messages]
    with db.engine.connect() as conn:
        found = conn.execute(
            select(inbound.c.external_id, inbound.c.outcome, cases.c.reference, cases.c.category)
            .join(cases, cases.c.id == inbound.c.case_id, isouter=True)
            .where(inbound.c.external_id.in_(keys))
        ).all()
    by_key = {row.external_id: row for row in found}
    for m in messages:
        row = by_key[m.external_id]
        assert row.outcome == "new_case", f"{m.external_id} ({m.text!r}) did not open a case: {row.outcome}"
        wanted = next((CATEGORY_OF_TEXT.get(k, k) for k, v in TEXTS.items() if m.text.endswith(v)), None)
        if wanted:
            assert row.category == wanted, f"{m.text!r} was read as {row.category}, the test needs {wanted}"
    return {k: by_key[k].reference for k in keys}


def open_case(db: Database, force: Force, station: str | None, text: str, key: str = "m1", **kw) -> str:
    """One case from one message; its reference."""
    return open_cases(db, force, [message(key, station, text, force=force, **kw)])[key]


def system_act(db: Database, force: Force, reference: str, *actions: str, now: datetime | None = None, **args):
    """Bring a case to a state by acting as the system (setting up, not the thing under test)."""
    for action in actions:
        act(db, force, SYSTEM, reference, action, now=now, **args)


# -- reading what happened ---------------------------------------------------------------------------------


def case_row(db: Database, reference: str) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(select(cases).where(cases.c.reference == reference)).mappings().one())


def _rows_of(db: Database, table, reference: str, *where) -> list[dict]:
    case_id = case_row(db, reference)["id"]
    with db.engine.connect() as conn:
        stmt = select(table).where(table.c.case_id == case_id, *where).order_by(table.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def events_of(db: Database, reference: str, kind: str | None = None) -> list[dict]:
    return _rows_of(db, case_events, reference, *([case_events.c.kind == kind] if kind else []))


def outbox_of(db: Database, reference: str, kind: str | None = None) -> list[dict]:
    return _rows_of(db, outbox, reference, *([outbox.c.kind == kind] if kind else []))


def notifications_of(db: Database, reference: str) -> list[dict]:
    return _rows_of(db, notifications, reference)


def labels_of(db: Database, reference: str) -> list[dict]:
    return _rows_of(db, triage_labels, reference)


# -- the API -----------------------------------------------------------------------------------------------


def api() -> TestClient:
    """The web app, talking to the configured database and force; server errors come back as 500s."""
    return TestClient(create_app(), raise_server_exceptions=False)


@dataclass(frozen=True)
class Caller:
    """An API token with its role and unit, ready to send as Authorization: Bearer."""

    role: str
    unit: str | None
    token: str
    actor: str  # as the audit trail records it: token:<id>

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def label(self) -> str:
        return f"{self.role}@{self.unit}" if self.unit else self.role


def caller(db: Database, force: Force, role: str, unit: str | None = None) -> Caller:
    token = create_token(db, force, name=f"test {role} {unit or ''}".strip(), role=role, unit_id=unit)
    return Caller(role, unit, token, token_principal(db, token).actor)
