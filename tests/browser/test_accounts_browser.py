"""Accounts in Chromium: sign-up and sign-in forms, gated posts, sign-out, the admin page,
and what the websocket carries (never a hash, a token or someone else's email)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import Comment, ContactMessage, LikeCount, User
from tests.chromium import browser_context, visitors, wait_until_live
from tests.factories import PASSWORD, make_post, make_user, sign_in
from tests.server import AppServer
from tests.waiting import eventually

SECRET = "The lagoon's secret: the reef hums at low tide."


def address() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


class Frames:
    """Every websocket frame a page receives, as text."""

    def __init__(self, page: Page) -> None:
        self.received: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload: Any) -> None:
        self.received.append(
            payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        )

    def text(self) -> str:
        return "\n".join(self.received)


@pytest.fixture
def context(browser: Browser, app_server: AppServer) -> Iterator[BrowserContext]:
    with browser_context(browser, app_server.base_url) as ctx:
        yield ctx


@pytest.fixture
def members_post(app_db: str) -> str:
    """A members-only post in the app's database, with a sentence nobody else may see."""
    slug = f"members-{uuid.uuid4().hex[:6]}"
    make_post(
        slug,
        title="For members only",
        members_only=True,
        excerpt_html="<p>A members-only post.</p>",
        content_html=f"<p>{SECRET}</p>",
    )
    return slug


def signed_in_as(page: Page, name: str) -> None:
    expect(page.locator("#account-name")).to_have_text(name)


def sign_up(page: Page, email: str, name: str, *, next_path: str = "") -> None:
    page.goto("/signup" + (f"?next={next_path}" if next_path else ""))
    page.fill("#signup-email", email)
    page.fill("#signup-display_name", name)
    page.fill("#signup-password", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    signed_in_as(page, name)


def log_in(page: Page, email: str, *, password: str = PASSWORD) -> None:
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.get_by_role("button", name="Sign in").click()


def session_token(context: BrowserContext) -> str:
    return next(c.get("value", "") for c in context.cookies() if c.get("name") == "atoll_session")


def comments_loaded(page: Page) -> None:
    """The post's comment list (or "no comments yet") has come from the server."""
    expect(page.locator("#comment-list, #comments-empty")).to_be_visible()


def post_page_loaded(page: Page, slug: str, name: str) -> None:
    """Every load the page of post ``slug`` starts has been answered: the post, the header's
    account menu (showing ``name``), and the comments, rating and like islands (the like
    total as stored)."""
    wait_until_live(page)
    expect(page.locator("#post-title")).to_be_visible()
    signed_in_as(page, name)
    comments_loaded(page)
    expect(page.locator(".rating-summary")).to_have_text(re.compile(r"\S"))
    with session_scope() as session:
        likes = (
            session.exec(select(LikeCount.likes).where(LikeCount.post_slug == slug)).first() or 0
        )
    expect(page.locator(".like-count")).to_have_text(str(likes))


def stored(email: str) -> User | None:
    with session_scope() as session:
        return session.exec(select(User).where(User.email == email)).first()


# --------------------------------------------------------------------------- forms


def test_sign_up_signs_in_and_the_cookie_is_httponly(context: BrowserContext, app_db: str):
    page = context.new_page()
    email = address()
    sign_up(page, email, "Marina")
    user = stored(email)
    assert user is not None and user.display_name == "Marina"
    [cookie] = [c for c in context.cookies() if c.get("name") == "atoll_session"]
    assert cookie.get("httpOnly") is True and cookie.get("sameSite") == "Lax"
    assert page.evaluate("document.cookie").find("atoll_session") == -1  # scripts can't read it
    page.reload()
    signed_in_as(page, "Marina")


def test_sign_up_errors_appear_next_to_the_fields(context: BrowserContext, app_db: str):
    page = context.new_page()
    email = address()
    page.goto("/signup")
    page.fill("#signup-email", email)
    page.fill("#signup-display_name", "X")
    page.fill("#signup-password", "qwertyuiop")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#signup-display_name-error")).to_have_text(
        "Display name must be at least 2 characters."
    )
    expect(page.locator("#signup-password-error")).to_have_text(
        "This password is too common. Choose one that is harder to guess."
    )
    expect(page.locator("#signup-display_name")).to_be_focused()
    expect(page.locator(".form-error")).to_have_text("Please correct the highlighted fields.")
    assert stored(email) is None
    expect(page).to_have_url(re.compile(r"/signup/?$"))


def test_wrong_password_then_right_one_returns_to_the_page_asked_for(
    context: BrowserContext, app_db: str, members_post: str
):
    email = address()
    make_user(email, display_name="Nadia")
    page = context.new_page()
    page.goto("/members")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/members$"))
    log_in(page, email, password="not-my-password")
    expect(page.locator(".form-error")).to_have_text("The email or password is incorrect.")
    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/members/?$"))
    signed_in_as(page, "Nadia")
    expect(page.locator(".member-post-card").filter(has_text="For members only")).to_be_visible()


def test_without_javascript_sign_in_is_a_plain_form_post(
    browser: Browser, app_server: AppServer, app_db: str
):
    email = address()
    make_user(email)
    with browser_context(browser, app_server.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "wrong-password")
        page.locator("#login button[type=submit]").click()
        expect(page.locator("#outcome")).to_have_text("The email or password is incorrect.")
        assert not [c for c in context.cookies() if c.get("name") == "atoll_session"]
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("#login button[type=submit]").click()
        page.wait_for_url(app_server.base_url + "/")
        assert [c for c in context.cookies() if c.get("name") == "atoll_session"]


# --------------------------------------------------------------------------- gated content


def test_members_only_content_never_reaches_a_signed_out_browser(
    context: BrowserContext, app_db: str, members_post: str
):
    page = context.new_page()
    frames = Frames(page)
    documents: list[str] = []
    page.on(
        "response",
        lambda r: documents.append(r.text()) if r.request.resource_type == "document" else None,
    )
    page.goto(f"/blog/{members_post}")
    expect(page.locator("#post-title")).to_have_text("For members only")
    expect(page.locator("#members-only-notice")).to_be_visible()
    page.goto("/members")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/members$"))
    # The secret must not arrive, so wait for the last answer that could bring it: the sign-in
    # page's own load (it writes ?next= into this link), which follows /members' redirect.
    expect(page.get_by_role("link", name="Create one")).to_have_attribute(
        "href", "/signup?next=/members"
    )
    assert SECRET not in page.content()
    assert all(SECRET not in d for d in documents)
    assert frames.received and SECRET not in frames.text()

    # The same browser, signed in, does receive it: the check above could fail.
    email = address()
    make_user(email, display_name="Reader")
    log_in(page, email)
    signed_in_as(page, "Reader")
    page.goto(f"/blog/{members_post}")
    expect(page.locator(".post-content")).to_contain_text(SECRET)
    # It came in the page's own (private) HTML, which the capture above saw none of.
    eventually(lambda: any(SECRET in d for d in documents))


ISLANDS = (".like-button", ".star-rating", "#comments", "#comments-locked")


def test_a_signed_out_visitor_sees_only_the_sign_in_panel_on_a_locked_post(
    browser: Browser, app_server: AppServer, app_db: str, members_post: str
):
    with browser_context(
        browser, app_server.base_url, viewport={"width": 1280, "height": 900}
    ) as context:
        # The server's HTML: the panel, and no like button, rating or comments.
        locked_html = context.request.get(f"/blog/{members_post}").text()
        public_html = context.request.get("/blog/hello-atoll").text()
        assert 'id="members-only-notice"' in locked_html
        assert 'id="members-only-notice"' not in public_html
        for marker in ("like-button", "star-rating", 'id="comments"'):
            assert marker in public_html  # the check can fail
            assert marker not in locked_html, marker

        # The live page: the same, once the socket has loaded it.
        page = context.new_page()
        page.goto(f"/blog/{members_post}")
        wait_until_live(page)
        panel = page.get_by_role("region", name="Sign in to read")
        expect(panel).to_be_visible()
        expect(panel.get_by_role("link", name="Sign in")).to_be_visible()
        for selector in ISLANDS:
            expect(page.locator(selector)).to_have_count(0)
        locked_width = page.locator(".post-article").evaluate("(a) => a.offsetWidth")

        page.goto("/blog/hello-atoll")
        wait_until_live(page)
        expect(page.locator(".like-button")).to_be_visible()
        assert page.locator(".post-article").evaluate("(a) => a.offsetWidth") == locked_width


def test_signing_in_from_the_panel_returns_to_the_post_with_a_notice(
    context: BrowserContext, app_db: str, members_post: str
):
    email = address()
    make_user(email, display_name="Returning Reader")
    page = context.new_page()
    page.goto(f"/blog/{members_post}")
    wait_until_live(page)
    page.locator("#locked-sign-in").click()
    expect(page).to_have_url(re.compile(r"/login/?\?next="))
    log_in(page, email)
    expect(page).to_have_url(re.compile(rf"/blog/{members_post}/?\?signed_in=1$"))
    expect(page.locator("#signed-in-notice")).to_have_text(
        "Signed in as Returning Reader. Enjoy the post."
    )
    expect(page.locator(".post-content")).to_contain_text(SECRET)
    expect(page.locator("#members-only-notice")).to_have_count(0)
    for selector in (".like-button", ".star-rating", "#comments"):
        expect(page.locator(selector)).to_be_visible()

    # The notice belongs to that arrival: the post's own address doesn't show it.
    page.goto(f"/blog/{members_post}")
    wait_until_live(page)
    expect(page.locator(".post-content")).to_contain_text(SECRET)
    expect(page.locator("#signed-in-notice")).to_have_count(0)


# -------------------------------------------------------------------------- what the socket carries


def test_no_frame_carries_a_hash_a_token_or_another_users_email(
    context: BrowserContext, app_db: str, members_post: str
):
    other = address()
    other_id = make_user(other, display_name="Someone Else")
    other_token = sign_in(other_id)
    page = context.new_page()
    frames = Frames(page)
    email = address()
    sign_up(page, email, "Frank")
    token = session_token(context)
    page.goto("/account")
    expect(page.locator("#account-display-name")).to_have_text("Frank")
    page.goto("/members")
    expect(page.locator(".member-post-card").first).to_be_visible()
    page.goto(f"/blog/{members_post}")
    expect(page.locator(".post-content")).to_contain_text(SECRET)
    page.goto("/admin")
    expect(page.locator("#admin-denied")).to_have_text("Only administrators can do that.")
    page.goto("/blog/hello-atoll")
    expect(page.locator("#post-title")).to_be_visible()
    post_page_loaded(page, "hello-atoll", "Frank")  # every frame a secret could ride in has come
    me, them = stored(email), stored(other)
    assert me is not None and them is not None
    text = frames.text()
    assert "Frank" in text  # the recording works
    forbidden = {
        "my token": token,
        "my token hash": hashlib.sha256(token.encode()).hexdigest(),
        "their token": other_token,
        "their token hash": hashlib.sha256(other_token.encode()).hexdigest(),
        "my hash": me.password_hash,
        "their hash": them.password_hash,
        "argon2": "$argon2",
        "password": PASSWORD,
        "their email": other,
        "cookie name": "atoll_session",
    }
    assert {what for what, value in forbidden.items() if value in text} == set()


# --------------------------------------------------------------------------- signing out


def test_sign_out_in_one_tab_ends_the_session_in_a_tab_left_open(
    context: BrowserContext, app_db: str
):
    email = address()
    make_user(email, role="admin", display_name="Ops")
    with session_scope(write=True) as session:
        session.add(
            ContactMessage(name="Visitor", email="visitor@example.com", message="Hello admin, hi!")
        )
    first = context.new_page()
    first.goto("/login")
    log_in(first, email)
    signed_in_as(first, "Ops")
    second = context.new_page()
    second.goto("/admin")
    expect(second.locator("#admin-dashboard")).to_be_visible()
    second.get_by_role("tab", name=re.compile("Inbox")).click()
    expect(second.locator(".admin-messages-row").first).to_be_visible()

    first.locator("#menu-sign-out button").click()
    expect(first.locator("#sign-in-link")).to_be_visible()

    # The second tab never reloaded: its socket still carries the old cookie, yet it is refused.
    second.locator(".admin-messages-row").first.get_by_role(
        "button", name=re.compile("Mark")
    ).click()
    expect(second.get_by_text("Please sign in to continue.").first).to_be_visible()
    expect(second.locator("#admin-dashboard")).to_have_count(0)


def test_sign_out_everywhere_signs_out_other_browsers(
    browser: Browser, app_server: AppServer, app_db: str
):
    email = address()
    make_user(email, display_name="Wanderer")
    with visitors(browser, app_server.base_url) as pages:
        for page in pages:
            page.goto("/login?next=/account")
            log_in(page, email)
            expect(page.locator("#account-display-name")).to_have_text("Wanderer")
        pages[0].locator("#sign-out-everywhere button").click()
        expect(pages[0].locator("#sign-in-link")).to_be_visible()
        pages[1].reload()
        expect(pages[1]).to_have_url(re.compile(r"/login/?\?next=/account$"))
        expect(pages[1].locator("#sign-in-link")).to_be_visible()


# --------------------------------------------------------------------------- admin


def test_admin_page_redirects_visitors_and_refuses_members(context: BrowserContext, app_db: str):
    page = context.new_page()
    frames = Frames(page)
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/admin$"))
    email = address()
    make_user(email, display_name="Plain Member")
    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator("#admin-denied")).to_have_text("Only administrators can do that.")
    expect(page.locator("#admin-dashboard")).to_have_count(0)
    # The refusal above came in the answer to the page's load, the one inbox rows would ride
    # in; the header's own load (the name in the menu) is the page's other round trip.
    signed_in_as(page, "Plain Member")
    assert "visitor@example.com" not in frames.text()  # no inbox rows were sent


def test_admin_moderates_a_comment_and_downloads_subscribers(
    context: BrowserContext, browser: Browser, app_server: AppServer, app_db: str
):
    email = address()
    make_user(email, role="admin", display_name="Moderator")
    marker = f"Spam spam spam {uuid.uuid4().hex[:6]}"
    with session_scope(write=True) as session:
        session.add(Comment(post_slug="hello-atoll", author_name="Spammer", content=marker))
    page = context.new_page()
    frames = Frames(page)
    page.goto("/login?next=/admin")
    log_in(page, email)
    expect(page.locator("#admin-dashboard")).to_be_visible()
    expect(page.locator("#activity-chart .recharts-bar")).to_have_count(
        3
    )  # likes, ratings, comments
    row = page.locator(".admin-comments-row").filter(has_text=marker)
    row.get_by_role("button", name="Hide").click()
    expect(row.get_by_text("hidden", exact=True)).to_be_visible()
    with session_scope() as session:
        hidden = session.exec(select(Comment).where(Comment.content == marker)).one()
    assert hidden.is_public is False

    with browser_context(browser, app_server.base_url) as visitor_context:
        visitor = visitor_context.new_page()
        visitor.goto("/blog/hello-atoll")
        expect(visitor.locator("#comments-heading")).to_be_visible()
        comments_loaded(visitor)  # so that no comment shown means none was sent
        expect(visitor.get_by_text(marker)).to_have_count(0)

    page.get_by_role("tab", name="Subscribers").click()
    with page.expect_download() as download:
        page.locator("#subscribers-csv").click()
    assert download.value.suggested_filename == "subscribers.csv"
    with open(download.value.path(), encoding="utf-8") as csv_file:
        assert csv_file.readline().startswith("email,status,")
    # Even an admin's socket never carries a password hash or a session token.
    token = session_token(context)
    assert marker in frames.text()
    for secret in ("$argon2", token, hashlib.sha256(token.encode()).hexdigest(), PASSWORD):
        assert secret not in frames.text()


# --------------------------------------------------------------------------- comments by account


def test_a_members_comment_is_theirs_in_any_browser_until_they_sign_out(
    browser: Browser, app_server: AppServer, app_db: str
):
    """Sign up → sign in → comment → edit from a second browser → sign out → can't edit."""
    email = address()
    with visitors(browser, app_server.base_url) as [page, other]:
        sign_up(page, email, "Commenter", next_path="/blog/hello-atoll")
        page.goto("/blog/hello-atoll")
        expect(page.locator("#comments-heading")).to_be_visible()
        text = f"Signed-in comment {uuid.uuid4().hex[:6]}"
        if page.locator("#comment-form-author").count():  # the account's name may be implied
            page.fill("#comment-form-author", "Commenter")
        page.fill("#comment-form-content", text)
        page.get_by_role("button", name="Post comment").click()
        mine = page.locator(".comment").filter(has_text=text)
        expect(mine).to_be_visible()

        other.goto("/login?next=/blog/hello-atoll")
        log_in(other, email)
        expect(other).to_have_url(re.compile(r"/blog/hello-atoll/?$"))
        theirs = other.locator(".comment").filter(has_text=text)
        theirs.locator(".comment-edit").click()
        other.locator("#comment-edit-content").fill(text + " (edited elsewhere)")
        other.get_by_role("button", name="Save").click()
        expect(other.locator(".comment").filter(has_text="(edited elsewhere)")).to_be_visible()

        other.locator("#menu-sign-out button").click()
        expect(other.locator("#sign-in-link")).to_be_visible()
        other.goto("/blog/hello-atoll")
        edited = other.locator(".comment").filter(has_text="(edited elsewhere)")
        expect(edited).to_be_visible()
        expect(edited.locator(".comment-edit")).to_have_count(0)
        with session_scope() as session:
            row = session.exec(
                select(Comment).where(Comment.content == text + " (edited elsewhere)")
            ).one()
            user = session.exec(select(User).where(User.email == email)).one()
        assert row.user_id == user.id
