"""The intake commands: `thana ingest` (in process, via Typer), `thana serve` and `thana demo` (subprocesses).

serve and demo run on the embedded SQLite database in the test's data directory, on a free port, and
are stopped with SIGTERM at the end of the test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from thana.cli import app
from thana.store.db import Database

THANA = Path(sys.executable).with_name("thana")
REFERENCE_RE = re.compile(r"^MUM-\d{2}-\d{6}$")


def lines_file(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def line(external_id: str, text_: str, **extra) -> str:
    return json.dumps(
        {"channel": "web", "external_id": external_id, "sender": f"citizen-{external_id}", "text": text_} | extra
    )


def said(result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def query(db_or_url: Database | str, sql: str) -> list:
    if isinstance(db_or_url, Database):
        with db_or_url.engine.connect() as conn:
            return conn.execute(text(sql)).all()
    engine = create_engine(db_or_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], object], timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the server or the database not up yet
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then a clean exit within 30 s (uvicorn re-raises the signal after its graceful shutdown)."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) in (0, -signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen, Path]]]:
    """start(*args, cwd=…, env=…) runs `thana <args>`, output to a log file; stopped with SIGTERM afterwards."""
    started: list[subprocess.Popen] = []

    def start(*args: str, cwd: Path, env: dict) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{args[0]}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(THANA), *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(proc)
        return proc, log

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


THEFT = "my bike was stolen from outside my building near Powai lake last night"
WOMEN = "a man has been following me from the station to my building every evening and sends obscene messages"
HINDI_NOISE = "हमारी सोसाइटी के बाहर रोज़ रात दो बजे तक तेज़ लाउडस्पीकर बजता है, अंधेरी पूर्व"


# -- thana ingest ----------------------------------------------------------------------------------------


def test_ingest_with_process_counts_stored_duplicates_rejected_and_makes_cases(db, tmp_path):
    """3 new lines, 1 redelivery, 1 broken line: 'stored 3, already there 1, rejected 1', 3 cases, 3 acks."""
    feed = lines_file(
        tmp_path / "feed.jsonl",
        line("a", THEFT),
        line("b", WOMEN),
        line("a", THEFT),
        "{this is not json",
        line("c", HINDI_NOISE),
    )
    result = CliRunner().invoke(app, ["ingest", str(feed), "--process"])
    assert result.exit_code == 0, result.output
    assert "stored 3, already there 1, rejected 1 (kept with the reason for administrators)" in said(result)
    assert "processed 3 message(s) into cases" in said(result)
    assert query(db, "SELECT external_id, status, outcome FROM inbound_messages ORDER BY external_id") == [
        ("a", "processed", "new_case"),
        ("b", "processed", "new_case"),
        ("c", "processed", "new_case"),
    ]
    refs = [r[0] for r in query(db, "SELECT reference FROM cases ORDER BY id")]
    assert len(refs) == 3 and all(REFERENCE_RE.match(r) for r in refs)
    assert query(db, "SELECT count(*), count(DISTINCT case_id) FROM outbox WHERE kind = 'ack'") == [(3, 3)]
    assert query(db, "SELECT channel, reason FROM unparsed_payloads") == [
        ("file", "feed.jsonl:4: not JSON: Expecting property name enclosed in double quotes at column 2")
    ]
    assert query(db, "SELECT DISTINCT processed_by FROM inbound_messages") == [("ingest",)]

    again = CliRunner().invoke(app, ["ingest", str(feed), "--process"])
    assert again.exit_code == 0, again.output
    assert "stored 0, already there 4, rejected 1" in said(again)
    assert "processed 0 message(s) into cases" in said(again)
    assert query(db, "SELECT count(*) FROM cases") == [(3,)]
    assert query(db, "SELECT count(*) FROM outbox") == [(3,)]


def test_ingest_without_process_only_stores(db, tmp_path):
    """Without --process the messages wait, pending, for a worker."""
    feed = lines_file(tmp_path / "feed.jsonl", line("a", THEFT), line("b", WOMEN))
    result = CliRunner().invoke(app, ["ingest", str(feed)])
    assert result.exit_code == 0, result.output
    assert "stored 2, already there 0, rejected 0" in said(result)
    assert "processed" not in said(result)
    assert query(db, "SELECT status, count(*) FROM inbound_messages GROUP BY status") == [("pending", 2)]
    assert query(db, "SELECT count(*) FROM cases") == [(0,)]


def test_ingest_of_a_missing_file_fails_with_a_message(db, tmp_path):
    """A path that does not exist: exit code 2 and the path named."""
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "nope.jsonl does not exist" in said(result)


def test_ingest_keeps_a_line_with_a_lone_surrogate_and_stores_the_rest(db, tmp_path):
    """A lone UTF-16 surrogate in one line: both lines are stored, the surrogate replaced (nothing else lost)."""
    feed = lines_file(
        tmp_path / "feed.jsonl", line("good", THEFT), '{"channel": "web", "external_id": "bad", "text": "x \\ud800"}'
    )
    result = CliRunner().invoke(app, ["ingest", str(feed)])
    assert result.exit_code == 0, result.output
    assert sorted(query(db, "SELECT external_id FROM inbound_messages")) == [("bad",), ("good",)]
    assert query(db, "SELECT text FROM inbound_messages WHERE external_id = 'bad'") == [("x \ufffd",)]


def test_ingest_keeps_a_line_with_a_nul_character_and_stores_the_rest(db, tmp_path, request):
    """A NUL character in one text: every line is stored or kept with its reason, and the command succeeds."""
    feed = lines_file(tmp_path / "feed.jsonl", line("good", THEFT), line("nul", "stolen \u0000 bike"))
    result = CliRunner().invoke(app, ["ingest", str(feed)])
    assert result.exit_code == 0, result.output
    stored = {r[0] for r in query(db, "SELECT external_id FROM inbound_messages")}
    kept = query(db, "SELECT count(*) FROM unparsed_payloads")[0][0]
    assert "good" in stored
    assert len(stored) + kept == 2


# -- thana serve -----------------------------------------------------------------------------------------


def test_serve_answers_the_api_and_its_worker_turns_an_ingested_message_into_a_case(tmp_path, server, mumbai):
    """`thana serve` on SQLite: /api/v1/stations answers; `thana ingest` (no --process) becomes a case."""
    data = tmp_path / "serve-data"
    env = dict(os.environ, THANA_DATA_DIR=str(data), PYTHONUNBUFFERED="1")
    env.pop("THANA_DATABASE_URL", None)
    port = free_port()
    proc, log = server("serve", "--port", str(port), cwd=tmp_path, env=env)
    base = f"http://127.0.0.1:{port}"

    response = wait_until(lambda: httpx.get(f"{base}/api/v1/stations", timeout=2), 60, "the API to answer")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(mumbai.stations()) == len(body["items"])
    assert body["force"]["id"] == "mumbai"
    assert {s["id"] for s in body["items"]} == {u.id for u in mumbai.stations()}
    assert "with an in-process worker" in " ".join(log.read_text().split())

    feed = lines_file(tmp_path / "one.jsonl", line("serve-1", THEFT))
    ingest = subprocess.run([str(THANA), "ingest", str(feed)], env=env, capture_output=True, text=True, timeout=60)
    assert ingest.returncode == 0, ingest.stderr
    assert "stored 1, already there 0, rejected 0" in " ".join(ingest.stdout.split())

    url = f"sqlite:///{data / 'thana.db'}"
    processed = wait_until(
        lambda: query(
            url, "SELECT status, outcome, processed_by, case_id FROM inbound_messages WHERE status <> 'pending'"
        ),
        30,
        "the in-process worker to process the message",
    )
    assert [row[:3] for row in processed] == [("processed", "new_case", "web-embedded")]
    [(reference, station, routed_by)] = query(url, "SELECT reference, station_id, routed_by FROM cases")
    assert REFERENCE_RE.match(reference)
    assert (station, routed_by) == ("powai", "place")
    [(body_text,)] = query(url, "SELECT body FROM outbox WHERE kind = 'ack'")
    assert reference in body_text and "Powai Police Station" in body_text

    stop(proc)
    final = log.read_text()
    assert "worker web-embedded stopped after 1 messages" in final  # the lifespan stopped the worker cleanly
    assert "Traceback" not in final


# -- thana demo ------------------------------------------------------------------------------------------


def test_demo_queues_sample_messages_marked_as_such_and_cases_appear(tmp_path, server):
    """`thana demo --port P --messages 30`: 30 sample messages queued, marked 'Sample data', become cases."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("THANA_DATA_DIR", None)  # the demo keeps its data in ./thana-data
    env.pop("THANA_DATABASE_URL", None)
    port = free_port()
    proc, log = server("demo", "--port", str(port), "--messages", "30", cwd=tmp_path, env=env)

    wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/api/v1/stations", timeout=2).status_code == 200, 60, "API")
    output = " ".join(log.read_text().split())
    assert "Thana demo: 30 sample messages queued" in output
    assert f"Open http://127.0.0.1:{port}/" in output

    url = f"sqlite:///{tmp_path / 'thana-data' / 'thana.db'}"
    wait_until(
        lambda: query(url, "SELECT count(*) FROM inbound_messages WHERE status = 'pending'") == [(0,)],
        60,
        "the demo's worker to process every sample message",
    )
    inbound_rows = query(url, "SELECT sender, sender_name, external_id, status, outcome FROM inbound_messages")
    assert len(inbound_rows) == 30
    assert {r[1] for r in inbound_rows} == {"Sample data"}
    assert all(r[0].startswith("sample:") and r[2].startswith("sample-") for r in inbound_rows)
    assert {r[3] for r in inbound_rows} == {"processed"}
    new_cases = sum(1 for r in inbound_rows if r[4] == "new_case")
    [(n_cases, n_sample_citizens)] = query(url, "SELECT count(*), sum(citizen LIKE 'sample:%') FROM cases")
    assert n_cases == new_cases == n_sample_citizens > 0
    assert query(url, "SELECT count(*) FROM outbox WHERE kind = 'ack'") == [(n_cases,)]

    stop(proc)
    assert "Traceback" not in log.read_text()
