"""The ASGI application: routes, guards and error handling around one Service."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.core.engine import Engine
from bot.core.refresh import FeedRefresher, refreshing
from bot.http import errors, openai_compat, routes
from bot.http.guards import BodyLimit
from bot.http.service import Service
from bot.llm.client import LLMClient
from bot.settings import Settings


def create_app(settings: Settings, engine: Engine, llm: LLMClient | None = None) -> FastAPI:
    service = Service(settings, engine, llm)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # --feeds/--refresh: pull on schedule while serving; the engine swaps in each new version by itself
        async with refreshing(FeedRefresher.from_settings(engine, settings), settings.feed_refresh_seconds):
            yield
        service.close()

    # No /docs or /redoc: they load their scripts from a CDN, and xunda works offline.
    app = FastAPI(title="xunda", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.service = service
    errors.install(app)
    app.include_router(routes.public)
    app.include_router(routes.api)
    app.include_router(openai_compat.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # off unless configured: by default no other site's page may call the API
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app
