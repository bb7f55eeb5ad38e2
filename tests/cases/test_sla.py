"""Service levels with a controllable clock: a breach rises exactly one step up the hierarchy, once per window,
with an 'escalated' event and a notification to the unit it rises to; acknowledging and acting stop the clocks.

Cases come from the pipeline (received at RECEIVED); officers act through thana.store.cases.act with the
test's clock, and Sweeper(db, force, clock=...).run_once() is the sweeper `thana worker` runs.
"""

from __future__ import annotations

import shutil
import threading
from datetime import datetime, timedelta

import pytest

from tests.cases import (
    RECEIVED,
    api,
    caller,
    case_row,
    divided_force,
    events_of,
    message,
    notifications_of,
    open_case,
    open_cases,
    use_force,
)
from thana.cases.access import SYSTEM, Principal
from thana.packages import BUNDLED_DIR, read_package
from thana.store.cases import NotFound, act, get_case
from thana.store.db import get_database
from thana.store.sla import Sweeper
from thana.worker import default_tasks

P1_CHILD = "child_safety"  # read as P1 by the shipped model
ROLE_OF_KIND = {
    "station": "station_incharge",
    "cyber_station": "station_incharge",
    "division": "acp",
    "zone": "dcp",
    "region": "addl_cp",
    "headquarters": "hq",
}


class Clock:
    """The time the sweeper and the officers see, set by the test in minutes after the message arrived."""

    def __init__(self) -> None:
        self.now = RECEIVED

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> datetime:
        self.now = RECEIVED + timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def divided(tmp_path_factory, monkeypatch):
    """Mumbai with ACP divisions (Charkop is in the Kandivali division)."""
    return divided_force(tmp_path_factory, monkeypatch)


@pytest.fixture
def bundled(monkeypatch):
    """Mumbai as shipped: no ACP divisions."""
    return use_force(monkeypatch, "mumbai")


def sweep(db, force, clock: Clock, minutes: float) -> int:
    clock.at(minutes)
    return Sweeper(db, force, clock=clock).run_once()


def acted(db, force, reference: str, action: str, clock: Clock, minutes: float, **args) -> None:
    act(db, force, SYSTEM, reference, action, now=clock.at(minutes), **args)


def ladder(db, reference: str) -> list[tuple[int, str]]:
    """(level, unit) of each escalation recorded, in order."""
    return [(e["after"]["escalation_level"], e["after"]["escalated_to"]) for e in events_of(db, reference, "escalated")]


def notified(db, reference: str) -> list[str]:
    return [n["unit_id"] for n in notifications_of(db, reference) if n["kind"] == "escalation"]


def officer_of(force, unit_id: str) -> Principal:
    """An officer of the unit an escalation went to, with the role that unit's head has."""
    kind = force.units[unit_id].kind
    role = ROLE_OF_KIND[kind]
    return Principal("user", 999, f"head of {unit_id}", role, None if role == "hq" else unit_id)


def assert_each_notified_unit_can_open(db, force, reference: str) -> None:
    for unit in notified(db, reference):
        try:
            get_case(db, force, officer_of(force, unit), reference)
        except NotFound:
            pytest.fail(f"{reference} was escalated to {unit}, whose officers cannot open it")


# -- the acknowledgement clock -----------------------------------------------------------------------------


def test_unacknowledged_p1_rises_to_the_station_incharge_exactly_once(db, divided, clock):
    """A P1 left unacknowledged past 5 minutes goes to the station in-charge (level 1), and only once."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    assert case_row(db, reference)["priority"] == "P1"
    assert sweep(db, divided, clock, 4.9) == 0
    assert sweep(db, divided, clock, 5.1) == 1
    assert sweep(db, divided, clock, 5.1) == 0  # the same moment again: nothing more
    assert sweep(db, divided, clock, 9) == 0  # within the next window: nothing more
    assert ladder(db, reference) == [(1, "charkop")]
    [event] = events_of(db, reference, "escalated")
    assert event["actor"] == "system:sla"
    assert event["before"] == {"escalation_level": 0, "escalated_to": None}
    assert event["detail"]["breach"] == "acknowledge"
    assert notified(db, reference) == ["charkop"]


def test_unacknowledged_p1_climbs_one_step_per_window_then_stays(db, divided, clock):
    """Each further 5 minutes unacknowledged: ACP, DCP, Additional CP, headquarters, then no higher."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    for minutes in (5.1, 10.2, 15.3, 20.4, 25.5, 30.6, 60):
        sweep(db, divided, clock, minutes)
    assert ladder(db, reference) == [
        (1, "charkop"),
        (2, "div-kandivali"),
        (3, "zone-11"),
        (4, "region-north"),
        (5, "hq"),
    ]
    assert notified(db, reference) == ["charkop", "div-kandivali", "zone-11", "region-north", "hq"]


def test_p1_set_by_an_officer_and_left_unacknowledged_escalates_once(db, divided, clock):
    """A case an officer raises to P1 gets the 5-minute acknowledgement clock; missing it rises one step, once."""
    reference = open_case(db, divided, "charkop", "theft")
    acted(db, divided, reference, "recategorise", clock, 1, priority="P1", reason="the thief is still there")
    assert sweep(db, divided, clock, 5.9) == 0
    assert sweep(db, divided, clock, 6.1) == 1
    assert sweep(db, divided, clock, 6.1) == 0
    assert ladder(db, reference) == [(1, "charkop")]
    assert events_of(db, reference, "escalated")[0]["detail"]["breach"] == "acknowledge"
    assert notified(db, reference) == ["charkop"]


def test_acknowledging_stops_the_acknowledgement_clock(db, divided, clock):
    """Acknowledged in time, the case is not escalated when the acknowledgement window ends."""
    reference = open_case(db, divided, "charkop", "theft")
    acted(db, divided, reference, "recategorise", clock, 1, priority="P1", reason="urgent")
    acted(db, divided, reference, "acknowledge", clock, 4)
    assert sweep(db, divided, clock, 6.1) == 0
    assert sweep(db, divided, clock, 10) == 0
    row = case_row(db, reference)
    assert row["escalation_level"] == 0
    assert row["escalate_at"] == row["action_due_at"]  # only the first-action clock still runs


# -- the first-action clock and the ladder -----------------------------------------------------------------


def test_first_action_breach_climbs_the_ladder_through_the_acp(db, divided, clock):
    """Acknowledged but not acted on: in-charge after 15 minutes, then ACP, DCP, Additional CP, HQ, then stays."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "acknowledge", clock, 2)
    assert sweep(db, divided, clock, 14.9) == 0
    assert sweep(db, divided, clock, 15.1) == 1
    assert sweep(db, divided, clock, 15.1) == 0
    assert sweep(db, divided, clock, 30) == 0  # the next window is 15 minutes from the escalation
    for minutes in (30.2, 45.3, 60.4, 75.5):
        assert sweep(db, divided, clock, minutes) == 1
    assert sweep(db, divided, clock, 90.6) == 0
    assert sweep(db, divided, clock, 600) == 0
    assert ladder(db, reference) == [
        (1, "charkop"),
        (2, "div-kandivali"),
        (3, "zone-11"),
        (4, "region-north"),
        (5, "hq"),
    ]
    events = events_of(db, reference, "escalated")
    assert [e["before"]["escalation_level"] for e in events] == [0, 1, 2, 3, 4]
    assert {e["detail"]["breach"] for e in events} == {"first_action"}
    assert [e["detail"]["to"] for e in events] == [
        "the station in-charge (Senior PI)",
        "the ACP of the division",
        "the DCP of the zone",
        "the Additional CP of the region",
        "headquarters",
    ]
    assert notified(db, reference) == ["charkop", "div-kandivali", "zone-11", "region-north", "hq"]
    row = case_row(db, reference)
    assert (row["escalation_level"], row["escalated_to"], row["escalate_at"]) == (5, "hq", None)
    assert_each_notified_unit_can_open(db, divided, reference)


def test_without_a_division_the_acp_step_is_passed_over(db, bundled, clock):
    """No ACP division recorded: after the station in-charge the case rises to the zone's DCP (level 3)."""
    reference = open_case(db, bundled, "charkop", P1_CHILD)
    acted(db, bundled, reference, "acknowledge", clock, 2)
    sweep(db, bundled, clock, 15.1)
    sweep(db, bundled, clock, 30.2)
    assert ladder(db, reference) == [(1, "charkop"), (3, "zone-11")]
    assert events_of(db, reference, "escalated")[1]["detail"]["to"] == "the DCP of the zone"
    assert notified(db, reference) == ["charkop", "zone-11"]


def test_first_action_stops_the_other_clock(db, divided, clock):
    """A reply in time stops the first-action clock for good; first-response time is the reply's."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "acknowledge", clock, 2)
    acted(db, divided, reference, "reply", clock, 10, text="Officers are on their way.")
    for minutes in (15.1, 60, 6000):
        assert sweep(db, divided, clock, minutes) == 0
    row = case_row(db, reference)
    assert row["first_response_at"] == RECEIVED + timedelta(minutes=10)
    assert row["escalate_at"] is None
    assert events_of(db, reference, "escalated") == []


def test_an_action_after_an_escalation_stops_further_ones(db, divided, clock):
    """Once escalated, acting on the case stops the climb where it is."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "acknowledge", clock, 2)
    sweep(db, divided, clock, 15.1)
    acted(db, divided, reference, "start", clock, 20)
    assert sweep(db, divided, clock, 31) == 0
    assert sweep(db, divided, clock, 500) == 0
    assert ladder(db, reference) == [(1, "charkop")]


def test_a_transfer_restarts_the_clocks_at_the_new_station(db, divided, clock):
    """Transferred and not acknowledged there, the case rises to the new station's in-charge."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "transfer", clock, 1, station_id="borivali", reason="it happened in Borivali")
    assert sweep(db, divided, clock, 5.9) == 0
    assert sweep(db, divided, clock, 6.1) == 1
    assert ladder(db, reference) == [(1, "borivali")]
    assert events_of(db, reference, "escalated")[0]["detail"]["breach"] == "acknowledge"


def test_a_reply_from_the_new_station_stops_the_acknowledgement_clock(db, divided, clock):
    """Borivali answers the citizen two minutes after the transfer: nothing is escalated."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "transfer", clock, 1, station_id="borivali", reason="it happened in Borivali")
    act(db, divided, SYSTEM, reference, "reply", now=clock.at(3), text="Officers from Borivali are on the way.")
    assert sweep(db, divided, clock, 6.1) == 0
    assert events_of(db, reference, "escalated") == []


def test_service_levels_come_from_the_force_package(db, tmp_path, monkeypatch, clock):
    """A force whose P1 first action is due in 4 minutes escalates after 4 minutes, not Mumbai's 15."""
    package = tmp_path / "quick-force"
    shutil.copytree(BUNDLED_DIR / "mumbai", package)
    toml = package / "force.toml"
    text = toml.read_text(encoding="utf-8")
    assert "P1 = { acknowledge = 5, first_action = 15 }" in text
    toml.write_text(
        text.replace("P1 = { acknowledge = 5, first_action = 15 }", "P1 = { acknowledge = 2, first_action = 4 }")
    )
    assert read_package(package).ok
    force = use_force(monkeypatch, package)
    reference = open_case(db, force, "charkop", P1_CHILD)
    row = case_row(db, reference)
    assert (row["ack_due_at"], row["action_due_at"]) == (
        RECEIVED + timedelta(minutes=2),
        RECEIVED + timedelta(minutes=4),
    )
    acted(db, force, reference, "acknowledge", clock, 1)
    assert sweep(db, force, clock, 3.9) == 0
    assert sweep(db, force, clock, 4.1) == 1
    assert sweep(db, force, clock, 8.2) == 1  # the next window is 4 minutes too


def test_escalations_are_listed_in_the_units_notifications(db, divided, clock):
    """GET /api/v1/notifications shows the DCP the escalation that reached the zone, and the station its own."""
    reference = open_case(db, divided, "charkop", P1_CHILD)
    acted(db, divided, reference, "acknowledge", clock, 2)
    for minutes in (15.1, 30.2, 45.3):
        sweep(db, divided, clock, minutes)
    with api() as client:
        zone = client.get("/api/v1/notifications", headers=caller(db, divided, "dcp", "zone-11").headers).json()
        station = client.get(
            "/api/v1/notifications", headers=caller(db, divided, "station_incharge", "charkop").headers
        ).json()
        other = client.get("/api/v1/notifications", headers=caller(db, divided, "dcp", "zone-12").headers).json()
    assert [n["kind"] for n in zone["items"]] == ["escalation"]
    assert reference in zone["items"][0]["text"] and "the DCP of the zone" in zone["items"][0]["text"]
    assert [n["unit_id"] for n in station["items"]] == ["charkop"]
    assert other["items"] == []


# -- cases owned above or beside the station ---------------------------------------------------------------


def test_police_conduct_breach_never_reaches_the_station_complained_about(db, divided, clock):
    """A complaint about Charkop's officers rises from its owner (the ACP) upwards; Charkop is never told."""
    reference = open_case(db, divided, "charkop", "police_conduct")
    assert case_row(db, reference)["owner_unit_id"] == "div-kandivali"
    acted(db, divided, reference, "acknowledge", clock, 1)  # P2: first action due after 120 minutes
    for minutes in range(121, 121 + 6 * 120, 120):
        sweep(db, divided, clock, minutes)
    assert "charkop" not in notified(db, reference)
    assert ladder(db, reference)[0] == (2, "div-kandivali")
    assert_each_notified_unit_can_open(db, divided, reference)


def test_cyber_fraud_breach_climbs_from_the_cyber_station(db, divided, clock):
    """A cyber fraud owned by the North cyber station rises to its in-charge, then the Additional CP, then HQ."""
    reference = open_case(db, divided, "charkop", "cyber_fraud")
    row = case_row(db, reference)
    assert row["owner_unit_id"] == "cyber-north"
    window = (row["action_due_at"] - RECEIVED).total_seconds() / 60
    acted(db, divided, reference, "acknowledge", clock, 1)
    for step in range(1, 6):
        sweep(db, divided, clock, step * window + step)
    assert ladder(db, reference) == [(1, "cyber-north"), (4, "region-north"), (5, "hq")]
    assert_each_notified_unit_can_open(db, divided, reference)


# -- the worker runs it; two sweepers never escalate a case twice ------------------------------------------


def test_thana_worker_runs_the_sweeper():
    """`thana worker`'s tasks between batches include the service-level sweeper."""
    owners = [type(getattr(task, "__self__", None)) for task in default_tasks(get_database())]
    assert Sweeper in owners


@pytest.mark.postgres
def test_two_sweepers_in_two_threads_escalate_each_case_once(pg, tmp_path_factory, monkeypatch, clock):
    """On PostgreSQL, two sweepers racing over the same overdue cases escalate each exactly once per window."""
    force = divided_force(tmp_path_factory, monkeypatch)
    stations = ["charkop", "kandivali", "borivali", "malad", "dahisar"]
    messages = [message(f"p1-{i}", stations[i % 5], P1_CHILD, force=force) for i in range(40)]
    references = list(open_cases(pg, force, messages).values())
    for reference in references:
        act(pg, force, SYSTEM, reference, "acknowledge", now=clock.at(2))

    def race(minutes: float) -> list[int]:
        clock.at(minutes)
        barrier = threading.Barrier(2)
        counts = [0, 0]

        def run(index: int) -> None:
            sweeper = Sweeper(pg, force, clock=clock, batch=5)
            barrier.wait()
            while (n := sweeper.run_once()) > 0:
                counts[index] += n

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return counts

    first = race(15.1)
    assert sum(first) == 40, first
    second = race(30.2)
    assert sum(second) == 40, second
    for reference in references:
        assert [level for level, _ in ladder(pg, reference)] in ([1, 2], [1, 3]), reference
        assert len(notified(pg, reference)) == 2
