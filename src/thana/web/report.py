"""The public 'Report to the police' form and the citizen's private follow page (to be written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
