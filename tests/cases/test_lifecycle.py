"""The case lifecycle, pure: every action in every status. A legal one returns exactly the documented changes;
an illegal one raises IllegalTransition with a message naming the action and the status.

The table of legal moves below is written out from the lifecycle's documentation (thana.cases.lifecycle's
docstring), not read from lifecycle.ALLOWED, so a change to the rules has to change this test too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from thana.cases import lifecycle
from thana.cases.lifecycle import ACTIONS, STATUSES, IllegalTransition, apply, check

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=3)

OPEN = {"new", "acknowledged", "assigned", "in_progress", "transferred", "reopened"}
LEGAL: dict[str, set[str]] = {
    "acknowledge": {"new", "transferred", "reopened"},
    "assign": set(OPEN),
    "start": {"acknowledged", "assigned", "reopened"},
    "reply": set(OPEN),
    "note": set(STATUSES),
    "transfer": set(OPEN),
    "redirect": set(OPEN),
    "merge": set(OPEN),
    "resolve": {"acknowledged", "assigned", "in_progress", "reopened"},
    "close": {"new", "acknowledged", "resolved", "redirected"},
    "reopen": {"resolved", "closed", "redirected"},
    "recategorise": set(STATUSES) - {"merged"},
}
ARGS = {
    "assign": {"user_id": 42},
    "transfer": {
        "station_id": "borivali",
        "owner_unit_id": "borivali",
        "division_id": None,
        "zone_id": "zone-11",
        "region_id": "region-north",
        "reason": "the place is in Borivali's area",
    },
    "redirect": {"agency_id": "bmc", "reason": "a civic matter"},
    "merge": {"into_id": 99, "into_reference": "MUM-26-000099"},
    "resolve": {"resolution": "the bike was found"},
    "close": {"reason": "nothing more to do"},
    "reopen": {"reason": "the citizen says it is not solved"},
    "recategorise": {"category": "nuisance", "priority": "P4", "reason": "misread"},
    "reply": {"text": "We are on it."},
    "note": {"text": "CCTV checked."},
}


def a_case(status: str) -> dict:
    """A case as the store hands it to the lifecycle, with the times a case in that status would have."""
    acknowledged = status not in ("new", "transferred", "reopened")
    return {
        "id": 7,
        "status": status,
        "station_id": "charkop",
        "owner_unit_id": "charkop",
        "division_id": None,
        "zone_id": "zone-11",
        "region_id": "region-north",
        "category": "theft",
        "priority": "P3",
        "thread_key": "x:thread-1",
        "open_key": "x:thread-1" if status in OPEN else None,
        "assigned_to": 3 if status in ("assigned", "in_progress") else None,
        "acknowledged_at": EARLIER if acknowledged else None,
        "first_response_at": EARLIER if status in ("in_progress", "resolved", "closed") else None,
        "resolved_at": EARLIER if status in ("resolved", "closed") else None,
        "closed_at": EARLIER if status == "closed" else None,
    }


def expected(action: str, case: dict) -> tuple[dict, str, dict]:
    """(values, event, detail) the documentation promises for a legal action on `case` at NOW."""
    status = case["status"]
    first = {} if case["first_response_at"] else {"first_response_at": NOW}
    acknowledged_at = case["acknowledged_at"] or NOW
    if action == "acknowledge":
        return {"status": "acknowledged", "acknowledged_at": acknowledged_at}, "acknowledged", {}
    if action == "assign":
        values = {"status": "in_progress" if status == "in_progress" else "assigned", "assigned_to": 42}
        return values | {"acknowledged_at": acknowledged_at, **first}, "assigned", {"user_id": 42}
    if action == "start":
        return {"status": "in_progress", **first}, "started", {}
    if action == "reply":
        values = dict(first)
        if status in ("new", "reopened", "transferred"):  # a reply acknowledges (at the new station, too)
            values |= {"status": "acknowledged", "acknowledged_at": acknowledged_at}
        return values, "replied", {}
    if action == "note":
        return {}, "noted", {}
    if action == "transfer":
        values = {
            k: ARGS["transfer"][k] for k in ("station_id", "owner_unit_id", "division_id", "zone_id", "region_id")
        }
        detail = {"reason": ARGS["transfer"]["reason"], "from": "charkop", "to": "borivali"}
        return {"status": "transferred", **values, "assigned_to": None, "acknowledged_at": None}, "transferred", detail
    if action == "redirect":
        values = {"status": "redirected", "agency_id": "bmc", "open_key": None}
        return values, "redirected", {"agency_id": "bmc", "reason": "a civic matter"}
    if action == "merge":
        return {"status": "merged", "merged_into_id": 99, "open_key": None}, "merged", {"into": "MUM-26-000099"}
    if action == "resolve":
        values = {"status": "resolved", "resolved_at": NOW, "open_key": None, **first}
        return values, "resolved", {"resolution": "the bike was found"}
    if action == "close":
        values = {"status": "closed", "closed_at": NOW, "open_key": None, "resolved_at": case["resolved_at"] or NOW}
        return values, "closed", {"reason": "nothing more to do"}
    if action == "reopen":
        values = {
            "status": "reopened",
            "resolved_at": None,
            "closed_at": None,
            "acknowledged_at": None,
            "open_key": "x:thread-1",
        }
        return values, "reopened", {"reason": "the citizen says it is not solved"}
    if action == "recategorise":
        return {"category": "nuisance", "priority": "P4"}, "recategorised", {"reason": "misread"}
    raise AssertionError(action)


def test_the_documented_statuses_and_actions():
    """Ten statuses and the twelve actions the API offers, no more."""
    assert set(STATUSES) == {
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
    }
    assert set(ACTIONS) == set(LEGAL)
    assert lifecycle.OPEN == OPEN


EVERY = [(action, status) for action in LEGAL for status in STATUSES]


@pytest.mark.parametrize(("action", "status"), EVERY)
def test_every_action_in_every_status(action, status):
    """A legal action gives exactly the documented changes and event; an illegal one names action and status."""
    case = a_case(status)
    if status in LEGAL[action]:
        change = apply(action, case, NOW, **ARGS.get(action, {}))
        values, event, detail = expected(action, case)
        assert change.values == values
        assert change.event == event
        assert change.detail == detail
    else:
        with pytest.raises(IllegalTransition) as raised:
            apply(action, case, NOW, **ARGS.get(action, {}))
        assert f"cannot {action} a case that is {status}" in str(raised.value)
        with pytest.raises(IllegalTransition):
            check(action, status)


@pytest.mark.parametrize(
    ("action", "status", "hint"),
    [
        ("resolve", "new", "acknowledge it first"),
        ("start", "new", "acknowledge it first"),
        ("resolve", "transferred", "the station it was transferred to must acknowledge it first"),
        ("close", "in_progress", "resolve it first"),
        ("close", "assigned", "resolve it first"),
    ],
)
def test_common_mistakes_say_what_to_do(action, status, hint):
    """The usual wrong steps are refused with what to do instead."""
    with pytest.raises(IllegalTransition, match=f"cannot {action} a case that is {status}: {hint}"):
        check(action, status)


def test_other_refusals_say_when_the_action_is_allowed():
    """Without a specific hint, the refusal lists the statuses in which the action is allowed."""
    with pytest.raises(IllegalTransition, match=r"cannot reopen a case that is new \(only when closed, redirected, "):
        check("reopen", "new")


def test_unknown_action_is_refused_with_the_list_of_actions():
    """An unknown action names itself and lists the actions."""
    with pytest.raises(IllegalTransition, match="unknown action 'escalate'; the actions are: acknowledge, assign"):
        apply("escalate", a_case("new"), NOW)


def test_acknowledge_keeps_an_earlier_acknowledgement_time():
    """A case acknowledged before keeps its first acknowledgement time when acknowledged again."""
    case = a_case("reopened") | {"acknowledged_at": EARLIER}
    assert apply("acknowledge", case, NOW).values["acknowledged_at"] == EARLIER


def test_first_response_time_is_set_once():
    """The first action sets first_response_at; later actions leave it alone."""
    case = a_case("acknowledged")
    assert apply("start", case, NOW).values["first_response_at"] == NOW
    case["first_response_at"] = EARLIER
    assert "first_response_at" not in apply("start", case, NOW).values
    assert "first_response_at" not in apply("reply", case, NOW, text="x").values


def test_transfer_to_the_station_it_is_at_is_refused():
    """A transfer must move the case."""
    args = ARGS["transfer"] | {"station_id": "charkop", "owner_unit_id": "charkop"}
    with pytest.raises(IllegalTransition, match="already at that station"):
        apply("transfer", a_case("new"), NOW, **args)


@pytest.mark.parametrize("reason", [None, ""])
def test_transfer_needs_a_reason(reason):
    """A transfer without a reason is refused."""
    with pytest.raises(IllegalTransition, match="a transfer needs a reason"):
        apply("transfer", a_case("acknowledged"), NOW, **(ARGS["transfer"] | {"reason": reason}))


def test_merge_into_itself_is_refused():
    """A case cannot be merged into itself."""
    with pytest.raises(IllegalTransition, match="cannot be merged into itself"):
        apply("merge", a_case("new"), NOW, into_id=7, into_reference="MUM-26-000007")


def test_recategorise_needs_a_category_or_a_priority():
    """Recategorising with nothing to change is refused; either one alone is enough."""
    with pytest.raises(IllegalTransition, match="give a new category, a new priority, or both"):
        apply("recategorise", a_case("new"), NOW, reason="why")
    assert apply("recategorise", a_case("new"), NOW, priority="P1").values == {"priority": "P1"}
    assert apply("recategorise", a_case("new"), NOW, category="theft").values == {"category": "theft"}


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_citizen_reopens_within_seven_days_of_resolution(status):
    """The citizen's write-back reopens the case up to 7 days after it was resolved, not after."""
    case = a_case(status) | {"resolved_at": NOW - timedelta(days=7), "closed_at": NOW - timedelta(days=6)}
    assert apply("reopen", case, NOW, by_citizen=True).values["status"] == "reopened"
    case["resolved_at"] = NOW - timedelta(days=7, minutes=1)
    with pytest.raises(IllegalTransition, match="more than 7 days ago: a new message opens a new case"):
        apply("reopen", case, NOW, by_citizen=True)


def test_officer_reopens_whenever():
    """An officer may reopen a case however long ago it was resolved."""
    case = a_case("closed") | {"resolved_at": NOW - timedelta(days=90), "closed_at": NOW - timedelta(days=89)}
    assert apply("reopen", case, NOW, reason="new evidence").values["status"] == "reopened"


def test_redirected_case_is_closed_or_reopened_but_not_resolved():
    """A case redirected to an agency can be closed or reopened, not resolved or worked."""
    case = a_case("redirected")
    assert apply("close", case, NOW).values["status"] == "closed"
    assert apply("reopen", case, NOW).values["status"] == "reopened"
    for action in ("resolve", "start", "acknowledge", "reply", "transfer"):
        with pytest.raises(IllegalTransition, match=f"cannot {action} a case that is redirected"):
            check(action, "redirected")


def test_a_merged_case_takes_only_notes():
    """A merged case is finished: only internal notes may be added to it."""
    allowed = [action for action in ACTIONS if "merged" in lifecycle.ALLOWED[action]]
    assert allowed == ["note"]
