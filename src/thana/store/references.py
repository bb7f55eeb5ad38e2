"""Case reference numbers people can read and say on the phone: MUM-26-004821.

A per-year counter hands out numbers. On PostgreSQL each worker takes blocks of numbers in a short
transaction of its own, so no worker holds the counter's lock while it writes a batch of cases; a
crash loses the rest of a block (references may skip numbers, never repeat). SQLite has a single
writer, so numbers are taken inside the batch's own transaction: a rollback returns them.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from thana.store.db import Database
from thana.store.schema import reference_counters

BLOCK = 500  # a batch takes up to 200: a block lasts a worker a few batches, not one


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:06d}"


def _reserve(conn: Connection, prefix: str, year: int, n: int) -> int | None:
    """Move the counter on by n; the first number reserved, or None when the counter does not exist."""
    key = (reference_counters.c.prefix == prefix) & (reference_counters.c.year == year)
    row = conn.execute(
        update(reference_counters)
        .where(key)
        .values(next_value=reference_counters.c.next_value + n)
        .returning(reference_counters.c.next_value)
    ).first()
    return None if row is None else int(row[0]) - n


class ReferenceAllocator:
    def __init__(self, db: Database, prefix: str, block: int = BLOCK):
        self.db, self.prefix, self.block = db, prefix, block
        self._blocks: dict[int, tuple[int, int]] = {}  # year -> (next, end), PostgreSQL only
        self._lock = threading.Lock()

    def take(self, conn: Connection, years: list[int]) -> list[str]:
        """One new reference for each entry of `years`, in order."""
        need = Counter(years)
        first = {year: self._take(conn, year, n) for year, n in need.items()}
        out = []
        for year in years:
            number = first[year]
            first[year] += 1
            out.append(format_reference(self.prefix, year, number))
        return out

    def _take(self, conn: Connection, year: int, n: int) -> int:
        if not self.db.is_postgres:
            return self._reserve_or_create(conn, year, n)
        with self._lock:
            nxt, end = self._blocks.get(year, (0, 0))
            if end - nxt < n:
                with self.db.engine.begin() as own:  # a transaction of its own: the lock is held briefly
                    nxt = self._reserve_or_create(own, year, max(n, self.block))
                end = nxt + max(n, self.block)
            self._blocks[year] = (nxt + n, end)
            return nxt

    def _reserve_or_create(self, conn: Connection, year: int, n: int) -> int:
        first = _reserve(conn, self.prefix, year, n)
        if first is not None:
            return first
        try:
            with conn.begin_nested():
                conn.execute(reference_counters.insert().values(prefix=self.prefix, year=year, next_value=1 + n))
            return 1
        except IntegrityError:  # created by another worker in the meantime
            first = _reserve(conn, self.prefix, year, n)
            if first is None:
                raise
            return first
