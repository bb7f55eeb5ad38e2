"""The case API: list and read within the caller's scope, and one endpoint per action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from thana.cases.access import Principal
from thana.cases.canned import canned_for_case
from thana.cases.lifecycle import ACTIONS, IllegalTransition
from thana.config import settings
from thana.force.model import Force
from thana.store.cases import BadRequest, Filters, NotFound, act, get_case, list_cases, media_file
from thana.store.db import get_database
from thana.store.schema import notifications
from thana.web.auth import require_csrf, require_principal
from thana.web.deps import current_force
from thana.web.report import MEDIA_DIR

router = APIRouter(prefix="/api/v1", tags=["cases"])
Who = Annotated[Principal, Depends(require_principal)]
TheForce = Annotated[Force, Depends(current_force)]


def _errors(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except (BadRequest, TypeError) as exc:
        raise HTTPException(400, str(exc)) from None
    except IllegalTransition as exc:
        raise HTTPException(409, str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None


@router.get("/cases", summary="Cases you may see, most urgent first")
def cases_list(
    who: Who,
    force: TheForce,
    station: Annotated[str | None, Query(description="station id")] = None,
    zone: Annotated[str | None, Query(description="zone id, e.g. zone-11")] = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    category: str | None = None,
    priority: Annotated[str | None, Query(pattern="^P[1-4]$")] = None,
    channel: str | None = None,
    desk: str | None = None,
    overdue: bool | None = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    filters = Filters(station, zone, status, category, priority, channel, desk, overdue, text)
    items, total = _errors(list_cases, get_database(), force, who, filters, page=page, per_page=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/cases/{reference}", summary="One case: conversation, triage, audit trail")
def case_detail(
    reference: str,
    who: Who,
    force: TheForce,
    reveal: Annotated[bool, Query(description="show who wrote (assigned officers; recorded)")] = False,
) -> dict:
    return _errors(get_case, get_database(), force, who, reference, reveal=reveal)


@router.get(
    "/cases/{reference}/media/{inbound_id}/{index}",
    summary="A photo the citizen sent with a message of the case (recorded; sensitive cases: assigned only)",
    response_class=FileResponse,
)
def case_media(reference: str, inbound_id: int, index: int, who: Who, force: TheForce) -> FileResponse:
    found = _errors(media_file, get_database(), force, who, reference, inbound_id, index)
    folder = (settings().data_dir / MEDIA_DIR).resolve()
    path = (settings().data_dir / found["path"]).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise HTTPException(404, "the file is no longer kept")
    return FileResponse(
        path,
        media_type=found["mime_type"],
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/cases/{reference}/canned", summary="Canned replies for this case's category and language")
def case_canned(reference: str, who: Who, force: TheForce) -> dict:
    case = _errors(get_case, get_database(), force, who, reference)
    return {"replies": canned_for_case(force, case)}


@router.post(
    "/cases/{reference}/{action}",
    summary="Act on a case",
    dependencies=[Depends(require_csrf)],
    description="Actions: " + ", ".join(ACTIONS) + ". The body carries the action's arguments: "
    "assign {user_id}, reply/note {text}, transfer {station_id, reason}, redirect {agency_id, reason}, "
    "merge {into}, resolve {resolution}, close {reason}, reopen {reason}, "
    "recategorise {category?, priority?, reason?}.",
)
async def case_action(
    reference: str,
    action: str,
    request: Request,
    who: Who,
    force: TheForce,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict:
    if action not in ACTIONS:
        raise HTTPException(404, f"no action {action!r}; the actions are: {', '.join(ACTIONS)}")
    args = body or {}
    allowed = {"user_id", "text", "station_id", "reason", "agency_id", "into", "resolution", "category", "priority"}
    unknown = set(args) - allowed
    if unknown:
        raise HTTPException(400, f"unknown field(s) {', '.join(sorted(unknown))} for {action}")
    return _errors(act, get_database(), force, who, reference, action, **args)


@router.get("/notifications", summary="Notifications for your unit (escalations, transfers, emergencies)")
def notifications_list(who: Who, force: TheForce, unread: bool = True) -> dict:
    stmt = select(notifications).order_by(notifications.c.id.desc()).limit(200)
    if not who.city_wide:
        stmt = stmt.where(notifications.c.unit_id == who.unit_id)
    if unread:
        stmt = stmt.where(notifications.c.read_at.is_(None))
    with get_database().engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return {
        "items": [
            {
                "id": r["id"],
                "unit_id": r["unit_id"],
                "kind": r["kind"],
                "text": r["text"],
                "created_at": r["created_at"].isoformat(),
            }
            for r in rows
        ]
    }
