"""Logging for the processes: one format, and personal data masked in every line written.

Thana's own log calls carry ids, not message text; but a database error quotes the values it refused and
an exception may quote its input, so the whole formatted line (traceback included) is masked on the way
out: phone numbers, e-mail addresses, Aadhaar and PAN numbers, vehicle numbers become their kind.
"""

from __future__ import annotations

import logging

from thana.triage import pii

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return pii.mask(super().format(record))


def configure(level: str) -> None:
    """Log to stderr at `level` through the masking formatter (replacing any earlier set-up)."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
