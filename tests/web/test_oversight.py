"""The oversight pages on both databases: the zone monitor's numbers (checked against a plain-Python count of
a small hand-built set of cases), who may see which unit, headquarters' page, the daily PDF and CSV exports."""

from __future__ import annotations

import csv
import io
import re
import shutil
import statistics
import subprocess
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from thana.cases import lifecycle
from thana.cases.routing import Route, ownership
from thana.store.schema import cases, dispatches, utcnow
from thana.store.users import create_token, create_user

NOW = utcnow().replace(microsecond=0)
H, M, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)
LEVELS = {"P1": (5, 15), "P2": (15, 120), "P3": (60, 72 * 60), "P4": (24 * 60, 7 * 24 * 60)}


def _case(force, n: int, station: str | None, priority: str, status: str, received, **times) -> dict:
    category = times.pop("category", "theft")
    own = ownership(force, Route(station, "handle"), category, times.get("agency_id"))
    ack_min, act_min = LEVELS[priority]
    row = {
        "reference": f"TST-26-{n:06d}",
        "force_id": force.id,
        "station_id": station,
        "owner_unit_id": own.owner_unit_id,
        "division_id": own.division_id,
        "zone_id": own.zone_id,
        "region_id": own.region_id,
        "category": category,
        "priority": priority,
        "status": status,
        "channel": "x",
        "summary": f"case {n} near the market",
        "sensitive": False,
        "escalation_level": 0,
        "received_at": received,
        "created_at": received,
        "updated_at": received,
        "ack_due_at": received + ack_min * M,
        "action_due_at": received + act_min * M,
        "acknowledged_at": None,
        "first_response_at": None,
        "resolved_at": None,
        "lat": 19.2066,
        "lon": 72.8302,
        "place_name": "Charkop Market",
        "agency_id": None,
        "incident_id": None,
    }
    row.update(times)
    return row


def hand_built(force) -> list[dict]:
    r = NOW
    return [
        # Charkop: overdue new; acknowledged in time with a reply; resolved late and escalated; an old overdue one
        _case(force, 1, "charkop", "P2", "new", r - 3 * H),
        _case(
            force, 2, "charkop", "P3", "acknowledged", r - 5 * H,
            acknowledged_at=r - 5 * H + 30 * M, first_response_at=r - 5 * H + 40 * M,
        ),
        _case(
            force, 3, "charkop", "P3", "resolved", r - 2 * D,
            acknowledged_at=r - 2 * D + 90 * M, first_response_at=r - 2 * D + 100 * M,
            resolved_at=r - 2 * D + 10 * H, escalation_level=1,
        ),
        _case(force, 4, "charkop", "P3", "new", r - 40 * D),
        # Borivali: a P1 answered in time; a closed P4; a redirection to the BMC
        _case(
            force, 5, "borivali", "P1", "in_progress", r - 1 * H,
            acknowledged_at=r - 1 * H + 3 * M, first_response_at=r - 1 * H + 10 * M,
        ),
        _case(
            force, 6, "borivali", "P4", "closed", r - 10 * D,
            acknowledged_at=r - 10 * D + 20 * H, first_response_at=r - 10 * D + 30 * H,
            resolved_at=r - 10 * D + 50 * H,
        ),
        _case(force, 7, "borivali", "P4", "redirected", r - 6 * H, agency_id="bmc", category="civic"),
        # Zone 12 and Zone 1
        _case(force, 8, "dahisar", "P2", "new", r - 2 * H),
        _case(force, 9, "colaba", "P3", "new", r - 30 * M, agency_id=None),
        _case(force, 10, "colaba", "P4", "redirected", r - 2 * D, agency_id="traffic", category="traffic"),
        # no station found: one open (headquarters' queue), one closed
        _case(force, 11, None, "P3", "new", r - 20 * M),
        _case(force, 12, None, "P3", "closed", r - 3 * D),
        # two reports of one incident
        _case(force, 13, "malad", "P2", "acknowledged", r - 4 * H, acknowledged_at=r - 4 * H + 5 * M,
              incident_id=77, lat=19.1870, lon=72.8480, place_name="Malad station"),
        _case(force, 14, "malad", "P2", "acknowledged", r - 4 * H + 10 * M, acknowledged_at=r - 4 * H + 12 * M,
              incident_id=77, lat=19.1872, lon=72.8484, place_name="Malad station"),
    ]  # fmt: skip


def expected(rows: list[dict], station: str, now) -> dict:
    """The monitor's figures for one station, counted in plain Python from the definitions."""
    mine = [r for r in rows if r["station_id"] == station]
    window = [r for r in mine if r["received_at"] >= now - 30 * D]
    open_ = [r for r in mine if r["status"] in lifecycle.OPEN]
    overdue = [
        r
        for r in open_
        if (r["acknowledged_at"] is None and r["ack_due_at"] < now)
        or (r["first_response_at"] is None and r["action_due_at"] < now)
    ]
    decided = [r for r in window if r["acknowledged_at"] is not None or r["ack_due_at"] < now]
    in_time = [r for r in decided if r["acknowledged_at"] is not None and r["acknowledged_at"] <= r["ack_due_at"]]
    first = [(r["first_response_at"] - r["received_at"]).total_seconds() / 60 for r in window if r["first_response_at"]]
    done = [(r["resolved_at"] - r["received_at"]).total_seconds() / 60 for r in window if r["resolved_at"]]
    return {
        "received": len(window),
        "open": len(open_),
        "overdue": len(overdue),
        "ack_in_time_pct": round(100 * len(in_time) / len(decided), 1) if decided else None,
        "median_first_response_min": round(statistics.median(first), 1) if first else None,
        "median_resolution_min": round(statistics.median(done), 1) if done else None,
        "escalations": sum(1 for r in window if r["escalation_level"] > 0),
    }


@pytest.fixture
def world(db, mumbai):
    from thana.web.app import create_app

    rows = hand_built(mumbai)
    with db.engine.begin() as conn:
        for row in rows:
            conn.execute(cases.insert().values(**row))
    tokens = {
        "dcp": create_token(db, mumbai, name="dcp 11", role="dcp", unit_id="zone-11"),
        "addl": create_token(db, mumbai, name="addl north", role="addl_cp", unit_id="region-north"),
        "hq": create_token(db, mumbai, name="hq", role="hq", unit_id=None),
        "desk": create_token(db, mumbai, name="desk charkop", role="desk_officer", unit_id="charkop"),
    }
    with TestClient(create_app()) as client:
        yield {"client": client, "rows": rows, "tokens": tokens, "db": db, "force": mumbai}


def get(world, who: str, path: str, **kw):
    headers = {"Authorization": f"Bearer {world['tokens'][who]}", "Accept": "text/html"}
    return world["client"].get(path, headers=headers, follow_redirects=False, **kw)


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows and rows[0], "a CSV export starts with its header"
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _num(text: str):
    return None if text == "" else float(text)


# -- the monitor's numbers -------------------------------------------------------------------------------


def test_monitor_numbers_match_a_plain_count(world):
    rows = {r["station_id"]: r for r in read_csv(get(world, "dcp", "/monitor?format=csv"))}
    for station in ("charkop", "borivali", "malad", "goregaon"):
        want = expected(world["rows"], station, NOW)
        got = rows[station]
        for key, value in want.items():
            assert _num(got[key]) == (None if value is None else pytest.approx(value, abs=0.11)), (station, key)
    # spelled out for Charkop, so a wrong definition in both places cannot hide
    assert rows["charkop"]["open"] == "3" and rows["charkop"]["overdue"] == "2"
    assert _num(rows["charkop"]["ack_in_time_pct"]) == pytest.approx(33.3, abs=0.1)
    assert _num(rows["charkop"]["median_first_response_min"]) == pytest.approx(70.0, abs=0.1)
    assert _num(rows["charkop"]["median_resolution_min"]) == pytest.approx(600.0, abs=0.1)
    assert rows["charkop"]["escalations"] == "1" and rows["charkop"]["received"] == "3"
    assert rows["borivali"]["ack_in_time_pct"] == "100.0"


def test_monitor_shows_how_fast_nirbhaya_squads_reach(world):
    """Median minutes from a squad's dispatch to its arrival, per station and for the zone; a squad still on
    its way counts as a dispatch but not in the median; a dispatch older than the window is left out."""
    db = world["db"]
    with db.engine.begin() as conn:
        ids = dict(conn.execute(select(cases.c.reference, cases.c.id)).all())
        sent = NOW - 2 * H
        conn.execute(
            dispatches.insert(),
            [
                _dispatch(ids["TST-26-000001"], sent, sent + 7 * M),
                _dispatch(ids["TST-26-000002"], sent, sent + 12 * M),
                _dispatch(ids["TST-26-000003"], sent, sent + 20 * M),
                _dispatch(ids["TST-26-000003"], sent + H, None),  # on its way
                _dispatch(ids["TST-26-000004"], NOW - 40 * D, NOW - 40 * D + 3 * M),  # outside the 30 days
                _dispatch(ids["TST-26-000005"], sent, sent + 4 * M),
            ],
        )
    rows = {r["station_id"]: r for r in read_csv(get(world, "dcp", "/monitor?format=csv"))}
    assert (rows["charkop"]["dispatches"], _num(rows["charkop"]["median_dispatch_reach_min"])) == ("4", 12.0)
    assert (rows["borivali"]["dispatches"], _num(rows["borivali"]["median_dispatch_reach_min"])) == ("1", 4.0)
    assert (rows["malad"]["dispatches"], rows["malad"]["median_dispatch_reach_min"]) == ("0", "")
    page = get(world, "dcp", "/monitor").text
    assert "Median squad arrival" in page and "Nirbhaya dispatches" in page
    assert "squad arrival" not in get(world, "dcp", "/monitor?lang=hi").text


def _dispatch(case_id: int, sent, reached) -> dict:
    return {"case_id": case_id, "squad": "Nirbhaya squad 1", "vehicle": "MH-01-AB-1234", "dispatched_at": sent,
            "reached_at": reached, "recorded_by": "desk charkop", "recorded_at": sent}  # fmt: skip


def test_monitor_page_shows_table_map_and_charts(world):
    page = get(world, "dcp", "/monitor")
    assert page.status_code == 200
    html = page.text
    assert "Zone 11" in html
    row = re.search(r'<tr data-station="charkop"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-key="overdue">2<', row) and re.search(r'data-key="open">3<', row)
    assert "33%" in row and "1.2 h" in row and "10.0 h" in row
    # the choropleth: one path per station with its overdue count, a <title>, role="img", a legend
    assert re.search(r'<svg[^>]*class="choropleth"[^>]*role="img"', html)
    charkop = re.search(r'<path class="area" d="[^"]+" fill="(#[0-9a-f]{6})" data-station="charkop" data-overdue="2">'
                        r"<title>Charkop: 2 overdue, 3 open</title>", html)  # fmt: skip
    assert charkop, "Charkop's area, filled by its overdue count, titled with its numbers"
    kandivali = re.search(r'fill="(#[0-9a-f]{6})" data-station="kandivali" data-overdue="0"', html)
    assert kandivali and kandivali.group(1) != charkop.group(1)
    assert 'class="legend"' in html
    # four trend charts drawn by matplotlib, inline and labelled
    figures = re.findall(r'<figure class="chart">.*?</figure>', html, re.S)
    assert len(figures) == 4
    for fig in figures:
        assert '<svg role="img" aria-label="' in fig and "</svg>" in fig
    assert "<?xml" not in html


def _chart_numbers(html: str) -> list[str]:
    """The received count per day in the table under the charts (the charts' own numbers)."""
    table = re.search(r"<details.*?</details>", html, re.S).group(0)
    return re.findall(r'<td class="num">(\d+)</td>', table)


def test_charts_a_minute_old_are_shown_at_once_and_redrawn_for_the_next_view(world):
    from thana.web import charts

    charts.clear_cache()
    before = _chart_numbers(get(world, "dcp", "/monitor").text)
    with world["db"].engine.begin() as conn:
        conn.execute(cases.insert().values(**_case(world["force"], 99, "charkop", "P3", "new", NOW)))
    assert _chart_numbers(get(world, "dcp", "/monitor").text) == before  # within the minute: as kept
    charts.age_cache(charts.CACHE_SECONDS + 1)
    assert _chart_numbers(get(world, "dcp", "/monitor").text) == before  # stale: shown, redrawn behind
    charts.wait_for_refreshes()
    after = _chart_numbers(get(world, "dcp", "/monitor").text)
    assert after != before and sum(map(int, after)) == sum(map(int, before)) + 1
    charts.age_cache(charts.STALE_SECONDS + 1)  # too old to show: drawn before answering
    with world["db"].engine.begin() as conn:
        conn.execute(cases.insert().values(**_case(world["force"], 98, "charkop", "P3", "new", NOW)))
    assert sum(map(int, _chart_numbers(get(world, "dcp", "/monitor").text))) == sum(map(int, after)) + 1


def test_monitor_in_hindi_and_marathi(world):
    assert "निगरानी" in get(world, "dcp", "/monitor?lang=hi").text
    marathi = get(world, "dcp", "/monitor?lang=mr").text
    assert "देखरेख" in marathi and "मुदत संपलेली" in marathi


# -- who sees what ---------------------------------------------------------------------------------------


def test_a_dcp_sees_only_the_stations_of_their_zone(world):
    force = world["force"]
    stations = {r["station_id"] for r in read_csv(get(world, "dcp", "/monitor?format=csv"))}
    assert stations == {s.id for s in force.stations_under("zone-11") if s.active}
    assert "dahisar" not in stations and "colaba" not in stations
    assert get(world, "dcp", "/monitor?unit=zone-12").status_code == 404
    assert get(world, "dcp", "/monitor?unit=hq").status_code == 404
    assert get(world, "dcp", "/monitor?unit=charkop").status_code == 200
    assert get(world, "dcp", "/hq").status_code == 403


def test_an_additional_cp_sees_the_zones_of_their_region(world):
    page = get(world, "addl", "/monitor").text
    assert "Zone 11" in page and "Zone 12" in page and "Zone 1<" not in page
    stations = {r["station_id"] for r in read_csv(get(world, "addl", "/monitor?format=csv"))}
    assert {"charkop", "dahisar"} <= stations and "colaba" not in stations
    assert get(world, "addl", "/monitor?unit=zone-11").status_code == 200
    assert get(world, "addl", "/monitor?unit=zone-1").status_code == 404
    dahisar = {r["station_id"]: r for r in read_csv(get(world, "addl", "/monitor?format=csv"))}["dahisar"]
    assert dahisar["open"] == "1" and dahisar["overdue"] == "1"


def test_headquarters_sees_everything(world):
    rows = {r["station_id"]: r for r in read_csv(get(world, "hq", "/monitor?format=csv"))}
    assert {"charkop", "dahisar", "colaba"} <= set(rows)
    assert rows["_none"]["open"] == "1", "the cases no station was found for are a row of their own"
    total_open = sum(1 for r in world["rows"] if r["status"] in lifecycle.OPEN)
    assert sum(int(r["open"]) for r in rows.values()) == total_open
    assert get(world, "hq", "/monitor?unit=zone-1").status_code == 200


def test_a_desk_officer_sees_their_station_only(world):
    rows = read_csv(get(world, "desk", "/monitor?format=csv"))
    assert [r["station_id"] for r in rows] == ["charkop"]
    assert get(world, "desk", "/monitor?unit=zone-11").status_code == 404
    assert get(world, "desk", "/hq").status_code == 403
    assert get(world, "desk", "/reports/daily.pdf?unit=zone-11").status_code == 404


def test_signing_in_is_needed(world):
    response = world["client"].get("/monitor", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert world["client"].get("/hq", follow_redirects=False).status_code == 303


def test_a_signed_in_dcp_lands_on_the_monitor(world):
    create_user(world["db"], world["force"], "dcp11", role="dcp", unit_id="zone-11", password="correct horse 11")
    client = world["client"]
    response = client.post("/login", data={"username": "dcp11", "password": "correct horse 11", "next": "/home"})
    assert response.status_code == 200 and "Zone 11" in response.text and 'href="/reports' in response.text
    client.cookies.clear()


# -- headquarters ----------------------------------------------------------------------------------------


def test_headquarters_page(world):
    page = get(world, "hq", "/hq")
    assert page.status_code == 200
    html = page.text
    queue = re.search(r'<table class="cases" id="unrouted">(.*?)</table>', html, re.S).group(1)
    assert "TST-26-000011" in queue and "TST-26-000012" not in queue and "TST-26-000001" not in queue
    redirections = re.search(r'id="redirections">(.*?)</table>', html, re.S).group(1)
    bmc = re.search(r'<tr data-agency="bmc">(.*?)</tr>', redirections, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', bmc) == ["1", "1", "1"]
    traffic = re.search(r'<tr data-agency="traffic">(.*?)</tr>', redirections, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', traffic) == ["0", "1", "1"]
    assert re.search(r'<circle class="cluster"[^>]*data-count="2"><title>Malad station', html)
    assert "Incident clusters" in html
    assert html.count('<figure class="chart">') == 2


def test_headquarters_csv_is_the_unrouted_queue(world):
    rows = read_csv(get(world, "hq", "/hq?format=csv"))
    assert [r["reference"] for r in rows] == ["TST-26-000011"]


def test_without_incidents_open_cases_show_by_place(world):
    from sqlalchemy import update

    with world["db"].engine.begin() as conn:
        conn.execute(update(cases).values(incident_id=None))
    html = get(world, "hq", "/hq").text
    assert "Open cases by place" in html and 'class="cluster"' in html


# -- reports ---------------------------------------------------------------------------------------------


def _today(force) -> str:
    return datetime.now(ZoneInfo(force.timezone)).date().isoformat()


@pytest.mark.skipif(not shutil.which("pdftoppm") or not shutil.which("pdftotext"), reason="poppler-utils absent")
def test_daily_report_pdf(world, tmp_path):
    response = get(world, "dcp", f"/reports/daily.pdf?unit=zone-11&date={_today(world['force'])}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "daily.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Zone 11" in text and "Charkop" in text and "Borivali" in text
    assert "TST-26-000005" in text, "the zone's P1 case of the day is listed"
    assert "Dahisar" not in text


def test_daily_report_is_scoped_and_checks_its_date(world):
    assert get(world, "dcp", "/reports/daily.pdf?unit=zone-12").status_code == 404
    assert get(world, "dcp", "/reports/daily.pdf?unit=zone-11&date=yesterday").status_code == 400
    assert get(world, "addl", "/reports/daily.pdf?unit=zone-12").status_code == 200
    assert get(world, "dcp", "/reports").status_code == 200


def test_daily_report_from_the_command_line(world, tmp_path):
    from thana.cli import app

    out = tmp_path / "zone-11.pdf"
    result = CliRunner().invoke(app, ["report", "daily", "--unit", "zone-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = CliRunner().invoke(app, ["report", "daily", "--unit", "zone-99", "--out", str(out)])
    assert result.exit_code != 0


def test_aggregate_picks_the_median_per_dialect(world):
    from sqlalchemy import func, true

    from thana.store.oversight import aggregate, seconds_between

    db = world["db"]
    with db.engine.connect() as conn:
        found = aggregate(
            conn,
            db,
            where=true(),
            keys=[cases.c.station_id],
            counts={"n": func.count()},
            medians={"m": seconds_between(db, cases.c.first_response_at, cases.c.received_at) / 60},
        )
    assert found[("charkop",)] == {"n": 4, "m": pytest.approx(70.0)}
    assert found[("dahisar",)] == {"n": 1, "m": None}
