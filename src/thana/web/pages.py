"""Public pages: find your police station, the list of stations, and a page per station."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from thana.config import settings
from thana.force.locate import FindResult, Locator
from thana.force.model import CHANNEL_KINDS, Force
from thana.outreach import posters
from thana.web.deps import current_force, current_locator, page_language
from thana.web.i18n import LANGUAGES, t
from thana.web.svg import frame_for, path_d

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def local_time(value: str | datetime | None, seconds: bool = False) -> str:
    """A stored UTC time as the force's wall clock reads it (officers in Mumbai think in IST)."""
    if not value:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(current_force().timezone)).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


templates.env.filters["local"] = local_time
router = APIRouter(include_in_schema=False)
MAX_QUERY = 200


def render(request: Request, name: str, lang: str, status_code: int = 200, **context) -> HTMLResponse:
    context.update(lang=lang, languages=LANGUAGES, t=lambda key, **kw: t(lang, key, **kw))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def channel_links(force: Force, unit_id: str) -> list[dict]:
    """Each published channel with the link a phone can act on; expected ones missing as not published."""
    out = []
    for ch in force.channels_of(unit_id):
        digits = re.sub(r"[^\d+]", "", ch.address)
        links = []
        if ch.channel == "x":
            links.append(("open_x", f"https://x.com/{ch.address.lstrip('@')}"))
        elif ch.channel in ("phone", "women_helpline", "whatsapp", "sms"):
            links.append(("call", f"tel:{digits}"))
            if ch.channel in ("whatsapp", "women_helpline") and len(digits.lstrip("+")) >= 10:
                wa = force.normalise_number(ch.address)
                links.append(("chat_whatsapp", f"https://wa.me/{wa}"))
        elif ch.channel == "email":
            links.append(("ch_email", f"mailto:{ch.address}"))
        elif ch.channel in ("web", "facebook"):
            links.append(("ch_web", ch.address))
        out.append({"kind": ch.channel, "address": ch.address, "links": links, "source": ch.source})
    for kind, address in force.channel_summary(unit_id).items():
        if address is None:
            out.append({"kind": kind, "address": None, "links": [], "source": ""})
    order = {k: i for i, k in enumerate(("x", "women_helpline", "whatsapp", "phone", *CHANNEL_KINDS))}
    return sorted(out, key=lambda c: order.get(c["kind"], 99))


def station_map(force: Force, unit_id: str, width: int = 360) -> dict | None:
    """SVG paths of the station's area and its neighbours, framed around the station."""
    geom = force.jurisdictions.get(unit_id)
    if geom is None:
        return None
    around = geom.buffer(max(0.01, 0.6 * max(geom.bounds[2] - geom.bounds[0], geom.bounds[3] - geom.bounds[1])))
    frame = frame_for([around.intersection(shapely.union_all(list(force.jurisdictions.values())))], width)
    neighbours = [
        {"id": uid, "name": force.units[uid].name, "d": path_d(g.intersection(around), frame)}
        for uid, g in force.jurisdictions.items()
        if uid != unit_id and g.intersects(around)
    ]
    unit = force.units[unit_id]
    marker = frame.xy(unit.lon, unit.lat) if unit.lat is not None else None
    return {"view_box": frame.view_box, "self": path_d(geom, frame), "neighbours": neighbours, "marker": marker}


def describe(result: FindResult, lang: str) -> str:
    m = result.match
    if result.resolved_by == "handle":
        return t(lang, "found_by_handle", text=m.text)
    if result.resolved_by == "station_name":
        return t(lang, "found_by_station_name", text=m.text)
    if result.resolved_by == "place":
        place = result.place.names.get(lang) or result.place.name
        text = t(lang, "found_by_place", place=place)
        if m and m.text.casefold() != result.place.name.casefold():
            text += " " + t(lang, "you_wrote", text=m.text)
        return text
    return t(lang, f"found_by_{result.resolved_by}") if result.resolved_by else ""


@router.get("/", response_class=HTMLResponse)
def find_page(
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    locator: Annotated[Locator, Depends(current_locator)],
    lang: Annotated[str, Depends(page_language)],
    q: Annotated[str | None, Query()] = None,
    lat: Annotated[float | None, Query()] = None,
    lon: Annotated[float | None, Query()] = None,
) -> HTMLResponse:
    result, error = None, None
    if q is not None and len(q) > MAX_QUERY:
        error = t(lang, "query_too_long")
    elif lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        result = locator.at(lat, lon)
    elif q and q.strip():
        result = locator.text(q.strip())
    context = {"force": force, "q": q or "", "result": result, "error": error}
    if result is not None:
        context["how"] = describe(result, lang)
        if result.station_id:
            context["station"] = force.units[result.station_id]
            context["hierarchy"] = force.hierarchy_names(result.station_id, lang)
            context["channels"] = channel_links(force, result.station_id)
        context["alternatives"] = _alternatives(force, locator, result)
    return render(request, "find.html", lang, **context)


def _alternatives(force: Force, locator: Locator, result: FindResult) -> list[dict]:
    seen, out = {result.station_id}, []
    for m in result.alternatives[:6]:
        alt = locator._from_match(str(result.query), m)
        if alt.station_id and alt.station_id not in seen:
            seen.add(alt.station_id)
            out.append({"text": m.text, "station": force.units[alt.station_id]})
    return out[:3]


@router.get("/stations", response_class=HTMLResponse)
def stations_page(
    request: Request, force: Annotated[Force, Depends(current_force)], lang: Annotated[str, Depends(page_language)]
) -> HTMLResponse:
    groups = []
    for zone in force.units_of_kind("zone"):
        stations = [s for s in force.stations_under(zone.id) if s.kind == "station"]
        if stations:
            region = force.ancestor_of_kind(zone.id, "region")
            groups.append({"zone": zone, "region": region, "stations": stations})
    others = [s for s in force.stations(include_inactive=True) if s.kind != "station"]
    return render(
        request, "stations.html", lang, force=force, groups=groups, others=others, count=len(force.stations())
    )


@router.get("/stations/{station_id}", response_class=HTMLResponse)
def station_page(
    station_id: str,
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    lang: Annotated[str, Depends(page_language)],
) -> HTMLResponse:
    unit = force.units.get(station_id)
    if unit is None or not unit.is_station:
        return render(request, "error.html", lang, status_code=404, message=t(lang, "page_not_found"), force=force)
    return render(
        request,
        "station.html",
        lang,
        force=force,
        station=unit,
        hierarchy=force.hierarchy_names(station_id, lang),
        channels=channel_links(force, station_id),
        map=station_map(force, station_id),
    )


_PDF_CACHE: dict[tuple, bytes] = {}


@router.get("/stations/{station_id}/poster.pdf")
@router.get("/stations/{station_id}/card.pdf")
def station_poster(
    station_id: str,
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    lang: Annotated[str, Depends(page_language)],
) -> Response:
    """The station's women's-safety poster (A4) or card (A6), built once and kept."""
    unit = force.units.get(station_id)
    if unit is None or not unit.is_station:
        return render(request, "error.html", lang, status_code=404, message=t(lang, "page_not_found"), force=force)
    kind = "card" if request.url.path.endswith("/card.pdf") else "poster"
    base_url = settings().base_url
    key = (id(force), force.id, force.version, station_id, kind, base_url)
    data = _PDF_CACHE.get(key)
    if data is None:
        data = posters.BUILDERS[kind](force, station_id, base_url)
        if len(_PDF_CACHE) >= 128:
            _PDF_CACHE.pop(next(iter(_PDF_CACHE)), None)
        _PDF_CACHE[key] = data
    disposition = f'attachment; filename="{posters.file_name(station_id, kind)}"'
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": disposition})
