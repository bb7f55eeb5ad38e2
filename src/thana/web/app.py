"""The FastAPI application: API, pages, static files, and errors that say what to fix."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import thana
from thana.web import api, api_cases, api_outreach, open311, outreach_pages, oversight, pages, report, staff, webhooks
from thana.web.deps import current_force, page_language
from thana.web.i18n import t


def _merge_lang(params, code: str) -> str:
    items = [(k, v) for k, v in params.multi_items() if k != "lang"]
    return urlencode([*items, ("lang", code)])


log = logging.getLogger("thana.web")


def _lifespan(with_worker: bool):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from thana.store.db import get_database
        from thana.web.webhooks import log_channel_status

        db = get_database()
        db.migrate()
        app.state.db = db
        log_channel_status()
        worker = thread = None
        if with_worker:
            from thana.worker import Worker

            worker = Worker(db, worker_id="web-embedded")
            thread = threading.Thread(target=worker.run, name="thana-worker", daemon=True)
            thread.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()  # finishes the batch in hand
                thread.join(timeout=30)

    return lifespan


def _merge_page(params, page: int) -> str:
    items = [(k, v) for k, v in params.multi_items() if k != "page"]
    return urlencode([*items, ("page", str(page))])


async def _sign_in(request: Request, exc: Exception):
    from fastapi.responses import RedirectResponse

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def create_app(with_worker: bool = False) -> FastAPI:
    """The web application; with_worker runs a pipeline worker in the same process (embedded mode)."""
    app = FastAPI(
        lifespan=_lifespan(with_worker),
        title="Thana",
        version=thana.__version__,
        description="The police force's directory, 'find my police station', and (as they land) intake, "
        'cases and oversight. Errors are JSON: {"error": "what to fix"}.',
    )
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    pages.templates.env.filters["merge_lang"] = _merge_lang
    pages.templates.env.filters["merge_page"] = _merge_page
    app.include_router(api.router)
    app.include_router(api.health_router)
    app.include_router(api_outreach.router)  # before api_cases: its paths are more specific
    app.include_router(api_cases.router)
    app.include_router(webhooks.router)
    app.include_router(open311.router)
    app.include_router(report.router)
    app.include_router(staff.router)
    app.include_router(outreach_pages.router)
    app.include_router(oversight.router)
    app.include_router(pages.router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(staff.SignIn, _sign_in)
    return app


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/open311/", "/webhooks/")) and "text/html" in request.headers.get(
        "accept", ""
    )


async def _validation_error(request: Request, exc: RequestValidationError):
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
        problems.append(f"{where}: {err.get('msg')}" if where else err.get("msg"))
    message = "; ".join(problems) or "invalid request"
    if _wants_html(request):
        lang = page_language(request)
        return pages.render(request, "error.html", lang, status_code=400, message=message, force=current_force())
    # Not the rejected input itself: it may be personal data, or a value JSON cannot carry (NaN, Infinity).
    detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in exc.errors()]
    return JSONResponse({"error": message, "detail": detail}, status_code=400)


async def _http_error(request: Request, exc: StarletteHTTPException):
    if _wants_html(request):
        lang = page_language(request)
        message = t(lang, "page_not_found") if exc.status_code == 404 else str(exc.detail)
        return pages.render(
            request, "error.html", lang, status_code=exc.status_code, message=message, force=current_force()
        )
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
