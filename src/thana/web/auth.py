"""Who is asking: an API token (Authorization: Bearer) or a signed-in officer's session cookie.

Pages use the session; unsafe requests made with a session must carry its CSRF token (form field
csrf_token or header X-CSRF-Token). Requests with a bearer token carry no cookie, so need none.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from thana.cases.access import Principal
from thana.store.db import get_database
from thana.store.users import session_principal, token_principal

SESSION_COOKIE = "thana_session"


def identify(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal
    found: Principal | None = None
    request.state.csrf = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = token_principal(get_database(), header[7:].strip())
    elif request.cookies.get(SESSION_COOKIE):
        session = session_principal(get_database(), request.cookies[SESSION_COOKIE])
        if session:
            found, request.state.csrf = session
    request.state.principal = found
    return found


def require_principal(request: Request) -> Principal:
    who = identify(request)
    if who is None:
        raise HTTPException(
            401,
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return who


async def require_csrf(request: Request) -> None:
    """For session-authenticated changes: the CSRF token must come back with the request."""
    identify(request)  # decides whether this request rides on a session (and so needs the token)
    if request.method in ("GET", "HEAD", "OPTIONS") or getattr(request.state, "csrf", None) is None:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), request.state.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
