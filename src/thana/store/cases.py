"""Cases in the database: listing and reading them within the reader's scope, and acting on them.

Every read goes through thana.store.access.case_scope; a case outside the scope is "not found"
(its existence is not revealed). Every change is one transaction: the case row, an append-only
event with the values before and after, and its side effects (the reply in the outbox, the
triage label, the notification to the unit a case is transferred to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.engine import Connection

from thana.cases import lifecycle, service_levels
from thana.cases.access import Principal, may_see_identity
from thana.cases.routing import Route, ownership
from thana.force.model import Force
from thana.store.access import case_scope
from thana.store.db import Database
from thana.store.schema import case_events, cases, inbound, notifications, outbox, triage_labels, users, utcnow
from thana.triage import pii
from thana.triage.taxonomy import BY_CODE, CODES, PRIORITIES

MAX_PAGE = 200


class NotFound(LookupError):
    pass


class BadRequest(ValueError):
    pass


@dataclass
class Filters:
    station: str | None = None
    zone: str | None = None
    status: str | None = None  # comma-separated
    category: str | None = None
    priority: str | None = None
    channel: str | None = None
    desk: str | None = None
    overdue: bool | None = None
    text: str | None = None


def overdue_clause(now: datetime):
    return and_(
        cases.c.status.in_(lifecycle.OPEN),
        or_(
            and_(cases.c.acknowledged_at.is_(None), cases.c.ack_due_at < now),
            and_(cases.c.first_response_at.is_(None), cases.c.action_due_at < now),
        ),
    )


def due_at(row) -> datetime | None:
    if row["status"] not in lifecycle.OPEN:
        return None
    if row["acknowledged_at"] is None:
        return row["ack_due_at"]
    return row["action_due_at"] if row["first_response_at"] is None else None


def _filters(f: Filters, force: Force, now: datetime) -> list:
    out = []
    if f.station:
        out.append(or_(cases.c.station_id == f.station, cases.c.owner_unit_id == f.station))
    if f.zone:
        out.append(cases.c.zone_id == f.zone)
    if f.status:
        statuses = [s.strip() for s in f.status.split(",") if s.strip()]
        unknown = set(statuses) - set(lifecycle.STATUSES)
        if unknown:
            raise BadRequest(
                f"unknown status {', '.join(sorted(unknown))}; the statuses are: {', '.join(lifecycle.STATUSES)}"
            )
        out.append(cases.c.status.in_(statuses))
    if f.category:
        if f.category not in CODES:
            raise BadRequest(f"unknown category {f.category!r}; see TAXONOMY.md: {', '.join(CODES)}")
        out.append(cases.c.category == f.category)
    if f.priority:
        if f.priority not in PRIORITIES:
            raise BadRequest(f"priority must be one of {', '.join(PRIORITIES)}")
        out.append(cases.c.priority == f.priority)
    if f.channel:
        out.append(cases.c.channel == f.channel)
    if f.desk:
        out.append(cases.c.desk == f.desk)
    if f.overdue is not None:
        clause = overdue_clause(now)
        out.append(clause if f.overdue else ~clause)
    if f.text:
        like = f"%{f.text.strip()[:200]}%"
        out.append(or_(cases.c.reference.ilike(like), cases.c.summary.ilike(like), cases.c.place_name.ilike(like)))
    return out


ORDER = (
    sql_case((cases.c.priority.is_(None), "9"), else_=func.substr(cases.c.priority, 2, 1)).asc(),
    func.coalesce(cases.c.escalate_at, cases.c.action_due_at, cases.c.received_at).asc(),
    cases.c.id.desc(),
)


def list_cases(
    db: Database,
    force: Force,
    who: Principal,
    f: Filters,
    *,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[dict], int]:
    if page < 1 or not 1 <= per_page <= MAX_PAGE:
        raise BadRequest(f"page starts at 1 and per_page is 1..{MAX_PAGE}")
    now = now or utcnow()
    where = and_(case_scope(who, force), *_filters(f, force, now))
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(where)).scalar()
        rows = (
            conn.execute(select(cases).where(where).order_by(*ORDER).limit(per_page).offset((page - 1) * per_page))
            .mappings()
            .all()
        )
    return [summary(force, r, now) for r in rows], int(total)


def summary(force: Force, row, now: datetime) -> dict:
    station = force.units.get(row["station_id"] or "")
    owner = force.units.get(row["owner_unit_id"] or "")
    due = due_at(row)
    return {
        "reference": row["reference"],
        "station": {"id": station.id, "name": station.name} if station else None,
        "owner": {"id": owner.id, "name": owner.name, "kind": owner.kind} if owner else None,
        "category": row["category"],
        "priority": row["priority"],
        "status": row["status"],
        "channel": row["channel"],
        "desk": row["desk"],
        "received_at": row["received_at"].isoformat(),
        "due_at": due.isoformat() if due else None,
        "overdue": bool(due and due < now),
        "escalation_level": row["escalation_level"],
        "summary": pii.mask(row["summary"] or ""),
        "place": row["place_name"],
        "agency_id": row["agency_id"],
        "sensitive": row["sensitive"],
    }


def _load(conn: Connection, db: Database, force: Force, who: Principal, reference: str, *, lock: bool = False):
    stmt = select(cases).where(cases.c.reference == reference, case_scope(who, force))
    if lock and db.is_postgres:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound(f"no case {reference!r} that you may see")
    return dict(row)


def media_file(
    db: Database, force: Force, who: Principal, reference: str, inbound_id: int, index: int, *, now=None
) -> dict:
    """A file a citizen sent with a message of the case (the web form's photo), for an officer who may
    see the case; on a sensitive case only for those who may see who wrote. Every view is recorded."""
    with db.engine.begin() as conn:
        case = _load(conn, db, force, who, reference)
        media = conn.execute(
            select(inbound.c.media).where(inbound.c.id == inbound_id, inbound.c.case_id == case["id"])
        ).scalar()
        item = (media or [])[index] if 0 <= index < len(media or []) else None
        if not item or not item.get("path"):
            raise NotFound("no such file kept with this case (a channel's media stays with the channel)")
        if case["sensitive"] and not may_see_identity(who, case):
            raise PermissionError("on this case only the officers assigned (and the women's desk) may see its photos")
        conn.execute(
            case_events.insert().values(
                case_id=case["id"],
                at=now or utcnow(),
                actor=who.actor,
                kind="media_viewed",
                detail={"inbound_id": inbound_id, "index": index, "by": who.name},
            )
        )
    return {"path": item["path"], "mime_type": item.get("mime_type") or "application/octet-stream"}


def get_case(
    db: Database, force: Force, who: Principal, reference: str, *, reveal: bool = False, now: datetime | None = None
) -> dict:
    """A case with its conversation and audit trail; personal data masked unless the reader may see it
    and asks to (`reveal`), which is itself recorded."""
    now = now or utcnow()
    with db.engine.connect() as conn:
        row = _load(conn, db, force, who, reference)
        messages = (
            conn.execute(
                select(
                    inbound.c.id,
                    inbound.c.channel,
                    inbound.c.kind,
                    inbound.c.sender,
                    inbound.c.sender_name,
                    inbound.c.text,
                    inbound.c.received_at,
                    inbound.c.media,
                    inbound.c.lat,
                    inbound.c.lon,
                )
                .where(inbound.c.case_id == row["id"])
                .order_by(inbound.c.received_at)
            )
            .mappings()
            .all()
        )
        replies = (
            conn.execute(select(outbox).where(outbox.c.case_id == row["id"]).order_by(outbox.c.created_at))
            .mappings()
            .all()
        )
        events = (
            conn.execute(select(case_events).where(case_events.c.case_id == row["id"]).order_by(case_events.c.id))
            .mappings()
            .all()
        )
        assignee = None
        if row["assigned_to"]:
            assignee = conn.execute(select(users.c.display_name).where(users.c.id == row["assigned_to"])).scalar()
    allowed = may_see_identity(who, row)
    shown = reveal and allowed
    if reveal and not allowed:
        raise PermissionError("only the officers assigned (and the women's desk, for its cases) may see who wrote")
    if shown:
        with db.engine.begin() as conn:
            conn.execute(
                case_events.insert().values(
                    case_id=row["id"], at=now, actor=who.actor, kind="personal_data_viewed", detail={"by": who.name}
                )
            )
    conversation = [
        {
            "direction": "in",
            "at": m["received_at"].isoformat(),
            "channel": m["channel"],
            "kind": m["kind"],
            "from": (m["sender_name"] or m["sender"]) if shown else "citizen",
            "text": m["text"] if shown else pii.mask(m["text"] or ""),
            "media": len(m["media"] or []),
            "inbound_id": m["id"],
            "photos": [i for i, item in enumerate(m["media"] or []) if (item or {}).get("path")],  # kept by us
            "lat": m["lat"],
            "lon": m["lon"],
        }
        for m in messages
    ] + [
        {
            "direction": "out",
            "at": r["created_at"].isoformat(),
            "channel": r["channel"],
            "kind": r["kind"],
            "from": r["author"],
            "text": r["body"],
            "status": r["status"],
            "public": r["public"],
        }
        for r in replies
    ]
    conversation.sort(key=lambda m: m["at"])
    detail = summary(force, row, now) | {
        "id": row["id"],
        "language": row["language"],
        "routed_by": row["routed_by"],
        "route": row["route"],
        "lat": row["lat"],
        "lon": row["lon"],
        "triage": row["triage"],
        "model_version": row["model_version"],
        "assigned_to": {"id": row["assigned_to"], "name": assignee} if row["assigned_to"] else None,
        "incident_id": row["incident_id"],
        "merged_into_id": row["merged_into_id"],
        "times": {
            k: row[k].isoformat() if row[k] else None
            for k in (
                "received_at",
                "ack_due_at",
                "action_due_at",
                "acknowledged_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
            )
        },
        "identity_visible": shown,
        "may_reveal": allowed,
        "citizen": (row["citizen"] if shown else None),
        "conversation": conversation,
        "events": [
            {
                "at": e["at"].isoformat(),
                "actor": e["actor"],
                "kind": e["kind"],
                "before": e["before"],
                "after": e["after"],
                "detail": e["detail"],
            }
            for e in events
        ],
    }
    return detail


# -- actions -------------------------------------------------------------------------------------------


def act(
    db: Database, force: Force, who: Principal, reference: str, action: str, *, now: datetime | None = None, **args
) -> dict:
    """Apply one action; returns the case's summary afterwards. Raises NotFound, BadRequest, IllegalTransition."""
    now = now or utcnow()
    with db.engine.begin() as conn:
        row = _load(conn, db, force, who, reference, lock=True)
        args = _resolve_arguments(conn, db, force, who, row, action, args)
        change = lifecycle.apply(action, row, now, **args)
        values = dict(change.values)
        if values.get("open_key"):
            taken = conn.execute(
                select(cases.c.id).where(cases.c.open_key == values["open_key"], cases.c.id != row["id"])
            ).first()
            if taken:
                values["open_key"] = None  # the citizen's newer case holds the conversation
        if action == "recategorise" and values.get("category", row["category"]) != row["category"]:
            values |= _owner_values(force, row, values["category"])
        _service_level_effects(force, row, values, now)
        before = {k: _jsonable(row.get(k)) for k in values}
        if values:
            conn.execute(update(cases).where(cases.c.id == row["id"]).values(**values, updated_at=now))
        detail = dict(change.detail)
        if action in ("note", "reply") and args.get("text"):
            detail["text"] = args["text"]
        conn.execute(
            case_events.insert().values(
                case_id=row["id"],
                at=now,
                actor=who.actor,
                kind=change.event,
                before=before or None,
                after={k: _jsonable(v) for k, v in values.items()} or None,
                detail=detail or None,
            )
        )
        _side_effects(conn, force, who, row, action, values, args, now)
        fresh = conn.execute(select(cases).where(cases.c.id == row["id"])).mappings().first()
    return summary(force, fresh, now)


def private_request(force: Force, row: dict) -> str:
    """The public reply to a sensitive case: its reference, and a request to continue privately."""
    from thana.cases.acknowledgement import T

    lang = row["language"] if row["language"] in ("hi", "mr") else "en"
    return f"{row['reference']}: {T['private'].get(lang, T['private']['en'])}"


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _resolve_arguments(conn, db, force: Force, who: Principal, row: dict, action: str, args: dict) -> dict:
    """Turn what the caller gave (names, references) into what the lifecycle needs, checking each."""
    args = {k: v for k, v in args.items() if v is not None}
    if action in ("reply", "note"):
        text = (args.get("text") or "").strip()
        if not text:
            raise BadRequest(f"a {action} needs text")
        if len(text) > 4000:
            raise BadRequest(f"a {action} is at most 4,000 characters")
        args["text"] = text
    if action == "assign":
        user_id = args.get("user_id") or (who.id if who.kind == "user" else None)
        if user_id is None:
            raise BadRequest("assign needs user_id (an officer's id)")
        found = conn.execute(
            select(users.c.id, users.c.unit_id, users.c.role).where(users.c.id == user_id, users.c.active.is_(True))
        ).first()
        if found is None:
            raise BadRequest(f"no active officer with id {user_id}")
        if found.role not in ("hq", "admin") and not any(
            force.is_within(u, found.unit_id) for u in (row["owner_unit_id"], row["station_id"]) if u and found.unit_id
        ):
            raise BadRequest("that officer's unit does not handle this case: assign someone who can see it")
        args["user_id"] = int(user_id)
    if action == "transfer":
        station = force.units.get(args.get("station_id", ""))
        if station is None or not station.is_station or not station.active:
            raise BadRequest("transfer needs station_id: an active station of the force")
        route = Route(station.id, "transfer")
        owner = ownership(force, route, row["category"], None)
        args |= {
            "station_id": station.id,
            "owner_unit_id": owner.owner_unit_id,
            "division_id": owner.division_id,
            "zone_id": owner.zone_id,
            "region_id": owner.region_id,
        }
    if action == "redirect":
        agency = force.agency(args.get("agency_id", ""))
        if agency is None:
            raise BadRequest(f"redirect needs agency_id, one of: {', '.join(a.id for a in force.agencies)}")
    if action == "merge":
        target = conn.execute(
            select(cases.c.id, cases.c.status).where(cases.c.reference == args.get("into", ""), case_scope(who, force))
        ).first()
        if target is None:
            raise BadRequest(f"no case {args.get('into')!r} to merge into that you may see")
        if target.status == "merged":
            raise BadRequest("the case to merge into is itself merged; merge into the case it went into")
        args |= {"into_id": target.id, "into_reference": args["into"]}
    if action == "recategorise":
        if args.get("category") and args["category"] not in CODES:
            raise BadRequest(f"unknown category {args['category']!r}; see TAXONOMY.md")
        if args.get("priority") and args["priority"] not in PRIORITIES:
            raise BadRequest(f"priority must be one of {', '.join(PRIORITIES)}")
    return args


def _owner_values(force: Force, row: dict, category: str) -> dict:
    """A new category can change who owns the case (police conduct goes above the station)."""
    # A message written to a station's women's helpline stays with its women's desk whatever it is about.
    desk = row["desk"] if row["routed_by"] == "number" else None
    owner = ownership(force, Route(row["station_id"], row["routed_by"] or "hq", desk=desk), category, None)
    return {
        "owner_unit_id": owner.owner_unit_id,
        "division_id": owner.division_id,
        "zone_id": owner.zone_id,
        "region_id": owner.region_id,
        "desk": owner.desk,
    }


def _service_level_effects(force: Force, row: dict, values: dict, now: datetime) -> None:
    """Deadlines follow priority changes and reopenings; the sweeper's next look follows the clocks."""
    merged = row | values
    if "priority" in values and values["priority"]:
        level = force.service_level(values["priority"])
        values["ack_due_at"] = now + timedelta(minutes=level.acknowledge_minutes)
        values["action_due_at"] = now + timedelta(minutes=level.first_action_minutes)
        values["escalation_level"] = 0
    if values.get("status") in ("reopened", "transferred") and merged.get("priority"):
        level = force.service_level(merged["priority"])
        values["ack_due_at"] = now + timedelta(minutes=level.acknowledge_minutes)
        if merged.get("first_response_at") is None or values.get("status") == "reopened":
            values["action_due_at"] = now + timedelta(minutes=level.first_action_minutes)
        values["escalation_level"] = 0
    if "category" in values and BY_CODE[values["category"]].sensitive != row["sensitive"]:
        values["sensitive"] = BY_CODE[values["category"]].sensitive
    values["escalate_at"] = service_levels.next_check(row | values)


def _side_effects(
    conn, force: Force, who: Principal, row: dict, action: str, values: dict, args: dict, now: datetime
) -> None:
    if action == "reply":
        last = (
            conn.execute(
                select(inbound).where(inbound.c.case_id == row["id"]).order_by(inbound.c.received_at.desc()).limit(1)
            )
            .mappings()
            .first()
        )
        public = bool(last and last["channel"] == "x" and last["kind"] != "dm")
        body = args["text"]
        if public and row["sensitive"]:
            # Said in public, a reply about a woman, a child or an informant says too much: the public post only
            # asks the citizen to write privately; the officer's words wait in the case's audit trail.
            body = private_request(force, row)
        elif public:
            body = pii.mask(body)
        conn.execute(
            outbox.insert().values(
                idempotency_key=f"reply:{row['id']}:{now.timestamp():.6f}:{who.actor}",
                case_id=row["id"],
                kind="reply",
                channel=last["channel"] if last else row["channel"],
                recipient=last["sender"] if last else row["citizen"],
                thread_id=last["thread_id"] if last else None,
                reply_to=last["external_id"] if last else None,
                sender_address=last["addressed_to"] if last else None,
                body=body,
                public=public,
                language=row["language"],
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                author=who.name,
            )
        )
    elif action == "transfer":
        conn.execute(
            notifications.insert().values(
                unit_id=values["owner_unit_id"] or values["station_id"],  # never the station complained about
                case_id=row["id"],
                kind="transfer",
                text=f"{row['reference']} transferred to you: {args.get('reason')}",
                created_at=now,
            )
        )
    elif action == "recategorise":
        first = conn.execute(
            select(inbound.c.text).where(inbound.c.case_id == row["id"]).order_by(inbound.c.id).limit(1)
        ).scalar()
        conn.execute(
            triage_labels.insert().values(
                case_id=row["id"],
                text=first or row["summary"],
                category=values.get("category", row["category"]),
                priority=values.get("priority", row["priority"]),
                was_category=row["category"],
                was_priority=row["priority"],
                model_version=row["model_version"],
                labelled_by=who.actor,
                labelled_at=now,
            )
        )
