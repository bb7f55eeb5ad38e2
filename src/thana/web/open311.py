"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2, and its Service Discovery page).

Every resource answers in XML (the spec's required format, and the default when no extension is given)
or JSON (by the Spark convention: a repeating container is an array): append .xml or .json.

    discovery                   the Service Discovery document
    services                    the categories of TAXONOMY.md a citizen can report (not spam, not appreciation)
    services/{code}             a service definition (no attributes)
    POST requests               a new report; api_key from THANA_OPEN311_API_KEYS
    GET requests                filters: service_request_id, service_code, start_date, end_date, status
    GET requests/{id}           one request by its reference (MUM-26-004821)
    tokens/{token}              the reference a token has become

Errors are the spec's: [{"code": 400, "description": "..."}] or <errors><error>..., with HTTP 400 for a
missing or invalid parameter, 403 for a missing or wrong api_key, 404 for what does not exist.

Privacy: a request never carries the citizen's name, phone, e-mail or device; its description is masked
with thana.triage.pii; positions are rounded to about 100 m. Emergencies and the sensitive categories
(women's and child safety, missing persons, informants, police conduct) are never listed, and asked for
by id they show their status but no description, place or media.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import re
import secrets
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import false, select
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException

from thana.cases import CLOSED_STATUSES, OPEN_STATUSES
from thana.channels import MAX_PAYLOAD_BYTES, IncomingMessage
from thana.config import settings
from thana.force.model import Force
from thana.store.db import Database, get_database
from thana.store.inbound import save_incoming
from thana.store.schema import cases, inbound, outbox
from thana.triage.taxonomy import BY_CODE, CATEGORIES, Category
from thana.web.deps import current_force
from thana.web.report import BodyTooLarge, mask_citizen_text, read_form, with_place, without_place

router = APIRouter(prefix="/open311/v2", tags=["open311"])

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
NOT_SERVICES = frozenset({"spam", "appreciation"})  # categories nobody files a request for
# Never listed, and only their status shown: identities are protected, and an emergency may be a person in danger.
UNLISTED = frozenset({c.code for c in CATEGORIES if c.sensitive} | {"emergency"})
POST_WAIT_SECONDS = 2.0  # how long POST requests waits for the case, to answer its id rather than a token
POLL_SECONDS = 0.1
DEFAULT_SPAN = MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 300
FIELD_MAX = 200
POSITION_DECIMALS = 3  # about 100 m: enough to see the area, not the doorstep
REFERENCE_RE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
ITEMS = {  # XML containers and the name of each element in them (the Spark convention's arrays)
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
}

# What each service covers (TAXONOMY.md's "what it covers"), its group and keywords.
SERVICE_TEXT: dict[str, tuple[str, str, str]] = {
    "emergency": (
        "urgent",
        "Danger to life or limb happening now: violence in progress, a weapon shown, fire, a person unconscious or "
        "trapped, an accident with injuries, a suspicious unattended object. Call 112 first.",
        "danger, violence, weapon, fire, accident, injury, suspicious object, 112",
    ),
    "child_safety": (
        "people at risk",
        "A missing or lost child, child abuse, child begging or labour rackets, a minor groomed online. "
        "The child's identity is protected.",
        "child, missing child, lost child, child abuse, child labour, childline, 1098",
    ),
    "women_safety": (
        "people at risk",
        "Stalking, following, eve-teasing, molestation, obscene calls or messages, threats to leak photos, domestic "
        "violence, dowry harassment, sexual assault. Goes to the station's women's desk; identity protected.",
        "stalking, harassment, eve-teasing, molestation, domestic violence, dowry, 103",
    ),
    "missing_person": (
        "people at risk",
        "A missing adult; a missing person with dementia or another vulnerability is treated as urgent.",
        "missing, missing person, disappeared, not traceable",
    ),
    "senior_citizen": (
        "people at risk",
        "An elderly person in distress, abused, neglected or not reachable.",
        "elderly, senior citizen, old age, neglect",
    ),
    "cyber_fraud": (
        "crime",
        "Money lost online (UPI, OTP, KYC, investment, job, loan apps, 'digital arrest' calls), hacked or fake "
        "accounts, sextortion. Call 1930 at once: money can often be frozen within the golden hour.",
        "online fraud, UPI, OTP, KYC, hacked account, fake account, sextortion, 1930",
    ),
    "theft": (
        "crime",
        "Theft, robbery, chain or phone snatching, burglary, vehicle theft (not in progress).",
        "theft, stolen, robbery, chain snatching, phone snatching, burglary, vehicle theft",
    ),
    "drugs_illegal": (
        "crime",
        "Drug peddling, illegal liquor, gambling dens, vice rackets. The informant is never named.",
        "drugs, ganja, illegal liquor, gambling, matka, racket",
    ),
    "police_conduct": (
        "police",
        "A complaint about police behaviour, bribery, or refusal to register an FIR. It goes to senior officers, "
        "never to the station complained about.",
        "bribe, corruption, misbehaviour, FIR refused, police complaint",
    ),
    "nuisance": (
        "public order",
        "Noise after 10 pm, loudspeakers, drunk or rowdy behaviour, doorbell pranks, firecrackers at night.",
        "noise, loudspeaker, drunk, rowdy, firecrackers, nuisance",
    ),
    "other": (
        "crime",
        "Any other crime or police matter: extortion, threats, cheating offline, impersonation, environmental "
        "crime, disputes.",
        "extortion, threat, cheating, impersonation, dispute",
    ),
    "railway": (
        "other agencies",
        "Crime on suburban trains or railway premises: passed to the Government Railway Police; the station of the "
        "place is informed.",
        "train, local train, railway station, GRP",
    ),
    "traffic": (
        "other agencies",
        "Jams, signals, illegal parking, wrong-side driving, road racing (no injuries): passed to the traffic police.",
        "traffic, jam, signal, parking, wrong side, racing",
    ),
    "civic": (
        "other agencies",
        "Garbage, potholes, water-logging, fallen trees, stray animals, hawkers, power or water supply: passed to "
        "the municipal corporation or the utility.",
        "garbage, pothole, water-logging, tree, stray animals, hawkers, power, water",
    ),
    "information": (
        "information",
        "Questions and requests: procedures, contact numbers, lost-document reports, the status of an earlier "
        "complaint, suggestions.",
        "question, procedure, lost document, contact number, suggestion",
    ),
}


def services() -> list[Category]:
    return [c for c in CATEGORIES if c.code not in NOT_SERVICES]


def service_json(c: Category) -> dict:
    group, description, keywords = SERVICE_TEXT.get(c.code, ("other", c.label, c.code.replace("_", " ")))
    return {
        "service_code": c.code,
        "service_name": c.label,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": group,
    }


# -- formats and errors --------------------------------------------------------------------------------


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("", str(value))


def _xml_element(name: str, value) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_xml_element(key, child))
    elif isinstance(value, list):
        item = ITEMS.get(name, "item")
        for child in value:
            element.append(_xml_element(item, child))
    else:
        element.text = _xml_value(value)
    return element


def to_xml(root: str, data) -> bytes:
    body = ET.tostring(_xml_element(root, data), encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def _clean_json(value):
    if isinstance(value, str):
        return XML_INVALID.sub("", value)
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def respond(fmt: str, root: str, data, status: int = 200, headers: dict | None = None) -> Response:
    as_json = fmt == "json"
    content = json.dumps(_clean_json(data), ensure_ascii=False).encode() if as_json else to_xml(root, data)
    return Response(content, status_code=status, media_type=MEDIA_TYPES[fmt], headers=headers)


def error(fmt: str, status: int, description: str, headers: dict | None = None) -> Response:
    return respond(fmt, "errors", [{"code": status, "description": description}], status, headers)


def split_format(name: str, request: Request) -> tuple[str, str]:
    """'requests.json' -> ('requests', 'json'); without an extension XML, the spec's required format,
    unless the Accept header asks for JSON only."""
    base, dot, ext = name.rpartition(".")
    if dot and ext.lower() in MEDIA_TYPES:
        return base, ext.lower()
    if dot and ext:
        raise Open311Error(404, f"unknown format '.{ext}': use .xml or .json")
    accept = request.headers.get("accept", "")
    wants_json = "application/json" in accept and "xml" not in accept
    return name, "json" if wants_json else "xml"


def _path_format(request: Request) -> str:
    fmt = request.path_params.get("fmt")
    if fmt is None:
        return split_format("x", request)[1]
    if fmt.lower() not in MEDIA_TYPES:
        raise Open311Error(404, f"unknown format '.{fmt}': use .xml or .json")
    return fmt.lower()


def _guarded(handler):
    """Run a handler, answering Open311Error in the spec's error format."""

    async def run(request: Request):
        try:
            fmt = _path_format(request)
        except Open311Error as exc:
            return error("xml", exc.status, exc.description)
        try:
            return await handler(request, fmt)
        except Open311Error as exc:
            return error(getattr(exc, "fmt", None) or fmt, exc.status, exc.description)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


# -- discovery and services ----------------------------------------------------------------------------


async def discovery(request: Request, fmt: str) -> Response:
    """The Service Discovery document: where the GeoReport v2 endpoint is and which formats it speaks."""
    force = current_force()
    changeset = f"{force.version}"
    data = {
        "changeset": changeset,
        "contact": f"{force.name}: the Thana installation at {settings().base_url.rstrip('/')}",
        "key_service": f"Ask {force.name}'s Thana administrators for an API key to submit requests.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings().base_url.rstrip("/") + "/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


async def service_list(request: Request, fmt: str) -> Response:
    """The service types: the categories a citizen can report."""
    return respond(fmt, "services", [service_json(c) for c in services()])


async def service_definition(request: Request, fmt: str) -> Response:
    code, fmt = split_format(request.path_params["code"], request)
    if code not in BY_CODE or code in NOT_SERVICES:
        raise _fmt_error(fmt, 404, f"service_code '{code}' not found; GET services.{fmt} lists them")
    return respond(fmt, "service_definition", {"service_code": code, "attributes": []})


def _fmt_error(fmt: str, status: int, description: str) -> Open311Error:
    exc = Open311Error(status, description)
    exc.fmt = fmt
    return exc


# -- POST requests -------------------------------------------------------------------------------------


def _field(form, request: Request, name: str, limit: int = FIELD_MAX) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        value = request.query_params.get(name, "") if name in ("api_key", "jurisdiction_id") else ""
    value = value.strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} is longer than {limit} characters")
    return value


def _key_matches(given: str) -> str | None:
    """A short fingerprint of the configured key that matches, or None."""
    keys = [k.strip() for k in settings().open311_api_keys.split(",") if k.strip()]
    found = None
    for key in keys:  # compare with every key, so timing tells nothing
        if hmac.compare_digest(key.encode(), given.encode()):
            found = key
    return hashlib.sha256(found.encode()).hexdigest()[:12] if found else None


def _number(name: str, value: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name}={value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise Open311Error(400, f"{name}={value!r} is out of range (-{bound:g}..{bound:g})")
    return number


async def post_request(request: Request, fmt: str) -> Response:
    """Create a service request: it is stored at once; its id is answered when the case opens within moments,
    else a token to exchange later (GET tokens/{token})."""
    try:
        form = await read_form(request, MAX_PAYLOAD_BYTES, max_files=0, max_fields=100)
    except BodyTooLarge:
        return error(fmt, 413, f"request body larger than {MAX_PAYLOAD_BYTES} bytes; send media as media_url")
    except MultiPartException as exc:
        raise Open311Error(400, f"the form could not be read: {exc}") from None
    api_key = _field(form, request, "api_key")
    if not api_key:
        raise Open311Error(403, "api_key is missing: it is required to create a service request")
    client = _key_matches(api_key)
    if client is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")

    code = _field(form, request, "service_code", 64)
    if not code:
        raise Open311Error(400, "service_code was not provided; GET services lists the codes")
    if code not in BY_CODE or code in NOT_SERVICES:
        raise Open311Error(404, f"service_code '{code}' not found; GET services lists the codes")
    lat_s, long_s = _field(form, request, "lat", 40), _field(form, request, "long", 40)
    address = _field(form, request, "address_string", ADDRESS_MAX)
    address_id = _field(form, request, "address_id")
    lat = lon = None
    if lat_s or long_s:
        if not (lat_s and long_s):
            raise Open311Error(400, "lat and long must both be sent")
        lat, lon = _number("lat", lat_s, 90), _number("long", long_s, 180)
    if lat is None and not address:
        if address_id:
            raise Open311Error(400, "address_id is not supported here: send lat and long, or address_string")
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    description = _field(form, request, "description", 10 * DESCRIPTION_MAX)
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description is longer than {DESCRIPTION_MAX} characters")
    media_url = _field(form, request, "media_url", 2000)
    if media_url and not re.match(r"^https?://[^\s/]+", media_url):
        raise Open311Error(400, "media_url must be an http or https URL")
    email = _field(form, request, "email")
    phone = _field(form, request, "phone", 40)
    first, last = _field(form, request, "first_name"), _field(form, request, "last_name")
    account_id = _field(form, request, "account_id") or None
    device_id = _field(form, request, "device_id")

    category = BY_CODE[code]
    text = with_place(address, description or category.label)
    token = secrets.token_urlsafe(24)
    external_id = str(uuid.uuid4())
    raw = {
        "service_code": code,
        "lat": lat,
        "long": lon,
        "address_string": address or None,
        "address_id": address_id or None,
        "description": description,
        "media_url": media_url or None,
        "email": email or None,
        "phone": phone or None,
        "first_name": first or None,
        "last_name": last or None,
        "account_id": account_id,
        "device_id": device_id or None,
        "jurisdiction_id": _field(form, request, "jurisdiction_id") or None,
        "api_client": client,  # a fingerprint of the key used, never the key
    }
    message = IncomingMessage(
        channel="open311",
        external_id=external_id,
        text=text,
        sender=phone or email or None,
        sender_name=" ".join(p for p in (first, last) if p) or None,
        lat=lat,
        lon=lon,
        media=[{"type": "url", "url": media_url}] if media_url else [],
        thread_id=external_id,  # each request is its own case
        raw=json.dumps(raw, ensure_ascii=False),
        public_token=token,
    )
    db = get_database()
    await run_in_threadpool(save_incoming, db, [message])
    found = await _wait_for_case(db, token, POST_WAIT_SECONDS)
    if found is not None:
        reference, notice = found
        body = {"service_request_id": reference, "service_notice": notice, "account_id": account_id}
    else:
        body = {
            "token": token,
            "service_notice": "Received. GET tokens/{token} gives the service_request_id in a moment. "
            "If anyone is in danger right now, call 112.",
            "account_id": account_id,
        }
    return respond(fmt, "service_requests", [body])


def _case_for_token(db: Database, token: str) -> tuple[str, str | None] | None:
    """(reference, acknowledgement) of the case a token's message opened or joined."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(cases.c.id, cases.c.reference)
            .select_from(inbound.join(cases, inbound.c.case_id == cases.c.id))
            .where(inbound.c.public_token == token)
        ).first()
        if row is None:
            row = conn.execute(select(cases.c.id, cases.c.reference).where(cases.c.public_token == token)).first()
        if row is None:
            return None
        ack = conn.execute(
            select(outbox.c.body).where(outbox.c.case_id == row.id, outbox.c.kind == "ack").order_by(outbox.c.id)
        ).first()
    return row.reference, ack[0] if ack else None


async def _wait_for_case(db: Database, token: str, seconds: float) -> tuple[str, str | None] | None:
    deadline = time.monotonic() + seconds
    while True:
        found = await run_in_threadpool(_case_for_token, db, token)
        if found is not None or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(POLL_SECONDS)


# -- GET requests --------------------------------------------------------------------------------------


def parse_w3(name: str, value: str) -> datetime:
    """A W3C date-time (2010-01-01T00:00:00Z, with an offset, or a date alone) as an aware UTC datetime."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", text):
        raise Open311Error(400, f"{name}={value!r} is not a w3 datetime such as 2010-01-01T00:00:00Z")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}={value!r} is not a valid date and time") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _list_param(request: Request, name: str) -> list[str]:
    values = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def _window(request: Request, now: datetime) -> tuple[datetime, datetime]:
    start_s, end_s = request.query_params.get("start_date", ""), request.query_params.get("end_date", "")
    start = parse_w3("start_date", start_s) if start_s.strip() else None
    end = parse_w3("end_date", end_s) if end_s.strip() else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = min(now, start + DEFAULT_SPAN)
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date to end_date may not span more than 90 days")
    return start, end


def query_requests(db: Database, request: Request) -> list[dict]:
    ids = [i.upper() for i in _list_param(request, "service_request_id")]
    if ids:  # "this overrides all other arguments"
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"at most {MAX_RESULTS} service_request_id may be asked for at once")
        bad = [i for i in ids if not REFERENCE_RE.match(i)]
        if bad:
            raise Open311Error(400, f"service_request_id {bad[0]!r} is not a reference such as MUM-26-004821")
        stmt = select(cases).where(cases.c.reference.in_(ids))
    else:
        codes = _list_param(request, "service_code")
        unknown = [c for c in codes if c not in BY_CODE or c in NOT_SERVICES]
        if unknown:
            raise Open311Error(400, f"service_code '{unknown[0]}' is not a service; GET services lists them")
        statuses = [s.lower() for s in _list_param(request, "status")]
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise Open311Error(400, f"status={wrong[0]!r}: use open or closed (comma separated)")
        start, end = _window(request, datetime.now(UTC))
        listed = [c.code for c in services() if c.code not in UNLISTED]
        stmt = select(cases).where(
            cases.c.category.in_([c for c in codes if c in listed] if codes else listed),
            cases.c.sensitive == false(),
            cases.c.received_at >= start,
            cases.c.received_at <= end,
        )
        if statuses and set(statuses) != {"open", "closed"}:
            wanted = OPEN_STATUSES if statuses[0] == "open" else CLOSED_STATUSES
            stmt = stmt.where(cases.c.status.in_(sorted(wanted)))
    stmt = stmt.order_by(cases.c.received_at.desc(), cases.c.id.desc()).limit(MAX_RESULTS)
    with db.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        first = _first_messages(conn, [r["id"] for r in rows])
    return [request_json(current_force(), r, first.get(r["id"])) for r in rows]


def _first_messages(conn, case_ids: list[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for chunk in range(0, len(case_ids), 500):
        ids = case_ids[chunk : chunk + 500]
        stmt = (
            select(inbound.c.case_id, inbound.c.text, inbound.c.sender, inbound.c.sender_name, inbound.c.media)
            .add_columns(inbound.c.raw, inbound.c.id)
            .where(inbound.c.case_id.in_(ids), inbound.c.outcome == "new_case")
            .order_by(inbound.c.id)
        )
        for row in conn.execute(stmt).mappings():
            out.setdefault(row["case_id"], dict(row))
    return out


def _w3(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def _status_notes(force: Force, case: dict) -> str:
    status = case["status"]
    owner = _agency_responsible(force, case)
    notes = {
        "new": f"Received by {owner}.",
        "acknowledged": f"Acknowledged by {owner}.",
        "assigned": f"Assigned to an officer of {owner}.",
        "in_progress": f"{owner} is acting on it.",
        "transferred": f"Transferred to {owner}.",
        "resolved": "Resolved.",
        "closed": "Closed.",
        "merged": "Joined with another report of the same matter.",
        "redirected": f"Passed to {owner}, which handles this.",
    }
    return notes.get(status, status)


def _agency_responsible(force: Force, case: dict) -> str:
    agency = force.agency(case["agency_id"]) if case["agency_id"] else None
    if agency is not None:
        return agency.name
    unit = force.units.get(case["owner_unit_id"] or case["station_id"] or "")
    if unit is None:
        return f"{force.name} headquarters"
    return f"{unit.name} Police Station" if unit.kind == "station" else unit.name


def _raw(message: dict | None) -> dict:
    try:
        raw = json.loads((message or {}).get("raw") or "{}")
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


def request_json(force: Force, case: dict, message: dict | None) -> dict:
    """A case as a GeoReport request: nothing that names or reaches the citizen."""
    tz = ZoneInfo(force.timezone)
    withheld = case["sensitive"] or case["category"] in UNLISTED or case["category"] not in BY_CODE
    raw = _raw(message)
    description = address = media_url = lat = lon = None
    if not withheld:
        if message is not None:
            contacts = [raw.get(k) for k in ("name", "phone", "email", "first_name", "last_name")]
            own = without_place(message["text"] or "")  # the place is in `address`
            text = mask_citizen_text(own, message["sender"], message["sender_name"], *contacts)
        else:
            text = mask_citizen_text(case["summary"] or "")
        description = text[:DESCRIPTION_MAX]
        typed = raw.get("address_string") or raw.get("place")
        address = case["place_name"] or (mask_citizen_text(typed) if isinstance(typed, str) and typed else None)
        if case["lat"] is not None and case["lon"] is not None:
            lat, lon = round(case["lat"], POSITION_DECIMALS), round(case["lon"], POSITION_DECIMALS)
        urls = [m.get("url") for m in ((message or {}).get("media") or []) if isinstance(m, dict) and m.get("url")]
        media_url = urls[0] if urls else None
    closed = case["status"] in CLOSED_STATUSES
    updated = (case["closed_at"] or case["resolved_at"] or case["updated_at"]) if closed else case["updated_at"]
    category = BY_CODE.get(case["category"])
    return {
        "service_request_id": case["reference"],
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(force, case),
        "service_name": category.label if category else case["category"],
        "service_code": case["category"],
        "description": description,
        "agency_responsible": _agency_responsible(force, case),
        "service_notice": None,
        "requested_datetime": _w3(case["received_at"], tz),
        "updated_datetime": _w3(updated, tz),
        "expected_datetime": None if closed else _w3(case["action_due_at"], tz),
        "address": address,
        "lat": lat,
        "long": lon,
        "media_url": media_url,
    }


async def get_requests(request: Request, fmt: str) -> Response:
    """Requests of the last 90 days (or the window asked for), newest first, at most 1000."""
    found = await run_in_threadpool(query_requests, get_database(), request)
    return respond(fmt, "service_requests", found)


def one_request(db: Database, reference: str) -> dict | None:
    with db.engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.reference == reference.upper())).mappings().first()
        if row is None:
            return None
        first = _first_messages(conn, [row["id"]])
    return request_json(current_force(), dict(row), first.get(row["id"]))


async def get_request(request: Request, fmt: str) -> Response:
    """One request, by its service_request_id (the case reference)."""
    reference, fmt = split_format(request.path_params["rid"], request)
    if not REFERENCE_RE.match(reference):
        raise _fmt_error(fmt, 404, f"service_request_id '{reference}' not found")
    found = await run_in_threadpool(one_request, get_database(), reference)
    if found is None:
        raise _fmt_error(fmt, 404, f"service_request_id '{reference}' not found")
    return respond(fmt, "service_requests", [found])


def token_state(db: Database, token: str) -> str | None:
    """'pending' (no case yet), 'no_case' (the message opened none), or the reference; None for an unknown token."""
    with db.engine.connect() as conn:
        message = conn.execute(
            select(inbound.c.status, inbound.c.case_id).where(inbound.c.public_token == token)
        ).first()
        case = None
        if message is not None and message.case_id is not None:
            case = conn.execute(select(cases.c.reference).where(cases.c.id == message.case_id)).first()
        elif message is None:
            case = conn.execute(select(cases.c.reference).where(cases.c.public_token == token)).first()
    if case is not None:
        return case[0]
    if message is None:
        return None
    return "pending" if message.status == "pending" else "no_case"


async def get_token(request: Request, fmt: str) -> Response:
    """The service_request_id a token has become (empty while the report is still being registered)."""
    token, fmt = split_format(request.path_params["token"], request)
    state = await run_in_threadpool(token_state, get_database(), token) if TOKEN_RE.match(token) else None
    if state is None:
        raise _fmt_error(fmt, 404, f"token '{token[:64]}' not found")
    if state == "no_case":
        raise _fmt_error(fmt, 404, "no service request was created for this token (it was not taken up as a case)")
    reference = None if state == "pending" else state
    return respond(fmt, "service_requests", [{"service_request_id": reference, "token": token}])


# -- routes --------------------------------------------------------------------------------------------

for path in ("/discovery", "/discovery.{fmt}"):
    router.add_api_route(path, _guarded(discovery), methods=["GET"], summary="Service Discovery")
for path in ("/services", "/services.{fmt}"):
    router.add_api_route(path, _guarded(service_list), methods=["GET"], summary="GET Service List")
router.add_api_route(
    "/services/{code}", _guarded(service_definition), methods=["GET"], summary="GET Service Definition"
)
for path in ("/requests", "/requests.{fmt}"):
    router.add_api_route(path, _guarded(get_requests), methods=["GET"], summary="GET Service Requests")
    router.add_api_route(path, _guarded(post_request), methods=["POST"], summary="POST Service Request")
router.add_api_route("/requests/{rid}", _guarded(get_request), methods=["GET"], summary="GET Service Request")
router.add_api_route(
    "/tokens/{token}", _guarded(get_token), methods=["GET"], summary="GET service_request_id from a token"
)

KNOWN = re.compile(r"^/open311/v2/(discovery|services|requests|tokens)(\.[a-z]+|/[^/]+)?$")


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def not_found(request: Request, rest: str) -> Response:
    """Anything else under /open311/v2/, answered in the spec's error format."""
    fmt = "json" if rest.endswith(".json") else "xml"
    if KNOWN.match(request.url.path):
        return error(fmt, 405, f"{request.method} is not allowed here", headers={"Allow": "GET, POST"})
    return error(fmt, 404, f"no resource '{rest}' here; see discovery.{fmt}")
