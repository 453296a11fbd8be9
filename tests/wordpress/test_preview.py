"""Editor previews against the real WordPress and its plugin: the plugin's preview link
opens the draft (and a published post's newest autosave) in Atoll, privately and
unindexed; a tampered link is 403, an expired one 410, and no link input is a 500."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from db.wordpress.preview import EXPIRED, INVALID
from tests.server import AppServer
from tests.wordpress.conftest import ROOT, SCRIPT, WordPress, _read_env

pytestmark = pytest.mark.server


def plugin_link(wp_id: int, issued: int | None = None) -> str:
    """What WordPress's "Preview" opens for post ``wp_id`` (get_preview_post_link, through
    the plugin's filter), as the path and query to ask our app for (the plugin's host is
    whichever app the dev WordPress's webhook points at)."""
    args = [str(SCRIPT), "preview-link", str(wp_id)] + ([str(issued)] if issued else [])
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    link = urlsplit(out.strip())
    assert link.path == f"/preview/{wp_id}", out
    return f"{link.path}?{link.query}"


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-robots-tag"] == "noindex"
    head = response.text.split("</head>", 1)[0]
    assert re.search(r'<meta (?=[^>]*name="robots")(?=[^>]*content="noindex")[^>]*>', head)


@pytest.fixture
def draft(wp_post: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    marker = f"draft-words-{uuid.uuid4().hex[:10]}"
    made = wp_post(
        status="draft",
        title=f"Draft {marker}",
        content=f"<p>Still writing {marker}</p><img src=x onerror=alert(1)>",
    )
    return {"wp_id": made["id"], "marker": marker}


def test_the_plugin_s_preview_link_opens_the_draft_privately(
    draft, app: httpx.Client, synced_app: AppServer
):
    response = app.get(plugin_link(draft["wp_id"]))
    assert response.status_code == 200
    assert draft["marker"] in response.text and "Still writing" in response.text
    assert "onerror" not in response.text.split("</head>", 1)[1].split("<script", 1)[0]
    assert 'id="preview-banner"' in response.text
    assert_private(response)
    # Never public: not in the sitemap, and a second look asks WordPress again (no cache).
    assert "/preview/" not in app.get("/sitemap.xml").text


def test_a_published_post_previews_its_newest_autosave(
    wp_post, wp_admin: httpx.Client, app: httpx.Client, app_db
):
    made = wp_post(title="Published, then edited", content="<p>The live text</p>")
    marker = f"autosaved-{uuid.uuid4().hex[:10]}"
    saved = wp_admin.post(
        f"/posts/{made['id']}/autosaves",
        json={"title": "Published, then edited", "content": f"<p>Unsaved {marker}</p>"},
    )
    saved.raise_for_status()
    response = app.get(plugin_link(made["id"]))
    assert response.status_code == 200
    assert marker in response.text and "The live text" not in response.text
    assert_private(response)


def test_a_tampered_link_is_forbidden(draft, app: httpx.Client):
    good = plugin_link(draft["wp_id"])
    path, query = good.split("?")
    other = int(draft["wp_id"]) + 1
    issued = query.split("&")[0].split("=")[1]
    tampered = [
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # one digit of the signature
        f"/preview/{other}?{query}",  # another post
        good.replace(f"issued={issued}", f"issued={int(issued) + 1}"),  # a later time
        path,  # no signature at all
        f"{path}?issued=abc&sig=%00%ff",
        f"{path}?issued={issued}&sig=" + "a" * 5000,
    ]
    for link in tampered:
        response = app.get(link)
        assert response.status_code == 403, link
        assert INVALID in response.text
        assert draft["marker"] not in response.text
        assert_private(response)


def test_an_expired_link_says_press_preview_again(draft, app: httpx.Client):
    old = plugin_link(draft["wp_id"], issued=int(time.time()) - 2 * 3600)
    response = app.get(old)
    assert response.status_code == 410
    assert EXPIRED in response.text and draft["marker"] not in response.text
    assert_private(response)


def test_the_block_editor_s_draft_preview_on_wordpress_is_sent_to_atoll(
    draft, wordpress: WordPress, app: httpx.Client
):
    """The block editor previews a draft at ``?p=<id>&preview=true`` on WordPress's own
    front end: the plugin sends an editor (signed in with cookies) to the signed link."""
    password = _read_env()["WORDPRESS_ADMIN_PASSWORD"]
    with httpx.Client(base_url=wordpress.url, timeout=30) as browser:
        browser.cookies.set("wordpress_test_cookie", "WP Cookie check")
        signed_in = browser.post(
            "/wp-login.php",
            data={"log": "admin", "pwd": password, "testcookie": "1"},
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        sent = browser.get("/", params={"p": draft["wp_id"], "preview": "true"})
        anonymous = httpx.get(
            f"{wordpress.url}/", params={"p": draft["wp_id"], "preview": "true"}, timeout=30
        )
    assert sent.status_code == 302
    target = urlsplit(sent.headers["location"])
    assert target.path == f"/preview/{draft['wp_id']}"
    assert draft["marker"] in app.get(f"{target.path}?{target.query}").text
    assert "/preview/" not in anonymous.headers.get("location", "")  # only for its editors


@pytest.mark.parametrize("path", ["/preview/0", "/preview/abc?issued=1&sig=2", "/preview/-1"])
def test_no_preview_input_is_a_server_error(app: httpx.Client, path: str):
    assert app.get(path).status_code == 403


def test_a_deleted_post_s_preview_is_not_found(wp_admin: httpx.Client, app: httpx.Client):
    made = wp_admin.post("/posts", json={"title": "Short-lived", "status": "draft"}).json()
    link = plugin_link(made["id"])
    wp_admin.delete(f"/posts/{made['id']}", params={"force": "true"}).raise_for_status()
    response = app.get(link)
    assert response.status_code == 404
    assert_private(response)


@pytest.mark.browser
def test_in_chromium_the_preview_shows_the_draft_and_runs_nothing(
    draft, page: Page, synced_app: AppServer
):
    page.goto(synced_app.base_url + plugin_link(draft["wp_id"]))
    expect(page.locator("#preview-content")).to_contain_text(draft["marker"])
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    expect(page.locator("#preview-banner")).to_contain_text("draft")
