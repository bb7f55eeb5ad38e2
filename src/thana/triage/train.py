"""Build the triage model from the shipped corpus and the force's own officers' corrections.

Training uses scikit-learn (multinomial logistic regression, classes balanced for macro-F1); the
result is exported to the small run-time format of thana.triage.model, so classifying never needs
scikit-learn. The held-out file is never trained on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np

from thana.triage.features import BUCKETS, extract
from thana.triage.model import LinearModel
from thana.triage.taxonomy import CODES

HELDOUT = "heldout.jsonl"


def corpus_files() -> list[Path]:
    folder = resources.files("thana.triage") / "corpus"
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".jsonl"))


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ValueError(f'{path}:{number}: each line needs an object with a "text"')
        rows.append(row)
    return rows


def training_corpus() -> list[dict]:
    return [row for f in corpus_files() if f.name != HELDOUT for row in read_jsonl(f)]


def heldout_corpus() -> list[dict]:
    return [row for f in corpus_files() if f.name == HELDOUT for row in read_jsonl(f)]


def matrix(texts: Iterable[str]):
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for text in texts:
        indices.extend(extract(text).indices)
        indptr.append(len(indices))
    # Each message's features are scaled by 1/sqrt(their number), as the classifier does at run time:
    # without it a long message outvotes the intercept and a short one ("phone stolen") falls to spam.
    counts = np.diff(indptr)
    scale = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts).astype(np.float32)
    m = csr_matrix((scale, np.array(indices, dtype=np.int64), np.array(indptr)), shape=(len(indptr) - 1, BUCKETS))
    m.sum_duplicates()
    return m


def _used_columns(x):
    """Fit only the buckets that occur (a tenth of them): the same model, several times faster."""
    used = np.unique(x.indices)
    return x[:, used], used


def _logistic(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)


def fit(
    examples: list[dict], c: float = 32.0, urgent_c: float = 4.0, urgent_threshold: float | None = None
) -> LinearModel:
    """The category head (17 classes) and the urgency head (P1 or not) from labelled examples."""
    rows = [e for e in examples if e.get("category") in CODES]
    x, used = _used_columns(matrix(e["text"] for e in rows))
    y = [e["category"] for e in rows]
    clf = _logistic(x, y, c)
    classes = [str(k) for k in clf.classes_]
    weights = np.zeros((BUCKETS, len(classes)), dtype=np.float32)
    weights[used] = clf.coef_.T
    urgent = np.array([e.get("priority") == "P1" for e in rows])
    head = _logistic(x, urgent, urgent_c)
    urgent_weights = np.zeros(BUCKETS, dtype=np.float32)
    urgent_weights[used] = head.coef_[0]
    if urgent_threshold is None:
        urgent_threshold = choose_urgent_threshold(x, urgent, urgent_c)
    digest = hashlib.sha256(weights.tobytes() + urgent_weights.tobytes()).hexdigest()[:8]
    version = f"lr-{datetime.now(UTC):%Y%m%d}-{digest}"
    counts = {k: y.count(k) for k in classes}
    return LinearModel(
        version,
        classes,
        weights,
        clf.intercept_.astype(np.float32),
        {
            "examples": len(rows),
            "per_category": counts,
            "c": c,
            "urgent_c": urgent_c,
            "feature_scale": "sqrt",
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        urgent_weights=urgent_weights,
        urgent_bias=float(head.intercept_[0]),
        urgent_threshold=urgent_threshold,
    )


def choose_urgent_threshold(x, urgent: np.ndarray, c: float, target_recall: float = 0.97) -> float:
    """The highest P1 threshold that still finds target_recall of P1 messages, out of fold."""
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(urgent))
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=7).split(x, urgent):
        scores[test_idx] = _logistic(x[train_idx], urgent[train_idx], c).predict_proba(x[test_idx])[:, 1]
    positives = np.sort(scores[urgent])
    cut = positives[int((1 - target_recall) * len(positives))] if len(positives) else 0.5
    return float(min(0.5, cut))


def choose_c(examples: list[dict], candidates=(1.0, 2.0, 4.0, 8.0, 16.0), folds: int = 5) -> tuple[float, dict]:
    """Pick the regularisation by cross-validated macro-F1 on the training corpus only."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    rows = [e for e in examples if e.get("category") in CODES]
    x, _ = _used_columns(matrix(e["text"] for e in rows))
    y = np.array([e["category"] for e in rows])
    scores = {}
    for c in candidates:
        fold_scores = []
        for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=7).split(x, y):
            clf = _logistic(x[train_idx], y[train_idx], c)
            fold_scores.append(f1_score(y[test_idx], clf.predict(x[test_idx]), average="macro"))
        scores[c] = float(np.mean(fold_scores))
    return max(scores, key=scores.get), scores
