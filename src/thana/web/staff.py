"""Pages for officers: sign in, the station inbox (live), the case page and its actions."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import func, select

from thana.cases.access import Principal
from thana.cases.canned import canned_for_case
from thana.cases.lifecycle import ALLOWED, IllegalTransition
from thana.force.model import Force
from thana.store.access import case_scope
from thana.store.cases import BadRequest, Filters, NotFound, act, get_case, list_cases, summary
from thana.store.db import get_database
from thana.store.schema import cases
from thana.store.users import authenticate, end_session, start_session
from thana.triage.taxonomy import CODES, PRIORITIES
from thana.web.auth import SESSION_COOKIE, identify, require_csrf
from thana.web.deps import current_force, page_language
from thana.web.i18n import LANGUAGES
from thana.web.pages import templates
from thana.web.staff_i18n import ts
from thana.web.svg import frame_for, path_d

router = APIRouter(include_in_schema=False)
TheForce = Annotated[Force, Depends(current_force)]
Lang = Annotated[str, Depends(page_language)]
HOME_OF_ROLE = {
    "desk_officer": "/inbox",
    "station_incharge": "/inbox",
    "acp": "/monitor",
    "dcp": "/monitor",
    "addl_cp": "/monitor",
    "hq": "/hq",
    "admin": "/hq",
}
CHANNELS = ("x", "whatsapp", "sms", "web", "open311", "file")
STATUSES_SHOWN = (
    "new",
    "acknowledged",
    "assigned",
    "in_progress",
    "transferred",
    "reopened",
    "resolved",
    "closed",
    "redirected",
    "merged",
)


class SignIn(Exception):
    """Raised by pages that need an officer when nobody is signed in."""


def officer(request: Request) -> Principal:
    who = identify(request)
    if who is None:
        raise SignIn()
    return who


Officer = Annotated[Principal, Depends(officer)]


def staff_render(request: Request, name: str, lang: str, status_code: int = 200, **context) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    context.update(
        lang=lang,
        languages=LANGUAGES,
        t=lambda key, **kw: ts(lang, key, **kw),
        who=who,
        csrf=getattr(request.state, "csrf", None) or "",
        nav=_nav(who),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _nav(who: Principal | None) -> list[tuple[str, str]]:
    if who is None:
        return []
    items = [("inbox", "/inbox")] if not who.city_wide and who.role in ("desk_officer", "station_incharge") else []
    if "women" in who.desks:
        items.insert(0, ("womens_desk", "/inbox?desk=women"))
    items.append(("monitor", "/monitor"))
    items.append(("societies", "/societies"))
    if who.city_wide:
        items.append(("headquarters", "/hq"))
    items.append(("reports", "/reports"))
    return items


# -- signing in ----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, force: TheForce, lang: Lang, next: str = "/home") -> HTMLResponse:
    return staff_render(request, "staff/login.html", lang, force=force, next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    force: TheForce,
    lang: Lang,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/home",
):
    who = authenticate(get_database(), username, password)
    if who is None:
        return staff_render(
            request,
            "staff/login.html",
            lang,
            status_code=401,
            force=force,
            next=_safe_next(next),
            error=ts(lang, "bad_login"),
            username=username,
        )
    token, _ = start_session(get_database(), who.id)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=12 * 3600)
    return response


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request, who: Officer):
    end_session(get_database(), request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _safe_next(target: str) -> str:
    """Only our own pages: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/home"


@router.get("/home")
def home(who: Officer):
    return RedirectResponse(HOME_OF_ROLE.get(who.role, "/monitor"), status_code=303)


# -- the inbox -----------------------------------------------------------------------------------------


def _filters(
    status: str | None,
    category: str | None,
    priority: str | None,
    channel: str | None,
    overdue: str | None,
    desk: str | None = None,
) -> Filters:
    return Filters(
        status=status or None,
        category=category or None,
        priority=priority or None,
        channel=channel or None,
        overdue=True if overdue == "1" else None,
        desk=desk or None,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    force: TheForce,
    lang: Lang,
    who: Officer,
    status: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    channel: str | None = None,
    overdue: str | None = None,
    desk: Annotated[str | None, Query(pattern="^women$")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
):
    filters = _filters(
        status or "new,acknowledged,assigned,in_progress,transferred,reopened",
        category,
        priority,
        channel,
        overdue,
        desk,
    )
    try:
        items, total = list_cases(get_database(), force, who, filters, page=page, per_page=50)
    except BadRequest as exc:
        raise HTTPException(400, str(exc)) from None
    return staff_render(
        request,
        "staff/inbox.html",
        lang,
        force=force,
        items=items,
        total=total,
        page=page,
        counts=status_counts(force, who),
        chosen={
            "status": status or "",
            "category": category or "",
            "priority": priority or "",
            "channel": channel or "",
            "overdue": overdue or "",
            "desk": desk or "",
        },
        statuses=STATUSES_SHOWN,
        categories=CODES,
        priorities=PRIORITIES,
        channels=CHANNELS,
        last_id=_last_id(force, who),
        query=str(request.url.query),
    )


def status_counts(force: Force, who: Principal) -> dict[str, int]:
    """Open cases by status: the work in hand (counting every case ever would grow with all history)."""
    from thana.cases.lifecycle import OPEN

    with get_database().engine.connect() as conn:
        rows = conn.execute(
            select(cases.c.status, func.count())
            .where(case_scope(who, force), cases.c.status.in_(sorted(OPEN)))
            .group_by(cases.c.status)
        ).all()
    return {status: n for status, n in rows}


def _last_id(force: Force, who: Principal) -> int:
    with get_database().engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(cases.c.id), 0)).where(case_scope(who, force))).scalar()


@router.get("/inbox/stream")
async def inbox_stream(request: Request, force: TheForce, lang: Lang, who: Officer, after: int = 0):
    """Server-sent events: each new case in the officer's scope, as the row the inbox shows."""

    async def events():
        last = after
        while not await request.is_disconnected():
            with get_database().engine.connect() as conn:
                rows = (
                    conn.execute(
                        select(cases).where(case_scope(who, force), cases.c.id > last).order_by(cases.c.id).limit(50)
                    )
                    .mappings()
                    .all()
                )
            for row in rows:
                last = row["id"]
                item = summary(force, row, datetime.now(UTC))
                html = templates.get_template("staff/_case_row.html").render(
                    c=item, t=lambda k, **kw: ts(lang, k, **kw), fresh=True
                )
                data = json.dumps({"html": html, "reference": item["reference"]})
                yield f"id: {row['id']}\nevent: case\ndata: {data}\n\n"
            yield ": keep-alive\n\n"
            await asyncio.sleep(1.0)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/inbox.csv")
def inbox_csv(
    force: TheForce,
    who: Officer,
    status: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    channel: str | None = None,
    overdue: str | None = None,
) -> Response:
    """Every case of the list (not only one page), masked as on screen."""
    filters = _filters(status, category, priority, channel, overdue)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            "reference",
            "priority",
            "status",
            "category",
            "station",
            "channel",
            "received_at",
            "due_at",
            "overdue",
            "escalation_level",
            "place",
            "summary",
        ]
    )
    page = 1
    while True:
        items, total = list_cases(get_database(), force, who, filters, page=page, per_page=200)
        for c in items:
            writer.writerow(
                [
                    c["reference"],
                    c["priority"] or "",
                    c["status"],
                    c["category"],
                    c["station"]["name"] if c["station"] else "",
                    c["channel"],
                    c["received_at"],
                    c["due_at"] or "",
                    "yes" if c["overdue"] else "",
                    c["escalation_level"],
                    c["place"] or "",
                    c["summary"],
                ]
            )
        if page * 200 >= total or page >= 500:
            break
        page += 1
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


# -- the case page -------------------------------------------------------------------------------------


@router.get("/cases/{reference}", response_class=HTMLResponse)
def case_page(
    reference: str,
    request: Request,
    force: TheForce,
    lang: Lang,
    who: Officer,
    reveal: bool = False,
    done: str | None = None,
    error: str | None = None,
):
    try:
        case = get_case(get_database(), force, who, reference, reveal=reveal)
    except NotFound:
        raise HTTPException(404, f"no case {reference} that you may see") from None
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    return staff_render(
        request,
        "staff/case.html",
        lang,
        force=force,
        case=case,
        done=done,
        error=error,
        canned=canned_for_case(force, case),
        legal=ALLOWED,
        stations=[s for s in force.stations() if s.id != (case.get("station") or {}).get("id")],
        agencies=force.agencies,
        categories=CODES,
        priorities=PRIORITIES,
        map=case_map(force, case),
        incident=incident_size(case),
        **womens_desk(force, case),
    )


def womens_desk(force: Force, case: dict) -> dict:
    """The women's-desk parts of a case page: squad dispatches and counselling referrals."""
    if case["category"] != "women_safety" and case.get("desk") != "women":
        return {"desk": None}
    from thana.store.outreach import case_dispatches, case_referrals

    region = case["station"] and force.ancestor_of_kind(case["station"]["id"], "region")
    centres = {c.id: c.name for c in force.counselling if region is None or c.region_id == region.id}
    return {
        "desk": True,
        "dispatches": case_dispatches(get_database(), case["id"]),
        "referrals": case_referrals(get_database(), case["id"]),
        "centres": centres,
    }


def incident_size(case: dict) -> int:
    if not case.get("incident_id"):
        return 1
    with get_database().engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(cases).where(cases.c.incident_id == case["incident_id"])
        ).scalar()


def case_map(force: Force, case: dict, width: int = 320) -> dict | None:
    """The station's area with the place of the case marked, as SVG paths."""
    station = case["station"]["id"] if case["station"] else None
    geom = force.jurisdictions.get(station) if station else None
    if geom is None:
        return None
    frame = frame_for([geom], width)
    point = frame.xy(case["lon"], case["lat"]) if case.get("lat") is not None else None
    return {"view_box": frame.view_box, "area": path_d(geom, frame), "point": point}


ACTION_FIELDS = ("text", "station_id", "reason", "agency_id", "into", "resolution", "category", "priority")


@router.post("/cases/{reference}/act", dependencies=[Depends(require_csrf)])
async def case_act(reference: str, request: Request, force: TheForce, lang: Lang, who: Officer):
    form = await request.form()
    action = str(form.get("action", ""))
    args = {k: str(form[k]).strip() for k in ACTION_FIELDS if form.get(k)}
    if action == "assign":
        args["user_id"] = who.id
    try:
        act(get_database(), force, who, reference, action, **args)
    except NotFound:
        raise HTTPException(404, f"no case {reference} that you may see") from None
    except (BadRequest, IllegalTransition, TypeError) as exc:
        return RedirectResponse(f"/cases/{reference}?error={_q(str(exc))}&lang={lang}", status_code=303)
    if action in ("transfer", "redirect", "merge") and not _may_still_see(force, who, reference):
        # moved out of the officer's scope (e.g. transferred to another station): its page would be a 404
        return RedirectResponse(f"/inbox?moved={_q(reference)}&lang={lang}", status_code=303)
    return RedirectResponse(f"/cases/{reference}?done={_q(action)}&lang={lang}", status_code=303)


def _may_still_see(force: Force, who: Principal, reference: str) -> bool:
    with get_database().engine.connect() as conn:
        found = conn.execute(select(cases.c.id).where(cases.c.reference == reference, case_scope(who, force))).first()
    return found is not None


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300])
