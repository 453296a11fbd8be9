"""The star rating in a real browser: mouse, keyboard, live summaries and the no-JavaScript form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import col, func, select, update

from db.core.engine import session_scope
from db.models import Post, Rating
from db.ratings import average
from tests.chromium import browser_context, visitors, wait_until_live
from tests.server import AppServer


def label(stars: int) -> str:
    return "1 star" if stars == 1 else f"{stars} stars"


def expected_summary(count: int, total: int) -> str:
    """The line the island must show for these numbers, written out independently of the app."""
    if count == 0:
        return "No ratings yet"
    return f"{average(count, total):.1f} · {count} rating{'' if count == 1 else 's'}"


def stored(slug: str) -> tuple[int, int]:
    """COUNT(*) and SUM(stars) over the app's rows for ``slug``."""
    with session_scope() as session:
        count, total = session.exec(
            select(func.count(), func.coalesce(func.sum(Rating.stars), 0)).where(
                Rating.post_slug == slug
            )
        ).one()
    return count, total


def open_post(page: Page, slug: str) -> tuple[int, int]:
    """Open a post, wait until its rating has loaded, and return the stored (count, total)."""
    page.goto(f"/blog/{slug}")
    wait_until_live(page)
    expect(page.locator("#post-title")).to_be_visible()
    count, total = stored(slug)
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count, total))
    return count, total


def star(page: Page, stars: int):
    return page.get_by_role("radiogroup", name="Rate this post").get_by_role(
        "radio", name=label(stars), exact=True
    )


def expect_checked(page: Page, stars: int | None) -> None:
    """Exactly ``stars`` is checked and is the one tab stop (the first star when none is)."""
    for n in range(1, 6):
        expect(star(page, n)).to_have_attribute("aria-checked", "true" if n == stars else "false")
        expect(star(page, n)).to_have_attribute("tabindex", "0" if n == (stars or 1) else "-1")


@pytest.fixture
def context(browser: Browser, app_server: AppServer) -> Iterator[BrowserContext]:
    """A fresh browser profile: a new visitor with no ratings."""
    with browser_context(browser, app_server.base_url) as ctx:
        yield ctx


def test_clicking_a_star_changes_the_average_and_count(context: BrowserContext, app_db: str):
    page = context.new_page()
    count, total = open_post(page, "why-libsql")
    expect_checked(page, None)
    star(page, 4).click()
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 4))
    expect_checked(page, 4)
    star(page, 2).click()  # a change, not a second rating
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 2))
    expect_checked(page, 2)
    assert stored("why-libsql") == (count + 1, total + 2)
    page.reload()
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 2))
    expect_checked(page, 2)


def tab_into_the_stars(page: Page) -> int:
    """From the post's like button, Tab until a star has focus; the number of presses."""
    page.locator(".like-button").focus()
    for presses in range(1, 4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.classList.contains('rating-star')"):
            return presses
    raise AssertionError("no star within 3 Tab presses of the like button")


def test_the_keyboard_moves_and_rates_like_a_radio_group(context: BrowserContext, app_db: str):
    """Arrows only move the checked star (nothing stored), Enter stores it as one rating, and
    leaving the group with Tab stores a star the arrows moved to since."""
    page = context.new_page()
    page.set_viewport_size({"width": 800, "height": 360})  # short, so arrow keys could scroll
    slug = "islands-of-interactivity"
    count, total = open_post(page, slug)
    assert tab_into_the_stars(page) == 1  # the group is one Tab stop: nothing rated, star 1
    expect(star(page, 1)).to_be_focused()
    expect_checked(page, None)

    scrolled = "window.scrollY"
    assert page.evaluate("document.documentElement.scrollHeight - innerHeight - scrollY") > 100
    top = page.evaluate(scrolled)
    for press, stars in (
        ("ArrowRight", 2),
        ("ArrowUp", 3),
        ("End", 5),
        ("ArrowRight", 5),
        ("ArrowLeft", 4),
        ("ArrowDown", 3),
        ("Home", 1),
        ("ArrowLeft", 1),
        ("ArrowRight", 2),
    ):
        page.keyboard.press(press)
        expect(star(page, stars)).to_be_focused()
        expect_checked(page, stars)
        assert page.evaluate(scrolled) == top  # the keys move the selection, not the page
        assert stored(slug) == (count, total)  # … and store nothing
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count, total))

    page.keyboard.press("Enter")  # stores the checked star: one rating
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 2))
    assert stored(slug) == (count + 1, total + 2)
    expect_checked(page, 2)

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(star(page, 4)).to_be_focused()
    expect_checked(page, 4)
    assert stored(slug) == (count + 1, total + 2)
    page.keyboard.press("Tab")  # leaving the group stores the star the arrows moved to
    expect(star(page, 4)).not_to_be_focused()
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 4))
    assert stored(slug) == (count + 1, total + 4)
    page.keyboard.press("Shift+Tab")  # comes back to the checked star
    expect(star(page, 4)).to_be_focused()
    expect_checked(page, 4)


def test_hovering_previews_the_stars(context: BrowserContext, app_db: str):
    page = context.new_page()
    count, total = open_post(page, "hello-atoll")
    fills = (
        "n => getComputedStyle(document.querySelector(`.rating-star[data-stars='${n}'] svg`)).fill"
    )

    def filled() -> list[bool]:
        return [page.evaluate(fills, n) != "none" for n in range(1, 6)]

    assert filled() == [False] * 5
    star(page, 3).hover()
    assert filled() == [True, True, True, False, False]
    star(page, 5).hover()
    assert filled() == [True] * 5
    page.locator("#post-title").hover()
    assert filled() == [False] * 5  # a preview only: nothing was rated
    assert stored("hello-atoll") == (count, total)
    expect_checked(page, None)


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_enter_or_space_rates_the_focused_star(context: BrowserContext, app_db: str, key: str):
    page = context.new_page()
    count, total = open_post(page, "why-libsql")
    tab_into_the_stars(page)
    expect(star(page, 1)).to_be_focused()
    page.keyboard.press(key)
    expect_checked(page, 1)
    expect(page.locator(".rating-summary")).to_have_text(expected_summary(count + 1, total + 1))
    assert stored("why-libsql") == (count + 1, total + 1)


def test_a_second_browser_sees_the_new_average_live(
    browser: Browser, app_server: AppServer, app_db: str
):
    with visitors(browser, app_server.base_url) as [first, second]:
        count, total = open_post(first, "hello-atoll")
        open_post(second, "hello-atoll")
        star(first, 5).click()
        expect(first.locator(".rating-summary")).to_have_text(
            expected_summary(count + 1, total + 5)
        )
        expect(second.locator(".rating-summary")).to_have_text(
            expected_summary(count + 1, total + 5)
        )  # no reload
        expect_checked(second, None)  # the second visitor has rated nothing


def test_a_failed_rating_shows_a_toast_and_unchecks_the_star(context: BrowserContext, app_db: str):
    page = context.new_page()
    count, total = open_post(page, "hello-atoll")
    with session_scope(write=True) as session:  # the post is unpublished while the page is open
        session.execute(update(Post).where(col(Post.slug) == "hello-atoll").values(status="draft"))
    try:
        star(page, 3).click()
        expect(page.get_by_text("Post not found.")).to_be_visible()
        expect_checked(page, None)
        expect(page.locator(".rating-summary")).to_have_text(expected_summary(count, total))
        assert stored("hello-atoll") == (count, total)
    finally:
        with session_scope(write=True) as session:
            session.execute(
                update(Post).where(col(Post.slug) == "hello-atoll").values(status="publish")
            )


def test_without_javascript_a_star_posts_the_form(
    browser: Browser, app_server: AppServer, app_db: str
):
    """With JavaScript off the server-rendered post page's stars are submit buttons of a
    plain form posting ``ratings.rate``."""
    slug = "why-libsql"
    count, total = stored(slug)
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        plain = context.new_page()
        plain.goto(f"/blog/{slug}")
        form = plain.locator("form.star-rating[action='/api/actions/ratings.rate']")
        expect(form.locator("input[name=post_slug]")).to_have_attribute("value", slug)
        form.get_by_role("radio", name="3 stars").click()
        expect(plain.locator("#outcome")).to_have_text("Saved. Thank you!")
        assert plain.url.endswith("/api/actions/ratings.rate")
        assert stored(slug) == (count + 1, total + 3)
        plain.locator("#back").click()
        assert plain.url.endswith(f"/blog/{slug}")
        expect(
            plain.locator("form.star-rating[action='/api/actions/ratings.rate']")
        ).to_contain_text(f"{count + 1} rating{'' if count == 0 else 's'}")
