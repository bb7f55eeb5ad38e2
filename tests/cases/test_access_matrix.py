"""Who may see and act on which case, over the API: a table of every role against cases of its own unit,
a sibling unit and a parent unit, for every read and action endpoint — zero leaks, zero refusals.

The force is Mumbai with two ACP divisions added in zone 11 (Kandivali: Charkop, Kandivali; Borivali:
Borivali, Gorai); Malad stays directly under the zone. Each role's row names the cases it must see; every
other case must be invisible: missing from the list, and 404 (never 403) on every endpoint, so that its
existence is not revealed. A case in scope must be readable and every action on it must succeed.

Reads and the list run on SQLite and PostgreSQL; the action sweep (every action, each on a fresh case) runs
on SQLite: the actions load the case through the same scoping query as the reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from tests.cases import (
    api,
    caller,
    case_row,
    cheap_passwords,
    divided_force,
    events_of,
    message,
    open_case,
    open_cases,
    system_act,
)
from thana.cases.lifecycle import ACTIONS
from thana.config import reload_settings
from thana.store.db import get_database
from thana.store.schema import api_tokens
from thana.store.users import create_user

# target -> (station written to, text); the owner each gets is checked in test_targets_are_owned_as_taxonomy_says
TARGETS: dict[str, tuple[str | None, str]] = {
    "theft@charkop": ("charkop", "theft"),
    "theft@kandivali": ("kandivali", "theft"),  # Charkop's sibling in the same division
    "theft@borivali": ("borivali", "theft"),  # the sibling division
    "theft@malad": ("malad", "theft"),  # zone 11, in no division
    "theft@dahisar": ("dahisar", "theft"),  # zone 12: the sibling zone, same region
    "theft@colaba": ("colaba", "theft"),  # zone 1: the South region
    "conduct@charkop": ("charkop", "police_conduct"),  # owned by Charkop's division
    "conduct@malad": ("malad", "police_conduct"),  # owned by zone 11 (Malad has no division)
    "cyber@charkop": ("charkop", "cyber_fraud"),  # owned by the North region's cyber station
    "cyber@colaba": ("colaba", "cyber_fraud"),  # owned by the South region's cyber station
    "hq-queue": (None, "theft"),  # no station found: headquarters' queue
}
OWNERS = {
    "theft@charkop": ("charkop", "div-kandivali", "zone-11", "region-north"),
    "theft@kandivali": ("kandivali", "div-kandivali", "zone-11", "region-north"),
    "theft@borivali": ("borivali", "div-borivali", "zone-11", "region-north"),
    "theft@malad": ("malad", None, "zone-11", "region-north"),
    "theft@dahisar": ("dahisar", None, "zone-12", "region-north"),
    "theft@colaba": ("colaba", None, "zone-1", "region-south"),
    "conduct@charkop": ("div-kandivali", "div-kandivali", "zone-11", "region-north"),
    "conduct@malad": ("zone-11", None, "zone-11", "region-north"),
    "cyber@charkop": ("cyber-north", None, None, "region-north"),
    "cyber@colaba": ("cyber-south", None, None, "region-south"),
    "hq-queue": (None, None, None, None),
}
ALL = frozenset(TARGETS)
SEEN, HIDDEN = True, False

# role, unit -> {case: whether it must see it}: cases of its own unit, of a sibling unit and of a parent unit.
# The list test checks every role against every case; this table picks the cases that tell the levels apart.
MATRIX: list[tuple[str, str | None, dict[str, bool]]] = [
    # A station: its own cases (and a cyber fraud written to it), not its sibling's, not the complaint about it
    # that its division owns.
    *(
        (
            role,
            "charkop",
            {"theft@charkop": SEEN, "cyber@charkop": SEEN, "theft@kandivali": HIDDEN, "conduct@charkop": HIDDEN},
        )
        for role in ("desk_officer", "station_incharge")
    ),
    ("desk_officer", "kandivali", {"theft@kandivali": SEEN, "theft@charkop": HIDDEN, "conduct@charkop": HIDDEN}),
    ("station_incharge", "borivali", {"theft@borivali": SEEN, "theft@charkop": HIDDEN, "conduct@malad": HIDDEN}),
    # A station under no division: the complaint about it is its zone's.
    ("desk_officer", "malad", {"theft@malad": SEEN, "theft@borivali": HIDDEN, "conduct@malad": HIDDEN}),
    # The region's cyber station: its region's cyber fraud, not the other region's, not the station's theft.
    (
        "desk_officer",
        "cyber-north",
        {"cyber@charkop": SEEN, "cyber@colaba": HIDDEN, "theft@charkop": HIDDEN, "hq-queue": HIDDEN},
    ),
    ("station_incharge", "cyber-south", {"cyber@colaba": SEEN, "cyber@charkop": HIDDEN, "hq-queue": HIDDEN}),
    # An ACP: the division's stations and the complaints about them; not the sibling division, not the zone's own.
    (
        "acp",
        "div-kandivali",
        {
            "theft@charkop": SEEN,
            "theft@kandivali": SEEN,
            "conduct@charkop": SEEN,
            "theft@borivali": HIDDEN,
            "theft@malad": HIDDEN,
            "conduct@malad": HIDDEN,
        },
    ),
    (
        "acp",
        "div-borivali",
        {"theft@borivali": SEEN, "theft@charkop": HIDDEN, "conduct@charkop": HIDDEN, "theft@malad": HIDDEN},
    ),
    # A DCP: everything in the zone, divisions or not; not the sibling zone, not headquarters' queue.
    (
        "dcp",
        "zone-11",
        {
            "theft@charkop": SEEN,
            "theft@borivali": SEEN,
            "theft@malad": SEEN,
            "conduct@charkop": SEEN,
            "conduct@malad": SEEN,
            "theft@dahisar": HIDDEN,
            "hq-queue": HIDDEN,
        },
    ),
    ("dcp", "zone-12", {"theft@dahisar": SEEN, "theft@charkop": HIDDEN, "conduct@malad": HIDDEN, "hq-queue": HIDDEN}),
    # An Additional CP: the whole region, its cyber station's cases too; not the other region, not HQ's queue.
    (
        "addl_cp",
        "region-north",
        {
            "theft@charkop": SEEN,
            "theft@dahisar": SEEN,
            "conduct@charkop": SEEN,
            "conduct@malad": SEEN,
            "cyber@charkop": SEEN,
            "theft@colaba": HIDDEN,
            "cyber@colaba": HIDDEN,
            "hq-queue": HIDDEN,
        },
    ),
    (
        "addl_cp",
        "region-south",
        {
            "theft@colaba": SEEN,
            "cyber@colaba": SEEN,
            "theft@charkop": HIDDEN,
            "conduct@charkop": HIDDEN,
            "hq-queue": HIDDEN,
        },
    ),
    # Headquarters and administrators: everything, the unrouted queue included.
    *(
        (
            role,
            None,
            {
                "hq-queue": SEEN,
                "conduct@charkop": SEEN,
                "conduct@malad": SEEN,
                "cyber@colaba": SEEN,
                "theft@dahisar": SEEN,
            },
        )
        for role in ("hq", "admin")
    ),
]
ROW_IDS = [f"{role}@{unit}" if unit else role for role, unit, _ in MATRIX]

# Everything each row may see, for the list: the SEEN cases above, completed over all the targets.
VISIBLE: dict[tuple[str, str | None], frozenset[str]] = {
    ("desk_officer", "charkop"): frozenset({"theft@charkop", "cyber@charkop"}),
    ("station_incharge", "charkop"): frozenset({"theft@charkop", "cyber@charkop"}),
    ("desk_officer", "kandivali"): frozenset({"theft@kandivali"}),
    ("station_incharge", "borivali"): frozenset({"theft@borivali"}),
    ("desk_officer", "malad"): frozenset({"theft@malad"}),
    ("desk_officer", "cyber-north"): frozenset({"cyber@charkop"}),
    ("station_incharge", "cyber-south"): frozenset({"cyber@colaba"}),
    ("acp", "div-kandivali"): frozenset({"theft@charkop", "theft@kandivali", "conduct@charkop"}),
    ("acp", "div-borivali"): frozenset({"theft@borivali"}),
    ("dcp", "zone-11"): frozenset(t for t, owner in OWNERS.items() if owner[2] == "zone-11"),
    ("dcp", "zone-12"): frozenset({"theft@dahisar"}),
    ("addl_cp", "region-north"): frozenset(t for t, owner in OWNERS.items() if owner[3] == "region-north"),
    ("addl_cp", "region-south"): frozenset({"theft@colaba", "cyber@colaba"}),
    ("hq", None): ALL,
    ("admin", None): ALL,
}
assert all(VISIBLE[(role, unit)] >= {t for t, seen in row.items() if seen} for role, unit, row in MATRIX)
assert not any(VISIBLE[(role, unit)] & {t for t, seen in row.items() if not seen} for role, unit, row in MATRIX)

# What each action needs done first (as the system), and the body it is sent with.
PREPARE = {"start": ("acknowledge",), "resolve": ("acknowledge",), "reopen": ("acknowledge", "resolve")}


def bodies(assignee: int, into: str) -> dict[str, dict]:
    return {
        "acknowledge": {},
        "assign": {"user_id": assignee},
        "start": {},
        "reply": {"text": "We are looking into it."},
        "note": {"text": "Checked the CCTV at the gate."},
        "transfer": {"station_id": "gorai", "reason": "the place is in Gorai's area"},
        "redirect": {"agency_id": "bmc", "reason": "a civic matter"},
        "merge": {"into": into},
        "resolve": {"resolution": "the bike was found"},
        "close": {"reason": "nothing more to do"},
        "reopen": {"reason": "the citizen says it is not solved"},
        "recategorise": {"priority": "P4", "reason": "no urgency"},
    }


@pytest.fixture
def force(tmp_path_factory, monkeypatch):
    cheap_passwords(monkeypatch)
    return divided_force(tmp_path_factory, monkeypatch)


def build_world(db, force, targets=TARGETS, acted_on=frozenset()) -> dict[str, str]:
    """One case per target ('T/read') and, for targets in acted_on, one fresh case per action ('T/<action>'),
    each already in a state where its action is legal. {key: reference}."""
    messages = []
    for target in targets:
        station, text = TARGETS[target]
        for copy in ("read", *(ACTIONS if target in acted_on else ())):
            messages.append(message(f"{target}/{copy}", station, text, force=force))
    refs = open_cases(db, force, messages)
    for target in acted_on:
        for action, steps in PREPARE.items():
            system_act(db, force, refs[f"{target}/{action}"], *steps)
    return refs


# -- the table ---------------------------------------------------------------------------------------------


def test_targets_are_owned_as_taxonomy_says(db, force):
    """Every target case lands with the owner, division, zone and region the table assumes."""
    refs = build_world(db, force)
    hq = caller(db, force, "hq")
    with api() as client:
        for target, (owner, *_) in OWNERS.items():
            case = client.get(f"/api/v1/cases/{refs[f'{target}/read']}", headers=hq.headers).json()
            assert (case["owner"] or {}).get("id") == owner, target
            assert (case["station"] or {}).get("id") == TARGETS[target][0], target
    for target, (_, division, zone, region) in OWNERS.items():
        row = case_row(db, refs[f"{target}/read"])
        assert (row["division_id"], row["zone_id"], row["region_id"]) == (division, zone, region), target


@pytest.mark.parametrize(("role", "unit"), list(VISIBLE), ids=[f"{r}@{u}" if u else r for r, u in VISIBLE])
def test_list_shows_exactly_the_cases_in_scope(db, force, role, unit):
    """GET /api/v1/cases lists every case the role may see and nothing else, whatever the filters ask for."""
    refs = build_world(db, force)
    who = caller(db, force, role, unit)
    expected = {refs[f"{t}/read"] for t in VISIBLE[(role, unit)]}
    with api() as client:
        response = client.get("/api/v1/cases", params={"per_page": 200}, headers=who.headers)
        assert response.status_code == 200, response.text
        listed = {item["reference"] for item in response.json()["items"]}
        assert listed == expected, f"leaked: {listed - expected}, missing: {expected - listed}"
        assert response.json()["total"] == len(expected)
        # Filters narrow the scope, never widen it.
        for params in ({"station": "charkop"}, {"zone": "zone-11"}, {"category": "police_conduct"}, {"text": "MUM"}):
            response = client.get("/api/v1/cases", params=params | {"per_page": 200}, headers=who.headers)
            assert response.status_code == 200, response.text
            leaked = {item["reference"] for item in response.json()["items"]} - expected
            assert not leaked, f"{params} leaked {leaked}"


def check_reads(client, who, refs: dict[str, str], row: dict[str, bool]) -> list[str]:
    """GET detail, canned replies and detail?reveal=true of each case in the row; what went wrong."""
    problems = []
    for target, in_scope in row.items():
        read = refs[f"{target}/read"]
        for path, allowed in (
            (f"/api/v1/cases/{read}", 200),
            (f"/api/v1/cases/{read}/canned", 200),
            (f"/api/v1/cases/{read}?reveal=true", 403),  # a token is never the officer assigned
        ):
            got = client.get(path, headers=who.headers).status_code
            if got != (allowed if in_scope else 404):
                problems.append(f"GET {path} ({target}): {got}, expected {allowed if in_scope else 404}")
    return problems


@pytest.mark.parametrize(("role", "unit", "row"), MATRIX, ids=ROW_IDS)
def test_reads_allowed_in_scope_and_404_outside(db, force, role, unit, row):
    """Each role reads the cases in its scope (detail, canned replies); outside it every read is 404, not 403."""
    refs = build_world(db, force, targets=row)
    who = caller(db, force, role, unit)
    with api() as client:
        problems = check_reads(client, who, refs, row)
    assert not problems, f"{who.label}:\n" + "\n".join(problems)


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    """The `db` fixture's SQLite database alone: the action sweep runs the same scoping query as the reads,
    which run on both databases, so it runs on one to keep the suite quick."""
    url = f"sqlite:///{tmp_path / 'thana-data' / 'matrix.db'}"
    monkeypatch.setenv("THANA_DATABASE_URL", url)
    reload_settings()
    database = get_database(url)
    database.migrate()
    return database


@pytest.mark.parametrize(("role", "unit", "row"), MATRIX, ids=ROW_IDS)
def test_every_action_allowed_in_scope_and_404_outside(sqlite_db, force, role, unit, row):
    """Each role performs every action on its cases (200, each on a fresh case); outside its scope all are 404."""
    db = sqlite_db
    refs = build_world(db, force, targets=row, acted_on=frozenset(t for t, seen in row.items() if seen))
    assignee = create_user(db, force, "assignee", role="hq", unit_id=None, password="a long password 1")
    who = caller(db, force, role, unit)
    hidden_before = {
        t: (case_row(db, refs[f"{t}/read"]), len(events_of(db, refs[f"{t}/read"])))
        for t, seen in row.items()
        if not seen
    }
    problems = []
    with api() as client:
        for target, in_scope in row.items():
            read = refs[f"{target}/read"]
            for action, body in bodies(assignee, into=read).items():
                reference = refs[f"{target}/{action}"] if in_scope else read
                response = client.post(f"/api/v1/cases/{reference}/{action}", json=body, headers=who.headers)
                if response.status_code != (200 if in_scope else 404):
                    problems.append(f"POST {action} ({target}): {response.status_code} {response.text[:160]}")
    assert not problems, f"{who.label}:\n" + "\n".join(problems)
    for target, (row_before, events_before) in hidden_before.items():
        reference = refs[f"{target}/read"]
        assert (case_row(db, reference), len(events_of(db, reference))) == (row_before, events_before), target


# -- police conduct, cyber, the control room ---------------------------------------------------------------


def test_police_conduct_is_hidden_from_the_station_and_seen_above_it(db, force):
    """A complaint about Charkop's officers: never Charkop's; its ACP, DCP, Additional CP and HQ see it."""
    reference = open_case(db, force, "charkop", "police_conduct")
    expected = {
        ("desk_officer", "charkop"): 404,
        ("station_incharge", "charkop"): 404,
        ("acp", "div-kandivali"): 200,
        ("dcp", "zone-11"): 200,
        ("addl_cp", "region-north"): 200,
        ("hq", None): 200,
        ("admin", None): 200,
    }
    with api() as client:
        got = {
            key: client.get(f"/api/v1/cases/{reference}", headers=caller(db, force, *key).headers).status_code
            for key in expected
        }
    assert got == expected


def test_cyber_fraud_is_seen_by_the_region_cyber_station_only_of_its_region(db, force):
    """A cyber fraud written to Charkop is the North cyber station's to work; the South one never sees it."""
    reference = open_case(db, force, "charkop", "cyber_fraud")
    with api() as client:
        north = client.get(
            f"/api/v1/cases/{reference}", headers=caller(db, force, "desk_officer", "cyber-north").headers
        )
        south = client.get(
            f"/api/v1/cases/{reference}", headers=caller(db, force, "desk_officer", "cyber-south").headers
        )
    assert north.status_code == 200 and north.json()["owner"]["id"] == "cyber-north"
    assert south.status_code == 404


def test_control_room_sees_the_emergencies_it_is_told_about(db, force):
    """The city control room, told of every emergency, can open it."""
    reference = open_case(db, force, "charkop", "emergency")
    with api() as client:
        response = client.get(
            f"/api/v1/cases/{reference}", headers=caller(db, force, "desk_officer", "control-room").headers
        )
    assert response.status_code == 200


def test_merge_into_a_case_out_of_scope_says_the_same_as_into_none(db, force):
    """Merging into another station's case gives the same answer as into a case that does not exist."""
    refs = open_cases(
        db, force, [message("a", "charkop", "theft", force=force), message("b", "colaba", "theft", force=force)]
    )
    who = caller(db, force, "desk_officer", "charkop")
    with api() as client:
        hidden = client.post(f"/api/v1/cases/{refs['a']}/merge", json={"into": refs["b"]}, headers=who.headers)
        missing = client.post(f"/api/v1/cases/{refs['a']}/merge", json={"into": "MUM-26-999999"}, headers=who.headers)
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["error"].replace(refs["b"], "X") == missing.json()["error"].replace("MUM-26-999999", "X")


# -- tokens that do not work -------------------------------------------------------------------------------


def _every_endpoint(client, reference: str, headers: dict) -> dict[str, int]:
    codes = {
        "list": client.get("/api/v1/cases", headers=headers).status_code,
        "detail": client.get(f"/api/v1/cases/{reference}", headers=headers).status_code,
        "canned": client.get(f"/api/v1/cases/{reference}/canned", headers=headers).status_code,
        "notifications": client.get("/api/v1/notifications", headers=headers).status_code,
    }
    for action in ACTIONS:
        codes[action] = client.post(f"/api/v1/cases/{reference}/{action}", json={}, headers=headers).status_code
    return codes


def test_invalid_token_is_401_everywhere(db, force):
    """A made-up token, a malformed header or none at all: 401 on every endpoint, the case unchanged."""
    reference = open_case(db, force, "charkop", "theft")
    with api() as client:
        for headers in (
            {"Authorization": "Bearer thana_not-a-real-token"},
            {"Authorization": "Bearer "},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {},
        ):
            codes = _every_endpoint(client, reference, headers)
            assert set(codes.values()) == {401}, (headers, codes)
        response = client.get(f"/api/v1/cases/{reference}", headers={"Authorization": "Bearer nope"})
        assert response.headers.get("www-authenticate") == "Bearer"
        assert "Bearer" in response.json()["error"]
    hq = caller(db, force, "hq")
    with api() as client:
        assert client.get(f"/api/v1/cases/{reference}", headers=hq.headers).json()["status"] == "new"


def test_revoked_token_is_401_everywhere(db, force):
    """A token that worked stops working everywhere once revoked."""
    reference = open_case(db, force, "charkop", "theft")
    who = caller(db, force, "desk_officer", "charkop")
    with api() as client:
        assert client.get(f"/api/v1/cases/{reference}", headers=who.headers).status_code == 200
        with db.engine.begin() as conn:
            conn.execute(update(api_tokens).values(revoked_at=datetime.now(UTC)))
        codes = _every_endpoint(client, reference, who.headers)
    assert set(codes.values()) == {401}, codes
