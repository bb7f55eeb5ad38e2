"""The life of a case: which action is allowed in which status, and what it changes.

    new ─acknowledge─▶ acknowledged ─assign─▶ assigned ─start─▶ in_progress ─resolve─▶ resolved ─close─▶ closed
     │                                                                                    ▲
     ├─transfer─▶ transferred (the new station acknowledges it; the reference stays)       │ reopen (the citizen
     ├─redirect─▶ redirected (to an agency) ─close─▶ closed                                │ writes back within
     └─merge──▶ merged (into another case)                                                 │ 7 days, or an officer)
                                                                        reopened ◀────────┘
Replies and notes are allowed while a case is open; a reply is the first action when there was none.
Pure: takes the case's current values, returns the changes or raises IllegalTransition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

STATUSES = (
    "new",
    "acknowledged",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "transferred",
    "redirected",
    "merged",
    "reopened",
)
OPEN = frozenset({"new", "acknowledged", "assigned", "in_progress", "transferred", "reopened"})
REOPEN_WINDOW = timedelta(days=7)

ALLOWED: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({"new", "transferred", "reopened"}),
    "assign": frozenset({"new", "acknowledged", "assigned", "in_progress", "transferred", "reopened"}),
    "start": frozenset({"acknowledged", "assigned", "reopened"}),
    "reply": OPEN,
    "note": frozenset(STATUSES),
    "transfer": OPEN,
    "redirect": OPEN,
    "merge": OPEN,
    "resolve": frozenset({"acknowledged", "assigned", "in_progress", "reopened"}),
    "close": frozenset({"resolved", "redirected", "new", "acknowledged"}),
    "reopen": frozenset({"resolved", "closed", "redirected"}),
    "recategorise": frozenset(STATUSES) - {"merged"},
}
ACTIONS = tuple(ALLOWED)

HINTS = {
    ("resolve", "new"): "acknowledge it first",
    ("resolve", "transferred"): "the station it was transferred to must acknowledge it first",
    ("start", "new"): "acknowledge it first",
    ("close", "in_progress"): "resolve it first",
    ("close", "assigned"): "resolve it first",
}


class IllegalTransition(ValueError):
    pass


@dataclass
class Change:
    """What an action does to a case: new column values, and the events to record."""

    values: dict = field(default_factory=dict)
    event: str = ""
    detail: dict = field(default_factory=dict)


def check(action: str, status: str) -> None:
    if action not in ALLOWED:
        raise IllegalTransition(f"unknown action {action!r}; the actions are: {', '.join(ACTIONS)}")
    if status not in ALLOWED[action]:
        hint = HINTS.get((action, status))
        allowed = ", ".join(sorted(ALLOWED[action]))
        raise IllegalTransition(
            f"cannot {action} a case that is {status}" + (f": {hint}" if hint else f" (only when {allowed})")
        )


def apply(action: str, case: dict, now: datetime, **args) -> Change:
    """The changes `action` makes to `case` (a row as a dict); raises IllegalTransition."""
    check(action, case["status"])
    first = {} if case.get("first_response_at") else {"first_response_at": now}
    if action == "acknowledge":
        return Change({"status": "acknowledged", "acknowledged_at": case.get("acknowledged_at") or now}, "acknowledged")
    if action == "assign":
        status = "assigned" if case["status"] not in ("in_progress",) else "in_progress"
        return Change(
            {
                "status": status,
                "assigned_to": args["user_id"],
                "acknowledged_at": case.get("acknowledged_at") or now,
                **first,
            },
            "assigned",
            {"user_id": args["user_id"]},
        )
    if action == "start":
        return Change({"status": "in_progress", **first}, "started")
    if action == "reply":
        values = dict(first)
        if case["status"] in ("new", "reopened", "transferred"):
            values |= {"status": "acknowledged", "acknowledged_at": case.get("acknowledged_at") or now}
        return Change(values, "replied")
    if action == "note":
        return Change({}, "noted")
    if action == "transfer":
        if args["station_id"] == case.get("station_id") and args["owner_unit_id"] == case.get("owner_unit_id"):
            raise IllegalTransition("the case is already at that station")
        if not args.get("reason"):
            raise IllegalTransition("a transfer needs a reason")
        return Change(
            {
                "status": "transferred",
                "station_id": args["station_id"],
                "owner_unit_id": args["owner_unit_id"],
                "division_id": args["division_id"],
                "zone_id": args["zone_id"],
                "region_id": args["region_id"],
                "assigned_to": None,
                "acknowledged_at": None,
            },
            "transferred",
            {"reason": args["reason"], "from": case.get("station_id"), "to": args["station_id"]},
        )
    if action == "redirect":
        return Change(
            {"status": "redirected", "agency_id": args["agency_id"], "open_key": None},
            "redirected",
            {"agency_id": args["agency_id"], "reason": args.get("reason")},
        )
    if action == "merge":
        if args["into_id"] == case["id"]:
            raise IllegalTransition("a case cannot be merged into itself")
        return Change(
            {"status": "merged", "merged_into_id": args["into_id"], "open_key": None},
            "merged",
            {"into": args["into_reference"]},
        )
    if action == "resolve":
        return Change(
            {"status": "resolved", "resolved_at": now, "open_key": None, **first},
            "resolved",
            {"resolution": args.get("resolution")},
        )
    if action == "close":
        return Change(
            {"status": "closed", "closed_at": now, "open_key": None, "resolved_at": case.get("resolved_at") or now},
            "closed",
            {"reason": args.get("reason")},
        )
    if action == "reopen":
        if args.get("by_citizen") and (now - (case.get("resolved_at") or case.get("closed_at") or now)) > REOPEN_WINDOW:
            raise IllegalTransition("the case closed more than 7 days ago: a new message opens a new case")
        return Change(
            {
                "status": "reopened",
                "resolved_at": None,
                "closed_at": None,
                "acknowledged_at": None,
                "open_key": case.get("thread_key"),
            },
            "reopened",
            {"reason": args.get("reason")},
        )
    if action == "recategorise":
        values = {k: args[k] for k in ("category", "priority") if args.get(k) is not None}
        if not values:
            raise IllegalTransition("give a new category, a new priority, or both")
        return Change(values, "recategorised", {"reason": args.get("reason")})
    raise IllegalTransition(f"unknown action {action!r}")  # pragma: no cover — check() caught it
