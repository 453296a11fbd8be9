"""Comments in a real browser: post, edit, delete, live in another browser, text never HTML."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from db.accounts import end_session
from db.core.actions import run_action
from db.core.engine import session_scope
from db.models import Comment
from tests.chromium import visitors, wait_until_live
from tests.factories import make_post, make_user, sign_in, visitor_ctx
from tests.server import AppServer

POST = "/blog/hello-atoll"
# The title: date and time in the visitor's language (en-US here) and zone (tests/browser/
# test_dates_browser.py checks another zone and language exactly).
ABSOLUTE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d [AP]M \S+$")


def open_post(page: Page, path: str = POST) -> None:
    page.goto(path)
    wait_until_live(page)
    expect(page.locator("#post-title")).to_be_visible()
    expect(page.locator("#comments-heading")).to_be_visible()
    expect(page.locator("#comment-list, #comments-empty")).to_be_visible()


def write(page: Page, author: str, content: str) -> None:
    page.fill("#comment-form-author", author)
    page.fill("#comment-form-content", content)
    page.get_by_role("button", name="Post comment").click()


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


def comment(page: Page, content: str):
    return page.locator("article.comment", has=page.locator(".comment-content", has_text=content))


def stored(content: str) -> Comment | None:
    with session_scope() as session:
        return session.exec(select(Comment).where(Comment.content == content)).first()


def test_bad_input_shows_field_errors_and_focuses_the_first(page: Page, app_db: str):
    open_post(page)
    page.fill("#comment-form-author", "Z")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-form-author-error")).to_have_text(
        "Name must be at least 2 characters."
    )
    expect(page.locator("#comment-form-content-error")).to_have_text("Comment is required.")
    expect(page.locator("#comment-form-author")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#comment-form-author")).to_be_focused()
    # the error style: described by its message, and a red border, not only red text
    for field in ("author", "content"):
        control = page.locator(f"#comment-form-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(control).to_have_attribute("aria-describedby", f"comment-form-{field}-error")
        expect(page.locator(f".field-invalid:has(#comment-form-{field})")).to_have_css(
            "box-shadow", re.compile(r"^rgb\(\d+, \d+, \d+\) 0px 0px 0px 2px inset$")
        )
    expect(page.get_by_role("textbox", name="Name")).to_have_accessible_description(
        "Name must be at least 2 characters."
    )
    page.fill("#comment-form-author", "")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-form-author-error")).to_have_text("Name is required.")
    page.fill("#comment-form-author", "Zed")
    page.fill("#comment-form-content", unique("Now it is fine"))
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Thanks! Your comment is posted.")).to_be_visible()
    for field in ("author", "content"):
        expect(page.locator(f"#comment-form-{field}")).to_have_attribute("aria-invalid", "false")
    expect(page.locator(".field-invalid")).to_have_count(0)


def test_post_edit_and_delete_your_own_comment(page: Page, app_db: str):
    open_post(page)
    text = unique("Posted from Chromium")
    url_before = page.url
    write(page, "Browser Author", text)
    mine = comment(page, text)
    expect(mine).to_be_visible()  # no reload
    expect(page.get_by_text("Thanks! Your comment is posted.")).to_be_visible()
    expect(mine.locator(".comment-author")).to_have_text("Browser Author")
    expect(mine.locator("time")).to_have_text("now")
    expect(mine.locator("time")).to_have_attribute("title", ABSOLUTE)
    expect(mine.locator(".comment-edited")).to_have_count(0)
    expect(page.locator("#comment-form-content")).to_have_value("")
    assert page.url == url_before
    row = stored(text)
    assert row is not None and row.edit_token_hash

    # Edit: the inline form opens focused on the old text; Cancel closes it unchanged.
    mine.get_by_role("button", name="Edit your comment").click()
    editor = page.locator("#comment-edit-content")
    expect(editor).to_be_focused()
    expect(editor).to_have_value(text)
    page.get_by_role("button", name="Cancel").click()
    expect(editor).to_have_count(0)
    mine.get_by_role("button", name="Edit your comment").click()
    editor.fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#comment-edit-content-error")).to_have_text("Comment is required.")
    edited = unique("Edited in Chromium")
    editor.fill(edited)
    editor.press("Tab")
    page.keyboard.press("Enter")  # keyboard: Save is the next control
    changed = comment(page, edited)
    expect(changed).to_be_visible()
    expect(changed.locator(".comment-edited")).to_have_text("edited")
    expect(page.get_by_text("Your comment is updated.")).to_be_visible()
    row = stored(edited)
    assert row is not None and row.updated_at is not None

    # Delete takes a second, confirming press.
    changed.get_by_role("button", name="Delete your comment").click()
    confirm = changed.get_by_role("button", name="Confirm delete")
    expect(confirm).to_be_visible()
    row = stored(edited)
    assert row is not None and row.is_removed is False
    confirm.click()
    expect(page.get_by_text("Your comment is deleted.")).to_be_visible()
    expect(comment(page, edited)).to_have_count(0)
    row = stored(edited)
    assert row is not None and row.is_removed is True


def test_own_comments_survive_a_reload_and_strangers_get_no_edit_button(
    browser: Browser, app_server: AppServer
):
    with visitors(browser, app_server.base_url) as [author, stranger]:
        open_post(author)
        text = unique("Mine to edit")
        write(author, "Owner", text)
        expect(
            comment(author, text).get_by_role("button", name="Edit your comment")
        ).to_be_visible()
        author.reload()
        open_post(author)
        expect(
            comment(author, text).get_by_role("button", name="Edit your comment")
        ).to_be_visible()
        tokens = author.evaluate("() => localStorage.getItem('atoll_comment_tokens')")
        assert tokens and "token" in tokens
        open_post(stranger)
        expect(comment(stranger, text)).to_be_visible()
        expect(comment(stranger, text).get_by_role("button")).to_have_count(0)
        assert stranger.evaluate("() => localStorage.getItem('atoll_comment_tokens')") in (
            None,
            "{}",
        )


def test_a_second_browser_sees_new_edited_and_deleted_comments_live(
    browser: Browser, app_server: AppServer
):
    with visitors(browser, app_server.base_url) as [writer, reader]:
        open_post(writer, "/blog/why-libsql")
        open_post(reader, "/blog/why-libsql")
        total_before = reader.locator(".comments-total").all_inner_texts()
        text = unique("Hello, other browser")
        write(writer, "Live Writer", text)
        expect(comment(reader, text)).to_be_visible()  # no reload
        expect(reader.locator(".comments-total")).not_to_have_text(
            total_before[0] if total_before else "x"
        )

        comment(writer, text).get_by_role("button", name="Edit your comment").click()
        edited = unique("Edited live")
        writer.fill("#comment-edit-content", edited)
        writer.get_by_role("button", name="Save").click()
        expect(comment(reader, edited).locator(".comment-edited")).to_have_text("edited")
        expect(comment(reader, text)).to_have_count(0)

        mine = comment(writer, edited)
        mine.get_by_role("button", name="Delete your comment").click()
        mine.get_by_role("button", name="Confirm delete").click()
        expect(comment(reader, edited)).to_have_count(0)


def test_html_in_a_comment_shows_literally_and_never_runs(page: Page, app_db: str):
    open_post(page)
    html = (
        "<b>bold</b><script>window.__pwned=1</script>"
        f'<img src=x onerror="window.__pwned=2"> {uuid.uuid4().hex[:6]}'
    )
    write(page, "Mallory", html)
    shown = page.locator(".comment-content", has_text=html)
    expect(shown).to_have_text(html)
    assert shown.locator("b, script, img").count() == 0
    page.reload()
    open_post(page)
    expect(page.locator(".comment-content", has_text=html)).to_have_text(html)
    # Had the markup been let in, its <img src=x> would be in the comment, and would have run
    # its onerror once it is complete (failed to load): wait for every image in a comment to be.
    page.wait_for_function(
        "() => [...document.querySelectorAll('article.comment img')].every(i => i.complete)"
    )
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert stored(html) is not None


def test_the_form_also_posts_as_plain_html(page: Page, app_db: str):
    """The markup a no-JavaScript browser gets: a real form posting to the action endpoint."""
    open_post(page)
    form = page.locator("#comment-form")
    expect(form).to_have_attribute("action", "/api/actions/comments.create")
    expect(form).to_have_attribute("method", "post")
    expect(form.locator("input[type=hidden][name=post_slug]")).to_have_value("hello-atoll")
    expect(form.locator("input[name=website]")).to_have_value("")
    text = unique("Plain HTML post")
    page.fill("#comment-form-author", "No Script")
    page.fill("#comment-form-content", text)
    page.evaluate(
        "() => document.getElementById('comment-form').submit()"
    )  # bypasses React's handler
    expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
    row = stored(text)
    assert row is not None and row.author_name == "No Script" and row.post_slug == "hello-atoll"
    page.locator("#back").click()
    expect(page.locator("#post-title")).to_be_visible()
    assert page.url.endswith(POST)


def test_pages_of_twenty_oldest_first(page: Page, app_db: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "off")  # this process writes the rows directly
    slug = "islands-of-interactivity"
    tag = uuid.uuid4().hex[:6]
    for n in range(25):
        result = run_action(
            "comments.create",
            {"post_slug": slug, "author": "Pager", "content": f"Paged {tag} {n:02d}"},
            visitor_ctx(),
        )
        assert result.ok
    open_post(page, f"/blog/{slug}")
    total = page.locator(".comments-total").inner_text()
    count = int(total.split()[0])
    assert count >= 25
    pages = -(-count // 20)
    expect(page.locator(".comments-page")).to_have_text(f"Page 1 of {pages}")
    expect(page.locator("article.comment")).to_have_count(20)
    expect(page.get_by_role("button", name="← Previous")).to_be_disabled()
    for _ in range(pages - 1):
        page.get_by_role("button", name="Next →").click()
    expect(page.locator(".comments-page")).to_have_text(f"Page {pages} of {pages}")
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    last = page.locator("article.comment .comment-content").all_inner_texts()
    assert last[-1] == f"Paged {tag} 24"
    expect(page.locator("article.comment")).to_have_count(count - 20 * (pages - 1))


# --------------------------------------------------------------------------- members-only posts


def sign_in_as(page: Page, app_server: AppServer, name: str) -> str:
    """Sign ``page``'s fresh browser in as a new account (the session cookie set directly);
    returns the session token."""
    token = sign_in(
        make_user(f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com", display_name=name)
    )
    page.context.add_cookies(
        [
            {
                "name": "atoll_session",
                "value": token,
                "url": app_server.base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return token


def test_a_members_name_is_already_in_the_form(
    browser: Browser, app_server: AppServer, app_db: str
):
    """Signed in, the name field starts with the member's display name, and a visitor's does
    not; after posting, the form is cleared back to the member's name."""
    with visitors(browser, app_server.base_url, count=2) as [member, visitor]:
        sign_in_as(member, app_server, "Grace Hopper")
        open_post(member)
        expect(member.locator("#comment-form-author")).to_have_value("Grace Hopper")
        text = unique("Signed comment")
        member.fill("#comment-form-content", text)
        member.get_by_role("button", name="Post comment").click()
        expect(comment(member, text).locator(".comment-author")).to_have_text("Grace Hopper")
        expect(member.locator("#comment-form-content")).to_have_value("")
        expect(member.locator("#comment-form-author")).to_have_value("Grace Hopper")
        open_post(visitor)
        expect(visitor.locator("#comment-form-author")).to_have_value("")


def test_a_members_only_posts_comments_never_reach_a_signed_out_tab(
    browser: Browser, app_server: AppServer, app_db: str
):
    """Signed out: the sign-in notice, no comments, no form, and nothing live either, even in
    a tab that was signed in when it opened the post and whose session ended since."""
    slug = f"members-{uuid.uuid4().hex[:6]}"
    make_post(slug, members_only=True)
    path = f"/blog/{slug}"
    with visitors(browser, app_server.base_url, count=3) as [writer, leaver, visitor]:
        sign_in_as(writer, app_server, "Writer")
        leaver_token = sign_in_as(leaver, app_server, "Leaver")
        received: list[str] = []
        visitor.on(
            "websocket", lambda ws: ws.on("framereceived", lambda p: received.append(str(p)))
        )
        open_post(writer, path)
        first = unique("Members only")
        write(writer, "Writer", first)
        expect(comment(writer, first)).to_be_visible()

        visitor.goto(path)
        wait_until_live(visitor)  # connected, so "nothing live" below means something
        expect(visitor.locator("#post-title")).to_be_visible()
        # The post's one sign-in panel stands in for its comments (and like button, rating).
        expect(visitor.locator("#members-only-notice")).to_contain_text("Sign in to read")
        expect(visitor.locator("#locked-sign-in")).to_have_attribute(
            "href", f"/login?next={path}%3Fsigned_in%3D1"
        )
        expect(visitor.locator("#comments")).to_have_count(0)
        expect(visitor.locator("#comment-form")).to_have_count(0)
        expect(visitor.locator("article.comment")).to_have_count(0)

        open_post(leaver, path)  # signed in: subscribed to the post's live updates
        expect(comment(leaver, first)).to_be_visible()
        with session_scope(write=True) as session:
            assert end_session(session, leaver_token)  # signed out elsewhere

        second = unique("Still members only")
        write(writer, "Writer", second)
        expect(comment(writer, second)).to_be_visible()
        expect(leaver.locator("#comments-locked")).to_be_visible()  # re-checked, not refreshed
        expect(leaver.locator("article.comment")).to_have_count(0)
        expect(leaver.locator("#comment-form")).to_have_count(0)
        assert all(first not in f and second not in f for f in received)
        assert received  # the socket did talk to the visitor's tab
