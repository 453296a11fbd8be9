"""Pages and a custom post type against the real WordPress: synced, served, kept right.

The dev WordPress registers a ``book`` type (``rest_base`` ``books``) with registered meta
and an ACF-shaped ``acf`` field, and seeds pages (one a child, one a draft) and books
(``wordpress/dev``). The session's app runs with ``WORDPRESS_POST_TYPES=post,page,book``;
the other tests' full syncs and CLI runs copy posts only, and count posts.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlmodel import select

from app.content_types import BookFields
from db.content import cached_content, typed_fields
from db.core.cache import posts_cache
from db.core.engine import session_scope
from db.models import ContentItem, ContentType, SyncEvent
from db.wordpress.client import WordPressClient
from db.wordpress.sync import enqueue_reconcile, full_sync
from tests.server import AppServer, use_database
from tests.waiting import eventually
from tests.wordpress.conftest import CONTENT_TYPES, WordPress
from tests.wordpress.test_reconcile import SILENT

pytestmark = pytest.mark.server

HTML = {"Accept": "text/html"}
ACTIVE = re.compile(r"<\s*script\b|\son\w+\s*=|__atollXss", re.IGNORECASE)


@pytest.fixture(scope="module")
def content_synced(wordpress: WordPress, synced_app: AppServer) -> AppServer:
    """The session's app (it syncs ``CONTENT_TYPES``), with a full sync of every type done
    in this process too: the session's own full sync copied posts only."""
    with (
        pytest.MonkeyPatch.context() as env,
        use_database(synced_app.database_url),
        WordPressClient(wordpress.settings) as client,
    ):
        env.setenv("WORDPRESS_POST_TYPES", CONTENT_TYPES)
        full_sync(client=client)
    return synced_app


@pytest.fixture
def site(content_synced: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=content_synced.base_url, timeout=30, headers=HTML) as client:
        yield client


@pytest.fixture
def content_db(content_synced: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process on the app's database, copying the same types as the app."""
    monkeypatch.setenv("WORDPRESS_POST_TYPES", CONTENT_TYPES)
    with use_database(content_synced.database_url) as url:
        posts_cache.clear()
        yield url


def wp_item(wordpress: WordPress, rest_base: str, slug: str) -> dict[str, Any]:
    found = httpx.get(
        f"{wordpress.url}/wp-json/wp/v2/{rest_base}",
        params={"slug": slug, "status": "publish,draft", "context": "edit"},
        auth=(wordpress.user, wordpress.app_password),
        timeout=30,
    ).json()
    assert len(found) == 1, found
    return found[0]


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    return match.group(1) if match else ""


def stored(slug: str) -> ContentItem | None:
    with session_scope() as session:
        return session.exec(select(ContentItem).where(ContentItem.slug == slug)).first()


# --------------------------------------------------------------------------- synced


def test_pages_and_books_are_copied_with_their_types_and_fields(content_db):
    with session_scope() as session:
        types = {t.name: t.rest_base for t in session.exec(select(ContentType))}
        items = {(i.post_type, i.slug) for i in session.exec(select(ContentItem))}
    assert types == {"page": "pages", "book": "books"}
    assert {("page", "about"), ("page", "team"), ("page", "sample-page")} <= items
    assert {("book", "the-lagoon"), ("book", "reef-notes")} <= items
    assert ("page", "page-in-progress") not in items  # a draft
    assert ("book", "unpublished-book") not in items
    about, team = stored("about"), stored("team")
    assert about is not None and team is not None and team.parent_wp_id == about.wp_id
    assert about.content_html and not ACTIVE.search(about.content_html)


def test_custom_fields_are_read_typed_and_html_only_through_the_allow_list(content_db):
    with session_scope() as session:
        view = cached_content(session, ("books", "the-lagoon"))
    assert view is not None and view.item is not None
    fields = typed_fields(view.item)
    assert isinstance(fields, BookFields)
    assert (fields.isbn, fields.pages) == ("978-0-00-000001-1", 320)  # an int, from meta
    assert fields.subtitle == "A novel <b>of</b> the reef"  # text, shown escaped
    assert fields.blurb == '<p>A <strong>gripping</strong> tale<img src="x"></p>'
    assert "onerror" in view.item.fields["blurb"]  # stored as sent, never shown so


# --------------------------------------------------------------------------- served


def test_pages_are_served_at_their_path_and_a_child_under_its_parent(site):
    about = site.get("/about")
    assert about.status_code == 200
    assert title(about.text) == "About Atoll · Atoll"
    assert "Atoll is a blog whose pages are written in Python." in about.text
    assert "Who we are" in about.text  # its registered meta, declared as PageFields
    assert not ACTIVE.search(about.text.split("<main", 1)[-1].split("</main>", 1)[0])
    team = site.get("/about/team")
    assert team.status_code == 200 and title(team.text) == "The team · Atoll"
    assert site.get("/sample-page").status_code == 200  # WordPress's own


@pytest.mark.parametrize(
    "path",
    [
        "/page-in-progress",
        "/team",
        "/about/nope",
        "/books/unpublished-book",
        "/books/x/y",
        "/pages",
    ],
)
def test_unpublished_or_unknown_content_is_404(site, path):
    response = site.get(path)
    assert response.status_code == 404
    assert title(response.text) == "Atoll · Not found"


def test_the_custom_type_is_listed_at_its_rest_base_and_each_item_has_its_page(site):
    listing = site.get("/books")
    assert listing.status_code == 200 and title(listing.text) == "Atoll · Books"
    links = re.findall(r'href="(/books/[^"]+)"', listing.text)
    assert links.index("/books/reef-notes") < links.index("/books/the-lagoon")  # newest first
    book = site.get("/books/the-lagoon")
    assert book.status_code == 200 and title(book.text) == "The Lagoon · Atoll"
    assert "978-0-00-000001-1" in book.text and ">320<" in book.text
    assert "<strong>gripping</strong>" in book.text  # the HTML field, sanitized
    assert "A novel &lt;b&gt;of&lt;/b&gt; the reef" in book.text  # a text field, as text
    main = book.text.split("<main", 1)[-1].split("</main>", 1)[0]
    assert not ACTIVE.search(main)


def test_the_sitemap_lists_pages_items_and_the_list(content_synced):
    body = httpx.get(f"{content_synced.base_url}/sitemap.xml", timeout=30).text
    paths = {urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", body)}
    assert {"/about", "/about/team", "/sample-page", "/books", "/books/the-lagoon"} <= paths
    assert {"/page-in-progress", "/books/unpublished-book", "/404"}.isdisjoint(paths)
    assert "/blog/hello-from-wordpress" in paths  # the posts are still there


# --------------------------------------------------------------------------- kept right


def test_edits_to_a_book_and_a_page_arrive_by_webhook(site, content_db, wp_admin, wordpress):
    book = wp_item(wordpress, "books", "reef-notes")
    team = wp_item(wordpress, "pages", "team")
    try:
        wp_admin.post(f"/books/{book['id']}", json={"title": "Reef Notes, revised"})
        eventually(lambda: "Reef Notes, revised" in site.get("/books/reef-notes").text, timeout=30)
        wp_admin.post(f"/pages/{team['id']}", json={"status": "draft"}).raise_for_status()
        eventually(lambda: site.get("/about/team").status_code == 404, timeout=30)
        wp_admin.post(f"/pages/{team['id']}", json={"status": "publish"}).raise_for_status()
        eventually(lambda: site.get("/about/team").status_code == 200, timeout=30)
    finally:
        wp_admin.post(f"/books/{book['id']}", json={"title": "Reef Notes", "status": "publish"})
        wp_admin.post(f"/pages/{team['id']}", json={"status": "publish"})
    with session_scope() as session:
        failed = session.exec(select(SyncEvent).where(SyncEvent.status == "failed")).all()
    assert failed == []


def test_a_missed_book_edit_is_fixed_by_reconciliation(content_db, wordpress, tmp_path):
    script = tmp_path / "silent.php"
    script.write_text(SILENT)
    assert urlsplit(wordpress.url).hostname == "127.0.0.1"
    book = wp_item(wordpress, "books", "the-lagoon")

    def silently(new_title: str) -> None:
        command = ["php", str(script), wordpress.url, "retitle", str(book["id"]), new_title]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    try:
        silently("The Lagoon (quietly)")
        before = stored("the-lagoon")
        assert before is not None and before.title == "The Lagoon"  # no webhook came
        with session_scope(write=True) as session:
            event_id = enqueue_reconcile(session=session).id

        def finished() -> SyncEvent | None:
            with session_scope() as session:
                event = session.get(SyncEvent, event_id)
                return event if event is not None and event.status == "done" else None

        eventually(finished, timeout=60, every=0.1)
        fixed = stored("the-lagoon")
        assert fixed is not None and fixed.title == "The Lagoon (quietly)"
    finally:
        silently("The Lagoon")
        with WordPressClient(wordpress.settings) as client:
            full_sync(client=client)  # back to the seed's title here too
    after = stored("the-lagoon")
    assert after is not None and after.title == "The Lagoon"


# --------------------------------------------------------------------------- in Chromium

XSS_FLAG = "typeof window.__atollXss === 'undefined'"


@pytest.mark.browser
def test_a_child_page_and_a_book_show_their_content_and_run_no_injected_script(
    page: Page, content_synced
):
    problems: list[str] = []
    missing: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and "Failed to load resource" not in message.text:
            problems.append(f"{message.type}: {message.text}")

    page.on("console", record)
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.goto("/about")
    expect(page.locator("#content-title")).to_have_text("About Atoll")
    expect(page.locator(".content-body")).to_contain_text("Its data lives in libSQL.")
    page.get_by_text("Its data lives in libSQL.").click()
    assert page.evaluate(XSS_FLAG)

    page.goto("/books/the-lagoon")
    expect(page.locator("#content-title")).to_have_text("The Lagoon")
    expect(page.locator(".field-isbn")).to_have_text("978-0-00-000001-1")
    expect(page.locator(".field-subtitle")).to_have_text("A novel <b>of</b> the reef")
    expect(page.locator(".field-blurb strong")).to_have_text("gripping")
    assert page.evaluate(XSS_FLAG)
    assert problems == []
    # The blurb's <img src="x"> (its onerror stripped) is the one thing that is not there.
    assert missing == [f"{content_synced.base_url}/books/x"]


@pytest.mark.browser
def test_the_list_links_to_each_book_and_back(page: Page, content_synced):
    page.goto("/books")
    expect(page.locator("#content-heading")).to_have_text("Books")
    page.locator(".content-card-link", has_text="Reef Notes").click()
    expect(page).to_have_url(f"{content_synced.base_url}/books/reef-notes")
    expect(page.locator("#content-title")).to_have_text("Reef Notes")
    page.locator(".breadcrumb-link", has_text="Books").click()
    expect(page.locator(".content-card")).to_have_count(2)


@pytest.mark.browser
def test_an_unknown_path_is_still_the_not_found_page(page: Page, content_synced):
    page.goto("/books/no-such-book")
    expect(page.locator("#not-found")).to_be_visible()
