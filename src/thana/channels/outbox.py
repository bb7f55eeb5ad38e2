"""The outbox sender: delivers queued replies on their channels, with retries, never twice.

1. Claim due rows and mark them 'sending' in a committed transaction of their own (FOR UPDATE
   SKIP LOCKED on PostgreSQL: senders in several workers never take the same row).
2. Send, then record 'sent' with the service's id (or 'pending' again with a later time, or 'failed').
3. A row left in 'sending' by a process that died between 2's send and record is reconciled: the
   sender asks the service whether it went out (X: our recent replies; SMS: the gateway's
   reference makes resending safe; WhatsApp: only a status webhook can tell) and otherwise marks
   it 'uncertain' for a person to decide. Nothing is ever sent a second time on a guess.
Messages of channels with no outbound side (web form, Open311, file) are 'shown' on the tracking page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from thana.channels.senders import Failed, Outgoing, RetryLater, Uncertain, WindowClosed
from thana.store.db import Database
from thana.store.schema import cases, outbox, utcnow

log = logging.getLogger("thana.outbox")
NO_OUTBOUND = frozenset({"web", "open311", "file"})
STUCK_AFTER = timedelta(minutes=2)


class OutboxSender:
    def __init__(self, db: Database, senders: dict, *, max_attempts: int = 8, clock: Callable[[], datetime] = utcnow):
        self.db, self.senders, self.max_attempts, self.clock = db, senders, max_attempts, clock

    def run_once(self, limit: int = 50) -> int:
        """Reconcile stuck rows, then claim and send due ones; the number of rows handled."""
        handled = self.reconcile_stuck() + self._requeue_window_closed()
        for row in self._claim(limit):
            self._deliver(row)
            handled += 1
        return handled

    # -- claiming ------------------------------------------------------------------------------------

    def _claim(self, limit: int) -> list[dict]:
        now = self.clock()
        channels = [*self.senders, *NO_OUTBOUND]
        stmt = (
            select(outbox)
            .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now, outbox.c.channel.in_(channels))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        if self.db.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        with self.db.engine.begin() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
            if rows:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([r["id"] for r in rows]))
                    .values(status="sending", attempts=outbox.c.attempts + 1, last_attempt_at=now)
                )
        return rows

    # -- sending -------------------------------------------------------------------------------------

    def _deliver(self, row: dict) -> None:
        if row["provider_id"]:
            # a status webhook already told us it went out (after an error we retried): do not send again
            self._finish_sent(row["id"], row["provider_id"])
            return
        if row["channel"] in NO_OUTBOUND:
            self._finish(row["id"], status="shown", sent_at=self.clock())
            return
        sender = self.senders[row["channel"]]
        out = Outgoing.from_row(row)
        try:
            provider_id = sender.send(out, row["attempts"])
        except WindowClosed as exc:
            self._requeue_as_template(row, sender, str(exc))
        except RetryLater as exc:
            self._retry(row, exc.at, str(exc))
        except Uncertain as exc:
            self._finish(row["id"], status="uncertain", last_error=str(exc))
        except Failed as exc:
            self._finish(row["id"], status="failed", last_error=str(exc))
        except Exception as exc:
            log.exception("sending outbox %s failed", row["id"])
            self._retry(row, self.clock() + timedelta(minutes=1), f"{type(exc).__name__}: {exc}")
        else:
            self._finish_sent(row["id"], provider_id)

    def _finish_sent(self, outbox_id: int, provider_id: str) -> None:
        """Record the send; a status webhook that arrived first (delivered, window closed) is kept."""
        now = self.clock()
        with self.db.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id, outbox.c.status == "sending")
                .values(status="sent", provider_id=provider_id, sent_at=now, last_error=None)
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id, outbox.c.provider_id.is_(None))
                .values(provider_id=provider_id, sent_at=now)
            )

    def _retry(self, row: dict, at: datetime, error: str) -> None:
        if row["attempts"] + 1 >= self.max_attempts:  # the claim has just counted this attempt
            self._finish(
                row["id"], status="failed", last_error=f"gave up after {row['attempts'] + 1} attempts: {error}"
            )
        else:
            self._finish(row["id"], status="pending", next_attempt_at=at, last_error=error)
            if row["channel"] == "x" and "Too Many Requests" in error:
                self._hold_channel("x", at)  # one limit for the account: hold every X reply, not only this one

    def _hold_channel(self, channel: str, until: datetime) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.channel == channel, outbox.c.status == "pending", outbox.c.next_attempt_at < until)
                .values(next_attempt_at=until)
            )

    def _requeue_as_template(self, row: dict, sender, error: str) -> None:
        with self.db.engine.connect() as conn:
            reference = conn.execute(select(cases.c.reference).where(cases.c.id == row["case_id"])).scalar()
        template = sender.template_for(Outgoing.from_row(row), reference)
        self._finish(
            row["id"],
            status="pending",
            template=template,
            provider_id=None,  # the refused message's id: the template is a new send
            next_attempt_at=self.clock(),
            last_error=f"outside the 24-hour window, resent as a template: {error}",
        )

    def _requeue_window_closed(self) -> int:
        sender = self.senders.get("whatsapp")
        if sender is None:
            return 0
        with self.db.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(outbox).where(outbox.c.status == "window_closed")).mappings()]
        for row in rows:
            self._requeue_as_template(row, sender, row["last_error"] or "131047")
        return len(rows)

    def _finish(self, outbox_id: int, **values) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))

    # -- recovery ------------------------------------------------------------------------------------

    def reconcile_stuck(self) -> int:
        cutoff = self.clock() - STUCK_AFTER
        with self.db.engine.connect() as conn:
            stuck = [
                dict(r)
                for r in conn.execute(
                    select(outbox).where(
                        outbox.c.status == "sending",
                        or_(outbox.c.last_attempt_at < cutoff, outbox.c.last_attempt_at.is_(None)),
                    )
                ).mappings()
            ]
        for row in stuck:
            sender = self.senders.get(row["channel"])
            if sender is None:
                continue
            try:
                found = sender.reconcile(Outgoing.from_row(row))
            except Uncertain as exc:
                self._finish(row["id"], status="uncertain", last_error=str(exc))
                continue
            except (RetryLater, Failed) as exc:
                log.warning("could not reconcile outbox %s: %s", row["id"], exc)
                continue
            if found:
                self._finish(row["id"], status="sent", provider_id=found, sent_at=self.clock())
            else:
                self._finish(row["id"], status="pending", next_attempt_at=self.clock())
        return len(stuck)


def apply_status(db: Database, status) -> bool:
    """A delivery status from WhatsApp: update our message (found by its id, or by our key)."""
    values: dict = {}
    if status.status == "delivered":
        values["delivered_at"] = status.at
    elif status.status == "read":
        values["read_at"] = status.at
    elif status.status == "failed":
        # 131047: more than 24 hours since the citizen wrote; the sender resends it as a template.
        failed = "window_closed" if status.error_code == 131047 else "failed"
        values |= {"status": failed, "last_error": f"{status.error_code}: {status.error_title}"}
    if status.status in ("sent", "delivered", "read"):
        values["status"] = "delivered" if status.status != "sent" else "sent"
    match = outbox.c.provider_id == status.provider_id
    if status.tracker:
        match = or_(match, outbox.c.idempotency_key == status.tracker)
    with db.engine.begin() as conn:
        row = conn.execute(select(outbox.c.id, outbox.c.status, outbox.c.template).where(match)).first()
        if row is None:
            return False
        if row.status in ("sending", "uncertain", "pending") and status.status != "failed":
            values["provider_id"] = status.provider_id  # the send we could not record did go out
        if row.status == "delivered" and values.get("status") == "sent":
            values.pop("status")  # statuses can arrive out of order: never step back
        if values.get("status") == "window_closed" and row.template is not None:
            values.pop("status")  # the template already went (a redelivered 131047): never send it again
        conn.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
    return True
