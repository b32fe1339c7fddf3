"""The ASGI application. Transports only translate; decisions live in services."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smt import __version__
from smt.composition import Hub
from smt.web.portal.context import Portal
from smt.web.portal.i18n import environments
from smt.web.portal.routes import portal_router

STATIC = Path(__file__).parent / "portal" / "static"


def create_app(hub: Hub) -> FastAPI:
    app = FastAPI(
        title="Smart Meter Texas (open implementation)",
        version=__version__,
        docs_url=None,
        redoc_url=None,
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
    portal = Portal(hub, environments())
    app.include_router(portal_router(portal))

    @app.exception_handler(404)
    def not_found(request: Request, _error: Exception) -> HTMLResponse:
        # The same page as every portal denial: absence and refusal look alike.
        return portal.not_found(portal.visit(request))

    return app
