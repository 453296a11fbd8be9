"""The Reflex app: pages from the route table, HTTP endpoints in front."""

from __future__ import annotations

import reflex as rx

from app import runtime
from app.api import build_api
from app.pages import not_found
from app.routes import ROUTES
from app.tasks import LIFESPAN_TASKS
from state.site import SiteState

runtime.require_shared_state()  # before anything starts: several workers need Redis

app = rx.App(
    api_transformer=build_api(),
    stylesheets=["/styles.css"],
    backend_exception_handler=runtime.backend_exception_handler,
)

for route in ROUTES:
    app.add_page(
        route.component,
        route=route.path,
        title=route.title,
        on_load=[SiteState.ensure_visitor, *route.on_load],
    )

app.add_page(not_found.page, route="404", title="Atoll · Not found", on_load=SiteState.ensure_visitor)

for task in LIFESPAN_TASKS:
    app.register_lifespan_task(task)
