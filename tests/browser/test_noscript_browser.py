"""A post page with JavaScript off: the server-rendered fallback shows it and its forms work."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect
from sqlmodel import func, select

from db.engine import session_scope
from db.models import Comment
from tests.server import AppServer


def test_post_page_renders_and_its_forms_post_without_javascript(
    browser: Browser, app_server: AppServer, app_db: str
):
    context = browser.new_context(base_url=app_server.base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/blog/hello-atoll")
        expect(page.get_by_role("heading", name="Hello, Atoll")).to_be_visible()
        like = page.locator(".atoll-noscript form[action='/api/actions/likes.toggle'] button")
        before = int(like.inner_text().split("(")[1].rstrip(")"))
        like.click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
        page.locator("#back").click()
        expect(page.locator(".atoll-noscript form[action='/api/actions/likes.toggle'] button")).to_have_text(
            f"Unlike ({before + 1})"
        )
        page.fill("#ns-author", "Plain Form")
        page.fill("#ns-content", "No <script> needed")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
        with session_scope() as session:
            stored = session.exec(
                select(func.count()).select_from(Comment).where(Comment.author_name == "Plain Form")
            ).one()
        assert stored == 1
        page.locator("#back").click()
        expect(page.locator(".atoll-noscript")).to_contain_text("No <script> needed")
    finally:
        context.close()


def test_unknown_post_answers_404_and_members_only_content_is_never_in_the_html(app_server: AppServer):
    missing = httpx.get(app_server.base_url + "/blog/no-such-post")
    assert missing.status_code == 404
    assert "There is no post at this address." in missing.text
    found = httpx.get(app_server.base_url + "/blog/hello-atoll")
    assert found.status_code == 200
    assert "<noscript>" in found.text
