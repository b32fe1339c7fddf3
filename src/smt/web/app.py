"""The ASGI application. Transports only translate; decisions live in services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from threading import Thread

from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smt import __version__
from smt.composition import Hub, resume_jobs
from smt.jobs.queue import QueueBackend
from smt.web.api_v1 import create_api
from smt.web.portal.context import Portal
from smt.web.portal.file_pages import file_router
from smt.web.portal.han_pages import han_router
from smt.web.portal.i18n import environments
from smt.web.portal.report_pages import report_router
from smt.web.portal.routes import portal_router
from smt.web.portal.usage_pages import usage_router
from smt.web.security_headers import SecurityHeaders
from smt.web.smt_official_api import official_error, official_path, smt_official_router
from smt.web.smt_portal_api import smt_portal_router
from smt.web.smt_shapes import ApiError
from smt.web.soap import soap_services

STATIC = Path(__file__).parent / "portal" / "static"


def create_app(hub: Hub) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs = hub.jobs
        consumer = (
            jobs.consumer(hub.settings.jobs_workers, hosted=True)
            if jobs.backend is QueueBackend.SQLITE
            else None
        )
        if consumer is not None:
            consumer.start()
        # Requests a stopped hub left behind queue again beside the serving, not before it;
        # with the queue in-process this process is their only runner, so running ones too.
        Thread(
            target=resume_jobs,
            args=(hub,),
            kwargs={"orphans": jobs.runs_in_process},
            name="jobs-resume",
            daemon=True,
        ).start()
        # Sync endpoints and dependencies run on this loop's default thread pool: sized here.
        to_thread.current_default_thread_limiter().total_tokens = hub.settings.request_threads
        yield
        if consumer is not None:
            consumer.stop()

    app = FastAPI(
        title="Smart Meter Texas (open implementation)",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with hub.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/api/v1", create_api(hub))
    app.include_router(smt_portal_router(hub))
    app.include_router(smt_official_router(hub))
    app.include_router(soap_services(hub))
    portal = Portal(hub, environments())
    app.include_router(portal_router(portal))
    app.include_router(usage_router(portal))
    app.include_router(report_router(portal))
    app.include_router(file_router(portal))
    app.include_router(han_router(portal))

    @app.exception_handler(ApiError)
    def api_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)  # noqa: S101 - registered for ApiError only
        return JSONResponse(error.body, status_code=error.status)

    def not_found(request: Request, error: Exception) -> Response:
        # SMT's APIs answer JSON whatever happens (their clients parse every answer).
        if official_path(request.url.path):
            return official_error(getattr(error, "status_code", 400))
        if request.url.path.lstrip("/").startswith(("api/", "commonapi/")):
            return JSONResponse({"message": "Not Found"}, status_code=404)
        # The same page as every portal denial: absence, refusal, a wrong method or a
        # malformed path all look alike.
        return portal.not_found(portal.visit(request))

    for status in (404, 405):
        app.add_exception_handler(status, not_found)
    app.add_exception_handler(RequestValidationError, not_found)

    app.add_middleware(SecurityHeaders)
    return app
