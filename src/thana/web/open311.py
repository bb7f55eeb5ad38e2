"""Open311 GeoReport v2 at /open311/v2/ (to be written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/open311/v2", tags=["open311"])
