"""Pages for outreach: a society registers (public); a station verifies its societies and sends advisories;
the case page's women's-desk parts (squad dispatch, counselling referral) post here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from thana.config import settings
from thana.force.locate import Locator
from thana.force.model import Force
from thana.store import outreach
from thana.store.cases import BadRequest, NotFound
from thana.store.db import get_database
from thana.web.auth import require_csrf
from thana.web.deps import current_force, current_locator, page_language
from thana.web.pages import render
from thana.web.staff import Officer, staff_render

router = APIRouter(include_in_schema=False)
TheForce = Annotated[Force, Depends(current_force)]
Lang = Annotated[str, Depends(page_language)]


# -- public: a society registers -----------------------------------------------------------------------


@router.get("/societies/register", response_class=HTMLResponse)
def society_form(request: Request, force: TheForce, lang: Lang) -> HTMLResponse:
    return render(request, "society_register.html", lang, force=force, values={}, error=None, done=None)


@router.post("/societies/register", response_class=HTMLResponse)
def society_submit(
    request: Request,
    force: TheForce,
    lang: Lang,
    locator: Annotated[Locator, Depends(current_locator)],
    name: Annotated[str, Form(max_length=200)],
    address: Annotated[str, Form(max_length=1000)],
    secretary_name: Annotated[str, Form(max_length=200)],
    secretary_phone: Annotated[str, Form(max_length=24)],
) -> HTMLResponse:
    values = {"name": name, "address": address, "secretary_name": secretary_name, "secretary_phone": secretary_phone}
    try:
        done = outreach.register_society(get_database(), force, locator, **values)
    except BadRequest as exc:
        return render(
            request,
            "society_register.html",
            lang,
            status_code=400,
            force=force,
            values=values,
            error=str(exc),
            done=None,
        )
    return render(request, "society_register.html", lang, force=force, values={}, error=None, done=done)


# -- staff: societies and advisories -------------------------------------------------------------------


@router.get("/societies", response_class=HTMLResponse)
def societies_page(
    request: Request, force: TheForce, lang: Lang, who: Officer, done: str | None = None, error: str | None = None
) -> HTMLResponse:
    rows = outreach.list_societies(get_database(), force, who)
    stations = force.stations() if who.city_wide else force.stations_under(who.unit_id or "")
    return staff_render(
        request,
        "staff/societies.html",
        lang,
        force=force,
        rows=rows,
        stations=stations,
        done=done,
        error=error,
        sending_from=settings().whatsapp_phone_number_id,
    )


@router.post("/societies/{society_id}/decide", dependencies=[Depends(require_csrf)])
def society_decide(
    society_id: int, force: TheForce, lang: Lang, who: Officer, decision: Annotated[str, Form()]
) -> RedirectResponse:
    try:
        outreach.decide_society(get_database(), force, who, society_id, decision)
    except (BadRequest, NotFound) as exc:
        return RedirectResponse(f"/societies?error={quote(str(exc))}&lang={lang}", status_code=303)
    return RedirectResponse(f"/societies?done={quote(decision)}&lang={lang}", status_code=303)


@router.post("/advisories", dependencies=[Depends(require_csrf)])
def advisory_send(
    force: TheForce,
    lang: Lang,
    who: Officer,
    station_id: Annotated[str, Form()],
    text: Annotated[str, Form(max_length=1000)],
) -> RedirectResponse:
    try:
        sent = outreach.send_advisory(
            get_database(), force, settings(), who, station_id=station_id, text=text, language=lang
        )
    except (BadRequest, NotFound) as exc:
        return RedirectResponse(f"/societies?error={quote(str(exc))}&lang={lang}", status_code=303)
    note = f"advisory {sent['advisory_id']} queued for {sent['societies']} societies"
    return RedirectResponse(f"/societies?done={quote(note)}&lang={lang}", status_code=303)


# -- case page: the women's desk -----------------------------------------------------------------------


def _local(value: str, force: Force) -> datetime | None:
    """A datetime-local field, in the force's time zone."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(force.timezone)).astimezone(UTC)
    except ValueError:
        raise BadRequest(f"{value!r} is not a date and time") from None


@router.post("/cases/{reference}/desk", dependencies=[Depends(require_csrf)])
async def case_desk(reference: str, request: Request, force: TheForce, lang: Lang, who: Officer) -> RedirectResponse:
    form = await request.form()
    kind = form.get("kind")
    db = get_database()
    try:
        if kind == "dispatch":
            outreach.record_dispatch(
                db,
                force,
                who,
                reference,
                squad=str(form.get("squad", "")),
                vehicle=str(form.get("vehicle") or "") or None,
                dispatched_at=_local(str(form.get("dispatched_at", "")), force) or datetime.now(UTC),
                reached_at=_local(str(form.get("reached_at", "")), force),
                outcome=str(form.get("outcome") or "") or None,
            )
        elif kind == "reached":
            outreach.update_dispatch(
                db,
                force,
                who,
                reference,
                int(form.get("dispatch_id", 0)),
                reached_at=_local(str(form.get("reached_at", "")), force) or datetime.now(UTC),
                outcome=str(form.get("outcome") or "") or None,
            )
        elif kind == "referral":
            outreach.refer(
                db,
                force,
                who,
                reference,
                centre_id=str(form.get("centre_id", "")),
                consent=form.get("consent") == "yes",
                consent_note=str(form.get("consent_note", "")),
            )
        elif kind == "referral_status":
            outreach.update_referral(
                db, force, who, reference, int(form.get("referral_id", 0)), str(form.get("status", ""))
            )
        else:
            raise BadRequest("unknown form")
    except NotFound:
        return RedirectResponse(f"/inbox?lang={lang}", status_code=303)
    except (BadRequest, ValueError) as exc:
        return RedirectResponse(f"/cases/{reference}?error={quote(str(exc))}&lang={lang}", status_code=303)
    return RedirectResponse(f"/cases/{reference}?done={quote(str(kind))}&lang={lang}", status_code=303)
