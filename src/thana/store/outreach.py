"""Women's desk dispatches, housing societies and their advisories, counselling referrals.

Every change to a case here is also a case event (the audit trail), and every read or change of a
case goes through the caller's scope (thana.store.cases._load with case_scope).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from thana.cases.access import Principal
from thana.channels import storable
from thana.config import Settings
from thana.force.locate import Locator
from thana.force.model import Force
from thana.store.cases import BadRequest, NotFound, _load
from thana.store.db import Database
from thana.store.schema import advisories, case_events, cases, dispatches, outbox, referrals, societies, utcnow

PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{8,18}[0-9]$")
REFERRAL_STATUSES = ("referred", "accepted", "attended", "declined", "closed")
REFERRAL_NEXT = {  # a referral moves forward only: what the centre did is not undone
    "referred": ("accepted", "declined", "closed"),
    "accepted": ("attended", "declined", "closed"),
    "attended": ("closed",),
    "declined": ("closed",),
    "closed": (),
}
CLOCK_SLACK = timedelta(minutes=5)  # an officer's watch may run a little ahead of the server


# -- women's desk: Nirbhaya squad dispatch ------------------------------------------------------------


def _text(value: str | None, limit: int) -> str:
    """What an officer or a secretary typed, as any database keeps it (no NUL), trimmed to its column."""
    return storable(value or "").strip()[:limit]


def _not_future(name: str, at: datetime | None, now: datetime) -> None:
    if at is not None and at > now + CLOCK_SLACK:
        raise BadRequest(f"{name} is in the future")


def record_dispatch(
    db: Database,
    force: Force,
    who: Principal,
    reference: str,
    *,
    squad: str,
    vehicle: str | None,
    dispatched_at: datetime,
    reached_at: datetime | None = None,
    outcome: str | None = None,
    now: datetime | None = None,
) -> int:
    now = now or utcnow()
    squad, vehicle, outcome = _text(squad, 120), _text(vehicle, 40) or None, _text(outcome, 2000) or None
    if not squad:
        raise BadRequest("name the squad (e.g. 'Nirbhaya squad, Charkop')")
    if reached_at and reached_at < dispatched_at:
        raise BadRequest("the squad cannot reach before it was dispatched")
    _not_future("dispatched_at", dispatched_at, now)
    _not_future("reached_at", reached_at, now)
    with db.engine.begin() as conn:
        case = _load(conn, db, force, who, reference, lock=True)
        result = conn.execute(
            dispatches.insert().values(
                case_id=case["id"],
                squad=squad,
                vehicle=vehicle,
                dispatched_at=dispatched_at,
                reached_at=reached_at,
                outcome=outcome,
                recorded_by=who.actor,
                recorded_at=now,
            )
        )
        dispatch_id = int(result.inserted_primary_key[0])
        conn.execute(
            case_events.insert().values(
                case_id=case["id"],
                at=now,
                actor=who.actor,
                kind="squad_dispatched",
                after={
                    "squad": squad,
                    "vehicle": vehicle,
                    "dispatched_at": dispatched_at.isoformat(),
                    "reached_at": reached_at.isoformat() if reached_at else None,
                },
                detail={"outcome": outcome},
            )
        )
        if case["first_response_at"] is None:  # a squad sent is a response (never before the case came in)
            first = max(dispatched_at, case["received_at"])
            conn.execute(update(cases).where(cases.c.id == case["id"]).values(first_response_at=first))
    return dispatch_id


def update_dispatch(
    db: Database,
    force: Force,
    who: Principal,
    reference: str,
    dispatch_id: int,
    *,
    reached_at: datetime | None = None,
    outcome: str | None = None,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    outcome = _text(outcome, 2000) or None if outcome is not None else None
    _not_future("reached_at", reached_at, now)
    with db.engine.begin() as conn:
        case = _load(conn, db, force, who, reference, lock=True)
        row = (
            conn.execute(select(dispatches).where(dispatches.c.id == dispatch_id, dispatches.c.case_id == case["id"]))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no dispatch {dispatch_id} on {reference}")
        if reached_at and reached_at < row["dispatched_at"]:
            raise BadRequest("the squad cannot reach before it was dispatched")
        values = {k: v for k, v in (("reached_at", reached_at), ("outcome", outcome)) if v is not None}
        if not values:
            raise BadRequest("give reached_at or outcome")
        conn.execute(update(dispatches).where(dispatches.c.id == dispatch_id).values(**values))
        conn.execute(
            case_events.insert().values(
                case_id=case["id"],
                at=now,
                actor=who.actor,
                kind="squad_updated",
                before={k: (row[k].isoformat() if isinstance(row[k], datetime) else row[k]) for k in values},
                after={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()},
            )
        )


def case_dispatches(db: Database, case_id: int) -> list[dict]:
    with db.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(dispatches).where(dispatches.c.case_id == case_id).order_by(dispatches.c.dispatched_at)
            ).mappings()
        ]


# -- housing societies ---------------------------------------------------------------------------------


def normalise_phone(force: Force, phone: str) -> str:
    if not PHONE_RE.match(phone.strip()):
        raise BadRequest("the secretary's phone must be a mobile number, e.g. +91 98200 12345")
    return force.normalise_number(phone)


def register_society(
    db: Database,
    force: Force,
    locator: Locator,
    *,
    name: str,
    address: str,
    secretary_name: str,
    secretary_phone: str,
    lat: float | None = None,
    lon: float | None = None,
) -> dict:
    """A society signs up from the public site; it is routed to its station, which verifies it."""
    name, address, secretary_name = storable(name), storable(address), storable(secretary_name)
    problems = [
        f for f, v in (("name", name), ("address", address), ("secretary_name", secretary_name)) if not v.strip()
    ]
    if problems:
        raise BadRequest(f"missing: {', '.join(problems)}")
    phone = normalise_phone(force, secretary_phone)
    found = locator.at(lat, lon) if lat is not None and lon is not None else locator.text(address)
    with db.engine.begin() as conn:
        dup = conn.execute(
            select(societies.c.id).where(
                societies.c.secretary_phone == phone,
                societies.c.status != "rejected",
                func.lower(societies.c.name) == name.strip().lower(),
            )
        ).first()
        if dup:
            raise BadRequest("this society is already registered with this number")
        result = conn.execute(
            societies.insert().values(
                name=name.strip()[:200],
                address=address.strip()[:1000],
                secretary_name=secretary_name.strip()[:200],
                secretary_phone=phone,
                station_id=found.station_id,
                lat=lat if lat is not None else (found.place.lat if found.place else None),
                lon=lon if lon is not None else (found.place.lon if found.place else None),
                status="pending",
                registered_at=utcnow(),
            )
        )
    return {
        "id": int(result.inserted_primary_key[0]),
        "station_id": found.station_id,
        "station": force.units[found.station_id].name if found.station_id else None,
    }


def _society_scope(who: Principal, force: Force):
    if who.city_wide:
        return societies.c.id.is_not(None)
    unit = force.units.get(who.unit_id or "")
    if unit is None:
        return societies.c.id.is_(None)
    stations = [u.id for u in force.stations_under(unit.id)]
    return societies.c.station_id.in_(stations)


def list_societies(db: Database, force: Force, who: Principal, status: str | None = None) -> list[dict]:
    stmt = select(societies).where(_society_scope(who, force)).order_by(societies.c.registered_at.desc())
    if status:
        stmt = stmt.where(societies.c.status == status)
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def decide_society(db: Database, force: Force, who: Principal, society_id: int, decision: str) -> None:
    if decision not in ("verified", "rejected"):
        raise BadRequest("decide 'verified' or 'rejected'")
    with db.engine.begin() as conn:
        row = (
            conn.execute(select(societies).where(societies.c.id == society_id, _society_scope(who, force)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no society {society_id} of your station")
        conn.execute(
            update(societies)
            .where(societies.c.id == society_id)
            .values(status=decision, verified_by=who.actor, verified_at=utcnow())
        )


def society_of_number(conn, force: Force, sender: str | None) -> dict | None:
    """The verified society whose secretary writes from this number, if any."""
    if not sender or not any(ch.isdigit() for ch in sender):
        return None
    phone = force.normalise_number(sender)
    row = conn.execute(
        select(societies.c.id, societies.c.name, societies.c.station_id, societies.c.address).where(
            societies.c.secretary_phone == phone, societies.c.status == "verified"
        )
    ).first()
    return dict(row._mapping) if row else None


def send_advisory(
    db: Database, force: Force, settings: Settings, who: Principal, *, station_id: str, text: str, language: str = "en"
) -> dict:
    """One WhatsApp template message per verified society of the station, through the outbox (never twice)."""
    text = storable(text).strip()
    if not text or len(text) > 1000:
        raise BadRequest("an advisory is 1..1000 characters")
    unit = force.units.get(station_id)
    if unit is None or not unit.is_station or not (who.city_wide or force.is_within(station_id, who.unit_id or "")):
        raise NotFound(f"no station {station_id!r} of yours")
    pnid = settings.whatsapp_phone_number_id
    if not pnid:
        raise BadRequest("THANA_WHATSAPP_PHONE_NUMBER_ID is not set: advisories go out from that WhatsApp number")
    now = utcnow()
    template = {
        "name": settings.whatsapp_advisory_template,
        "language": {"code": language},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": force.units[station_id].name}, {"type": "text", "text": text}],
            }
        ],
    }
    with db.engine.begin() as conn:
        advisory_id = int(
            conn.execute(
                advisories.insert().values(station_id=station_id, text=text, created_by=who.actor, created_at=now)
            ).inserted_primary_key[0]
        )
        members = conn.execute(
            select(societies.c.id, societies.c.secretary_phone).where(
                societies.c.station_id == station_id, societies.c.status == "verified"
            )
        ).all()
        rows = [
            {
                "idempotency_key": f"advisory:{advisory_id}:{sid}",
                "case_id": None,
                "kind": "advisory",
                "channel": "whatsapp",
                "recipient": phone,
                "thread_id": f"{pnid}:{phone}",
                "body": text,
                "public": False,
                "template": template,
                "language": language,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "author": who.name,
            }
            for sid, phone in members
        ]
        if rows:
            conn.execute(outbox.insert(), rows)
    return {"advisory_id": advisory_id, "societies": len(rows)}


def advisory_status(db: Database, force: Force, who: Principal, advisory_id: int) -> list[dict]:
    """Delivery status per society of one advisory (of a station in the reader's scope)."""
    with db.engine.connect() as conn:
        station = conn.execute(select(advisories.c.station_id).where(advisories.c.id == advisory_id)).scalar()
        if station is None or not (who.city_wide or force.is_within(station, who.unit_id or "")):
            raise NotFound(f"no advisory {advisory_id} of yours")
        rows = (
            conn.execute(
                select(
                    outbox.c.idempotency_key,
                    outbox.c.status,
                    outbox.c.attempts,
                    outbox.c.delivered_at,
                    outbox.c.read_at,
                    outbox.c.last_error,
                ).where(outbox.c.idempotency_key.like(f"advisory:{advisory_id}:%"))
            )
            .mappings()
            .all()
        )
    return [
        {"society_id": int(r["idempotency_key"].rsplit(":", 1)[1]), **{k: r[k] for k in r if k != "idempotency_key"}}
        for r in rows
    ]


# -- counselling referrals -----------------------------------------------------------------------------


def refer(
    db: Database,
    force: Force,
    who: Principal,
    reference: str,
    *,
    centre_id: str,
    consent: bool,
    consent_note: str,
    now: datetime | None = None,
) -> int:
    """Refer a women's-safety case to a counselling centre of its region — only with the citizen's consent."""
    now = now or utcnow()
    consent_note = _text(consent_note, 1000)
    if not consent:
        raise BadRequest("a referral needs the citizen's consent: record how and when it was given")
    if not consent_note:
        raise BadRequest("record how the consent was given (e.g. 'on the phone, 25 Nov, 16:40')")
    centre = next((c for c in force.counselling if c.id == centre_id), None)
    if centre is None:
        raise BadRequest(
            f"no counselling centre {centre_id!r}; the centres: {', '.join(c.id for c in force.counselling)}"
        )
    with db.engine.begin() as conn:
        case = _load(conn, db, force, who, reference, lock=True)
        if case["category"] != "women_safety" and case.get("desk") != "women":
            raise BadRequest("referrals to counselling are for women's-safety cases")
        region = case.get("region_id")
        if region and centre.region_id != region:
            raise BadRequest(f"{centre.name} serves another region; choose a centre of {force.units[region].name}")
        try:
            referral_id = int(
                conn.execute(
                    referrals.insert().values(
                        case_id=case["id"],
                        centre_id=centre_id,
                        consent=True,
                        consent_note=consent_note,
                        status="referred",
                        created_by=who.actor,
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
            )
        except IntegrityError:
            raise BadRequest("could not record the referral") from None
        conn.execute(
            case_events.insert().values(
                case_id=case["id"],
                at=now,
                actor=who.actor,
                kind="referred",
                after={"centre_id": centre_id, "status": "referred"},
                detail={"consent": consent_note},
            )
        )
    return referral_id


def update_referral(
    db: Database,
    force: Force,
    who: Principal,
    reference: str,
    referral_id: int,
    status: str,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    if status not in REFERRAL_STATUSES:
        raise BadRequest(f"status is one of {', '.join(REFERRAL_STATUSES)}")
    with db.engine.begin() as conn:
        case = _load(conn, db, force, who, reference, lock=True)
        row = (
            conn.execute(select(referrals).where(referrals.c.id == referral_id, referrals.c.case_id == case["id"]))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no referral {referral_id} on {reference}")
        if status not in REFERRAL_NEXT[row["status"]]:
            allowed = ", ".join(REFERRAL_NEXT[row["status"]]) or "nothing: it is closed"
            raise BadRequest(f"a referral that is {row['status']} can become {allowed}")
        conn.execute(update(referrals).where(referrals.c.id == referral_id).values(status=status, updated_at=now))
        conn.execute(
            case_events.insert().values(
                case_id=case["id"],
                at=now,
                actor=who.actor,
                kind="referral_updated",
                before={"status": row["status"]},
                after={"status": status},
                detail={"referral_id": referral_id},
            )
        )


def case_referrals(db: Database, case_id: int) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(referrals).where(referrals.c.case_id == case_id)).mappings()]
