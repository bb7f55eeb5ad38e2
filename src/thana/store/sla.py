"""The service-level sweeper: every overdue case rises exactly one step, once per breach.

Run from `thana worker` between batches. On PostgreSQL, cases are claimed with SKIP LOCKED so
several workers never escalate the same case twice; each escalation is one transaction (the case,
its event, a notification to the unit it rises to).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from thana.cases import lifecycle, service_levels
from thana.force.model import Force
from thana.store.db import Database
from thana.store.schema import case_events, cases, notifications, utcnow


class Sweeper:
    def __init__(self, db: Database, force: Force, clock: Callable[[], datetime] = utcnow, batch: int = 200):
        self.db, self.force, self.clock, self.batch = db, force, clock, batch

    def run_once(self) -> int:
        now = self.clock()
        stmt = (
            select(cases)
            .where(cases.c.escalate_at.is_not(None), cases.c.escalate_at <= now, cases.c.status.in_(lifecycle.OPEN))
            .order_by(cases.c.escalate_at)
            .limit(self.batch)
        )
        if self.db.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        escalated = 0
        with self.db.engine.begin() as conn:
            for row in conn.execute(stmt).mappings().all():
                escalated += self._escalate(conn, dict(row), now)
        return escalated

    def _escalate(self, conn, row: dict, now: datetime) -> int:
        which = service_levels.breach(row, now)
        step = service_levels.next_step(self.force, row) if which else None
        if step is None:
            # no breach (a clock stopped meanwhile) or nobody above: look again only if a clock still runs
            conn.execute(
                update(cases)
                .where(cases.c.id == row["id"])
                .values(escalate_at=None if which else service_levels.next_check(row))
            )
            return 0
        values = {
            "escalation_level": step.level,
            "escalated_to": step.unit_id,
            "escalate_at": now + service_levels.window(self.force, row, which),
            "updated_at": now,
        }
        conn.execute(update(cases).where(cases.c.id == row["id"]).values(**values))
        unit = self.force.units[step.unit_id]
        conn.execute(
            case_events.insert().values(
                case_id=row["id"],
                at=now,
                actor="system:sla",
                kind="escalated",
                before={"escalation_level": row["escalation_level"], "escalated_to": row["escalated_to"]},
                after={"escalation_level": step.level, "escalated_to": step.unit_id},
                detail={"breach": which, "to": step.label, "unit": unit.name},
            )
        )
        deadline = "acknowledgement" if which == "acknowledge" else "first action"
        conn.execute(
            notifications.insert().values(
                unit_id=step.unit_id,
                case_id=row["id"],
                kind="escalation",
                created_at=now,
                text=f"{row['reference']} ({row['priority']}, {row['category']}) missed its {deadline} deadline: "
                f"escalated to {step.label}, {unit.name}",
            )
        )
        return 1
