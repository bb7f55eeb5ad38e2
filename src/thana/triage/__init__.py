"""Triage: what a message is (category), how urgent (priority), who handles it, what in it is personal.

`classify(text)` is the one entry point the pipeline, the CLI and the API use; the model behind it
can change (its version is recorded on every case).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence behind a decision, for the officer to read."""

    text: str  # the words or feature, as found in the message
    category: str
    weight: float


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str  # phone, email, aadhaar, pan, vehicle, upi, account, card, address, name


@dataclass(frozen=True, slots=True)
class Decision:
    category: str
    priority: str | None
    language: str  # en, hi, mr, hi-Latn, mr-Latn
    agency: str | None
    confidence: float
    model_version: str
    signals: tuple[Signal, ...] = ()
    reasons: tuple[str, ...] = ()  # rules that applied, in words
    personal_data: tuple[Span, ...] = field(default=())

    @property
    def reply_language(self) -> str:
        """The language to answer in: Devanagari Hindi or Marathi as written, else English."""
        return self.language if self.language in ("hi", "mr") else "en"

    def explanation(self) -> str:
        parts = [f"{s.text!r} → {s.category}" for s in self.signals[:5]]
        return "; ".join([*self.reasons, *parts]) or "no strong signal"

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "priority": self.priority,
            "language": self.language,
            "agency": self.agency,
            "confidence": round(self.confidence, 3),
            "model_version": self.model_version,
            "signals": [{"text": s.text, "category": s.category, "weight": round(s.weight, 3)} for s in self.signals],
            "reasons": list(self.reasons),
            "personal_data": [{"start": p.start, "end": p.end, "kind": p.kind} for p in self.personal_data],
        }


def classify(text: str, channel: str | None = None, force=None) -> Decision:
    """Triage one message. With the force, the decision names the agency a redirect goes to."""
    from thana.triage.model import get_model

    return get_model().classify(text, channel, force)
