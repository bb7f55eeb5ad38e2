"""`thana bench locate`: point lookups (one at a time and in batches) and free-text resolutions."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import shapely

from thana.bench import pin_to_one_core, rate
from thana.force.locate import Locator
from thana.force.model import Force


def sample_points(force: Force, n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """n random points inside the force's jurisdictions (where citizens are)."""
    area = shapely.union_all(list(force.jurisdictions.values()))
    minx, miny, maxx, maxy = area.bounds
    rng = np.random.default_rng(seed)
    lons, lats = np.empty(0), np.empty(0)
    while len(lons) < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        keep = shapely.intersects_xy(area, x, y)
        lons, lats = np.concatenate([lons, x[keep]]), np.concatenate([lats, y[keep]])
    return lons[:n], lats[:n]


def sample_texts(force: Force, n: int = 2000) -> list[str]:
    """Realistic messages: the shipped triage corpus when present, else sentences around place names."""
    texts: list[str] = []
    corpus = resources.files("thana.triage") / "corpus"
    if corpus.is_dir():
        for f in sorted(corpus.iterdir()):
            if f.name.endswith(".jsonl"):
                texts += [
                    json.loads(line)["text"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()
                ]
    if not texts:
        names = [p.name for p in force.places] or [u.name for u in force.stations()]
        texts = [f"chain snatching near {name} station, please help" for name in names]
    return (texts * (n // max(1, len(texts)) + 1))[:n] if len(texts) < n else texts


def run(force: Force, seconds: float = 2.0) -> dict:
    core = pin_to_one_core()
    locator = Locator(force)
    lons, lats = sample_points(force, 200_000)
    k = {"i": 0}

    def single() -> int:
        i = k["i"]
        for j in range(i, i + 10_000):
            locator.index.locate(lons[j % len(lons)], lats[j % len(lats)])
        k["i"] = (i + 10_000) % len(lons)
        return 10_000

    def batch() -> int:
        locator.index.locate_many(lons, lats)
        return len(lons)

    texts = sample_texts(force)

    def text() -> int:
        for t in texts:
            locator.text(t)
        return len(texts)

    text()  # warm the caches of spellings seen, as a running service has them
    resolved = sum(1 for t in texts if locator.text(t).station_id) / len(texts)
    return {
        "force": force.id,
        "jurisdictions": len(force.jurisdictions),
        "places": len(force.places),
        "cpu_core": core,
        "index": locator.index.stats(),
        "point_lookups_per_s_single": round(rate(single, seconds)),
        "point_lookups_per_s_batch": round(rate(batch, seconds)),
        "free_text_resolutions_per_s": round(rate(text, seconds)),
        "free_text_sample": len(texts),
        "free_text_share_with_station": round(resolved, 3),
    }
