"""`thana bench triage`: messages classified per second on one core, one at a time and in batches."""

from __future__ import annotations

from thana.bench import pin_to_one_core, rate
from thana.triage.model import get_model
from thana.triage.train import heldout_corpus, training_corpus


def run(seconds: float = 3.0) -> dict:
    core = pin_to_one_core()
    clf = get_model()
    texts = [r["text"] for r in training_corpus() + heldout_corpus()]
    clf.classify_many(texts)  # warm the word caches, as a running service has them

    def single() -> int:
        for t in texts:
            clf.classify(t)
        return len(texts)

    def batched() -> int:
        for i in range(0, len(texts), 256):
            clf.classify_many(texts[i : i + 256])
        return len(texts)

    return {
        "model_version": clf.version,
        "messages": len(texts),
        "cpu_core": core,
        "messages_per_s_single": round(rate(single, seconds)),
        "messages_per_s_batch_256": round(rate(batched, seconds)),
    }
