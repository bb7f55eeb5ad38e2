"""The demo's sample stream: realistic messages (the triage corpus) replayed across the city.

Every message is marked as sample data (sender "sample:…", name "Sample data"), external ids are
stable (so running the demo twice adds nothing twice), and times spread over the last two days.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

from thana.channels import IncomingMessage
from thana.force.model import Force
from thana.triage.train import heldout_corpus, training_corpus

HANDLE_RE = re.compile(r"@\w+")


def sample_stream(force: Force, count: int = 400, seed: int = 26, now: datetime | None = None) -> list[IncomingMessage]:
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    corpus = training_corpus() + heldout_corpus()
    rng.shuffle(corpus)
    stations = [u for u in force.stations() if u.id in force.jurisdictions]
    messages = []
    for i, row in enumerate(corpus[:count]):
        channel = row.get("channel") if row.get("channel") in ("x", "whatsapp", "sms", "web") else "web"
        handle = next((h for h in HANDLE_RE.findall(row["text"]) if h.lower() in _handles(force)), None)
        lat = lon = None
        if channel == "whatsapp" and not row.get("place") and rng.random() < 0.5:
            station = rng.choice(stations)
            point = force.jurisdictions[station.id].representative_point()
            lat, lon = round(point.y, 6), round(point.x, 6)
        messages.append(
            IncomingMessage(
                channel=channel,
                external_id=f"sample-{row['id']}",
                text=row["text"],
                sender=f"sample:{i:04d}",
                sender_name="Sample data",
                kind="post" if channel == "x" else "message",
                lat=lat,
                lon=lon,
                addressed_to=handle,
                thread_id=f"sample-thread-{i:04d}",
                raw=None,
                received_at=now - timedelta(minutes=rng.randint(1, 48 * 60)),
            )
        )
    return sorted(messages, key=lambda m: m.received_at)


def _handles(force: Force) -> set[str]:
    return {"@" + h for h in force.units_by_handle}
