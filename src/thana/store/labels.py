"""Officers' corrections of triage, read back as training examples for `thana triage retrain`."""

from __future__ import annotations

from sqlalchemy import inspect, select

from thana.store.db import get_database
from thana.store.schema import triage_labels


def officer_labels(url: str | None = None) -> list[dict]:
    """Every correction, newest last; none when the database has no labels table yet."""
    db = get_database(url)
    if not inspect(db.engine).has_table("triage_labels"):
        return []
    with db.engine.connect() as conn:
        rows = conn.execute(select(triage_labels).order_by(triage_labels.c.id)).mappings().all()
    return [
        {"id": f"label-{r['id']}", "text": r["text"], "category": r["category"], "priority": r["priority"]}
        for r in rows
    ]
