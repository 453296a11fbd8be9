"""A post page with JavaScript off.

The server-rendered page shows it, and its islands' forms work.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from sqlmodel import func, select

from db.core.engine import session_scope
from db.models import Comment, LikeCount
from tests.chromium import browser_context
from tests.server import AppServer


def test_post_page_renders_and_its_forms_post_without_javascript(
    browser: Browser, app_server: AppServer, app_db: str
):
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/blog/hello-atoll")
        expect(page.locator("#post-title")).to_have_text("Hello, Atoll")
        before = likes("hello-atoll")
        page.locator("form.like-form button").click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
        assert likes("hello-atoll") == before + 1
        page.locator("#back").click()
        page.fill("#comment-form-author", "Plain Form")
        page.fill("#comment-form-content", "No <script> needed")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
        with session_scope() as session:
            stored = session.exec(
                select(func.count()).select_from(Comment).where(Comment.author_name == "Plain Form")
            ).one()
        assert stored == 1
        page.locator("#back").click()
        # A new comment drops the cached page at once.
        expect(page.locator("#comment-list")).to_contain_text("No <script> needed")


def likes(slug: str) -> int:
    with session_scope() as session:
        return session.exec(select(LikeCount.likes).where(LikeCount.post_slug == slug)).first() or 0
