"""The admin dashboard in Chromium: the activity chart, the WordPress tab, the outbox, and a
full sync's progress followed live."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from db import admin
from db.core.engine import session_scope
from db.core.types import utcnow
from db.models import Comment, Outbox, SyncEvent
from tests.chromium import browser_context, wait_until_live
from tests.factories import make_user, sign_in, user_ctx
from tests.server import AppServer

pytestmark = pytest.mark.browser

AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    """axe-core's findings on the page as it is now (a tab opened, a run in progress)."""
    return [item["id"] for item in AXE.run(page).response["violations"]]


@pytest.fixture
def admin_id(app_db: str) -> int:
    return make_user(f"admin-{uuid.uuid4().hex[:8]}@example.com", role="admin")


@contextmanager
def admin_page(browser: Browser, app_server: AppServer, admin_id: int) -> Iterator[Page]:
    """``/admin`` open, live, for a signed-in admin, on a desktop-sized window."""
    with browser_context(
        browser,
        app_server.base_url,
        session=sign_in(admin_id),
        viewport={"width": 1280, "height": 900},
    ) as context:
        page = context.new_page()
        page.goto("/admin")
        wait_until_live(page)
        yield page


@pytest.fixture
def dashboard(browser: Browser, app_server: AppServer, admin_id: int) -> Iterator[Page]:
    """:func:`admin_page` for a whole test, opened before it arranges anything."""
    with admin_page(browser, app_server, admin_id) as page:
        expect(page.locator("#admin-dashboard")).to_be_visible()
        yield page


def today(admin_id: int) -> admin.ActivityDay:
    """Today's figures as the dashboard reads them."""
    with session_scope() as session:
        return admin.activity(session, user_ctx(admin_id))[-1]


def tooltip_items(page: Page) -> dict[str, str]:
    """The chart tooltip's rows: series name → value."""
    tooltip = page.locator("#activity-chart .recharts-tooltip-wrapper")
    expect(tooltip.locator(".recharts-tooltip-item").first).to_be_visible()
    names = tooltip.locator(".recharts-tooltip-item-name").all_inner_texts()
    values = tooltip.locator(".recharts-tooltip-item-value").all_inner_texts()
    return dict(zip(names, values, strict=True))


def hover_today(page: Page) -> None:
    """Point at the last (today's) day of the chart's plot area."""
    grid = page.locator("#activity-chart .recharts-cartesian-grid")
    box = grid.bounding_box()
    assert box is not None
    page.mouse.move(0, 0)
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)


def test_the_chart_has_bars_a_legend_that_toggles_and_a_tooltip_with_the_days_figures(
    dashboard: Page, admin_id: int
) -> None:
    page = dashboard
    with session_scope(write=True) as session:  # on no post's page: only the chart sees it
        session.add(Comment(post_slug="admin-chart", author_name="Chart", content="Counted."))
    page.reload()
    wait_until_live(page)
    figures = today(admin_id)
    assert figures.comments >= 1

    chart = page.locator("#activity-chart")
    expect(chart.locator(".recharts-bar")).to_have_count(3)
    expect(chart.locator(".recharts-line, .recharts-line-dots")).to_have_count(0)  # no dots
    legend = chart.get_by_role("group", name="Series shown").get_by_role("button")
    expect(legend).to_have_text(["Likes", "Ratings", "Comments"])
    for button in legend.all():
        expect(button).to_have_attribute("aria-pressed", "true")

    hover_today(page)
    expect(chart.locator(".recharts-tooltip-label")).to_have_text(figures.day)
    assert tooltip_items(page) == {
        "Likes": str(figures.likes),
        "Ratings": str(figures.ratings),
        "Comments": str(figures.comments),
    }

    page.locator("#legend-likes").click()
    expect(page.locator("#legend-likes")).to_have_attribute("aria-pressed", "false")
    expect(chart.locator(".recharts-bar")).to_have_count(2)
    hover_today(page)
    expect(chart.locator(".recharts-tooltip-item-name")).to_have_count(2)
    assert tooltip_items(page) == {
        "Ratings": str(figures.ratings),
        "Comments": str(figures.comments),
    }

    page.locator("#legend-likes").click()
    expect(page.locator("#legend-likes")).to_have_attribute("aria-pressed", "true")
    expect(chart.locator(".recharts-bar")).to_have_count(3)


def test_the_wordpress_tab_says_how_to_connect_wordpress(dashboard: Page) -> None:
    dashboard.get_by_role("tab", name="WordPress").click()
    empty = dashboard.locator("#wordpress-empty")
    expect(empty).to_be_visible()
    expect(empty.get_by_role("heading")).to_have_text("WordPress is not connected")
    for needed in ("WORDPRESS_URL", "WORDPRESS_WEBHOOK_SECRET", "“WordPress → libSQL”"):
        expect(empty).to_contain_text(needed)
    expect(dashboard.locator("#sync-now")).to_have_count(0)  # nothing to sync from
    assert axe_violations(dashboard) == []


def test_sent_mail_has_no_next_attempt(browser: Browser, app_server: AppServer, admin_id: int):
    tag = uuid.uuid4().hex[:8]
    # Dated ahead of every other row, so both are on the list's first page (newest first).
    later = datetime(2100, 1, 1, tzinfo=UTC)
    due = datetime(2100, 1, 2, 9, 30, tzinfo=UTC)
    with session_scope(write=True) as session:
        session.add(
            Outbox(
                kind=f"test.sent-{tag}",
                payload={},
                status="sent",
                attempts=1,
                created_at=later,
                next_attempt_at=due,
                sent_at=utcnow(),
            )
        )
        session.add(
            Outbox(
                kind=f"test.failed-{tag}",
                payload={},
                status="failed",
                attempts=5,
                created_at=later,
                next_attempt_at=due,
                last_error="Mailbox unavailable",
            )
        )
    with admin_page(browser, app_server, admin_id) as page:
        page.get_by_role("tab", name="Outbox").click()
        sent = page.locator(".admin-outbox-row", has_text=f"test.sent-{tag}")
        failed = page.locator(".admin-outbox-row", has_text=f"test.failed-{tag}")
        expect(sent.locator(".outbox-due")).to_have_text("—")
        expect(sent.locator(".outbox-sent time")).to_have_count(1)
        expect(sent.get_by_role("button", name="Retry now")).to_have_count(0)
        expect(failed.locator(".outbox-due time")).to_have_attribute(
            "datetime", "2100-01-02T09:30:00Z"
        )
        expect(failed.locator(".outbox-sent")).to_have_text("—")
        expect(failed.get_by_role("button", name="Retry now")).to_be_visible()


def test_a_running_full_sync_shows_live_progress_until_it_ends(
    browser: Browser, app_server: AppServer, admin_id: int
) -> None:
    """The worker's side is played by this test, writing the run's checkpoint as the worker
    does after each page (``db/wordpress/sync.py``): this server has no WordPress, so its
    worker leaves the run alone. The page follows it with the same background poll that
    "Sync now" starts."""
    with session_scope(write=True) as session:
        run = SyncEvent(source="full", status="processing", attempts=1, next_page=3)
        session.add(run)
        session.flush()
        run_id = run.id

    def checkpoint(**values: object) -> None:
        with session_scope(write=True) as session:
            row = session.exec(select(SyncEvent).where(SyncEvent.id == run_id)).one()
            for name, value in values.items():
                setattr(row, name, value)

    try:
        with admin_page(browser, app_server, admin_id) as page:
            page.get_by_role("tab", name="WordPress").click()
            progress = page.locator("#sync-progress")
            expect(progress).to_contain_text("Full sync running: 2 pages of posts copied")
            expect(progress.get_by_role("progressbar")).to_be_visible()
            assert axe_violations(page) == []

            checkpoint(next_page=5)
            expect(progress).to_contain_text("4 pages of posts copied")

            checkpoint(next_page=6, status="done", processed_at=utcnow())
            expect(page.locator("#sync-finished")).to_have_text(
                "Full sync finished: 5 pages of posts copied."
            )
            expect(progress).to_have_count(0)
    finally:
        checkpoint(status="done", processed_at=utcnow())
