"""The Reflex app: pages from the route table, HTTP endpoints in front."""

from __future__ import annotations

from typing import Any

import reflex as rx

from app import runtime
from app.api import build_api
from app.api.guard import websocket_origin_allowed
from app.api.pages import rendered_pages
from app.render.snapshot import NOT_FOUND
from app.routes import ROUTES
from app.security import secure
from app.tasks import LIFESPAN_TASKS
from components.head import head_tags
from state.site import SiteState

runtime.require_shared_state()  # before anything starts: several workers need Redis
runtime.respawn_failed_workers()  # one dead worker must not stop the others

app = rx.App(
    api_transformer=[build_api(), rendered_pages, secure],
    stylesheets=["/styles.css"],
    backend_exception_handler=runtime.backend_exception_handler,
)

for route in ROUTES:
    head: dict[str, Any] = {}
    if route.head is not None:
        head = {
            "description": route.head.description,
            "image": route.head.og_image,
            "meta": head_tags(route.head, route.title),
        }
        if route.path == NOT_FOUND:
            # Reflex gives its not-found page a fixed image (``image or …``, which a state
            # var can't answer); twitter:image in the meta still follows the page.
            del head["image"]
    app.add_page(
        route.page,
        route=route.path,
        title=route.title,
        on_load=[SiteState.ensure_visitor, *route.on_load],
        **head,
    )

# Engine.IO checks the handshake's Origin against a list; a check that knows the request's
# own host admits this site under whatever name it was reached and nothing else.
if app.sio is not None:
    app.sio.eio.cors_allowed_origins = websocket_origin_allowed

for task in LIFESPAN_TASKS:
    app.register_lifespan_task(task)
