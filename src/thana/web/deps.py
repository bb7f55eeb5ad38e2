"""Shared pieces of the web layer: the force and its locator, the page language."""

from __future__ import annotations

from fastapi import Request

from thana.config import settings
from thana.force.locate import Locator, locator_for
from thana.force.model import Force
from thana.packages import get_force
from thana.web.i18n import pick_language


def current_force() -> Force:
    return get_force(settings().force)


def current_locator() -> Locator:
    return locator_for(current_force(), settings().nearest_max_km)


def page_language(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language")
    )
