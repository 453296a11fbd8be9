"""Dates in Chromium: one format on posts, comments and the guestbook, in the visitor's time
zone and language, relative times that keep up while the page is open, and server HTML (what
a page without JavaScript shows, and what hydration starts from) that is absolute UTC.

The visitor is in Tokyo (UTC+9 all year) reading German, the server in UTC: a date the server
formatted for itself would differ from the browser's, which hydration would report.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect
from sqlmodel import select

from db.core.actions import run_action
from db.core.engine import session_scope
from db.models import Comment, GuestbookEntry
from tests.chromium import browser_context, wait_until_live
from tests.factories import guestbook_payload, make_post, visitor_ctx
from tests.server import AppServer

TOKYO = ZoneInfo("Asia/Tokyo")
VISITOR = {"timezone_id": "Asia/Tokyo", "locale": "de-DE"}
# 20:30 UTC on the 12th is already the 13th in Tokyo: the page shows the visitor's day.
PUBLISHED = datetime(2025, 3, 12, 20, 30, tzinfo=UTC)
MONATE = [
    "Jan.",
    "Feb.",
    "März",
    "Apr.",
    "Mai",
    "Juni",
    "Juli",
    "Aug.",
    "Sept.",
    "Okt.",
    "Nov.",
    "Dez.",
]
WEEK_AND_A_DAY_MS = 8 * 86_400_000


def german_date(instant: datetime) -> str:
    """``13. März 2025``: what de-DE shows for a date over a week old, in Tokyo."""
    local = instant.astimezone(TOKYO)
    return f"{local.day}. {MONATE[local.month - 1]} {local.year}"


def german_full(instant: datetime) -> str:
    """``13. März 2025, 05:30 GMT+9``: the title, date and time with the zone."""
    return f"{german_date(instant)}, {instant.astimezone(TOKYO):%H:%M} GMT+9"


def utc_text(instant: datetime) -> str:
    """``12 Mar 2025, 20:30 UTC``: the server's HTML, whoever asks."""
    at = instant.astimezone(UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expect_date(time: Locator, text: str, title: str, instant: datetime) -> None:
    expect(time).to_have_text(text)
    expect(time).to_have_attribute("title", title)
    expect(time).to_have_attribute("datetime", iso(instant))


class Dated:
    """A post published on :data:`PUBLISHED` with one comment, and a guestbook entry."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.slug = f"dated-{tag}"
        self.comment_text = f"Dated comment {tag}"
        self.entry_text = f"Dated entry {tag}"
        make_post(self.slug, title=f"Dated {tag}", published_at=PUBLISHED)
        ctx = visitor_ctx()
        made = run_action(
            "comments.create",
            {"post_slug": self.slug, "author": "Zeitzone", "content": self.comment_text},
            ctx,
        )
        assert made.ok
        assert run_action("guestbook.add", guestbook_payload(content=self.entry_text), ctx).ok
        with session_scope() as session:
            comment = session.exec(select(Comment).where(Comment.content == self.comment_text))
            entry = session.exec(
                select(GuestbookEntry).where(GuestbookEntry.content == self.entry_text)
            )
            self.commented = comment.one().created_at
            self.signed = entry.one().created_at

    def post_date(self, page: Page) -> Locator:
        return page.locator("time.post-date")

    def comment_date(self, page: Page) -> Locator:
        return page.locator("article.comment", has_text=self.comment_text).locator("time")

    def entry_date(self, page: Page) -> Locator:
        return page.locator(".guestbook-entry", has_text=self.entry_text).locator("time")


@pytest.fixture
def dated(app_db: str, monkeypatch: pytest.MonkeyPatch) -> Dated:
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "off")  # this process writes the rows directly
    return Dated()


@pytest.fixture
def visitor(browser: Browser, app_server: AppServer) -> Iterator[BrowserContext]:
    with browser_context(browser, app_server.base_url, **VISITOR) as context:
        yield context


def test_dates_read_in_the_visitors_zone_and_language_and_stay_current(
    visitor: BrowserContext, dated: Dated
):
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"{message.type}: {message.text}")

    visitor.on("console", record)
    # The visitor's clock starts just after both were written, and moves only as the test says.
    visitor.clock.install(time=max(dated.commented, dated.signed) + timedelta(seconds=5))
    post, guestbook = visitor.new_page(), visitor.new_page()
    for page in (post, guestbook):
        page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    post.goto(f"/blog/{dated.slug}")
    guestbook.goto("/guestbook")
    for page in (post, guestbook):
        wait_until_live(page)
        page.wait_for_load_state("networkidle")

    # Over a week old: the date, in Tokyo's day; the title has the time and the zone.
    expect_date(dated.post_date(post), german_date(PUBLISHED), german_full(PUBLISHED), PUBLISHED)
    # Written seconds ago: relative, in German.
    expect_date(dated.comment_date(post), "jetzt", german_full(dated.commented), dated.commented)
    expect_date(dated.entry_date(guestbook), "jetzt", german_full(dated.signed), dated.signed)
    # Hydration started from the server's UTC text and found nothing to correct.
    assert problems == []

    visitor.clock.fast_forward("02:00")
    expect(dated.comment_date(post)).to_have_text("vor 2 Minuten")
    expect(dated.entry_date(guestbook)).to_have_text("vor 2 Minuten")
    visitor.clock.fast_forward("03:00:00")
    expect(dated.comment_date(post)).to_have_text("vor 3 Stunden")
    expect(dated.entry_date(guestbook)).to_have_text("vor 3 Stunden")

    # Past a week every date reads alike: a comment, an entry and a post.
    visitor.clock.fast_forward(WEEK_AND_A_DAY_MS)
    expect(dated.comment_date(post)).to_have_text(german_date(dated.commented))
    expect(dated.entry_date(guestbook)).to_have_text(german_date(dated.signed))
    expect(dated.post_date(post)).to_have_text(german_date(PUBLISHED))
    # (Jumping the clock may drop and reopen the websocket; only hydration is checked here.)
    assert [p for p in problems if "ydrat" in p or "#418" in p or "#425" in p] == []


def test_the_server_html_has_the_absolute_utc_date(
    browser: Browser, app_server: AppServer, dated: Dated
):
    options = {**VISITOR, "java_script_enabled": False}
    with browser_context(browser, app_server.base_url, **options) as context:
        page = context.new_page()
        page.goto(f"/blog/{dated.slug}")
        expect_date(dated.post_date(page), utc_text(PUBLISHED), utc_text(PUBLISHED), PUBLISHED)
        expect_date(
            dated.comment_date(page),
            utc_text(dated.commented),
            utc_text(dated.commented),
            dated.commented,
        )
        page.goto("/guestbook")
        expect_date(
            dated.entry_date(page), utc_text(dated.signed), utc_text(dated.signed), dated.signed
        )
