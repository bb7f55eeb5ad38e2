"""`thana triage`: one message, a JSONL file of them, evaluation against gold labels, and retraining."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from thana.cli import app
from thana.config import reload_settings, settings
from thana.store.db import forget_databases, get_database
from thana.store.labels import officer_labels
from thana.store.schema import triage_labels
from thana.triage import classify, train
from thana.triage import model as model_module
from thana.triage.model import SHIPPED, Classifier, LinearModel, get_model
from thana.triage.taxonomy import CODES

SHIPPED_PATH = Path(str(resources.files("thana.triage") / "models" / SHIPPED))
OUTPUT_KEYS = ["id", "category", "priority", "language", "station", "agency", "confidence", "explanation"]
VERSION_RE = re.compile(r"^lr-\d{8}-[0-9a-f]{8}$")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_current_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test loads the model its own data directory implies; the process's model is restored afterwards."""
    monkeypatch.setattr(model_module, "_current", None)


def run(*args: str):
    return runner.invoke(app, ["triage", *args])


def flat(text: str) -> str:
    """Whitespace collapsed, so Rich's line wrapping does not matter."""
    return " ".join(text.split())


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines))
    return path


# -- one message ---------------------------------------------------------------------------------------------------


def test_one_message_human_output():
    """`thana triage TEXT` prints the category, priority, language, model, station and why."""
    result = run("Someone stole my bike near Ghatkoper stn this morning")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    d = classify("Someone stole my bike near Ghatkoper stn this morning")
    assert out.startswith(f"theft · P3 · language en · confidence {d.confidence:.2f} · model {d.model_version}")
    assert "station: Ghatkopar (found by" in out
    assert "why: - theft, not recent - the words “stole” point to theft (+" in out
    assert "redirect to" not in out
    assert "personal data" not in out


def test_one_message_names_redirect_and_personal_data():
    """A railway message names the railway police it goes to, and the kinds of personal data found."""
    result = run("my wallet was stolen in the Borivali local train yesterday, call me on 9820012345")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith("railway · P3 · language en")
    assert "redirect to: Government Railway Police, Mumbai" in out
    assert "personal data found (masked in public): phone" in out


def test_one_message_without_place_names_no_station():
    """A message naming no place says no station was named."""
    result = run("a man is following me right now, please help")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith("women_safety · P1 ·")
    assert "station: none named" in out
    assert "happening now, or she is afraid right now" in out


def test_one_message_spam_opens_no_case():
    """Spam is printed with 'no case' in place of a priority."""
    result = run("buy crypto now 100x returns")
    assert flat(result.stdout).startswith("spam · no case ·")


def test_one_message_words_are_joined():
    """Several unquoted words are one message."""
    result = run("--json", "Someone", "stole", "my", "bike")
    assert json.loads(result.stdout)["category"] == "theft"


def test_one_message_json():
    """`--json` prints the decision, the station and the explanation as one JSON object."""
    text = "Someone stole my bike near Ghatkoper stn this morning"
    result = run("--json", text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = classify(text)
    assert data == {**expected.as_dict(), "station": "Ghatkopar", "explanation": expected.explanation()}
    assert data["category"] == "theft"
    assert data["priority"] == "P3"
    assert data["model_version"] == get_model().version


def test_one_message_json_spam_priority_null():
    """In JSON, spam has priority null and no station."""
    data = json.loads(run("--json", "buy crypto now 100x returns").stdout)
    assert (data["category"], data["priority"], data["station"]) == ("spam", None, None)


def test_no_message_is_an_error():
    """`thana triage` with nothing to do exits 2 and says how to use it."""
    result = run()
    assert result.exit_code == 2
    assert 'give a message: thana triage "TEXT"' in flat(result.stderr)


def test_text_and_input_together_is_an_error(tmp_path):
    """TEXT and --input together are refused."""
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "x"}])
    result = run("--input", str(path), "some text")
    assert result.exit_code == 2
    assert "give TEXT or --input, not both" in flat(result.stderr)


# -- a file of messages --------------------------------------------------------------------------------------------

INPUT_LINES = [
    {"id": "a", "text": "Chain snatched from my mother near Ghatkoper stn 10 min ago, two men on a black bike"},
    '{"id": "broken",',
    {"id": 42, "text": "buy crypto now 100x returns", "channel": "x"},
    {"text": "Traffic jam at Sion circle, signal not working"},
    {"id": "no-text"},
    "",
    '["a list"]',
    {"id": "c", "text": "my wallet was stolen in the Borivali local train yesterday", "channel": "whatsapp"},
    {"id": "d", "text": "a man is following me right now, please help", "channel": "sms"},
    {"id": "m", "text": "माझा फोन काल रात्री चोरीला गेला"},
    {"id": "n", "text": 12345},
]


@pytest.fixture
def triaged(tmp_path) -> tuple[object, list[dict]]:
    """Run `--input IN --output OUT` on INPUT_LINES: (the CLI result, the output lines parsed)."""
    source = write_jsonl(tmp_path / "in.jsonl", INPUT_LINES)
    target = tmp_path / "out.jsonl"
    result = run("--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    return result, [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_file_one_line_per_valid_input_in_order(triaged):
    """One output line per valid input line, in input order, ids preserved (a line with no id gets its number)."""
    _, rows = triaged
    assert [r["id"] for r in rows] == ["a", 42, 4, "c", "d", "m"]


def test_file_output_has_exactly_the_keys(triaged):
    """Each output line has exactly id, category, priority, language, station, agency, confidence, explanation."""
    _, rows = triaged
    assert all(list(r) == OUTPUT_KEYS for r in rows)


def test_file_output_values(triaged):
    """Category, priority, language, station and agency per line are what the router and classifier say."""
    _, rows = triaged
    got = {r["id"]: (r["category"], r["priority"], r["language"], r["station"], r["agency"]) for r in rows}
    assert got == {
        "a": ("theft", "P2", "en", "Ghatkopar", None),
        42: ("spam", None, "en", None, None),
        4: ("traffic", "P4", "en", "Sion", "traffic"),
        "c": ("railway", "P3", "en", "Borivali", "grp"),
        "d": ("women_safety", "P1", "en", None, None),
        "m": ("theft", "P3", "mr", None, None),
    }


def test_file_output_matches_single_classification(triaged):
    """Each output line agrees with classifying its text alone (confidence to 4 places, same explanation)."""
    _, rows = triaged
    texts = {
        row.get("id", number): row["text"]
        for number, row in enumerate(INPUT_LINES, start=1)
        if isinstance(row, dict) and isinstance(row.get("text"), str)
    }
    assert sorted(map(str, texts)) == sorted(str(r["id"]) for r in rows)
    for row in rows:
        d = classify(texts[row["id"]])
        assert (row["category"], row["priority"]) == (d.category, d.priority)
        assert row["confidence"] == round(d.confidence, 4)
        assert 0.0 <= row["confidence"] <= 1.0
        assert row["explanation"] == d.explanation()


def test_file_keeps_devanagari_readable(tmp_path, triaged):
    """Devanagari in explanations is written as text, not as \\u escapes."""
    _, rows = triaged
    marathi = next(r for r in rows if r["id"] == "m")
    assert "'चोरीला' → theft" in marathi["explanation"]
    assert "\\u" not in (tmp_path / "out.jsonl").read_text(encoding="utf-8")


def test_file_malformed_lines_reported_on_stderr(triaged):
    """Malformed lines are named with their line numbers on stderr and counted; blank lines are ignored."""
    result, _ = triaged
    err = result.stderr.splitlines()
    assert len(err) == 5
    assert re.fullmatch(r".*in\.jsonl:2: skipped: not JSON \(.+\)", err[0])
    assert err[1].endswith('in.jsonl:5: skipped: each line needs an object with a string "text"')
    assert err[2].endswith('in.jsonl:7: skipped: each line needs an object with a string "text"')
    assert err[3].endswith('in.jsonl:11: skipped: each line needs an object with a string "text"')
    assert err[4] == "4 line(s) skipped"
    assert result.stdout == ""


def test_file_to_stdout_without_output(tmp_path):
    """Without --output the decisions go to stdout, one JSON object a line."""
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": "buy crypto now 100x returns"}])
    result = run("--input", str(source))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["category"] == "spam"
    assert json.loads(lines[0])["priority"] is None
    assert result.stderr == ""


def test_file_missing_input_is_an_error(tmp_path):
    """A missing input file exits 2 and says so."""
    result = run("--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2
    assert "does not exist" in flat(result.stderr)


def test_file_larger_than_a_batch(tmp_path, monkeypatch):
    """Input longer than one batch is written completely and in order."""
    from thana.cli import triage as triage_cli

    monkeypatch.setattr(triage_cli, "BATCH", 3)
    lines = [{"id": f"m{i}", "text": t} for i, t in enumerate(["Thank you Mumbai Police", "buy crypto now"] * 4)]
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    target = tmp_path / "out.jsonl"
    assert run("--input", str(source), "--output", str(target)).exit_code == 0
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"m{i}" for i in range(8)]
    assert [r["category"] for r in rows] == ["appreciation", "spam"] * 4


# -- evaluation ----------------------------------------------------------------------------------------------------

GOLD = [
    {"id": "g1", "text": "Traffic jam at Sion circle, signal not working", "category": "traffic", "priority": "P4"},
    {"id": "g2", "text": "Huge jam at Andheri subway, signal not working since morning", "category": "traffic",
     "priority": "P4"},
    {"id": "g3", "text": "Street light not working in our galli for 2 weeks, very dark at night", "category": "civic",
     "priority": "P4"},
    # Gold says civic; the model (rightly) says traffic: a civic miss and a traffic false positive.
    {"id": "g4", "text": "Wrong side driving on JVLR every evening, no one stops them", "category": "civic",
     "priority": "P4"},
    {"id": "g5", "text": "a man is following me right now near Charkop naka, please help", "category": "women_safety",
     "priority": "P1"},
    # A deliberately wrong gold label: the model says spam, so a P1 is missed and a safety violation counted.
    {"id": "g6", "text": "buy crypto now 100x returns", "category": "emergency", "priority": "P1"},
]  # fmt: skip


@pytest.fixture
def gold_file(tmp_path) -> Path:
    return write_jsonl(tmp_path / "gold.jsonl", GOLD)


def test_eval_prints_metrics_and_confusion(gold_file):
    """`thana triage eval` prints per-category scores, macro-F1, P1 recall, safety violations and the confusion."""
    result = run("eval", str(gold_file))
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "gold.jsonl: 6 messages" in out
    assert "│ traffic │ 0.667 │ 1.000 │ 0.800 │ 2 │" in out
    assert "│ civic │ 1.000 │ 0.500 │ 0.667 │ 2 │" in out
    assert "│ emergency │ 0.000 │ 0.000 │ 0.000 │ 1 │" in out
    assert "macro-F1 0.617 · accuracy 0.667 · P1 recall 0.5 · priority accuracy 0.8333" in out
    assert "safety violations (a woman, a child or an emergency read as harmless): 1" in out


def test_eval_confusion_matrix_rows(gold_file):
    """The confusion matrix has a row per gold category present, columns in taxonomy order."""
    lines = run("eval", str(gold_file)).stdout.splitlines()
    start = lines.index("confusion (rows gold, columns predicted):")
    header = lines[start + 1].split()
    assert header == [c[:3] for c in CODES]
    matrix = {}
    for line in lines[start + 2 :]:
        name, *cells = line.split()
        assert len(cells) == len(CODES)
        matrix[name] = {CODES[i][:3]: int(c) for i, c in enumerate(cells) if c != "·"}
    assert matrix == {
        "emergency": {"spa": 1},
        "women_safety": {"wom": 1},
        "traffic": {"tra": 2},
        "civic": {"tra": 1, "civ": 1},
    }


def test_eval_json(gold_file):
    """`eval --json` gives per-category precision, recall and F1, macro-F1, P1 recall, confusion, violations."""
    result = run("eval", str(gold_file), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    per = report["per_category"]
    assert set(per) == set(CODES)
    assert per["traffic"] == {"precision": 0.667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert per["civic"] == {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}
    assert per["women_safety"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per["emergency"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert per["spam"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["n"] == 6
    assert report["macro_f1"] == pytest.approx((0.8 + 0.667 + 1.0 + 0.0) / 4, abs=1e-4)
    assert report["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["p1_recall"] == 0.5
    assert report["confusion"] == {
        "emergency": {"spam": 1},
        "women_safety": {"women_safety": 1},
        "traffic": {"traffic": 2},
        "civic": {"civic": 1, "traffic": 1},
    }
    assert report["safety_violations"] == [{"id": "g6", "gold": "emergency", "predicted": "spam"}]


def test_eval_rejects_unknown_gold_category(tmp_path):
    """A gold line without a taxonomy category stops the evaluation with its line number."""
    path = write_jsonl(tmp_path / "gold.jsonl", [GOLD[0], {"id": "x", "text": "hello", "category": "urgent"}])
    result = run("eval", str(path))
    assert result.exit_code == 2
    assert "gold.jsonl:2: no valid gold category" in flat(result.stderr)


def test_eval_needs_one_file():
    """`thana triage eval` with no file is a usage error."""
    result = run("eval")
    assert result.exit_code == 2
    assert "usage: thana triage eval FILE.jsonl" in flat(result.stderr)


# -- retraining: officers' labels on SQLite and PostgreSQL (a small corpus, fast) -----------------------------------

LABELS = [
    ("Illegal hoarding put up on the footpath outside Shanti Nagar bus depot blocks the way", "civic", "P4"),
    ("the watchman of our society sleeps on duty every night", "other", "P3"),
    ("a man at my office keeps sending me obscene messages for months", "women_safety", "P2"),
]


def _insert_labels(database, rows, repeat: int = 1) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            triage_labels.insert(),
            [
                {
                    "text": text,
                    "category": category,
                    "priority": prio,
                    "was_category": "emergency",
                    "was_priority": "P1",
                    "model_version": "lr-20250101-00000000",
                    "labelled_by": f"psi-{i}",
                }
                for text, category, prio in rows
                for i in range(repeat)
            ],
        )


def test_officer_labels_read_back_as_examples(db):
    """Labels stored in triage_labels are read back, oldest first, as training examples."""
    _insert_labels(db, LABELS)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(triage_labels)).scalar() == 3
    examples = officer_labels()
    assert [(e["text"], e["category"], e["priority"]) for e in examples] == LABELS
    assert all(re.fullmatch(r"label-\d+", e["id"]) for e in examples)


def test_officer_labels_without_table_is_empty(tmp_path):
    """A database without the labels table yet gives no labels rather than failing."""
    assert officer_labels(f"sqlite:///{tmp_path / 'empty.db'}") == []


def test_retrain_includes_officer_labels(db, monkeypatch):
    """`thana triage retrain` hands the corpus plus every officer label to training, reports the count, and makes
    what it trained the active model (fitting is stubbed here; the real fit runs once below)."""
    _insert_labels(db, LABELS)
    corpus = train.training_corpus()[:40]
    seen: list[list[dict]] = []

    def fake_fit(examples, *args, **kwargs):
        seen.append(examples)
        stub = LinearModel.from_lexicon()
        stub.version = "lr-20990101-0badcafe"
        stub.trained_on = {"examples": len(examples), "c": args[0] if args else kwargs.get("c", 1.0)}
        return stub

    monkeypatch.setattr(train, "training_corpus", lambda: corpus)
    monkeypatch.setattr(train, "fit", fake_fit)
    result = run("retrain", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["examples"], summary["officer_labels"]) == (40, 3)
    assert len(seen) == 1
    examples = seen[0]
    assert examples[:40] == corpus
    assert [(e["text"], e["category"], e["priority"]) for e in examples[40:]] == LABELS
    assert summary["version"] == summary["active"] == get_model().version == "lr-20990101-0badcafe"
    models = settings().data_dir / "models"
    assert summary["written_to"] == str(models / "lr-20990101-0badcafe.npz")
    assert (models / "current.npz").read_bytes() == (models / "lr-20990101-0badcafe.npz").read_bytes()
    assert classify("anything at all").model_version == "lr-20990101-0badcafe"


# -- retraining for real (once for the module: about 15 s) -----------------------------------------------------------

RELABELLED = LABELS[0][0]
REPEATS = 6


@dataclass
class Retrained:
    data_dir: Path
    exit_code: int
    output: str
    summary: dict
    active_after: str
    decision_after: object
    shipped_decision: object
    shipped_sha_before: str


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def retrained(tmp_path_factory) -> Retrained:
    """`thana triage retrain --json` on the full corpus plus officers' labels, in a data directory of its own."""
    data_dir = tmp_path_factory.mktemp("retrain") / "thana-data"
    shipped_sha = _sha(SHIPPED_PATH)
    previous = model_module._current
    mp = pytest.MonkeyPatch()
    try:
        for key in list(os.environ):
            if key.startswith("THANA_") and key != "THANA_TEST_POSTGRES_URL":
                mp.delenv(key)
        mp.setenv("THANA_DATA_DIR", str(data_dir))
        reload_settings()
        database = get_database()
        database.migrate()
        _insert_labels(database, LABELS[:1], repeat=REPEATS)
        _insert_labels(database, LABELS[1:])
        shipped_decision = Classifier(LinearModel.load(SHIPPED_PATH)).classify(RELABELLED)
        model_module._current = None
        result = runner.invoke(app, ["triage", "retrain", "--json"])
        summary = json.loads(result.stdout) if result.exit_code == 0 else {}
        active = get_model().version
        decision = classify(RELABELLED)
    finally:
        model_module._current = previous
        forget_databases()
        mp.undo()
        reload_settings()
    return Retrained(
        data_dir, result.exit_code, result.output, summary, active, decision, shipped_decision, shipped_sha
    )


@pytest.fixture
def in_retrained_dir(retrained, monkeypatch) -> Retrained:
    """Point this test's settings at the retrained data directory."""
    monkeypatch.setenv("THANA_DATA_DIR", str(retrained.data_dir))
    reload_settings()
    return retrained


def test_retrain_summary(retrained):
    """Retrain exits 0 and reports the version, the corpus size, the officer labels and where it wrote."""
    assert retrained.exit_code == 0, retrained.output
    s = retrained.summary
    assert VERSION_RE.match(s["version"])
    assert s["examples"] == len(train.training_corpus())
    assert s["officer_labels"] == REPEATS + len(LABELS) - 1
    assert s["c"] == LinearModel.load(retrained.data_dir / "models" / "current.npz").trained_on["c"]
    assert s["written_to"] == str(retrained.data_dir / "models" / f"{s['version']}.npz")
    assert s["active"] == s["version"]


def test_retrain_writes_versioned_model_and_current(retrained):
    """The new model is written as models/<version>.npz and copied to models/current.npz."""
    folder = retrained.data_dir / "models"
    version = retrained.summary["version"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{version}.npz", "current.npz"])
    assert (folder / "current.npz").read_bytes() == (folder / f"{version}.npz").read_bytes()
    loaded = LinearModel.load(folder / "current.npz")
    assert loaded.version == version
    assert loaded.trained_on["examples"] == retrained.summary["examples"] + retrained.summary["officer_labels"]


def test_retrain_version_differs_from_shipped(retrained):
    """Training on officers' labels gives a new version, not the shipped one."""
    assert retrained.summary["version"] != LinearModel.load(SHIPPED_PATH).version


def test_retrain_does_not_touch_shipped_model(retrained):
    """Without --ship, the shipped model file is left exactly as it was."""
    assert _sha(SHIPPED_PATH) == retrained.shipped_sha_before


def test_retrained_model_becomes_active(retrained):
    """Right after retraining, the process's model is the new version."""
    assert retrained.active_after == retrained.summary["version"]
    assert retrained.decision_after.model_version == retrained.summary["version"]


def test_retrained_model_is_loaded_from_data_dir(in_retrained_dir):
    """A process starting later with that data directory loads current.npz: get_model() is the new version."""
    assert model_module.model_path() == in_retrained_dir.data_dir / "models" / "current.npz"
    assert get_model().version == in_retrained_dir.summary["version"]


def test_cli_triage_uses_retrained_model(in_retrained_dir):
    """`thana triage --json` with that data directory decides with the retrained model."""
    data = json.loads(run("--json", RELABELLED).stdout)
    assert data["model_version"] == in_retrained_dir.summary["version"]
    assert (data["category"], data["priority"]) == ("civic", "P4")


def test_retrained_model_follows_repeated_officer_label(retrained):
    """A message the shipped model got wrong, relabelled by officers several times, comes out as they labelled it."""
    assert retrained.shipped_decision.category != "civic"  # the premise: the shipped model disagreed
    assert (retrained.decision_after.category, retrained.decision_after.priority) == ("civic", "P4")


def test_retrained_model_heldout_figures(retrained):
    """The retrained model keeps the floor on the held-out set: macro-F1, P1 recall, no safety violations."""
    held = retrained.summary["heldout"]
    assert held["messages"] == 552
    assert held["macro_f1"] >= 0.78
    assert held["p1_recall"] >= 0.95
    assert held["safety_violations"] == 0
