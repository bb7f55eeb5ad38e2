"""How good the triage is: per-category precision, recall, F1, macro-F1, P1 recall, confusion, safety."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from thana.triage.taxonomy import CODES, HARMLESS, SAFETY_CRITICAL


@dataclass
class Report:
    n: int
    per_category: dict[str, dict]
    macro_f1: float
    accuracy: float
    p1_recall: float | None
    priority_accuracy: float | None
    confusion: dict[str, dict[str, int]]
    safety_violations: list[dict]  # safety-critical messages read as spam, appreciation or information

    def as_dict(self) -> dict:
        return self.__dict__


def evaluate(gold: list[dict], predicted: list[dict]) -> Report:
    """gold/predicted: aligned lists of {"id", "category", "priority"}."""
    confusion: dict[str, Counter] = {c: Counter() for c in CODES}
    for g, p in zip(gold, predicted, strict=True):
        confusion.setdefault(g["category"], Counter())[p["category"]] += 1
    per = {}
    for c in CODES:
        tp = confusion.get(c, Counter())[c]
        fp = sum(confusion[g][c] for g in confusion if g != c)
        fn = sum(confusion.get(c, Counter()).values()) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[c] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": tp + fn}
    present = [c for c in CODES if per[c]["support"]]
    macro = sum(per[c]["f1"] for c in present) / len(present) if present else 0.0
    correct = sum(g["category"] == p["category"] for g, p in zip(gold, predicted, strict=True))
    p1 = [(g, p) for g, p in zip(gold, predicted, strict=True) if g.get("priority") == "P1"]
    with_prio = [(g, p) for g, p in zip(gold, predicted, strict=True) if "priority" in g]
    violations = [
        {"id": g.get("id"), "gold": g["category"], "predicted": p["category"]}
        for g, p in zip(gold, predicted, strict=True)
        if g["category"] in SAFETY_CRITICAL and p["category"] in HARMLESS
    ]
    return Report(
        n=len(gold),
        per_category=per,
        macro_f1=round(macro, 4),
        accuracy=round(correct / len(gold), 4) if gold else 0.0,
        p1_recall=round(sum(p.get("priority") == "P1" for _, p in p1) / len(p1), 4) if p1 else None,
        priority_accuracy=(
            round(sum(g["priority"] == p.get("priority") for g, p in with_prio) / len(with_prio), 4)
            if with_prio
            else None
        ),
        confusion={g: dict(cnt) for g, cnt in confusion.items() if cnt},
        safety_violations=violations,
    )
