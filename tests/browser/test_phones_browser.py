"""Phones and navigation, in Chromium: every page fits a 320–430 px screen, the header's
menu is a disclosure that works by keyboard and without JavaScript, touch targets are
44 px, and the nav says where the visitor is.

Each page is photographed at both phone sizes into ``tests/.artifacts/screenshots/`` (kept
after the run, ignored by git) for a person to look over.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

from db.core.engine import session_scope
from db.models import PostTerm, Subscriber, Term
from tests.chromium import browser_context, wait_until_live
from tests.factories import make_post, make_user, sign_in
from tests.server import ROOT, AppServer, use_database
from tests.waiting import eventually

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "tests" / ".artifacts" / "screenshots"
PHONES = {"390": {"width": 390, "height": 844}, "320": {"width": 320, "height": 640}}
DESKTOP = {"width": 1280, "height": 800}
TOUCH = 44
"""The smallest touch target, in CSS pixels (WCAG 2.5.5, Apple's and Google's guides)."""

TAG = uuid.uuid4().hex[:6]
POST = f"small-screens-{TAG}"
CATEGORY = f"handhelds-{TAG}"
POST_TAG = f"pocket-{TAG}"
LONG_EMAIL = f"a-rather-long-newsletter-address-{TAG}@subscribers.example.com"
"""No spaces to break at: wider than a phone, so the subscribers table must scroll."""

PAGES = [
    ("visitor", "/"),
    ("visitor", "/blog"),
    ("visitor", f"/blog/{POST}"),
    ("visitor", "/guestbook"),
    ("visitor", "/contact"),
    ("visitor", "/login"),
    ("visitor", "/signup"),
    ("visitor", "/no-such-page"),
    ("member", "/members"),
    ("member", "/account"),
    ("admin", "/admin"),
]
VISITOR_LINKS = ["Home", "Blog", "Guestbook", "Contact", "Sign in", "Sign up"]


@pytest.fixture(scope="module")
def sessions(app_server: AppServer) -> dict[str, str]:
    """Session tokens of a member and an admin (none for a visitor), a post filed under a
    category and a tag, and a subscriber whose address is wider than a phone."""
    with use_database(app_server.database_url):
        post = make_post(POST, title="Reading on a small screen", content_html="<p>Short.</p>")
        with session_scope(write=True) as session:
            category = Term(taxonomy="category", slug=CATEGORY, name="Handhelds")
            tag = Term(taxonomy="tag", slug=POST_TAG, name="Pocket")
            session.add_all([category, tag, Subscriber(email=LONG_EMAIL, status="active")])
            session.flush()
            assert post.id is not None and category.id is not None and tag.id is not None
            session.add_all(
                [
                    PostTerm(post_id=post.id, term_id=category.id),
                    PostTerm(post_id=post.id, term_id=tag.id),
                ]
            )
        member = make_user(f"phone-member-{TAG}@example.com", display_name="Pocket Member")
        admin = make_user(
            f"phone-admin-{TAG}@example.com", role="admin", display_name="Pocket Admin"
        )
        return {"visitor": "", "member": sign_in(member), "admin": sign_in(admin)}


@pytest.fixture
def open_page(
    browser: Browser, app_server: AppServer, sessions: dict[str, str]
) -> Iterator[Callable[..., Page]]:
    """``open_page(role, viewport, **context_options)``: a fresh browser profile signed in
    as ``role``, closed (and checked for CSP violations) after the test."""
    with ExitStack() as stack:

        def open_as(role: str, viewport: dict[str, int], **options: object) -> Page:
            context = stack.enter_context(
                browser_context(
                    browser,
                    app_server.base_url,
                    session=sessions[role],
                    viewport=viewport,
                    **options,
                )
            )
            return context.new_page()

        yield open_as


def visit(page: Page, path: str) -> None:
    """Open ``path`` and wait until it is live and its islands' first loads are done."""
    page.goto(path)
    wait_until_live(page)
    page.wait_for_load_state("networkidle")


def page_width(page: Page) -> dict[str, int]:
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )


def assert_fits(page: Page) -> None:
    """Nothing on the page is wider than the window: no sideways scrolling."""
    width = page_width(page)
    assert width["scroll"] <= width["inner"], width


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shot_name(size: str, role: str, path: str, suffix: str = "") -> str:
    """A file name that stays the same from run to run (the test post's slug does not)."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.replace(POST, "post").lower()).strip("-") or "home"
    return f"{size}-{role}-{slug}{suffix}"


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} has no box (not visible)"
    return found


def menu(page: Page) -> tuple[Locator, Locator]:
    """The header's disclosure: its button and its links."""
    return page.locator("summary.site-menu-button"), page.locator("#site-nav .site-nav-link")


# ------------------------------------------------------------------------------ phones


@pytest.mark.parametrize("size", list(PHONES))
@pytest.mark.parametrize(("role", "path"), PAGES)
def test_every_page_fits_a_phone_closed_and_with_the_menu_open(
    open_page: Callable[..., Page], size: str, role: str, path: str
) -> None:
    page = open_page(role, PHONES[size])
    visit(page, path)
    if path == "/admin":
        expect(page.locator("#admin-dashboard")).to_be_visible()
    assert_fits(page)
    screenshot(page, shot_name(size, role, path))

    button, links = menu(page)
    expect(links.first).to_be_hidden()
    button.click()
    expect(links.first).to_be_visible()
    assert_fits(page)
    screenshot(page, shot_name(size, role, path, "-menu"))


@pytest.mark.parametrize("size", list(PHONES))
def test_every_admin_tab_fits_and_a_wide_table_scrolls_in_its_own_box(
    open_page: Callable[..., Page], size: str
) -> None:
    page = open_page("admin", PHONES[size])
    visit(page, "/admin")
    tabs = page.get_by_role("tab")
    expect(tabs.first).to_be_visible()
    assert tabs.count() >= 6  # comments, guestbook, inbox, subscribers, outbox, WordPress
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        bounds = box(tab)
        assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= PHONES[size]["width"]
        assert_fits(page)

    page.get_by_role("tab", name="Subscribers").click()
    expect(page.locator(".admin-subscribers-row", has_text=LONG_EMAIL)).to_have_count(1)
    screenshot(page, shot_name(size, "admin", "/admin", "-subscribers"))
    region = page.get_by_role("region", name="Subscribers")
    expect(region).to_have_attribute("tabindex", "0")
    sizes = region.evaluate("(r) => ({scroll: r.scrollWidth, client: r.clientWidth})")
    assert sizes["scroll"] > sizes["client"], sizes  # the table is wider; the box scrolls
    assert_fits(page)

    region.focus()  # a keyboard user reaches it with Tab, then scrolls it with the arrows
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    eventually(lambda: region.evaluate("(r) => r.scrollLeft") > 0)


def test_the_menu_opens_and_closes_with_the_keyboard(open_page: Callable[..., Page]) -> None:
    page = open_page("visitor", PHONES["390"])
    visit(page, "/")
    button, links = menu(page)
    expect(links).to_have_count(len(VISITOR_LINKS))
    expect(links.first).to_be_hidden()

    for _ in range(10):  # Tab from the top of the page to the menu button
        page.keyboard.press("Tab")
        if button.evaluate("(b) => b === document.activeElement"):
            break
    expect(button).to_be_focused()
    expect(button).to_have_text("Menu")
    expect(button).to_have_attribute("aria-controls", "site-nav")

    page.keyboard.press("Enter")
    expect(page.locator("#site-menu")).to_have_attribute("open", "")
    for name in VISITOR_LINKS:  # every link is next in the tab order, and visible
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_text(name)
        expect(focused).to_be_visible()

    page.keyboard.press("Escape")
    expect(links.first).to_be_hidden()
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    expect(links.first).to_be_visible()
    page.keyboard.press("Enter")
    expect(links.first).to_be_hidden()


def test_the_menu_needs_no_javascript(open_page: Callable[..., Page]) -> None:
    page = open_page("visitor", PHONES["320"], java_script_enabled=False)
    page.goto("/blog")
    button, links = menu(page)
    expect(links.first).to_be_hidden()
    button.click()
    expect(links).to_have_count(len(VISITOR_LINKS))
    for index in range(len(VISITOR_LINKS)):
        expect(links.nth(index)).to_be_visible()
    assert_fits(page)
    button.click()
    expect(links.first).to_be_hidden()


def test_on_a_desktop_the_links_are_one_row_without_a_menu_button(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("visitor", DESKTOP, java_script_enabled=False)
    page.goto("/")
    button, links = menu(page)
    expect(button).to_be_hidden()
    expect(links).to_have_count(len(VISITOR_LINKS))
    tops = {round(box(links.nth(i))["y"]) for i in range(len(VISITOR_LINKS))}
    assert len(tops) == 1, tops


def assert_touch_target(locator: Locator) -> None:
    bounds = box(locator)
    assert bounds["width"] >= TOUCH and bounds["height"] >= TOUCH, (locator, bounds)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("visitor", f"/blog/{POST}"),
        ("visitor", "/contact"),
        ("visitor", "/login"),
        ("member", "/account"),
    ],
)
def test_touch_targets_are_44_px_on_a_phone(
    open_page: Callable[..., Page], role: str, path: str
) -> None:
    page = open_page(role, PHONES["390"])
    visit(page, path)
    button, links = menu(page)
    assert_touch_target(button)
    button.click()
    expect(links.first).to_be_visible()
    targets = page.locator("#site-nav .site-nav-link")  # links, and "Sign out" when signed in
    assert targets.count() >= 4
    for index in range(targets.count()):
        assert_touch_target(targets.nth(index))
    button.click()

    buttons = page.locator("main button:visible, footer button:visible")
    assert buttons.count() >= 2  # the page's own form or controls, and the newsletter's
    for index in range(buttons.count()):
        assert_touch_target(buttons.nth(index))
    if path.startswith("/blog/"):
        expect(page.locator(".like-button")).to_have_count(1)
        expect(page.locator(".rating-star")).to_have_count(5)


# -------------------------------------------------------------------------- navigation


@pytest.mark.parametrize(
    ("path", "label", "current"),
    [
        ("/", "Home", "page"),
        ("/blog", "Blog", "page"),
        ("/guestbook", "Guestbook", "page"),
        ("/contact", "Contact", "page"),
        ("/login", "Sign in", "page"),
        ("/signup", "Sign up", "page"),
        (f"/blog/{POST}", "Blog", "true"),
        (f"/blog/category/{CATEGORY}", "Blog", "true"),
    ],
)
def test_the_nav_marks_the_current_page_in_the_server_html(
    open_page: Callable[..., Page], path: str, label: str, current: str
) -> None:
    """With JavaScript off the page is the server's HTML alone: the mark is already there."""
    page = open_page("visitor", DESKTOP, java_script_enabled=False)
    page.goto(path)
    marked = page.locator("#site-nav [aria-current]")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text(label)
    expect(marked).to_have_attribute("aria-current", current)


def test_the_mark_follows_the_visitor_around_the_live_site(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("member", DESKTOP)
    visit(page, "/")
    marked = page.locator("#site-nav [aria-current]")
    expect(marked).to_have_text("Home")
    page.locator("#site-nav").get_by_role("link", name="Guestbook").click()
    expect(page).to_have_url(re.compile(r"/guestbook$"))
    expect(marked).to_have_count(1)
    expect(marked).to_have_text("Guestbook")
    page.locator("#site-nav").get_by_role("link", name="Members").click()
    expect(page).to_have_url(re.compile(r"/members$"))
    expect(marked).to_have_text("Members")
    page.locator("#account-name").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(marked).to_have_text("Pocket Member")


def test_a_post_links_back_to_the_blog_and_to_its_category_and_tag(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("visitor", DESKTOP)
    visit(page, f"/blog/{POST}")
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link")
    expect(crumbs).to_have_count(2)
    expect(crumbs.nth(0)).to_have_text("Blog")
    expect(crumbs.nth(0)).to_have_attribute("href", "/blog")
    expect(crumbs.nth(1)).to_have_text("Handhelds")
    expect(crumbs.nth(1)).to_have_attribute("href", f"/blog/category/{CATEGORY}")
    expect(page.locator(f'.post-term[href="/blog/tag/{POST_TAG}"]')).to_have_text("Pocket")

    crumbs.nth(1).click()
    expect(page).to_have_url(re.compile(f"/blog/category/{CATEGORY}$"))
    expect(page.locator("#blog-heading")).to_contain_text("Handhelds")
    listed = page.locator("#post-list").get_by_role("link", name="Reading on a small screen")
    expect(listed).to_have_count(1)
    listed.click()
    expect(page).to_have_url(re.compile(f"/blog/{POST}$"))
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Blog").click()
    expect(page).to_have_url(re.compile(r"/blog$"))
    expect(page.locator("#blog-heading")).to_have_text("Blog")


LINK_LOOK = ["color", "font-family", "font-size", "font-weight", "background-color"]


def test_the_signed_in_header_is_one_line_at_1280_px_and_sign_out_looks_like_a_link(
    open_page: Callable[..., Page],
) -> None:
    page = open_page("admin", DESKTOP)
    visit(page, "/")
    expect(page.locator("#admin-link")).to_be_visible()
    items = page.locator(".site-header .site-brand, .site-header .site-nav-link")
    expect(items).to_have_count(1 + 4 + 4)  # Atoll; 4 pages; name, Members, Admin, Sign out
    centres = [
        round(b["y"] + b["height"] / 2) for b in (box(items.nth(i)) for i in range(items.count()))
    ]
    assert max(centres) - min(centres) <= 2, centres
    header = box(page.locator(".site-header"))
    assert header["height"] < 90, header
    screenshot(page, "1280-admin-home")

    sign_out = page.locator("#menu-sign-out button")
    expect(sign_out).to_have_text("Sign out")
    members = page.locator("#site-nav").get_by_role("link", name="Members")
    look = "(e, names) => names.map((n) => getComputedStyle(e).getPropertyValue(n))"
    assert sign_out.evaluate(look, LINK_LOOK) == members.evaluate(look, LINK_LOOK)
    assert sign_out.evaluate("(e) => getComputedStyle(e).borderTopWidth") == "0px"


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/login?next=/members", "Sign in to continue"), ("/login", "Sign in")],
)
def test_the_sign_in_heading_says_why_when_a_page_sent_the_visitor(
    open_page: Callable[..., Page], path: str, heading: str
) -> None:
    page = open_page("visitor", DESKTOP)
    visit(page, path)
    expect(page.locator("#login-heading")).to_have_text(heading)
