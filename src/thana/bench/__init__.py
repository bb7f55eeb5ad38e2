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


def rate(fn: Callable[[], int], min_seconds: float = 1.0, trials: int = 5) -> float:
    """Operations per second of `fn` (which returns how many operations it did).

    The best of several trials, as timeit does: on a shared machine interference only ever slows a
    trial down, so the fastest one is the truest measure of the code.
    """
    best = 0.0
    for _ in range(trials):
        done, start = 0, time.perf_counter()
        while True:
            done += fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / trials:
                break
        best = max(best, done / elapsed)
    return best
