"""Benchmarks behind `thana bench`: each measures one fast path and returns its figures as a dict."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def pin_to_one_core() -> int | None:
    """Run on a single CPU so that figures mean 'per core'; returns the core, or None if not possible."""
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return core
    except (AttributeError, OSError):
        return None


def rate(fn: Callable[[], int], min_seconds: float = 1.0) -> float:
    """Operations per second of `fn` (which returns how many operations it did), repeated >= min_seconds."""
    done, start = 0, time.perf_counter()
    while True:
        done += fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed
