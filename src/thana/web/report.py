"""The public 'Report to the police' form and the citizen's private follow page.

GET/POST /report needs no login. The citizen writes what happened (5..4000 characters) and says where:
a place by text, a point on the map of the force's station areas (an <input type="image">, so a click
works without JavaScript; report.js only refines it), or the browser's location. A photo is optional:
JPEG, PNG or WebP recognised by its first bytes, at most settings().media_max_bytes, kept under
data_dir/media with a random name. Name, phone and e-mail are optional and never shown again.

The form carries a signed double-submit token (a cookie and a hidden field; itsdangerous when installed,
else HMAC with a secret made once and kept in data_dir) and each address may send a few reports in ten
minutes. A report is stored as an IncomingMessage on the 'web' channel; the confirmation waits a moment
for the worker to open the case so it can give the reference at once.

GET /track/{token} is the citizen's private follow page: status, category, station, dates and the
public updates of the case. It never shows the sender, phone, e-mail or name, and the citizen's own
text only through thana.triage.pii.mask.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from thana.cases import CLOSED_STATUSES
from thana.channels import IncomingMessage
from thana.config import settings
from thana.force.locate import Locator
from thana.force.model import Force
from thana.store.db import Database, get_database
from thana.store.inbound import save_incoming
from thana.store.schema import cases, inbound, outbox
from thana.triage import pii
from thana.web.deps import current_force, current_locator, page_language
from thana.web.i18n import CATALOGUE, t
from thana.web.pages import render
from thana.web.svg import Frame, frame_for, path_d

try:  # signed tokens: itsdangerous when the environment has it, else the HMAC below
    from itsdangerous import BadSignature, URLSafeTimedSerializer
except ImportError:  # pragma: no cover - depends on the environment
    URLSafeTimedSerializer = None
    BadSignature = Exception

router = APIRouter(include_in_schema=False)

TEXT_MIN, TEXT_MAX = 5, 4000
PLACE_MAX, NAME_MAX, EMAIL_MAX = 200, 100, 200
CASE_WAIT_SECONDS = 3.0  # how long the confirmation waits for the worker to open the case
POLL_SECONDS = 0.15
RATE_LIMIT, RATE_WINDOW = 10, 600.0  # reports per address per window (seconds)
CSRF_COOKIE, CSRF_FIELD = "thana_csrf", "csrf_token"
CSRF_MAX_AGE = 12 * 3600
SECRET_FILE = "web-secret.key"
MEDIA_DIR = "media"
FORM_OVERHEAD = 256 * 1024  # the text fields of a multipart form, on top of the photo
MAP_WIDTH = 320
PUBLIC_UPDATE_CHANNELS = ("web", "open311")
PUBLIC_UPDATE_KINDS = ("ack", "reply")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PLACE_MARK = "📍 "  # the place line put before the citizen's text, so routing and officers see it
MAP_LABELS = (
    "Colaba",
    "Churchgate",
    "Worli",
    "Dadar",
    "Bandra",
    "Kurla",
    "Chembur",
    "Ghatkopar",
    "Andheri",
    "Powai",
    "Goregaon",
    "Mulund",
    "Malad",
    "Borivali",
    "Dahisar",
)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


# -- the secret and CSRF tokens ------------------------------------------------------------------------

_secret_lock = threading.Lock()
_secrets: dict[Path, bytes] = {}


def web_secret() -> bytes:
    """The installation's secret for signing, made once and kept in data_dir (mode 0600)."""
    path = (settings().data_dir / SECRET_FILE).resolve()
    with _secret_lock:
        cached = _secrets.get(path)
        if cached is not None:
            return cached
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = _read_secret(path)
        else:
            secret = secrets.token_bytes(32)
            with os.fdopen(fd, "w") as fh:
                fh.write(secret.hex())
        _secrets[path] = secret
        return secret


def _read_secret(path: Path) -> bytes:
    for _ in range(50):  # another process may have created the file a moment ago and still be writing
        text = path.read_text().strip()
        if len(text) >= 64:
            return bytes.fromhex(text)
        time.sleep(0.02)
    raise RuntimeError(f"{path} does not hold a secret; delete it and it is made again")


class CsrfTokens:
    """Signed, timed tokens for the double-submit check: the cookie and the hidden field must be equal and valid."""

    SALT = "thana.report.csrf"

    def __init__(self, secret: bytes, max_age: int = CSRF_MAX_AGE, clock=time.time):
        self.secret, self.max_age, self.clock = secret, max_age, clock
        self._serializer = URLSafeTimedSerializer(secret, salt=self.SALT) if URLSafeTimedSerializer else None

    def new(self) -> str:
        nonce = secrets.token_urlsafe(18)
        if self._serializer is not None:
            return self._serializer.dumps(nonce)
        payload = f"{nonce}.{int(self.clock())}"
        return f"{payload}.{self._sign(payload)}"

    def valid(self, token: str | None) -> bool:
        if not token or len(token) > 200:
            return False
        if self._serializer is not None:
            try:
                self._serializer.loads(token, max_age=self.max_age)
                return True
            except BadSignature:
                return False
        payload, _, signature = token.rpartition(".")
        _, _, issued = payload.rpartition(".")
        if not payload or not issued.isdigit() or not hmac.compare_digest(signature, self._sign(payload)):
            return False
        return 0 <= self.clock() - int(issued) <= self.max_age

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.secret, f"{self.SALT}|{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_tokens() -> CsrfTokens:
    return CsrfTokens(web_secret())


def csrf_ok(request: Request, form: FormData) -> bool:
    cookie, field_ = request.cookies.get(CSRF_COOKIE), form.get(CSRF_FIELD)
    if not cookie or not isinstance(field_, str) or not hmac.compare_digest(cookie, field_):
        return False
    return csrf_tokens().valid(cookie)


# -- flood protection ----------------------------------------------------------------------------------


class RateLimiter:
    """At most `limit` events per key in `window` seconds, in memory (one process)."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW, max_keys: int = 50_000, clock=None):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.clock = clock or time.monotonic
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def allowed(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self.clock())) < self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            if key not in self._hits and len(self._hits) >= self.max_keys:
                for old in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                    del self._hits[old]
                if len(self._hits) >= self.max_keys:  # still full: forget the oldest address
                    del self._hits[next(iter(self._hits))]
            self._hits.setdefault(key, deque()).append(now)

    def retry_after(self, key: str) -> int:
        with self._lock:
            hits = self._recent(key, self.clock())
            return max(1, math.ceil(self.window - (self.clock() - hits[0]))) if hits else 0


_limiter_lock = threading.Lock()


def report_limiter(request: Request) -> RateLimiter:
    """One limiter per application (kept on app.state)."""
    limiter = getattr(request.app.state, "report_limiter", None)
    if limiter is None:
        with _limiter_lock:
            limiter = getattr(request.app.state, "report_limiter", None)
            if limiter is None:
                limiter = request.app.state.report_limiter = RateLimiter()
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- photos --------------------------------------------------------------------------------------------


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a JPEG, PNG or WebP file from its first bytes; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def store_media(content: bytes, extension: str) -> str:
    """Keep a file under data_dir/media with a random name; its path relative to data_dir."""
    folder = settings().data_dir / MEDIA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    with open(folder / name, "xb") as fh:
        fh.write(content)
    return f"{MEDIA_DIR}/{name}"


def forget_media(relative: str) -> None:
    with contextlib.suppress(OSError):
        (settings().data_dir / relative).unlink()


# -- request bodies of bounded size --------------------------------------------------------------------


class BodyTooLarge(Exception):
    pass


async def read_form(request: Request, limit: int, *, max_files: int = 1, max_fields: int = 40) -> FormData:
    """The form, refusing (BodyTooLarge) a body over `limit` bytes before reading past it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    receive, seen = request.receive, 0

    async def limited():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return await Request(request.scope, limited).form(
        max_files=max_files, max_fields=max_fields, max_part_size=64 * 1024
    )


# -- the map -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportMap:
    frame: Frame
    areas: str  # one SVG path of every station area
    width: int
    height: int

    def point(self, x: float, y: float) -> tuple[float, float]:
        """The (lat, lon) of a click at (x, y) pixels of the map drawn at its own size."""
        f = self.frame
        lon = f.minx + (x - f.pad) / (f._kx * f.scale)
        lat = f.maxy - (y - f.pad) / f.scale
        return round(lat, 6), round(lon, 6)

    def js_params(self) -> dict:
        f = self.frame
        return {"minx": f.minx, "maxy": f.maxy, "kx": f._kx * f.scale, "ky": f.scale, "pad": f.pad, "width": self.width}


_map_lock = threading.Lock()
_maps: dict[int, tuple[Force, ReportMap]] = {}


def report_map(force: Force) -> ReportMap:
    with _map_lock:
        cached = _maps.get(id(force))
        if cached is None or cached[0] is not force:
            geoms = list(force.jurisdictions.values())
            frame = frame_for([force.outline if force.outline is not None else shapely.union_all(geoms)], MAP_WIDTH)
            areas = "".join(path_d(g, frame) for g in geoms)
            cached = (force, ReportMap(frame, areas, MAP_WIDTH, round(frame.height)))
            _maps[id(force)] = cached
        return cached[1]


_svg_cache: dict[tuple[int, str], tuple[Force, str]] = {}


def _map_svg_base(force: Force, lang: str) -> str:
    """The map without its marker (and without the closing tag), once per force and language."""
    key = (id(force), lang)
    with _map_lock:
        hit = _svg_cache.get(key)
    if hit is not None and hit[0] is force:
        return hit[1]
    m = report_map(force)
    labels = []
    for name in MAP_LABELS:
        place = next((p for p in force.places if p.name == name and p.kind == "locality"), None)
        if place is None:
            continue
        x, y = m.frame.xy(place.lon, place.lat)
        text = _xml_text(place.names.get(lang) or place.name)
        labels.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2"/><text x="{x + 4:.1f}" y="{y + 3:.1f}">{text}</text>')
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{m.width}" height="{m.height}" '
        f'viewBox="0 0 {m.width} {m.height}">'
        "<style>.a{fill:#fff;stroke:#7a8797;stroke-width:.6}.l circle{fill:#1b1f24}"
        ".l text{font:11px system-ui,sans-serif;fill:#1b1f24;paint-order:stroke;stroke:#fff;stroke-width:3px}"
        ".m{fill:#a4161a;stroke:#fff;stroke-width:2}</style>"
        f'<rect width="100%" height="100%" fill="#e8f1fb"/><path class="a" d="{m.areas}"/>'
        f'<g class="l">{"".join(labels)}</g>'
    )
    with _map_lock:
        _svg_cache[key] = (force, svg)
    return svg


def map_svg(force: Force, lang: str, lat: float | None, lon: float | None) -> str:
    svg = _map_svg_base(force, lang)
    if lat is not None and lon is not None:
        x, y = report_map(force).frame.xy(lon, lat)
        svg += f'<circle class="m" cx="{x:.1f}" cy="{y:.1f}" r="7"/>'
    return svg + "</svg>"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def where_text(force: Force, locator: Locator, lat: float, lon: float, lang: str) -> tuple[str, bool]:
    """What the page says about a marked point, and whether it lies in the force's area."""
    found = locator.at(lat, lon)
    chosen = t(lang, "report_point_chosen", lat=f"{lat:.5f}", lon=f"{lon:.5f}")
    force_name = force.names.get(lang, force.name)
    if found.station_id is None:
        return f"{chosen} {t(lang, 'report_point_outside', force=force_name)}", False
    station = t(lang, "police_station", name=force.units[found.station_id].name_in(lang))
    return f"{chosen} {t(lang, 'report_point_station', station=station)}", True


# -- the form ------------------------------------------------------------------------------------------


@dataclass
class ReportForm:
    text: str = ""
    place: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    lat: float | None = None
    lon: float | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form: FormData, lang: str) -> ReportForm:
        def s(key: str) -> str:
            value = form.get(key)
            return value.strip() if isinstance(value, str) else ""

        out = cls(text=s("text"), place=s("place"), name=s("name"), phone=s("phone"), email=s("email"))
        lat, lon = s("lat"), s("lon")
        if lat or lon:
            try:
                out.lat, out.lon = _coordinate(lat, 90), _coordinate(lon, 180)
            except ValueError:
                out.errors["map"] = t(lang, "err_point")
        return out

    def validate(self, force: Force, lang: str) -> None:
        n = len(self.text)
        if n == 0:
            self.errors["text"] = t(lang, "err_text_required")
        elif n < TEXT_MIN:
            self.errors["text"] = t(lang, "err_text_short")
        elif n > TEXT_MAX:
            self.errors["text"] = t(lang, "err_text_long", n=n)
        if len(self.place) > PLACE_MAX:
            self.errors["place"] = t(lang, "err_place_long")
        if len(self.name) > NAME_MAX:
            self.errors["name"] = t(lang, "err_name_long")
        if self.phone and normalise_phone(force, self.phone) is None:
            self.errors["phone"] = t(lang, "err_phone")
        if self.email and (len(self.email) > EMAIL_MAX or not EMAIL_RE.match(self.email)):
            self.errors["email"] = t(lang, "err_email")

    def message_text(self) -> str:
        return with_place(self.place, self.text)


def with_place(place: str | None, text: str) -> str:
    """The message text: the place the citizen named on a line of its own first, so routing and officers see it."""
    return f"{PLACE_MARK}{place}\n\n{text}" if place else text


def without_place(text: str) -> str:
    """The citizen's own words, without the place line with_place put before them."""
    if text.startswith(PLACE_MARK):
        _, _, rest = text.partition("\n\n")
        return rest
    return text


def _coordinate(value: str, bound: float) -> float:
    number = float(value)
    if not math.isfinite(number) or abs(number) > bound:
        raise ValueError(value)
    return round(number, 6)


def normalise_phone(force: Force, phone: str) -> str | None:
    """'+91 98200 12345' -> '+919820012345'; None when it is not a mobile number."""
    if not re.fullmatch(r"\+?[\d\s().-]{8,24}", phone):
        return None
    digits = force.normalise_number(phone)
    if not 10 <= len(digits) <= 15:
        return None
    cc = force.country_code
    if digits.startswith(cc) and len(digits) == len(cc) + 10 and digits[len(cc)] not in "6789":
        return None
    return "+" + digits


def _render_form(
    request: Request,
    force: Force,
    locator: Locator,
    lang: str,
    form: ReportForm,
    *,
    status_code: int = 200,
    notice: str | None = None,
    photo_again: bool = False,
    fresh_token: bool = False,
) -> HTMLResponse:
    token = None if fresh_token else request.cookies.get(CSRF_COOKIE)
    tokens = csrf_tokens()
    if not tokens.valid(token):
        token = tokens.new()
    m = report_map(force)
    point_text, point_inside = None, False
    if form.lat is not None and form.lon is not None and "map" not in form.errors:
        point_text, point_inside = where_text(force, locator, form.lat, form.lon, lang)
    src = f"/report/map.svg?lang={lang}"
    if form.lat is not None and form.lon is not None:
        src += f"&lat={form.lat}&lon={form.lon}"
    response = render(
        request,
        "report.html",
        lang,
        status_code=status_code,
        force=force,
        form=form,
        errors=form.errors,
        csrf_field=CSRF_FIELD,
        csrf_token=token,
        notice=notice,
        photo_again=photo_again,
        max_mb=_mb(settings().media_max_bytes),
        map=m,
        map_src=src,
        map_js=m.js_params(),
        point_text=point_text,
        point_inside=point_inside,
    )
    _set_csrf_cookie(request, response, token)
    response.headers.update(NO_STORE)
    return response


def _set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=CSRF_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g}"


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    locator: Annotated[Locator, Depends(current_locator)],
    lang: Annotated[str, Depends(page_language)],
) -> HTMLResponse:
    return _render_form(request, force, locator, lang, ReportForm())


@router.get("/report/map.svg")
def report_map_svg(
    force: Annotated[Force, Depends(current_force)],
    lang: Annotated[str, Depends(page_language)],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Response:
    return Response(
        map_svg(force, lang, lat, lon),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/report/where")
def report_where(
    force: Annotated[Force, Depends(current_force)],
    locator: Annotated[Locator, Depends(current_locator)],
    lang: Annotated[str, Depends(page_language)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> JSONResponse:
    """What the form says about a point (report.js asks this after a click or 'use my location')."""
    text, inside = where_text(force, locator, lat, lon, lang)
    return JSONResponse({"text": text, "inside": inside})


@router.post("/report", response_class=HTMLResponse)
async def report_submit(
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    locator: Annotated[Locator, Depends(current_locator)],
    lang: Annotated[str, Depends(page_language)],
) -> HTMLResponse:
    max_bytes = settings().media_max_bytes
    limiter, address = report_limiter(request), client_address(request)
    try:
        raw_form = await read_form(request, 2 * max_bytes + FORM_OVERHEAD)
    except BodyTooLarge:
        form = ReportForm(errors={"photo": t(lang, "err_too_large", mb=_mb(max_bytes))})
        return _render_form(request, force, locator, lang, form, status_code=413)
    except MultiPartException:
        form = ReportForm(errors={"text": t(lang, "err_form")})
        return _render_form(request, force, locator, lang, form, status_code=400)
    try:
        return await _handle(request, force, locator, lang, raw_form, limiter, address, max_bytes)
    finally:
        await raw_form.close()


async def _handle(
    request: Request,
    force: Force,
    locator: Locator,
    lang: str,
    raw_form: FormData,
    limiter: RateLimiter,
    address: str,
    max_bytes: int,
) -> HTMLResponse:
    form = ReportForm.read(raw_form, lang)
    upload = raw_form.get("photo")
    has_photo = isinstance(upload, UploadFile) and bool(upload.filename)
    if raw_form.get("map.x") is not None:  # a click on the map (no JavaScript): mark the point, send nothing
        try:
            form.lat, form.lon = report_map(force).point(float(raw_form["map.x"]), float(raw_form["map.y"]))
            form.errors.pop("map", None)
        except (KeyError, TypeError, ValueError):
            form.errors["map"] = t(lang, "err_point")
        return _render_form(request, force, locator, lang, form, photo_again=has_photo)
    if raw_form.get("action") == "clear":
        form.lat = form.lon = None
        form.errors.pop("map", None)
        return _render_form(request, force, locator, lang, form, photo_again=has_photo)
    if not csrf_ok(request, raw_form):
        form.errors = {"csrf": t(lang, "err_csrf")}
        # A fresh token: the citizen presses "Send" once more and nothing typed is lost.
        return _render_form(
            request, force, locator, lang, form, status_code=403, photo_again=has_photo, fresh_token=True
        )
    if not limiter.allowed(address):
        form.errors = {"rate": t(lang, "err_rate")}
        response = _render_form(request, force, locator, lang, form, status_code=429, photo_again=has_photo)
        response.headers["Retry-After"] = str(limiter.retry_after(address))
        return response

    form.validate(force, lang)
    photo, status = None, 400
    if has_photo:
        content = await upload.read(max_bytes + 1)
        if len(content) > max_bytes:
            form.errors["photo"] = t(lang, "err_photo_size", mb=_mb(max_bytes))
            status = 413
        else:
            kind = sniff_image(content[:16])
            if kind is None:
                form.errors["photo"] = t(lang, "err_photo_type")
                status = 415
            else:
                photo = (content, kind, upload.filename, upload.content_type)
    if form.errors:
        return _render_form(request, force, locator, lang, form, status_code=status, photo_again=has_photo)

    token = secrets.token_urlsafe(24)
    media_path = None
    media = []
    if photo is not None:
        content, (mime, ext), filename, declared = photo
        media_path = await run_in_threadpool(store_media, content, ext)
        media = [
            {
                "type": "image",
                "mime_type": mime,
                "path": media_path,
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        ]
    external_id = str(uuid.uuid4())
    raw = {
        "text": form.text,
        "place": form.place or None,
        "lat": form.lat,
        "lon": form.lon,
        "name": form.name or None,
        "phone": form.phone or None,
        "email": form.email or None,
        "lang": lang,
        "photo": (
            {"filename": (photo[2] or "")[:200], "declared_type": photo[3], "stored_as": media_path} if photo else None
        ),
    }
    message = IncomingMessage(
        channel="web",
        external_id=external_id,
        text=form.message_text(),
        sender=(normalise_phone(force, form.phone) if form.phone else None) or form.email or None,
        sender_name=form.name or None,
        lat=form.lat,
        lon=form.lon,
        media=media,
        thread_id=external_id,  # every report is a case of its own, even from the same phone
        raw=json.dumps(raw, ensure_ascii=False),
        public_token=token,
    )
    db = get_database()
    try:
        await run_in_threadpool(save_incoming, db, [message])
    except Exception:
        if media_path:
            forget_media(media_path)
        raise
    limiter.hit(address)
    view = await wait_for_case(db, token, CASE_WAIT_SECONDS)
    response = render(
        request,
        "report_sent.html",
        lang,
        force=force,
        token=token,
        track_path=f"/track/{token}",
        track_url=settings().base_url.rstrip("/") + f"/track/{token}",
        view=view,
        **_view_context(force, view, lang),
    )
    response.headers.update(NO_STORE)
    return response


# -- what the citizen may see of a case ----------------------------------------------------------------


@dataclass
class CaseView:
    state: str  # pending, no_case, case
    case: dict | None = None
    text: str = ""  # the citizen's text, masked
    photo: bool = False
    updates: list[dict] = field(default_factory=list)


def mask_citizen_text(text: str, *known: str | None) -> str:
    """The text with personal data masked: what pii finds, and the sender's own name, phone and e-mail."""
    out = text or ""

    def kind_of(value: str) -> str:
        return "email" if "@" in value else "phone" if re.fullmatch(r"\+?[\d\s().-]+", value) else "name"

    order = {"email": 0, "phone": 1, "name": 2}  # e-mails first: a name inside one must not break it up
    values = sorted({v.strip() for v in known if v and len(v.strip()) >= 3}, key=lambda v: order[kind_of(v)])
    for value in values:
        kind = kind_of(value)
        variants = {value}
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            variants |= {digits, digits[-10:]} if len(digits) >= 10 else {digits}
        elif kind == "name":  # "Asha Patil" also as "Asha" and "Patil"
            variants |= {part for part in re.split(r"\s+", value) if len(part) >= 3}
        for v in sorted(variants, key=len, reverse=True):
            out = re.sub(r"(?<!\w)" + re.escape(v) + r"(?!\w)", f"[{kind}]", out, flags=re.IGNORECASE)
    return pii.mask(out)


def find_case_view(db: Database, token: str) -> CaseView | None:
    """The case (or the message still waiting for one) a follow token belongs to; None for an unknown token."""
    if not TOKEN_RE.match(token or ""):
        return None
    with db.engine.connect() as conn:
        case = conn.execute(select(cases).where(cases.c.public_token == token)).mappings().first()
        message = conn.execute(select(inbound).where(inbound.c.public_token == token)).mappings().first()
        if case is None and message is not None and message["case_id"] is not None:
            case = conn.execute(select(cases).where(cases.c.id == message["case_id"])).mappings().first()
        if case is None and message is None:
            return None
        if message is None:  # a case opened from another channel: its first message
            message = (
                conn.execute(
                    select(inbound).where(inbound.c.case_id == case["id"], inbound.c.outcome == "new_case").limit(1)
                )
                .mappings()
                .first()
            )
        updates = []
        if case is not None:
            updates = [
                dict(r)
                for r in conn.execute(
                    select(outbox.c.kind, outbox.c.body, outbox.c.created_at, outbox.c.sent_at)
                    .where(
                        outbox.c.case_id == case["id"],
                        outbox.c.channel.in_(PUBLIC_UPDATE_CHANNELS),
                        outbox.c.kind.in_(PUBLIC_UPDATE_KINDS),
                        outbox.c.status.not_in(("failed", "cancelled")),
                    )
                    .order_by(outbox.c.created_at, outbox.c.id)
                ).mappings()
            ]
    if message is not None:
        text = mask_citizen_text(message["text"], message["sender"], message["sender_name"], *_raw_contacts(message))
        photo = any((m or {}).get("type") == "image" for m in (message["media"] or []))
    else:
        text, photo = pii.mask(case["summary"] or ""), False
    if case is not None:
        return CaseView("case", dict(case), text, photo, updates)
    state = "pending" if message["status"] == "pending" else "no_case"
    return CaseView(state, None, text, photo)


def _raw_contacts(message) -> list[str]:
    """Name, phone and e-mail as the citizen typed them (web and Open311 keep them in the raw payload)."""
    try:
        raw = json.loads(message["raw"] or "{}")
    except ValueError:
        return []
    if not isinstance(raw, dict):
        return []
    keys = ("name", "phone", "email", "first_name", "last_name")
    return [str(raw[k]) for k in keys if isinstance(raw.get(k), str)]


def find_reference(db: Database, token: str) -> str | None:
    with db.engine.connect() as conn:
        row = conn.execute(
            select(cases.c.reference)
            .select_from(inbound.join(cases, inbound.c.case_id == cases.c.id))
            .where(inbound.c.public_token == token)
        ).first()
    return row[0] if row else None


async def wait_for_case(db: Database, token: str, seconds: float) -> CaseView | None:
    """Poll (up to `seconds`) until the worker has opened the message's case; then its view."""
    deadline = time.monotonic() + seconds
    while True:
        reference = await run_in_threadpool(find_reference, db, token)
        if reference is not None or time.monotonic() >= deadline:
            break
        await asyncio.sleep(POLL_SECONDS)
    return await run_in_threadpool(find_case_view, db, token)


def _view_context(force: Force, view: CaseView | None, lang: str) -> dict:
    """Words and dates for a case view, in the page's language."""
    if view is None or view.case is None:
        return {"case": None}
    c = view.case
    tz = ZoneInfo(force.timezone)

    def when(value: datetime | None) -> dict | None:
        if value is None:
            return None
        local = value.astimezone(tz)
        return {"iso": local.isoformat(timespec="seconds"), "text": local.strftime("%d-%m-%Y %H:%M")}

    station = force.units.get(c["station_id"]) if c["station_id"] else None
    owner = force.units.get(c["owner_unit_id"]) if c["owner_unit_id"] else None
    agency = force.agency(c["agency_id"]) if c["agency_id"] else None
    if agency is not None:
        handled_by = agency.name_in(lang)
    elif owner is not None and owner.id != (station.id if station else None):
        handled_by = owner.name_in(lang)
    else:
        handled_by = None
    closed = c["status"] in CLOSED_STATUSES
    return {
        "case": c,
        "reference": c["reference"],
        "status_text": _word(lang, "status_", c["status"]),
        "category_text": _word(lang, "cat_", c["category"]),
        "station": station,
        "station_text": (
            t(lang, "police_station", name=station.name_in(lang))
            if station is not None and station.kind == "station"
            else (station.name_in(lang) if station is not None else t(lang, "track_hq"))
        ),
        "handled_by": handled_by,
        "received": when(c["received_at"]),
        "updated": when(c["updated_at"]),
        "expected": None if closed else when(c["action_due_at"]),
        "closed_at": when(c["closed_at"] or c["resolved_at"]) if closed else None,
        "updates_view": [{"body": u["body"], "when": when(u["sent_at"] or u["created_at"])} for u in view.updates],
    }


def _word(lang: str, prefix: str, code: str) -> str:
    """A status or category in plain words; the code itself when the catalogue has no words for it."""
    return t(lang, prefix + code) if prefix + code in CATALOGUE else code.replace("_", " ")


@router.get("/track/{token}", response_class=HTMLResponse)
def track_page(
    token: str,
    request: Request,
    force: Annotated[Force, Depends(current_force)],
    lang: Annotated[str, Depends(page_language)],
) -> HTMLResponse:
    view = find_case_view(get_database(), token)
    if view is None:
        response = render(request, "error.html", lang, status_code=404, message=t(lang, "page_not_found"), force=force)
    else:
        response = render(
            request,
            "track.html",
            lang,
            force=force,
            view=view,
            refresh=view.state == "pending",
            **_view_context(force, view, lang),
        )
    response.headers.update(NO_STORE)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
