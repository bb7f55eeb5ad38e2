"""`thana triage`: classify a message or a file of them, evaluate, and retrain the model."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from thana.cli.common import ForceOption, console, fail, load_force, print_json
from thana.config import settings
from thana.force.locate import locator_for
from thana.triage.taxonomy import CODES

HELP = """Triage messages. Three forms:

  thana triage "TEXT"                               the decision for one message, and why
  thana triage --input IN.jsonl --output OUT.jsonl  one line out per line in ({"id", "text", "channel"?})
  thana triage eval FILE.jsonl                      precision, recall, F1, P1 recall, confusion (gold labels)
  thana triage retrain [--ship]                     rebuild the model from the corpus and officers' corrections
"""

BATCH = 512


def register(app: typer.Typer) -> None:
    app.command("triage", help=HELP, context_settings={"allow_interspersed_args": True})(triage)


def triage(
    args: Annotated[list[str] | None, typer.Argument(help="TEXT, or eval FILE, or retrain")] = None,
    input: Annotated[Path | None, typer.Option("--input", help="JSONL file of messages")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="JSONL file to write decisions to")] = None,
    force: ForceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ship: Annotated[bool, typer.Option("--ship", help="retrain: write the shipped model (maintainers)")] = False,
    choose_c: Annotated[bool, typer.Option("--choose-c", help="retrain: pick regularisation by 5-fold CV")] = False,
) -> None:
    args = args or []
    if args[:1] == ["eval"]:
        if len(args) != 2:
            fail("usage: thana triage eval FILE.jsonl")
        evaluate_file(Path(args[1]), force, as_json)
    elif args[:1] == ["retrain"]:
        retrain(ship, choose_c, as_json)
    elif input is not None:
        if args:
            fail("give TEXT or --input, not both")
        triage_file(input, output, force)
    elif args:
        one(" ".join(args), force, as_json)
    else:
        fail('give a message: thana triage "TEXT" (or --input FILE, or eval FILE, or retrain)')


def _station_name(locator, text: str) -> str | None:
    found = locator.text(text)
    return locator.force.units[found.station_id].name if found.station_id else None


def one(text: str, force_name: str | None, as_json: bool) -> None:
    from thana.triage import classify

    f = load_force(force_name)
    decision = classify(text, force=f)
    found = locator_for(f, settings().nearest_max_km).text(text)
    station = f.units[found.station_id].name if found.station_id else None
    if as_json:
        print_json({**decision.as_dict(), "station": station, "explanation": decision.explanation()})
        return
    prio = decision.priority or "no case"
    console.print(
        f"[bold]{decision.category}[/] · {prio} · language {decision.language} · "
        f"confidence {decision.confidence:.2f} · model {decision.model_version}"
    )
    console.print(f"station: {station or 'none named'}" + (f" (found by {found.resolved_by})" if station else ""))
    if decision.agency:
        agency = f.agency(decision.agency)
        console.print(f"redirect to: {agency.name if agency else decision.agency}")
    console.print("why:")
    for reason in decision.reasons:
        console.print(f"  - {reason}")
    for s in decision.signals:
        console.print(f"  - the words “{s.text}” point to {s.category} ({s.weight:+.2f})")
    if decision.personal_data:
        kinds = ", ".join(sorted({p.kind for p in decision.personal_data}))
        console.print(f"personal data found (masked in public): {kinds}")


def _read_lines(path: Path):
    if not path.is_file():
        fail(f"{path} does not exist")
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"not JSON ({exc.msg})"
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                yield number, None, 'each line needs an object with a string "text"'
                continue
            yield number, row, None


def triage_file(path: Path, output: Path | None, force_name: str | None) -> None:
    from thana.triage.model import get_model

    f = load_force(force_name)
    locator = locator_for(f, settings().nearest_max_km)
    clf = get_model()
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    problems = 0
    batch: list[tuple[int, dict]] = []

    def flush() -> None:
        decisions = clf.classify_many([row["text"] for _, row in batch], force=f)
        for (number, row), d in zip(batch, decisions, strict=True):
            out.write(
                json.dumps(
                    {
                        "id": row.get("id", number),
                        "category": d.category,
                        "priority": d.priority,
                        "language": d.language,
                        "station": _station_name(locator, row["text"]),
                        "agency": d.agency,
                        "confidence": round(d.confidence, 4),
                        "explanation": d.explanation(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        batch.clear()

    try:
        for number, row, problem in _read_lines(path):
            if problem:
                problems += 1
                typer.echo(f"{path}:{number}: skipped: {problem}", err=True)
                continue
            batch.append((number, row))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    finally:
        if output:
            out.close()
    if problems:
        typer.echo(f"{problems} line(s) skipped", err=True)


def evaluate_file(path: Path, force_name: str | None, as_json: bool) -> None:
    from thana.triage.evaluate import evaluate
    from thana.triage.model import get_model

    f = load_force(force_name)
    gold = []
    for number, row, problem in _read_lines(path):
        if problem or row.get("category") not in CODES:
            fail(f"{path}:{number}: {problem or 'no valid gold category'}")
        gold.append(row)
    decisions = get_model().classify_many([g["text"] for g in gold], force=f)
    report = evaluate(gold, [{"category": d.category, "priority": d.priority} for d in decisions])
    if as_json:
        print_json(report.as_dict())
        return
    table = Table("category", "precision", "recall", "F1", "support", title=f"{path.name}: {report.n} messages")
    for code, m in report.per_category.items():
        if m["support"] or m["precision"]:
            table.add_row(code, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    console.print(table)
    console.print(
        f"macro-F1 {report.macro_f1:.3f} · accuracy {report.accuracy:.3f} · "
        f"P1 recall {report.p1_recall if report.p1_recall is not None else '–'} · "
        f"priority accuracy {report.priority_accuracy if report.priority_accuracy is not None else '–'}"
    )
    console.print(
        f"safety violations (a woman, a child or an emergency read as harmless): {len(report.safety_violations)}"
    )
    _print_confusion(report.confusion)


def _print_confusion(confusion: dict[str, dict[str, int]]) -> None:
    """Rows are the gold category, columns what was predicted, each by its first three letters."""
    short = [c[:3] for c in CODES]
    typer.echo("confusion (rows gold, columns predicted):")
    typer.echo(" " * 15 + " ".join(f"{s:>3}" for s in short))
    for gold in CODES:
        row = confusion.get(gold, {})
        if row:
            cells = " ".join(f"{row.get(p, 0) or '·':>3}" for p in CODES)
            typer.echo(f"{gold:<15}{cells}")


def retrain(ship: bool, choose_c: bool, as_json: bool) -> None:
    from thana.store.labels import officer_labels
    from thana.triage import train
    from thana.triage.model import SHIPPED, reload_model

    examples = train.training_corpus()
    labels = officer_labels()
    c, scores = train.choose_c(examples + labels) if choose_c else (None, {})
    model = train.fit(examples + labels, c) if c else train.fit(examples + labels)
    c = model.trained_on["c"]
    if ship:
        target = Path(train.__file__).parent / "models" / SHIPPED
        target.parent.mkdir(exist_ok=True)
        model.save(target)
    else:
        folder = settings().data_dir / "models"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{model.version}.npz"
        model.save(target)
        shutil.copyfile(target, folder / "current.npz")
    clf = reload_model()
    held = train.heldout_corpus()
    summary = {
        "version": model.version,
        "examples": len(examples),
        "officer_labels": len(labels),
        "c": c,
        "cv_macro_f1": scores,
        "written_to": str(target),
        "active": clf.version,
    }
    if held:
        from thana.triage.evaluate import evaluate

        ds = clf.classify_many([h["text"] for h in held])
        rep = evaluate(held, [{"category": d.category, "priority": d.priority} for d in ds])
        summary["heldout"] = {
            "messages": rep.n,
            "macro_f1": rep.macro_f1,
            "p1_recall": rep.p1_recall,
            "safety_violations": len(rep.safety_violations),
        }
    if as_json:
        print_json(summary)
    else:
        for key, value in summary.items():
            console.print(f"{key}: {value}")
