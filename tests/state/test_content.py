"""state/content.py: a path no route claims, as its page shows it (a page, a custom type's
list or item with its declared fields, or not found)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, Field

from db.content import FIELD_MODELS, SafeHtml, fields_model
from db.core import config
from db.core.cache import posts_cache
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import ContentItem, ContentType
from state.content import ContentState
from tests.state.conftest import Tab, drive

pytestmark = pytest.mark.anyio


class GameFields(BaseModel):
    players: int | None = Field(default=None, title="Players")
    rules: SafeHtml = ""
    motto: str = ""


@pytest.fixture
def site(database: str):
    posts_cache.clear()
    now = utcnow()

    def add(wp_id: int, post_type: str, slug: str, **values: Any) -> None:
        session.add(
            ContentItem(
                wp_id=wp_id,
                post_type=post_type,
                slug=slug,
                title=values.pop("title", slug.title()),
                published_at=now - timedelta(minutes=wp_id),
                **values,
            )
        )

    with session_scope(write=True) as session:
        session.add(ContentType(name="page", rest_base="pages", label="Pages", hierarchical=True))
        session.add(ContentType(name="game", rest_base="games", label="Games"))
        add(1, "page", "about", content_html="<p>About us.</p>")
        add(2, "page", "team", parent_wp_id=1)
        add(3, "page", "secret", status="draft")
        add(
            11,
            "game",
            "go",
            fields={
                "players": "2",
                "rules": "<p onclick='x()'>Surround</p>",
                "motto": "<b>calm</b>",
            },
        )
        add(12, "game", "chess", fields={"players": "two"})
    fields_model("game", GameFields)
    yield
    FIELD_MODELS.pop("game", None)


async def open_path(tab: Tab, path: str) -> ContentState:
    tab.open(path)
    state = await tab.state(ContentState)
    await drive(state.load_content())
    return state


async def test_a_child_page_is_shown_at_its_path(tab: Tab, site):
    state = await open_path(tab, "/about/team")
    assert (state.found, state.view, state.title) == (True, "item", "Team · Atoll")
    assert state.item["href"] == "/about/team" and state.base == ""
    assert state.canonical == config.site_url() + "/about/team"


async def test_a_custom_type_lists_its_items_newest_first(tab: Tab, site):
    state = await open_path(tab, "/games")
    assert (state.found, state.view, state.title, state.base) == (
        True,
        "list",
        "Atoll · Games",
        "/games",
    )
    assert [i["href"] for i in state.items] == ["/games/go", "/games/chess"]


async def test_an_item_shows_its_declared_fields_text_as_text_html_sanitized(tab: Tab, site):
    state = await open_path(tab, "/games/go")
    assert (state.view, state.title, state.heading) == ("item", "Go · Atoll", "Games")
    assert state.fields == [
        {"name": "players", "label": "Players", "value": "2", "html": ""},
        {"name": "rules", "label": "Rules", "value": "", "html": "<p>Surround</p>"},
        {"name": "motto", "label": "Motto", "value": "<b>calm</b>", "html": ""},
    ]
    chess = await open_path(tab, "/games/chess")
    assert chess.fields == []  # "two" is not a number: the default, which is empty


@pytest.mark.parametrize("path", ["/secret", "/team", "/games/nope", "/pages", "/nothing/here"])
async def test_anything_else_is_not_found(tab: Tab, site, path):
    state = await open_path(tab, path)
    assert (state.found, state.view, state.title, state.item) == (
        False,
        "",
        "Atoll · Not found",
        {},
    )
