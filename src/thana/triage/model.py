"""The triage classifier at run time: a linear model over hashed features, plus the safety rules.

A model file (.npz) holds the weights of the non-zero feature buckets, the class order and its
version. The shipped model is built by `thana triage retrain` from the corpus in
thana/triage/corpus; a force's own retrained model (with its officers' corrections) is kept in the
data directory and wins when present. With no model file at all, the lexicon alone decides (the
same interface, lower accuracy): the product still triages rather than failing.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from thana.triage import Decision, Signal, pii, priority
from thana.triage import language as language_detector
from thana.triage.features import BUCKETS, Features, bucket, extract, word_buckets
from thana.triage.taxonomy import CODES, HARMLESS, PRECEDENCE, SAFETY_CRITICAL

SHIPPED = "default.npz"
# A message the model calls harmless goes to the likeliest safety category when these hold.
SAFETY_PROBABILITY = 0.12
RAILWAY_SAFETY_PROBABILITY = 0.3  # a railway message needs more to be read as a safety case
STRONG_SAFETY_CUES = 2
# Categories whose messages can be P1, and how sure the urgency head must be to move a message into one.
P1_CATEGORIES = ("emergency", "child_safety", "women_safety", "missing_person")
URGENT_SWITCH = 0.7


@dataclass
class LinearModel:
    version: str
    classes: list[str]
    weights: np.ndarray  # (BUCKETS, classes) float32
    bias: np.ndarray  # (classes,)
    trained_on: dict
    # The urgency head: how likely the message is P1, whatever its category.
    urgent_weights: np.ndarray | None = None  # (BUCKETS,)
    urgent_bias: float = 0.0
    urgent_threshold: float = 0.5

    @classmethod
    def load(cls, path: Path | str) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            rows, values = data["rows"], data["values"].astype(np.float32)
            weights = np.zeros((BUCKETS, len(meta["classes"])), dtype=np.float32)
            weights[rows] = values
            urgent = None
            if "urgent_rows" in data:
                urgent = np.zeros(BUCKETS, dtype=np.float32)
                urgent[data["urgent_rows"]] = data["urgent_values"].astype(np.float32)
            return cls(
                meta["version"],
                meta["classes"],
                weights,
                data["bias"].astype(np.float32),
                meta,
                urgent,
                float(meta.get("urgent_bias", 0.0)),
                float(meta.get("urgent_threshold", 0.5)),
            )

    def save(self, path: Path) -> None:
        rows = np.flatnonzero(np.abs(self.weights).max(axis=1) > 1e-4)
        meta = {
            **self.trained_on,
            "version": self.version,
            "classes": self.classes,
            "urgent_bias": self.urgent_bias,
            "urgent_threshold": self.urgent_threshold,
        }
        arrays = {"rows": rows.astype(np.int32), "values": self.weights[rows].astype(np.float16), "bias": self.bias}
        if self.urgent_weights is not None:
            urgent_rows = np.flatnonzero(np.abs(self.urgent_weights) > 1e-4)
            arrays |= {
                "urgent_rows": urgent_rows.astype(np.int32),
                "urgent_values": self.urgent_weights[urgent_rows].astype(np.float16),
            }
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def from_lexicon(cls) -> LinearModel:
        """No trained model: each lexicon cue votes for its category."""
        weights = np.zeros((BUCKETS, len(CODES)), dtype=np.float32)
        for i, code in enumerate(CODES):
            weights[bucket("L:" + code), i] = 1.0
        bias = np.zeros(len(CODES), dtype=np.float32)
        bias[CODES.index("other")] = 0.5  # nothing recognised: a police matter for a person to read
        return cls("lexicon-1", list(CODES), weights, bias, {"source": "lexicon only"})

    def __post_init__(self) -> None:
        # The category and urgency weights side by side: one row read gives both.
        urgent = self.urgent_weights if self.urgent_weights is not None else np.zeros(BUCKETS, np.float32)
        both = np.column_stack([self.weights, urgent]).astype(np.float32)
        self._both = np.vstack([both, np.zeros((1, both.shape[1]), dtype=np.float32)])  # row BUCKETS: zeros
        self._words: dict[str, tuple[int, int]] = {}  # word -> (its row in _word_matrix, its feature count)
        self._word_matrix = np.zeros((4096, self._both.shape[1]), dtype=np.float32)

    def _word(self, token: str) -> tuple[int, int]:
        """A word's row of summed weights (unigram and character n-grams) in a small dense cache, and how
        many features it has. Row 0 stays all zeros: every message's segment ends with it, so none is empty.
        """
        entry = self._words.get(token)
        if entry is None:
            if len(self._words) + 1 >= len(self._word_matrix):
                if len(self._words) >= 262_144:  # a bounded cache: start again
                    self._words.clear()
                else:
                    self._word_matrix = np.vstack([self._word_matrix, np.zeros_like(self._word_matrix)])
            features = word_buckets(token)
            entry = self._words[token] = (len(self._words) + 1, len(features))
            self._word_matrix[entry[0]] = self._both[features].sum(axis=0)
        return entry

    def predict_many(self, batch: list[Features]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, list[int]]:
        """For a batch: class probabilities (n, classes), P1 probabilities (n,) or None, every word's
        weights (all words of the batch in order, a zero row after each message) and where each
        message's words start. Numpy is called per batch, not per message or word."""
        word_rows: list[int] = []
        rest_rows: list[int] = []
        word_starts, rest_starts, sizes = [], [], []
        known = self._words
        for feats in batch:
            size = len(feats.cue_buckets) + len(feats.message_buckets)
            word_starts.append(len(word_rows))
            for token in feats.tokens:
                row, count = known.get(token) or self._word(token)
                word_rows.append(row)
                size += count
            sizes.append(size)
            word_rows.append(0)
            rest_starts.append(len(rest_rows))
            rest_rows.extend(feats.cue_buckets + feats.message_buckets)
            rest_rows.append(BUCKETS)  # the zero row at the end of _both
        words = self._word_matrix[word_rows]
        rest = self._both[rest_rows]
        total = np.add.reduceat(words, word_starts, axis=0) + np.add.reduceat(rest, rest_starts, axis=0)
        if self.trained_on.get("feature_scale") == "sqrt":  # as in training: 1/sqrt(number of features)
            total = total / np.sqrt(np.maximum(np.asarray(sizes, dtype=np.float32), 1.0))[:, None]
        logits = total[:, :-1] + self.bias
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        urgency = None
        if self.urgent_weights is not None:
            urgency = 1.0 / (1.0 + np.exp(-(total[:, -1] + self.urgent_bias)))
        return probs, urgency, words, word_starts


class Classifier:
    def __init__(self, model: LinearModel):
        self.model = model
        self.index = {c: i for i, c in enumerate(model.classes)}
        # A trained model's probabilities mean something; the lexicon fallback's are near-uniform votes.
        self.calibrated = not model.version.startswith("lexicon")

    @property
    def version(self) -> str:
        return self.model.version

    def classify(self, text: str, channel: str | None = None, force=None) -> Decision:
        return self.classify_many([text], force=force)[0]

    def classify_many(self, texts: list[str], force=None) -> list[Decision]:
        """Triage a batch of messages (the fast path: numpy works per batch)."""
        batch = [extract(t) for t in texts]
        probs, urgency, words, starts = self.model.predict_many(batch)
        # Plain floats from here on: numpy's per-element access costs more than the arithmetic.
        rows = probs.tolist()
        urgencies = [None] * len(texts) if urgency is None else urgency.tolist()
        out = []
        for i, (text, feats) in enumerate(zip(texts, batch, strict=True)):
            urgent = urgencies[i]
            category, prio, reasons = self._decide(feats, rows[i], urgent)
            k = self.index[category]
            word_weights = words[starts[i] : starts[i] + len(feats.tokens), k].tolist()
            agency = force.agency_for(category, text) if force is not None else None
            confidence = rows[i][k]
            if category == "emergency" and urgent is not None:
                confidence = max(confidence, urgent)  # decided by the urgency head, not the category scores
            out.append(
                Decision(
                    category=category,
                    priority=prio,
                    language=language_detector.detect(text, feats.written),
                    agency=agency.id if agency else None,
                    confidence=confidence,
                    model_version=self.model.version,
                    signals=self._signals(feats, word_weights, category),
                    reasons=tuple(reasons),
                    personal_data=tuple(pii.find(text)),
                )
            )
        return out

    def _decide(self, feats: Features, probs: list[float], urgency: float | None) -> tuple[str, str | None, list[str]]:
        category = self.model.classes[max(range(len(probs)), key=probs.__getitem__)]  # the first of equals
        reasons: list[str] = []
        cue_labels = {label for label, _ in feats.cues}
        category = self._safety_bias(category, probs, feats, reasons)
        category = self._precedence(category, cue_labels, reasons)
        category = self._urgent_category(category, probs, urgency, reasons)
        prio, why = priority.decide(category, cue_labels)
        torn = urgency is not None and urgency >= self.model.urgent_threshold
        if prio in ("P2", "P3") and torn and category in P1_CATEGORIES:
            prio, why = "P1", f"urgency {urgency:.2f}: when torn between P1 and P2, P1"
        reasons.append(why)
        return category, prio, reasons

    def _safety_bias(self, category: str, probs: list[float], feats: Features, reasons: list[str]) -> str:
        """A woman, a child or a life in danger is never read as harmless (TAXONOMY.md), nor as a railway
        matter: on a train they stay women's, children's or emergency cases."""
        if category not in HARMLESS and category != "railway":
            return category
        safety = {c: probs[self.index[c]] for c in SAFETY_CRITICAL if c in self.index}
        cue_counts = {c: sum(1 for label, _ in feats.cues if label == c) for c in SAFETY_CRITICAL}
        best = max(safety, key=lambda c: (safety[c] + 0.1 * cue_counts[c], -PRECEDENCE[c]))
        if any(label == "DANGER" for label, _ in feats.cues):
            best = "emergency"  # harm to a body: whoever it is, an emergency
        threshold = SAFETY_PROBABILITY if category != "railway" else RAILWAY_SAFETY_PROBABILITY
        labels = [label for label, _ in feats.cues]
        if self.calibrated:
            sure = sum(safety.values()) >= threshold
        else:  # the lexicon fallback's scores are near-uniform votes: only its cues say anything
            sure = cue_counts[best] >= 1 or "PLEA" in labels or "DANGER" in labels
        if sure or cue_counts[best] >= STRONG_SAFETY_CUES:
            reasons.append(f"safety rule: read as {best}, not {category} (p={sum(safety.values()):.2f})")
            return best
        plea = "PLEA" in labels or "DANGER" in labels
        if plea and category not in ("appreciation", "railway") and labels.count("spam") < 2:
            reasons.append(f"safety rule: a call for help is an emergency, not {category}")
            return "emergency"
        return category

    @staticmethod
    def _precedence(category: str, cues: set[str], reasons: list[str]) -> str:
        """TAXONOMY.md: when two categories fit, the higher one wins. The cues say when a second one fits."""
        rules = (
            ("DANGER", lambda c: c not in P1_CATEGORIES, "emergency", "harm to a body now"),
            (
                "MINOR",
                lambda c: c in ("missing_person", "women_safety", "senior_citizen", "other", "railway"),
                "child_safety",
                "the person is under 18",
            ),
            ("MISSING", lambda c: c == "senior_citizen", "missing_person", "an elderly person has gone missing"),
        )
        for cue, applies, better, why in rules:
            if cue in cues and applies(category):
                reasons.append(f"precedence: {why}, so {better} rather than {category}")
                return better
        return category

    def _urgent_category(self, category: str, probs: list[float], urgency: float | None, reasons: list[str]) -> str:
        """A message that reads as urgent belongs to a category that can be P1."""
        if urgency is None or category in P1_CATEGORIES or urgency < URGENT_SWITCH:
            return category
        best = max(P1_CATEGORIES, key=lambda c: probs[self.index[c]])
        reasons.append(f"urgency {urgency:.2f}: read as {best}, not {category}")
        return best

    def _signals(self, feats: Features, word_weights: list[float], category: str, top: int = 6) -> tuple[Signal, ...]:
        """The words and cues that pushed hardest towards the chosen category."""
        k = self.index[category]
        contrib: dict[str, float] = {}
        for written, weight in zip(feats.written, word_weights, strict=True):
            if weight > 0:
                contrib[written] = contrib.get(written, 0.0) + weight
        if feats.cues:
            cue_weights = self.model.weights[feats.cue_buckets, k].tolist()
            for (_, written), weight in zip(feats.cues, cue_weights, strict=True):
                contrib[written] = contrib.get(written, 0.0) + weight
        best = sorted(((w, s) for s, w in contrib.items() if w > 0), reverse=True)[:top]
        return tuple(Signal(s, category, w) for w, s in best)


_lock = threading.Lock()
_current: Classifier | None = None


def model_path() -> Path | None:
    """The force's retrained model in the data directory, else the shipped one, else None."""
    from thana.config import settings

    local = settings().data_dir / "models" / "current.npz"
    if local.is_file():
        return local
    shipped = resources.files("thana.triage") / "models" / SHIPPED
    return Path(str(shipped)) if shipped.is_file() else None


def get_model() -> Classifier:
    global _current
    with _lock:
        if _current is None:
            path = model_path()
            _current = Classifier(LinearModel.load(path) if path else LinearModel.from_lexicon())
        return _current


def reload_model() -> Classifier:
    global _current
    with _lock:
        _current = None
    return get_model()
