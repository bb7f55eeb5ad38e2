"""Inbound message -> routed, triaged case with its audit events and acknowledgement, in one transaction.

A worker claims a batch of pending inbound messages (FOR UPDATE SKIP LOCKED on PostgreSQL, so
workers never share one; on SQLite it reads them and writes only those still pending under the
write lock, which admits one writer at a time), decides everything in memory (route, triage, new
case or follow-up), then writes cases, events, outbox rows and the inbound rows' outcome in one
transaction. A worker killed at any point leaves either all of it or none of it: the messages are
still pending for the next worker.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, case, cast, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from thana.cases import CLOSED_STATUSES, incidents, lifecycle
from thana.cases.acknowledgement import acknowledgement
from thana.cases.routing import Ownership, Route, ownership, route
from thana.config import settings
from thana.force.geo import is_position
from thana.force.locate import locator_for
from thana.force.model import Force
from thana.store.bulk import insert_many, new_ids, one_of, update_many
from thana.store.db import Database
from thana.store.references import ReferenceAllocator
from thana.store.schema import (
    INCIDENT_REACH,
    case_events,
    cases,
    inbound,
    notifications,
    outbox,
    societies,
    utcnow,
)
from thana.triage import Decision
from thana.triage.model import get_model
from thana.triage.taxonomy import BY_CODE, more_urgent

log = logging.getLogger("thana.pipeline")
SUMMARY_LIMIT = 280
NO_CASE_KINDS = frozenset({"reaction", "delete", "status"})
INCIDENT_CANDIDATES = 20_000  # at most this many recent reports nearby to compare with (a bound on memory)


@dataclass
class Plan:
    """What to do with one inbound message, decided before touching the database."""

    row: dict
    thread_key: str
    decision: Decision | None = None
    route: Route | None = None
    owner: Ownership | None = None
    error: str | None = None
    outcome: str = "new_case"  # new_case, attached, spam, no_case, failed
    case_index: int | None = None  # into the batch's new cases
    case_id: int | None = None  # of an existing case it attaches to
    extra: dict = field(default_factory=dict)


class Pipeline:
    def __init__(
        self,
        db: Database,
        force: Force,
        *,
        worker_id: str,
        batch_size: int = 200,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db, self.force, self.batch_size, self.clock = db, force, batch_size, clock
        self.worker_id = worker_id[-64:]  # the column's width; the end (pid, index) tells workers apart
        self.locator = locator_for(force, settings().nearest_max_km)
        self.classifier = get_model()
        self.references = ReferenceAllocator(db, force.reference_prefix)

    # -- one batch -----------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Process one batch; the number of inbound messages it took (0 when none are pending)."""
        for attempt in range(5):
            try:
                if not self.db.is_postgres:
                    return self._run_once_unlocked()
                with self.db.engine.begin() as conn:
                    rows = self._claim(conn)
                    if not rows:
                        return 0
                    plans = self.plan(rows)
                    self._write(conn, plans)
                return len(rows)
            except IntegrityError as exc:
                # Another worker opened a case for the same conversation a moment ago: the retry,
                # in a new transaction, finds it and attaches to it.
                log.info("batch retried after a conflict (%s)", exc.orig)
            except OperationalError as exc:
                if "locked" not in str(exc).lower() and "deadlock" not in str(exc).lower():
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise RuntimeError("a batch failed five times in a row")

    def _run_once_unlocked(self) -> int:
        """SQLite has one write lock for the whole database: read the batch and decide (the slow part)
        without it, so webhooks storing messages meanwhile are not kept waiting; then, holding it,
        write what is still pending (another worker may have taken some in between)."""
        with self.db.engine.connect() as conn:
            rows = self._claim(conn.execution_options(sqlite_read=True))
        if not rows:
            return 0
        plans = self.plan(rows)
        with self.db.engine.begin() as conn:
            ids = [r["id"] for r in rows]
            still = set(
                conn.execute(select(inbound.c.id).where(inbound.c.id.in_(ids), inbound.c.status == "pending")).scalars()
            )
            plans = [p for p in plans if p.row["id"] in still]
            if plans:
                self._write(conn, plans)
        return len(rows)

    def _claim(self, conn: Connection) -> list[dict]:
        # Not the raw payload: it is kept for people to read, the pipeline never needs it, and an X or
        # WhatsApp payload is kilobytes.
        columns = [c for c in inbound.c if c.name != "raw"]
        stmt = select(*columns).where(inbound.c.status == "pending").order_by(inbound.c.id).limit(self.batch_size)
        if not self.db.is_postgres:
            return [dict(r) for r in conn.execute(stmt).mappings()]
        # The statistics say what the backlog was at the last ANALYZE, usually a handful: trusting them, the
        # planner gathers every pending row and sorts them for the first few, and on a flood night, with a
        # backlog of 20,000, that is 15 ms a batch (growing with it) where walking ix_inbound_pending in
        # order takes 0.2 ms. The setting holds for this one statement.
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        rows = [dict(r) for r in conn.execute(stmt.with_for_update(skip_locked=True)).mappings()]
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan TO DEFAULT")
        return rows

    # -- deciding (no database) ----------------------------------------------------------------------

    def plan(self, rows: list[dict]) -> list[Plan]:
        plans = [
            Plan(row, f"{row['channel']}:{row['thread_id'] or row['sender'] or row['external_id']}") for row in rows
        ]
        todo = [p for p in plans if p.row["kind"] not in NO_CASE_KINDS]
        for p in plans:
            if p.row["kind"] in NO_CASE_KINDS:
                p.outcome = "no_case"
        try:
            decisions = self.classifier.classify_many([p.row["text"] or "" for p in todo], force=self.force)
        except Exception:  # one bad message must not stop the batch: classify them one by one
            log.exception("batch triage failed; classifying one at a time")
            decisions = [self._classify_one(p) for p in todo]
        for p, decision in zip(todo, decisions, strict=True):
            if decision is None:
                continue
            try:
                self._plan_one(p, decision)
            except Exception as exc:
                log.exception("could not plan inbound %s", p.row["id"])
                p.outcome, p.error = "failed", f"{type(exc).__name__}: {exc}"
        return plans

    def _classify_one(self, p: Plan) -> Decision | None:
        try:
            return self.classifier.classify(p.row["text"] or "", force=self.force)
        except Exception as exc:
            p.outcome, p.error = "failed", f"triage: {type(exc).__name__}: {exc}"
            return None

    def _plan_one(self, p: Plan, decision: Decision) -> None:
        row = p.row
        if decision.category == "spam" and (row["lat"] is not None or row["media"]) and len(row["text"] or "") < 40:
            # A location pin or a photo with (almost) no words is someone showing the police where or what —
            # perhaps someone who cannot write just now. Never thrown away as spam.
            decision = replace(
                decision,
                category="other",
                priority="P2",
                reasons=(*decision.reasons, "a location or photo sent without words: read as a call for help"),
            )
        p.decision = decision
        if decision.category == "spam":
            p.outcome = "spam"
            return
        p.route = route(
            self.locator, addressed_to=row["addressed_to"], lat=row["lat"], lon=row["lon"], text=row["text"] or ""
        )
        p.owner = ownership(self.force, p.route, decision.category, decision.agency)

    # -- writing (one transaction) -------------------------------------------------------------------

    def _write(self, conn: Connection, plans: list[Plan]) -> None:
        now = self.clock()
        self._find_open_cases(conn, plans)
        new = [p for p in plans if p.outcome == "new_case"]
        self._recognise_societies(conn, new)
        # Ids first: the batch's cases are grouped into incidents (which name a case by its id) and raised
        # by their follow-ups before they are written, so each is inserted once as it stays, never
        # inserted and then updated.
        case_ids = new_ids(conn, cases, len(new))
        for p in plans:
            if p.case_index is not None:
                p.case_id = case_ids[p.case_index]
        raises = self._priority_raises(plans)
        raised = {p.case_id: after for p, _, after in raises}  # a case's last raise is its highest
        if new:
            rows = self._case_rows(conn, new, now)
            self._group_incidents(conn, new, rows)
            for row in rows:
                if row["id"] in raised:
                    row.update(self._raised(raised.pop(row["id"]), now))
            insert_many(conn, cases, rows)
        self._insert_events(conn, plans, now)
        self._queue_acknowledgements(conn, new, now)
        self._reprioritise(conn, raises, raised, now)  # `raised` now holds only cases of earlier batches
        update_many(
            conn,
            inbound,
            [
                {
                    "id": p.row["id"],
                    "status": "failed" if p.outcome == "failed" else "processed",
                    "outcome": p.outcome,
                    "case_id": p.case_id,
                    "error": p.error,
                    "attempts": p.row["attempts"] + 1,  # the row is ours: claimed, or checked still pending
                    "processed_at": now,
                    "processed_by": self.worker_id,
                }
                for p in plans
            ],
        )

    def _find_open_cases(self, conn: Connection, plans: list[Plan]) -> None:
        """Follow-ups join the citizen's open case in the same thread or chat; within the batch too."""
        candidates = [p for p in plans if p.outcome in ("new_case", "spam")]
        keys = list({p.thread_key for p in candidates})
        open_cases = {}
        if keys:
            found = conn.execute(
                select(cases.c.id, cases.c.open_key, cases.c.priority).where(one_of(conn, cases.c.open_key, keys))
            ).all()
            open_cases = {k: (i, prio) for i, k, prio in found}
            for key, row in self._recently_closed(conn, [k for k in keys if k not in open_cases]).items():
                # "Thank you" on a closed case joins it as it stands; anything else reopens it.
                if any(p.thread_key == key and not self._only_thanks(p) for p in candidates):
                    self._reopen(conn, row)
                open_cases[key] = (row["id"], row["priority"])
        replies = self._cases_replied_to(conn, candidates)
        first_in_batch: dict[str, int] = {}
        count = 0
        for p in candidates:
            if p.row["reply_to"] in replies and p.thread_key not in open_cases:
                # "replies in its thread": the citizen answering our reply, or their own earlier post, joins
                # that case; someone else replying in the thread has a complaint of their own.
                case_id, key, prio, citizen = replies[p.row["reply_to"]]
                if key is not None and citizen == p.row["sender"]:
                    p.thread_key = key
                    open_cases[key] = (case_id, prio)
            if p.thread_key in open_cases:
                # A citizen's next message in the conversation belongs to their case, whatever it reads as.
                p.outcome, p.case_id = "attached", open_cases[p.thread_key][0]
                p.extra["case_priority"] = open_cases[p.thread_key][1]
            elif p.thread_key in first_in_batch:
                p.outcome, p.case_index = "attached", first_in_batch[p.thread_key]
            elif p.outcome == "spam":
                continue
            else:
                p.case_index = count
                count += 1
                if self._opens_case(p):
                    first_in_batch[p.thread_key] = p.case_index

    def _recently_closed(self, conn: Connection, keys: list[str]) -> dict[str, dict]:
        """The newest case of each conversation resolved or closed within the reopening window."""
        if not keys:
            return {}
        since = self.clock() - lifecycle.REOPEN_WINDOW
        rows = conn.execute(
            select(cases)
            .where(
                one_of(conn, cases.c.thread_key, keys),
                cases.c.status.in_(("resolved", "closed")),
                func.coalesce(cases.c.closed_at, cases.c.resolved_at) >= since,
            )
            .order_by(cases.c.id.desc())
        ).mappings()
        found: dict[str, dict] = {}
        for row in rows:
            found.setdefault(row["thread_key"], dict(row))
        return found

    def _reopen(self, conn: Connection, row: dict) -> None:
        """A citizen writing back within 7 days of their case being resolved or closed reopens it."""
        now = self.clock()
        change = lifecycle.apply("reopen", row, now, by_citizen=True, reason="the citizen wrote back")
        level = self.force.service_level(row["priority"] or "P4")
        values = change.values | {
            "ack_due_at": now + timedelta(minutes=level.acknowledge_minutes),
            "action_due_at": now + timedelta(minutes=level.first_action_minutes),
            "escalate_at": now + timedelta(minutes=level.acknowledge_minutes),
            "escalation_level": 0,
            "updated_at": now,
        }
        conn.execute(update(cases).where(cases.c.id == row["id"]).values(**values))
        conn.execute(
            case_events.insert().values(
                case_id=row["id"],
                at=now,
                actor=f"worker:{self.worker_id}",
                kind="reopened",
                before={"status": row["status"]},
                after={"status": "reopened"},
                detail={"reason": "the citizen wrote back within 7 days"},
            )
        )

    def _recognise_societies(self, conn: Connection, new: list[Plan]) -> None:
        """A message from a registered society's number is raised with the society's details (and its station)."""
        by_phone: dict[str, list[Plan]] = {}
        for p in new:
            if p.row["sender"] and any(ch.isdigit() for ch in p.row["sender"]):
                by_phone.setdefault(self.force.normalise_number(p.row["sender"]), []).append(p)
        if not by_phone:
            return
        found = conn.execute(
            select(societies.c.id, societies.c.name, societies.c.station_id, societies.c.secretary_phone)
            .where(one_of(conn, societies.c.secretary_phone, by_phone), societies.c.status == "verified")
            .order_by(societies.c.id)
        ).all()
        raised: set[str] = set()
        for society_id, name, station_id, phone in found:
            if phone in raised:
                continue  # one number, several societies: the first registered speaks for it
            raised.add(phone)
            for p in by_phone[phone]:
                detail = {**p.route.detail, "society": {"id": society_id, "name": name}}
                if p.route.station_id is None and station_id:
                    p.route = Route(station_id, "society", detail=detail)
                else:
                    p.route = replace(p.route, detail=detail)
                p.owner = ownership(self.force, p.route, p.decision.category, p.decision.agency)
                p.extra["society"] = {"id": society_id, "name": name}

    @staticmethod
    def _cases_replied_to(conn: Connection, plans: list[Plan]) -> dict[str, tuple[int, str | None, str | None, str]]:
        """reply_to id -> (case, open key, priority, citizen) for messages answering one of ours or theirs."""
        wanted = {p.row["reply_to"] for p in plans if p.row["reply_to"]}
        if not wanted:
            return {}
        ours = select(outbox.c.provider_id.label("ref"), outbox.c.case_id).where(
            one_of(conn, outbox.c.provider_id, wanted)
        )
        theirs = select(inbound.c.external_id.label("ref"), inbound.c.case_id).where(
            one_of(conn, inbound.c.external_id, wanted), inbound.c.case_id.is_not(None)
        )
        found = {}
        for ref, case_id in conn.execute(ours.union_all(theirs)).all():
            if case_id is not None:
                found[ref] = case_id
        if not found:
            return {}
        rows = conn.execute(
            select(cases.c.id, cases.c.open_key, cases.c.priority, cases.c.citizen).where(
                one_of(conn, cases.c.id, set(found.values()))
            )
        ).all()
        by_id = {i: (i, key, prio, citizen) for i, key, prio, citizen in rows}
        return {ref: by_id[case_id] for ref, case_id in found.items() if case_id in by_id}

    @staticmethod
    def _only_thanks(p: Plan) -> bool:
        return p.decision is not None and p.decision.category in ("appreciation", "spam")

    def _opens_case(self, p: Plan) -> bool:
        """Whether the case stays open for follow-ups (not redirected, not closed at once)."""
        return p.owner is not None and p.owner.status not in CLOSED_STATUSES

    def _case_rows(self, conn: Connection, new: list[Plan], now: datetime) -> list[dict]:
        """The new cases' rows, ids and references taken, ready to insert."""
        local = ZoneInfo(self.force.timezone)
        references = self.references.take(conn, [p.row["received_at"].astimezone(local).year for p in new])
        rows = []
        for p, reference in zip(new, references, strict=True):
            d, r, o, row = p.decision, p.route, p.owner, p.row
            level = self.force.service_level(d.priority) if d.priority and o.status == "new" else None
            received = row["received_at"]
            rows.append(
                {
                    "id": p.case_id,
                    "reference": reference,
                    "force_id": self.force.id,
                    "force_version": self.force.version,
                    "station_id": o.station_id,
                    "owner_unit_id": o.owner_unit_id,
                    "division_id": o.division_id,
                    "zone_id": o.zone_id,
                    "region_id": o.region_id,
                    "desk": o.desk,
                    "category": d.category,
                    "priority": d.priority,
                    "language": d.language,
                    "agency_id": o.agency_id,
                    "status": o.status,
                    "sensitive": _sensitive(d.category),
                    "channel": row["channel"],
                    "citizen": row["sender"],
                    "thread_key": p.thread_key,
                    "open_key": p.thread_key if o.status not in CLOSED_STATUSES else None,
                    "routed_by": r.routed_by,
                    "route": {"approximate": r.approximate, **r.detail},
                    "lat": r.lat,
                    "lon": r.lon,
                    "place_name": r.place_name,
                    "summary": (row["text"] or "")[:SUMMARY_LIMIT],
                    "triage": d.as_dict() | {"explanation": d.explanation()},
                    "model_version": d.model_version,
                    "public_token": row["public_token"] or secrets.token_urlsafe(24),
                    "received_at": received,
                    "created_at": now,
                    "updated_at": now,
                    "ack_due_at": received + timedelta(minutes=level.acknowledge_minutes) if level else None,
                    "action_due_at": received + timedelta(minutes=level.first_action_minutes) if level else None,
                    "closed_at": now if o.status == "closed" else None,
                    "escalation_level": 0,
                    "incident_id": None,  # set by _group_incidents when it joins one
                    "incident_latest": None,
                    # the sweeper's first look: when the acknowledgement falls due
                    "escalate_at": received + timedelta(minutes=level.acknowledge_minutes) if level else None,
                }
            )
            p.extra["reference"] = reference
        return rows

    def _group_incidents(self, conn: Connection, new: list[Plan], rows: list[dict]) -> None:
        """New cases about an event already reported (same category, 500 m, 2 hours, similar words) join it:
        their rows, not yet written, get its id; the earlier reports that change are updated.

        A new report is compared with the reports not in an incident and with the first and the newest
        report of each incident (ix_cases_incident_reach): an event goes on as long as it is reported, and
        may move, while on a flood night a place has a few incidents and thousands of reports, and
        comparing each new one with all of them would stall the intake."""
        fresh = [
            incidents.Report(
                p.case_id,
                None,
                p.decision.category,
                p.route.lat,
                p.route.lon,
                p.row["received_at"],
                (p.row["text"] or "")[:SUMMARY_LIMIT],  # what is kept of the others: their summary
            )
            for p in new
            if p.route and is_position(p.route.lat, p.route.lon) and p.decision.category not in incidents.NOT_INCIDENTS
        ]
        if not fresh:
            return
        found = self._incident_candidates(conn, fresh)
        nearby = incidents.Nearby(incidents.Report(*row[:7]) for row in found)
        joined: dict[int, int] = {}  # case id -> its incident, for every case this batch puts in one
        for report in fresh:
            other = incidents.match(report, nearby.around(report))
            if other is not None:
                incident = other.incident_id or joined.get(other.case_id) or other.case_id
                joined[report.case_id] = incident
                if other.incident_id is None and other.case_id not in joined:
                    joined[other.case_id] = incident  # an ungrouped report becomes its incident's first
            nearby.add(report._replace(incident_id=joined.get(report.case_id)))
        if not joined:
            return
        found += self._newest_elsewhere(conn, found, joined)
        newest = _newest(found, fresh, joined)
        by_id = {row["id"]: row for row in rows}
        for case_id, incident in joined.items():
            if case_id in by_id:
                by_id[case_id]["incident_id"] = incident
                by_id[case_id]["incident_latest"] = True if case_id in newest else None
        self._update_earlier_reports(conn, found, joined, newest)

    def _incident_candidates(self, conn: Connection, fresh: list[incidents.Report]) -> list:
        """Recent reports that may be of the same event as one of `fresh`: in the partial index's boxes round
        them, and of a category in a band of latitude beside one of theirs (incidents.Nearby). A batch
        spread over the city asks for one box round it all, and four in five of the reports in it are of
        another category or too far north or south: the database leaves them out, not the worker."""
        since = min(r.at for r in fresh) - incidents.WINDOW
        reach = [f"{category}:{band}" for category, band in incidents.Nearby.reach(fresh)]
        # (a latitude stored before positions were checked must not overflow the cast and stop the intake)
        band = cast(func.floor(cases.c.lat / incidents.Nearby.BAND), Integer).cast(String)
        band_of_case = case((cases.c.lat.between(-90, 90), cases.c.category + ":" + band))
        found: dict[int, tuple] = {}
        for box in _boxes(fresh):  # one query per box: each a range of the partial index
            query = (
                select(*_CANDIDATE_COLUMNS)
                .where(box, INCIDENT_REACH, cases.c.received_at >= since, one_of(conn, band_of_case, reach))
                .order_by(cases.c.received_at.desc())
                .limit(INCIDENT_CANDIDATES)
            )
            found.update((row.id, row) for row in conn.execute(query))
        return sorted(found.values(), key=lambda row: row.received_at, reverse=True)[:INCIDENT_CANDIDATES]

    @staticmethod
    def _newest_elsewhere(conn: Connection, found: list, joined: dict[int, int]) -> list:
        """The newest report so far of each incident the batch adds to, where the candidates lack it: the
        event moved away from it. A report of the batch becomes the newest only if received later."""
        added_to = set(joined.values())
        seen = {row.incident_id for row in found if row.incident_latest}
        missing = {row.incident_id for row in found if row.incident_id in added_to} - seen
        if not missing:
            return []
        return conn.execute(
            select(*_CANDIDATE_COLUMNS).where(
                one_of(conn, cases.c.incident_id, missing), cases.c.incident_latest.is_(True)
            )
        ).all()

    @staticmethod
    def _update_earlier_reports(conn: Connection, found: list, joined: dict[int, int], newest: set[int]) -> None:
        """Earlier reports that became the first of an incident, or stopped being the newest of theirs."""
        added_to = set(joined.values())
        changes = {}
        for row in found:
            incident = joined.get(row.id, row.incident_id)
            latest = True if row.id in newest else None
            if incident in added_to and (incident != row.incident_id or latest != row.incident_latest):
                changes[row.id] = {"id": row.id, "incident_id": incident, "incident_latest": latest}
        update_many(conn, cases, list(changes.values()))

    def _insert_events(self, conn: Connection, plans: list[Plan], now: datetime) -> None:
        actor = f"worker:{self.worker_id}"
        events = []
        notes: list[dict] = []
        for p in plans:
            if p.case_id is None:
                continue
            base = {"case_id": p.case_id, "at": now, "actor": actor, "before": None}
            inbound_ref = {"inbound_id": p.row["id"], "channel": p.row["channel"], "external_id": p.row["external_id"]}
            if p.outcome == "new_case":
                o, d = p.owner, p.decision
                events.append(
                    base
                    | {
                        "kind": "created",
                        "after": {
                            "reference": p.extra["reference"],
                            "status": o.status,
                            "station_id": o.station_id,
                            "owner_unit_id": o.owner_unit_id,
                            "category": d.category,
                            "priority": d.priority,
                            "desk": o.desk,
                            "agency_id": o.agency_id,
                        },
                        "detail": inbound_ref | {"routed_by": p.route.routed_by, "model_version": d.model_version},
                    }
                )
                events.extend(
                    base | {"kind": "notified", "after": {"unit_id": unit}, "detail": inbound_ref} for unit in o.notify
                )
                notes.extend(
                    {
                        "unit_id": unit,
                        "case_id": p.case_id,
                        "kind": "notified",
                        "created_at": now,
                        "text": f"{p.extra['reference']}: {d.category.replace('_', ' ')} ({d.priority or '-'})",
                    }
                    for unit in o.notify
                )
                if "society" in p.extra:
                    events.append(
                        base | {"kind": "raised_by_society", "after": p.extra["society"], "detail": inbound_ref}
                    )
            else:
                events.append(base | {"kind": "message_added", "after": None, "detail": inbound_ref})
        if events:
            insert_many(conn, case_events, events)
        if notes:
            insert_many(conn, notifications, notes)

    def _queue_acknowledgements(self, conn: Connection, new: list[Plan], now: datetime) -> None:
        rows = []
        for p in new:
            row, d, o = p.row, p.decision, p.owner
            public = row["channel"] == "x" and row["kind"] != "dm"
            ack = acknowledgement(
                self.force,
                reference=p.extra["reference"],
                station_id=o.station_id,
                category=d.category,
                agency_id=o.agency_id,
                language=d.language,
                public=public,
            )
            rows.append(
                {
                    "idempotency_key": f"ack:{row['id']}",
                    "case_id": p.case_id,
                    "kind": "ack",
                    "channel": row["channel"],
                    "recipient": row["sender"],
                    "thread_id": row["thread_id"],
                    "reply_to": row["external_id"],
                    "sender_address": row["addressed_to"],
                    "body": ack.body,
                    "public": public,
                    "language": ack.language,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "author": "system",
                }
            )
        if rows:
            insert_many(conn, outbox, rows)

    def _priority_raises(self, plans: list[Plan]) -> list[tuple[Plan, str, str]]:
        """Follow-ups more urgent than their case, in order, with the priority before and after: a case's
        priority is raised, never lowered, so two follow-ups in one batch leave it at the more urgent."""
        current: dict[int, str | None] = {p.case_id: p.decision.priority for p in plans if p.outcome == "new_case"}
        raises = []
        for p in plans:
            if p.outcome != "attached" or p.decision is None or p.case_id is None:
                continue
            before = current.get(p.case_id, p.extra.get("case_priority"))
            after = more_urgent(before, p.decision.priority)
            if before is None or after == before:
                continue
            current[p.case_id] = after
            raises.append((p, before, after))
        return raises

    def _raised(self, priority: str, now: datetime) -> dict:
        """A case's columns once a follow-up raised it to `priority`: its service level starts again."""
        level = self.force.service_level(priority)
        return {
            "priority": priority,
            "updated_at": now,
            "ack_due_at": now + timedelta(minutes=level.acknowledge_minutes),
            "action_due_at": now + timedelta(minutes=level.first_action_minutes),
            "escalate_at": now + timedelta(minutes=level.acknowledge_minutes),
            "escalation_level": 0,
        }

    def _reprioritise(self, conn: Connection, raises: list, earlier: dict[int, str], now: datetime) -> None:
        """Cases of earlier batches take their raised priority here (the batch's own new cases were inserted
        with it); every raise is an event."""
        update_many(conn, cases, [{"id": i} | self._raised(after, now) for i, after in earlier.items()])
        actor = f"worker:{self.worker_id}"
        insert_many(
            conn,
            case_events,
            [
                {
                    "case_id": p.case_id,
                    "at": now,
                    "actor": actor,
                    "kind": "reprioritised",
                    "before": {"priority": before},
                    "after": {"priority": after},
                    "detail": {"inbound_id": p.row["id"], "why": "a follow-up message is more urgent"},
                }
                for p, before, after in raises
            ],
        )

    # -- draining ------------------------------------------------------------------------------------

    def drain(self, max_batches: int | None = None) -> int:
        """Process until nothing is pending (or max_batches); the number of messages processed."""
        total = batches = 0
        while max_batches is None or batches < max_batches:
            n = self.run_once()
            if n == 0:
                break
            total += n
            batches += 1
        return total


# What a report is compared with: incidents.Report's fields, then whether it is its incident's newest.
_CANDIDATE_COLUMNS = (
    cases.c.id,
    cases.c.incident_id,
    cases.c.category,
    cases.c.lat,
    cases.c.lon,
    cases.c.received_at,
    cases.c.summary,
    cases.c.incident_latest,
)


def _newest(found: list, fresh: list[incidents.Report], joined: dict[int, int]) -> set[int]:
    """The newest report of each incident this batch added to: its newest so far or a report of the batch,
    whichever was received later (the larger id on a tie). An earlier report that only now joins one is
    not a candidate: a delayed message joining it must stay within reach of later reports."""
    added_to = set(joined.values())
    newest: dict[int, tuple[datetime, int]] = {}
    reports = [(row.id, row.incident_id, row.received_at) for row in found if row.incident_latest]
    reports += [(r.case_id, joined.get(r.case_id), r.at) for r in fresh]
    for case_id, incident, at in reports:
        if incident in added_to:
            newest[incident] = max(newest.get(incident, (at, case_id)), (at, case_id))
    return {case_id for _, case_id in newest.values()}


CELL = 0.01  # degrees, ~1 km: the batch's reports are looked for in the cells around them
MAX_CELLS = 12


def _boxes(reports: list[incidents.Report]) -> list:
    """Conditions for the cases within reach of the reports: a box around each ~1 km cell they fall in,
    or, when the batch is spread over the city, one box around them all."""
    # half a cell and a little more than the incident radius, in degrees of latitude and of longitude
    widest = math.cos(math.radians(min(max(abs(r.lat) for r in reports), 80.0)))
    dy = CELL / 2 + incidents.RADIUS_KM / incidents.KM_PER_DEGREE + 0.001
    dx = CELL / 2 + incidents.RADIUS_KM / (incidents.KM_PER_DEGREE * widest) + 0.001
    cells = {(round(r.lat / CELL), round(r.lon / CELL)) for r in reports}
    if len(cells) > MAX_CELLS:
        lats, lons = [r.lat for r in reports], [r.lon for r in reports]
        return [_box(min(lats) - dy, max(lats) + dy, min(lons) - dx, max(lons) + dx)]
    return [_box(y * CELL - dy, y * CELL + dy, x * CELL - dx, x * CELL + dx) for y, x in sorted(cells)]


def _box(south: float, north: float, west: float, east: float):
    return and_(cases.c.lat.between(south, north), cases.c.lon.between(west, east))


def _sensitive(category: str) -> bool:
    return BY_CODE[category].sensitive
