"""The ASGI application. Transports only translate; decisions live in services."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smt import __version__
from smt.composition import Hub


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

    return app
