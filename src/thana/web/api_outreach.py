"""The outreach API: Nirbhaya squad dispatches, housing societies and advisories, counselling referrals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from thana.cases.access import Principal
from thana.config import settings
from thana.force.locate import Locator
from thana.force.model import Force
from thana.store import outreach
from thana.store.cases import BadRequest, NotFound
from thana.store.db import get_database
from thana.web.auth import require_csrf, require_principal
from thana.web.deps import current_force, current_locator

router = APIRouter(prefix="/api/v1", tags=["outreach"])
Who = Annotated[Principal, Depends(require_principal)]
TheForce = Annotated[Force, Depends(current_force)]
CSRF = [Depends(require_csrf)]


def _errors(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except BadRequest as exc:
        raise HTTPException(400, str(exc)) from None


class DispatchIn(BaseModel):
    squad: str = Field(max_length=120)
    vehicle: str | None = Field(None, max_length=40)
    dispatched_at: datetime
    reached_at: datetime | None = None
    outcome: str | None = Field(None, max_length=2000)


class DispatchUpdate(BaseModel):
    reached_at: datetime | None = None
    outcome: str | None = Field(None, max_length=2000)


class SocietyIn(BaseModel):
    name: str = Field(max_length=200)
    address: str = Field(max_length=1000)
    secretary_name: str = Field(max_length=200)
    secretary_phone: str = Field(max_length=24)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class AdvisoryIn(BaseModel):
    station_id: str
    text: str = Field(max_length=1000)
    language: str = Field("en", pattern="^(en|hi|mr)$")


class ReferralIn(BaseModel):
    centre_id: str
    consent: bool
    consent_note: str = Field(max_length=1000)


class ReferralUpdate(BaseModel):
    status: str


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise HTTPException(400, "times need a time zone, e.g. 2026-11-25T16:40:00+05:30")
    return value


@router.post("/cases/{reference}/dispatches", summary="Record a Nirbhaya squad dispatch", dependencies=CSRF)
def add_dispatch(reference: str, body: DispatchIn, who: Who, force: TheForce) -> dict:
    dispatch_id = _errors(
        outreach.record_dispatch,
        get_database(),
        force,
        who,
        reference,
        squad=body.squad,
        vehicle=body.vehicle,
        dispatched_at=_aware(body.dispatched_at),
        reached_at=_aware(body.reached_at),
        outcome=body.outcome,
    )
    return {"id": dispatch_id}


@router.patch(
    "/cases/{reference}/dispatches/{dispatch_id}", summary="The squad reached; the outcome", dependencies=CSRF
)
def edit_dispatch(reference: str, dispatch_id: int, body: DispatchUpdate, who: Who, force: TheForce) -> dict:
    _errors(
        outreach.update_dispatch,
        get_database(),
        force,
        who,
        reference,
        dispatch_id,
        reached_at=_aware(body.reached_at),
        outcome=body.outcome,
    )
    return {"id": dispatch_id}


@router.post(
    "/cases/{reference}/referrals", summary="Refer to a counselling centre (consent required)", dependencies=CSRF
)
def add_referral(reference: str, body: ReferralIn, who: Who, force: TheForce) -> dict:
    return {
        "id": _errors(
            outreach.refer,
            get_database(),
            force,
            who,
            reference,
            centre_id=body.centre_id,
            consent=body.consent,
            consent_note=body.consent_note,
        )
    }


@router.patch("/cases/{reference}/referrals/{referral_id}", summary="A referral's status", dependencies=CSRF)
def edit_referral(reference: str, referral_id: int, body: ReferralUpdate, who: Who, force: TheForce) -> dict:
    _errors(outreach.update_referral, get_database(), force, who, reference, referral_id, body.status)
    return {"id": referral_id, "status": body.status}


@router.get("/counselling", summary="Counselling centres, by region")
def counselling(force: TheForce, region: str | None = None) -> dict:
    centres = [c for c in force.counselling if region is None or c.region_id == region]
    return {
        "items": [
            {
                "id": c.id,
                "region_id": c.region_id,
                "name": c.name,
                "address": c.address or None,
                "phone": c.phone or None,
                "source": c.source,
                "notes": c.notes or None,
            }
            for c in centres
        ]
    }


@router.post("/societies", summary="A housing society registers with its police station (public)")
def society_register(body: SocietyIn, force: TheForce, locator: Annotated[Locator, Depends(current_locator)]) -> dict:
    return _errors(outreach.register_society, get_database(), force, locator, **body.model_dump())


@router.get("/societies", summary="Societies of your station(s)")
def society_list(who: Who, force: TheForce, status: str | None = None) -> dict:
    rows = outreach.list_societies(get_database(), force, who, status)
    return {"items": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}


@router.post("/societies/{society_id}/{decision}", summary="Verify or reject a society", dependencies=CSRF)
def society_decide(society_id: int, decision: str, who: Who, force: TheForce) -> dict:
    status = {"verify": "verified", "reject": "rejected"}.get(decision)
    if status is None:
        raise HTTPException(404, "use /verify or /reject")
    _errors(outreach.decide_society, get_database(), force, who, society_id, status)
    return {"id": society_id, "status": status}


@router.post("/advisories", summary="Send an advisory to every verified society of a station", dependencies=CSRF)
def advisory_send(body: AdvisoryIn, who: Who, force: TheForce) -> dict:
    return _errors(
        outreach.send_advisory,
        get_database(),
        force,
        settings(),
        who,
        station_id=body.station_id,
        text=body.text,
        language=body.language,
    )


@router.get("/advisories/{advisory_id}", summary="Delivery status of an advisory, per society")
def advisory_get(advisory_id: int, who: Who, force: TheForce) -> dict:
    deliveries = _errors(outreach.advisory_status, get_database(), force, who, advisory_id)
    return {"advisory_id": advisory_id, "deliveries": deliveries}
