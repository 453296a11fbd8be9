"""The blog in Chromium, fed by the real WordPress: edits show up, trash disappears, no XSS."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from db.core.engine import session_scope
from db.models import Post
from tests.chromium import csp_violations, wait_until_live
from tests.factories import make_post, wordpress_post
from tests.waiting import eventually
from tests.wordpress.test_webhook import past_the_second_of

pytestmark = pytest.mark.browser

XSS_FLAG = "typeof window.__atollXss === 'undefined'"
ACTIVE = re.compile(
    r"<\s*(script|iframe|style|svg)\b|\s(on\w+|style)\s*=|=\s*[\"']?\s*javascript:", re.IGNORECASE
)


def stored(wp_id: int) -> Post | None:
    with session_scope() as session:
        return session.exec(select(Post).where(Post.wp_id == wp_id)).first()


def settled(images: Locator) -> None:
    """Wait until each of ``images`` has loaded or failed. A broken image's ``error`` event,
    and any handler a payload left on it, runs in the same task that marks it complete."""
    eventually(lambda: images.evaluate_all("imgs => imgs.every(i => i.complete)"))


def test_an_edit_in_wordpress_shows_on_the_post_page(page: Page, app_db, wp_admin, wp_post):
    created = wp_post(title="Edited live", content="<p>Before the edit.</p>")
    first = eventually(lambda: stored(created["id"]))
    page.goto(f"/blog/{created['slug']}")
    expect(page.locator("#post-title")).to_have_text("Edited live")
    expect(page.locator(".post-content")).to_contain_text("Before the edit.")

    past_the_second_of(first.modified_at)  # else the edit would look no newer
    wp_admin.post(
        f"/posts/{created['id']}",
        json={"title": "Edited &#8211; live", "content": "<p>After the edit.</p>"},
    ).raise_for_status()
    eventually(lambda: (p := stored(created["id"])) and p.title == "Edited – live")

    page.goto(f"/blog/{created['slug']}")
    expect(page.locator("#post-title")).to_have_text("Edited – live")
    expect(page.locator(".post-content")).to_contain_text("After the edit.")


def test_a_trashed_post_shows_not_found(page: Page, app_db, wp_admin, wp_post):
    created = wp_post(title="Gone soon", content="<p>Here for now.</p>")
    eventually(lambda: stored(created["id"]))
    page.goto(f"/blog/{created['slug']}")
    expect(page.locator("#post-title")).to_have_text("Gone soon")

    wp_admin.delete(f"/posts/{created['id']}").raise_for_status()
    eventually(lambda: stored(created["id"]) is None)

    page.goto(f"/blog/{created['slug']}")
    expect(page.locator("#not-found")).to_be_visible()


def test_no_injected_script_runs_on_the_hostile_post(page: Page, synced_app):
    page.goto("/blog/hostile-markup")
    content = page.locator(".post-content")
    expect(content).to_contain_text("After the payloads.")
    expect(content.locator("img[alt='broken on purpose']")).to_have_count(1)
    settled(content.locator("img"))
    assert page.evaluate(XSS_FLAG)

    # Click handlers run during the click itself; a javascript: URL would only run later,
    # so the link is checked for one rather than waited on.
    content.get_by_text("Styled and clickable").click()
    link = content.get_by_text("a javascript: link")
    expect(link).not_to_have_attribute("href", re.compile(r"^\s*javascript:", re.IGNORECASE))
    link.click()
    assert page.evaluate(XSS_FLAG)
    assert not ACTIVE.search(content.inner_html()), content.inner_html()


def test_the_flag_check_would_catch_an_unsanitized_payload(page: Page, app_db):
    # The control for the test above: the same payload stored raw (bypassing the sync)
    # does run, so an unset flag there means the sanitizer stopped it.
    raw = wordpress_post("hostile-markup")["content"]["rendered"]
    post = make_post("unsanitized-control", title="Control", content_html=raw)
    try:
        page.goto("/blog/unsanitized-control")
        expect(page.locator(".post-content")).to_contain_text("After the payloads.")
        page.wait_for_function(f"!({XSS_FLAG})")  # some payload ran and set the flag
        # The page's Content-Security-Policy blocked the rest (inline handlers,
        # javascript: URLs): a second line of defence, expected here and only here.
        blocked = csp_violations(page.context)
        assert blocked and all("Content Security Policy" in v for v in blocked)
        blocked.clear()
    finally:
        with session_scope(write=True) as session:
            session.delete(session.get(Post, post.id))


def test_the_blog_lists_posts_with_excerpts_and_no_script_runs(page: Page, synced_app):
    page.goto("/blog")
    expect(page.locator("#blog-heading")).to_have_text("Blog")
    cards = page.locator(".post-card")
    expect(cards).to_have_count(10)
    expect(page.locator("#blog-page")).to_contain_text("Page 1 of")
    expect(page.get_by_text("Hostile markup is neutralised")).to_be_visible()
    settled(cards.locator(".post-card-excerpt img"))  # featured images load lazily: not those
    assert page.evaluate(XSS_FLAG)  # the hostile excerpt's onerror was stripped too

    first_titles = cards.locator("h3, .rt-Heading").all_inner_texts()
    page.locator("#blog-older").click()
    expect(page.locator("#blog-page")).to_contain_text("Page 2 of")
    expect(cards).to_have_count(10)
    assert set(cards.locator("h3, .rt-Heading").all_inner_texts()).isdisjoint(first_titles)


def test_a_post_page_shows_author_date_image_and_terms(page: Page, synced_app):
    page.goto("/blog/hello-from-wordpress")
    expect(page.locator("#post-title")).to_have_text("Hello from WordPress")
    # A reader without scripts gets the server's UTC text; once the islands have loaded, the
    # date is in the visitor's language and zone (Chromium's defaults here: en-US, UTC).
    expect(page.get_by_text("Lena Varga · 1 Apr 2025, 08:00 UTC")).to_be_visible()
    wait_until_live(page)
    expect(page.get_by_text("Lena Varga · Apr 1, 2025")).to_be_visible()
    expect(page.locator("time.post-date")).to_have_attribute("datetime", "2025-04-01T08:00:00Z")
    image = page.locator("img.post-featured-image")
    expect(image).to_have_attribute("alt", "A turquoise lagoon inside a ring of coral")
    expect(image).to_have_attribute("src", re.compile(r"/atoll-lagoon(-\d+)?\.png$"))
    page.locator(".post-term", has_text="News & Notes").click()
    expect(page.locator("#blog-heading")).to_have_text("Category: News & Notes")
    expect(page.locator(".post-card", has_text="Hello from WordPress")).to_be_visible()


def test_tag_pages_and_unknown_terms(page: Page, synced_app):
    page.goto("/blog/tag/reflex")
    expect(page.locator("#blog-heading")).to_have_text("Tag: Reflex & Python")
    expect(
        page.locator(".post-card", has_text="Islands, now with WordPress content")
    ).to_be_visible()
    page.goto("/blog/tag/no-such-tag")
    expect(page.locator("#not-found")).to_be_visible()
    page.goto("/blog/category/reflex")  # a tag's slug is not a category
    expect(page.locator("#not-found")).to_be_visible()


def test_a_draft_never_becomes_a_page(page: Page, synced_app):
    page.goto("/blog/a-private-note")
    expect(page.locator("#not-found")).to_be_visible()


def test_rss_and_sitemap_list_the_synced_posts(app, synced_app):
    rss = app.get("/rss.xml")
    assert rss.status_code == 200
    assert rss.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert len(items) == 20
    titles = [i.findtext("title") for i in items]
    assert "Hostile markup is neutralised" in titles
    hostile = items[titles.index("Hostile markup is neutralised")]
    assert hostile.findtext("link", "").endswith("/blog/hostile-markup")
    assert "onerror" not in (hostile.findtext("description") or "")

    sitemap = app.get("/sitemap.xml")
    assert sitemap.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text or "" for loc in ET.fromstring(sitemap.content).findall("s:url/s:loc", ns)]
    assert any(loc.endswith("/blog/hostile-markup") for loc in locs)
    assert any(loc.endswith("/blog/bulk-post-0001") for loc in locs)
    assert any(loc.endswith("/blog/category/engineering") for loc in locs)
    assert any(loc.endswith("/blog") for loc in locs)
    assert not any("a-private-note" in loc for loc in locs)


# --------------------------------------------------------------------------- rich formatting


def rich_content(uploads: str) -> str:
    """What WordPress's editor writes for a rich post: a responsive image, a heading anchor,
    a footnote, a video, a YouTube embed, a map embed and a sponsored link."""
    return (
        '<p>Lagoons<sup><a href="#note-1" id="note-1-ref">1</a></sup> and '
        '<a href="https://shop.example/fins" target="_blank" rel="sponsored nofollow">fins</a>.'
        "</p>\n"
        '<h2 id="reef">The reef</h2>\n'
        f'<figure><img width="1024" height="683" src="{uploads}/reef-1024.jpg" alt="The reef" '
        f'srcset="{uploads}/reef-1024.jpg 1024w, {uploads}/reef-300.jpg 300w" '
        'sizes="(max-width: 1024px) 100vw, 1024px"></figure>\n'
        f'<figure><video controls autoplay src="{uploads}/reef.mp4"></video></figure>\n'
        '<iframe title="Atolls" width="500" height="281" '
        'src="https://www.youtube-nocookie.com/embed/abc123"></iframe>\n'
        '<iframe src="https://maps.example/embed?q=atoll" width="600" height="450"></iframe>\n'
        + "<p>Filler.</p>\n" * 60
        + '<ol><li id="note-1">Rings of coral. <a href="#note-1-ref">Back</a></li></ol>'
    )


def test_a_rich_post_keeps_responsive_images_anchors_media_and_embeds(
    page: Page, app_db, wordpress, wp_post
):
    uploads = f"{wordpress.url}/wp-content/uploads/atoll-tests"
    created = wp_post(title="Rich formatting", content=rich_content(uploads))
    eventually(lambda: stored(created["id"]))
    page.goto(f"/blog/{created['slug']}")
    content = page.locator(".post-content")
    expect(content).to_contain_text("Rings of coral.")

    image = content.locator("img[alt='The reef']")
    expect(image).to_have_attribute(
        "srcset", f"{uploads}/reef-1024.jpg 1024w, {uploads}/reef-300.jpg 300w"
    )
    expect(image).to_have_attribute("sizes", "(max-width: 1024px) 100vw, 1024px")
    expect(image).to_have_attribute("width", "1024")
    expect(image).to_have_attribute("height", "683")
    expect(content.locator("h2#wp-reef")).to_have_text("The reef")

    # The footnote works: its link points at the prefixed id, and following it scrolls there.
    expect(content.locator("li#wp-note-1")).not_to_be_in_viewport()
    content.locator("a#wp-note-1-ref").click()
    expect(page).to_have_url(re.compile(r"#wp-note-1$"))
    expect(content.locator("li#wp-note-1")).to_be_in_viewport()

    video = content.locator("video")
    expect(video).to_have_attribute("src", f"{uploads}/reef.mp4")
    expect(video).to_have_attribute("controls", "")
    expect(video).not_to_have_attribute("autoplay", re.compile(".*"))
    player = content.locator("iframe")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/abc123")
    expect(player).to_have_attribute(
        "sandbox", "allow-scripts allow-same-origin allow-presentation"
    )
    expect(content.locator("a[href='https://maps.example/embed?q=atoll']")).to_have_text(
        "https://maps.example/embed?q=atoll"
    )
    sponsored = content.locator("a[href='https://shop.example/fins']")
    expect(sponsored).to_have_attribute("rel", "sponsored nofollow noopener")
    expect(sponsored).to_have_attribute("target", "_blank")


# Attacks on what the allow-list now keeps (srcset, ids, in-page links, rel and target,
# media and iframes). Each would set window.__atollXss if it ran; the id one by DOM
# clobbering alone (an element with id "__atollXss" is window.__atollXss). The srcdoc's
# markup is entity-encoded, as a browser reads it: raw, WordPress's texturize would curl
# its quotes and the attribute would swallow the markup after it.
KEPT_ATTRIBUTE_ATTACKS = (
    '<p id="__atollXss">Clobbering.</p>\n'
    '<p><img src="/none.png" alt="srcset attack" '
    "srcset=\"javascript:window.__atollXss='srcset' 1x, /none.png 2x\"></p>\n"
    '<iframe src="https://www.youtube.com/embed/x" '
    "onload=\"window.__atollXss='onload'\"></iframe>\n"
    "<iframe src=\"javascript:window.parent.__atollXss='iframe'\"></iframe>\n"
    '<iframe srcdoc="&lt;script&gt;parent.__atollXss=1&lt;/script&gt;"></iframe>\n'
    "<video src=\"javascript:window.__atollXss='video'\" autoplay "
    "onplay=\"window.__atollXss='onplay'\" poster=\"javascript:window.__atollXss='poster'\">"
    "</video>\n"
    '<audio><source src="data:audio/wav;base64,AAAA" '
    "onerror=\"window.__atollXss='source'\"></audio>\n"
    '<p><a href=\'#top" onclick="window.__atollXss=&apos;hash&apos;\' id="hash-link">'
    "an in-page link with quotes</a></p>\n"
    '<p><a href="/blog" target="_blank" rel="opener" '
    "onclick=\"window.__atollXss='rel'\">a new-tab link</a></p>\n"
    "<p>After the attacks.</p>"
)


def test_no_script_runs_from_attacks_on_the_kept_attributes(page: Page, app_db, wp_post):
    created = wp_post(title="Attacks on kept attributes", content=KEPT_ATTRIBUTE_ATTACKS)
    eventually(lambda: stored(created["id"]))
    page.goto(f"/blog/{created['slug']}")
    content = page.locator(".post-content")
    expect(content).to_contain_text("After the attacks.")
    settled(content.locator("img"))
    assert page.evaluate(XSS_FLAG)

    expect(content.locator("#wp-__atollXss")).to_have_text("Clobbering.")
    expect(content.locator("img[alt='srcset attack']")).not_to_have_attribute(
        "srcset", re.compile(".*")
    )
    expect(content.locator("iframe")).to_have_count(1)  # the sandboxed player only
    expect(content.locator("iframe")).to_have_attribute(
        "sandbox", "allow-scripts allow-same-origin allow-presentation"
    )
    handlers = content.evaluate(
        "el => [...el.querySelectorAll('*')].flatMap(e => [...e.attributes])"
        ".map(a => a.name).filter(n => n.startsWith('on') || n === 'srcdoc')"
    )
    assert handlers == []
    new_tab = content.locator("a", has_text="a new-tab link")
    expect(new_tab).to_have_attribute("rel", "noopener")
    content.locator("a#wp-hash-link").click()
    assert page.evaluate(XSS_FLAG)


def test_the_flag_check_would_catch_a_clobbering_id(page: Page, app_db):
    # The control for the test above: stored raw (bypassing the sync), the id alone defines
    # window.__atollXss; so an undefined flag there means the prefix stopped it.
    clobbering = KEPT_ATTRIBUTE_ATTACKS.splitlines()[0]
    post = make_post("clobbering-control", title="Clobbering control", content_html=clobbering)
    try:
        page.goto("/blog/clobbering-control")
        expect(page.locator(".post-content")).to_contain_text("Clobbering.")
        page.wait_for_function(f"!({XSS_FLAG})")
    finally:
        with session_scope(write=True) as session:
            session.delete(session.get(Post, post.id))
