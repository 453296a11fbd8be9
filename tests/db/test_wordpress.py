"""Transform and sanitize on real REST responses saved from the dev WordPress, and the client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import httpx
import pytest

from db.wordpress.client import (
    POST_FIELDS,
    WordPressClient,
    WordPressError,
    WordPressSettings,
)
from db.wordpress.transform import parse_gmt, plain_text, sanitize_html, transform
from tests.factories import wordpress_fixture, wordpress_post

# An active element, an event handler, a style attribute or a javascript: URL in an attribute.
ACTIVE = re.compile(
    r"<\s*(script|iframe|style|svg|object|embed)\b|\s(on\w+|style)\s*="
    r"|=\s*[\"']?\s*javascript:",
    re.IGNORECASE,
)


def test_a_published_post_becomes_a_post_its_author_and_its_terms():
    item = transform(wordpress_post("hello-from-wordpress"))

    assert item.public is True
    post = item.post
    assert (post.wp_id, post.slug, post.title, post.status) == (
        5,
        "hello-from-wordpress",
        "Hello from WordPress",
        "publish",
    )
    # `date` is Berlin time (10:00); the stored instant comes from `date_gmt`.
    assert post.published_at == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert post.modified_at == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert post.featured_image_url is not None
    assert post.featured_image_url.endswith("/atoll-lagoon.png")
    assert post.featured_image_alt == "A turquoise lagoon inside a ring of coral"
    assert post.excerpt_html == "<p>Atoll now reads its posts from a headless WordPress.</p>"
    assert item.author is not None
    assert (item.author.wp_id, item.author.slug, item.author.name) == (2, "lena", "Lena Varga")
    assert item.author.avatar_url and "s=96" in item.author.avatar_url
    assert [(t.taxonomy, t.slug, t.name) for t in item.terms] == [
        ("category", "news-notes", "News & Notes"),
        ("tag", "libsql", "libSQL"),
        ("tag", "wordpress", "WordPress"),
    ]


def test_titles_and_term_names_are_unescaped_plain_text():
    item = transform(wordpress_post("tips-and-tricks"))

    assert item.post.title == "Tips & Tricks: “quotes”, apostrophes and emphasis"
    assert item.author is not None and item.author.name == "Tomás Rivera"
    assert [t.name for t in item.terms] == ["Engineering", "Reflex & Python"]
    assert item.post.featured_image_url is None and item.post.featured_image_alt == ""


def test_the_hostile_post_is_stored_without_anything_active():
    raw = wordpress_post("hostile-markup")
    assert "<script>" in raw["content"]["rendered"]  # WordPress itself passes it through
    assert "onerror" in raw["content"]["rendered"] and "<iframe" in raw["content"]["rendered"]

    item = transform(raw)

    for html in (item.post.content_html, item.post.excerpt_html):
        assert not ACTIVE.search(html), html
        assert "__atollXss" not in html
    assert (
        '<img decoding="async" src="/does-not-exist.png" alt="broken on purpose">'
        in item.post.content_html
    )
    assert '<a id="wp-xss-link" rel="noopener">a javascript: link</a>' in item.post.content_html
    assert "<p>Before the payloads.</p>" in item.post.content_html
    assert "<p>After the payloads.</p>" in item.post.content_html
    assert item.post.excerpt_html == '<p>An excerpt with <img decoding="async" src="x"> in it.</p>'


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Hi <script>alert(1)</script>there</p>", "<p>Hi there</p>"),
        ('<img src="a.png" alt="A" onerror="alert(1)">', '<img src="a.png" alt="A">'),
        ('<img src="javascript:alert(1)" alt="x">', '<img alt="x">'),
        ('<img src="data:image/png;base64,AAAA" alt="x">', '<img alt="x">'),
        (
            '<iframe src="https://evil.example"></iframe><p>ok</p>',
            '<a href="https://evil.example" rel="noopener">https://evil.example</a><p>ok</p>',
        ),
        (
            '<a href="https://example.org/x">x</a>',
            '<a href="https://example.org/x" rel="noopener">x</a>',
        ),
        (
            '<a href="/blog/y" target="_blank" rel="opener">y</a>',
            '<a href="/blog/y" target="_blank" rel="noopener">y</a>',
        ),
        ('<a href="JaVaScRiPt:alert(1)">z</a>', '<a rel="noopener">z</a>'),
        (
            '<a href="mailto:ada@example.org">mail</a>',
            '<a href="mailto:ada@example.org" rel="noopener">mail</a>',
        ),
        (
            '<p style="color:red" class="has-red" id="x" onclick="f()">p</p>',
            '<p class="has-red" id="wp-x">p</p>',
        ),
        ("<style>p{}</style><p>s</p>", "<p>s</p>"),
        ('<svg onload="alert(1)"><circle r="1"></circle></svg><p>v</p>', "<p>v</p>"),
        ('<form action="/x"><input name="q"><button>go</button></form>', "go"),
        ("<!-- wp:paragraph --><p>b</p><!-- /wp:paragraph -->", "<p>b</p>"),
        (
            '<blockquote cite="javascript:x"><p>q</p></blockquote>',
            "<blockquote><p>q</p></blockquote>",
        ),
        (
            '<table><tr><td colspan="2">c</td></tr></table>',
            '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>',
        ),
        ("", ""),
    ],
    ids=[
        "script",
        "onerror",
        "js-src",
        "data-src",
        "iframe-elsewhere-as-link",
        "link",
        "relative-link-rel",
        "js-href-mixed-case",
        "mailto",
        "style-id-onclick",
        "style-tag",
        "svg",
        "form",
        "block-comments",
        "blockquote-cite",
        "table",
        "empty",
    ],
)
def test_sanitize_allow_list(raw: str, clean: str):
    assert sanitize_html(raw) == clean


# A post as WordPress 6 renders its blocks: a footnote, a heading anchor, a responsive image,
# a video, a YouTube embed, an embed from elsewhere, a sponsored link opening a new tab.
RICH_POST = (
    "<!-- wp:paragraph -->\n"
    '<p>Lagoons<sup data-fn="f1" class="fn"><a href="#f1" id="f1-link">1</a></sup> and a '
    '<a href="https://shop.example/fins" target="_blank" rel="sponsored nofollow">'
    "sponsored link</a>.</p>\n"
    "<!-- /wp:paragraph -->\n"
    '<h2 class="wp-block-heading" id="reef">The reef</h2>\n'
    '<p><a href="#reef">Back to the reef</a></p>\n'
    '<figure class="wp-block-image size-large"><img decoding="async" width="1024" height="683" '
    'src="https://wp.example/up/lagoon-1024x683.jpg" alt="The lagoon" class="wp-image-7" '
    'srcset="https://wp.example/up/lagoon-1024x683.jpg 1024w, '
    'https://wp.example/up/lagoon-300x200.jpg 300w" '
    'sizes="(max-width: 1024px) 100vw, 1024px" loading="lazy" /></figure>\n'
    '<figure class="wp-block-video"><video controls autoplay '
    'src="https://wp.example/up/reef.mp4" poster="https://wp.example/up/reef.jpg"></video>'
    "<figcaption>The reef</figcaption></figure>\n"
    '<figure class="wp-block-embed is-provider-youtube"><div class="wp-block-embed__wrapper">\n'
    '<iframe title="Atolls explained" width="500" height="281" '
    'src="https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed" frameborder="0" '
    'allow="autoplay; encrypted-media" allowfullscreen></iframe>\n'
    "</div></figure>\n"
    '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
    '<iframe src="https://maps.example/embed?q=atoll&amp;z=3" width="600" height="450">'
    "</iframe></div></figure>\n"
    '<ol class="wp-block-footnotes"><li id="f1">Rings of coral. <a href="#f1-link">↩︎</a></li></ol>'
)
RICH_POST_SANITIZED = (
    '<p>Lagoons<sup class="fn"><a href="#wp-f1" id="wp-f1-link" rel="noopener">1</a></sup>'
    ' and a <a href="https://shop.example/fins" target="_blank" '
    'rel="sponsored nofollow noopener">sponsored link</a>.</p>\n'
    "\n"
    '<h2 class="wp-block-heading" id="wp-reef">The reef</h2>\n'
    '<p><a href="#wp-reef" rel="noopener">Back to the reef</a></p>\n'
    '<figure class="wp-block-image size-large"><img decoding="async" width="1024" height="683" '
    'src="https://wp.example/up/lagoon-1024x683.jpg" alt="The lagoon" class="wp-image-7" '
    'srcset="https://wp.example/up/lagoon-1024x683.jpg 1024w, '
    'https://wp.example/up/lagoon-300x200.jpg 300w" '
    'sizes="(max-width: 1024px) 100vw, 1024px" loading="lazy"></figure>\n'
    '<figure class="wp-block-video"><video controls="" src="https://wp.example/up/reef.mp4" '
    'poster="https://wp.example/up/reef.jpg"></video>'
    "<figcaption>The reef</figcaption></figure>\n"
    '<figure class="wp-block-embed is-provider-youtube"><div class="wp-block-embed__wrapper">\n'
    '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed" '
    'title="Atolls explained" width="500" height="281" '
    'sandbox="allow-scripts allow-same-origin allow-presentation" loading="lazy" '
    'allowfullscreen=""></iframe>\n'
    "</div></figure>\n"
    '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
    '<a href="https://maps.example/embed?q=atoll&amp;z=3" rel="noopener">'
    "https://maps.example/embed?q=atoll&amp;z=3</a></div></figure>\n"
    '<ol class="wp-block-footnotes"><li id="wp-f1">Rings of coral. '
    '<a href="#wp-f1-link" rel="noopener">↩︎</a></li></ol>'
)


def test_a_rich_post_keeps_what_wordpress_formatting_needs():
    """Responsive images with dimensions, prefixed ids with the links to them, media with
    controls and no autoplay, a sandboxed YouTube player, a link for any other embed, and
    the author's link types merged with noopener."""
    assert sanitize_html(RICH_POST) == RICH_POST_SANITIZED
    assert sanitize_html(RICH_POST_SANITIZED) == RICH_POST_SANITIZED


# Attacks on the attributes and elements the allow-list keeps (srcset, id, href="#…", rel,
# target, media, iframes): each answer is exact, and none has anything active in it.
ATTACKS = {
    "srcset-javascript": (
        '<img src="a.png" srcset="a.png 1x, javascript:alert(1) 2x">',
        '<img src="a.png">',
    ),
    "srcset-javascript-without-spaces": (
        '<img src="a.png" srcset="a.png 1x,javascript:alert(1) 2x">',
        '<img src="a.png">',
    ),
    "srcset-data": (
        '<img src="a.png" srcset="data:image/svg+xml,&lt;svg&gt; 1x">',
        '<img src="a.png">',
    ),
    "srcset-tab-in-scheme": ('<img srcset="java&#9;script:alert(1) 1x">', "<img>"),
    "srcset-bad-descriptor": ('<img srcset="a.png 1x onerror=alert(1)">', "<img>"),
    "srcset-cdn-commas-kept": (
        '<img srcset="https://cdn.example/w_300,h_200/a.jpg 300w">',
        '<img srcset="https://cdn.example/w_300,h_200/a.jpg 300w">',
    ),
    "sizes-markup": ('<img sizes="&quot;&gt;&lt;script&gt;">', "<img>"),
    "dimensions-not-numbers": ('<img width="100%;x" height="1e9">', "<img>"),
    "id-proto": ('<p id="__proto__">p</p>', '<p id="wp-__proto__">p</p>'),
    "id-clobbers-app-id": ('<h1 id="post-title">t</h1>', '<h1 id="wp-post-title">t</h1>'),
    "id-clobbers-global": (
        '<a id="__atollXss" href="https://x.example">x</a>',
        '<a id="wp-__atollXss" href="https://x.example" rel="noopener">x</a>',
    ),
    "name-attribute": ('<img name="cookie" src="a.png">', '<img src="a.png">'),
    "fragment-with-quotes": (
        "<a href='#x\" onclick=\"alert(1)'>q</a>",
        '<a href="#wp-x&quot; onclick=&quot;alert(1)" rel="noopener">q</a>',
    ),
    "fragment-with-markup": (
        '<a href="#&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">q</a>',
        '<a href="#wp-&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" rel="noopener">q</a>',
    ),
    "rel-injection": (
        '<a href="/x" rel="noopener&quot; onmouseover=&quot;alert(1)">r</a>',
        '<a href="/x" rel="noopener">r</a>',
    ),
    "rel-opener": (
        '<a href="/x" target="_blank" rel="opener prefetch ugc">r</a>',
        '<a href="/x" target="_blank" rel="ugc noopener">r</a>',
    ),
    "target-not-blank": (
        '<a href="/x" target="javascript:alert(1)">t</a><a href="/y" target="_top">u</a>',
        '<a href="/x" rel="noopener">t</a><a href="/y" rel="noopener">u</a>',
    ),
    "iframe-javascript": ('<iframe src="javascript:alert(1)"></iframe>', ""),
    "iframe-data": (
        '<iframe src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        "",
    ),
    "iframe-srcdoc": ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', ""),
    "iframe-content-dropped": (
        '<iframe src="https://x.example/"><script>alert(1)</script></iframe>',
        '<a href="https://x.example/" rel="noopener">https://x.example/</a>',
    ),
    "iframe-provider-lookalike": (
        '<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>',
        '<a href="https://www.youtube.com.evil.example/embed/x" rel="noopener">'
        "https://www.youtube.com.evil.example/embed/x</a>",
    ),
    "iframe-provider-userinfo": (
        '<iframe src="https://evil.example@www.youtube.com/embed/x"></iframe>',
        '<a href="https://evil.example@www.youtube.com/embed/x" rel="noopener">'
        "https://evil.example@www.youtube.com/embed/x</a>",
    ),
    "iframe-provider-other-path": (
        '<iframe src="https://www.youtube.com/embed/../redirect?q=x"></iframe>',
        '<a href="https://www.youtube.com/embed/../redirect?q=x" rel="noopener">'
        "https://www.youtube.com/embed/../redirect?q=x</a>",
    ),
    "iframe-provider-own-sandbox-and-handler": (
        '<iframe src="https://player.vimeo.com/video/42" sandbox="allow-top-navigation" '
        'onload="alert(1)" allow="camera"></iframe>',
        '<iframe src="https://player.vimeo.com/video/42" '
        'sandbox="allow-scripts allow-same-origin allow-presentation" loading="lazy" '
        'allowfullscreen=""></iframe>',
    ),
    "video-javascript": (
        '<video src="javascript:alert(1)" autoplay onplay="alert(1)"></video>',
        '<video controls=""></video>',
    ),
    "video-poster-javascript": (
        '<video poster="javascript:alert(1)" controls></video>',
        '<video controls=""></video>',
    ),
    "source-data": (
        '<video><source src="data:video/mp4;base64,AAAA" type="video/mp4"></video>',
        '<video controls=""><source type="video/mp4"></video>',
    ),
    "audio-mailto-src": (
        '<audio src="mailto:a@example.org" autoplay></audio>',
        '<audio controls=""></audio>',
    ),
    "track-javascript": (
        '<video><track src="javascript:alert(1)" kind="captions"></video>',
        '<video controls=""><track kind="captions"></video>',
    ),
}


class _Active(HTMLParser):
    """What in a piece of HTML could run script, as a browser's parser reads its tags."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "svg", "math", "object", "embed", "frame", "base"):
            self.found.append(tag)
        if tag == "iframe" and not (
            PLAYER.fullmatch(values.get("src") or "")
            and values.get("sandbox") == "allow-scripts allow-same-origin allow-presentation"
            and "srcdoc" not in values
        ):
            self.found.append(f"iframe {values}")
        for name, value in attrs:
            url = "".join((value or "").split()).lower()
            if name.startswith("on") or name in ("style", "srcdoc", "formaction", "autoplay"):
                self.found.append(f"{tag} {name}")
            if (
                name in ("href", "src", "srcset", "poster")
                and url.startswith(("javascript:", "data:", "vbscript:"))
                or (name == "srcset" and ("javascript:" in url or "data:" in url))
            ):
                self.found.append(f"{tag} {name}={value}")


PLAYER = re.compile(
    r"https://(www\.youtube\.com/embed|www\.youtube-nocookie\.com/embed|player\.vimeo\.com/video)/.*"
)


def active(html: str) -> list[str]:
    parser = _Active()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize(
    "name",
    [
        "srcset-javascript",
        "srcset-data",
        "iframe-javascript",
        "iframe-srcdoc",
        "iframe-content-dropped",
        "iframe-provider-lookalike",
        "iframe-provider-own-sandbox-and-handler",
        "video-javascript",
        "video-poster-javascript",
        "source-data",
        "track-javascript",
    ],
)
def test_the_activity_check_catches_the_raw_attack(name: str):
    """The control for the corpus test below: unsanitized, these are found active."""
    assert active(ATTACKS[name][0]) != []


@pytest.mark.parametrize(("raw", "clean"), ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_on_the_kept_attributes_leave_nothing_active(raw: str, clean: str):
    assert sanitize_html(raw) == clean
    assert active(clean) == []
    assert sanitize_html(clean) == clean


@pytest.mark.parametrize(
    ("rendered", "text"),
    [
        ("Tips &#038; Tricks", "Tips & Tricks"),
        ("&#8220;Quoted&#8221; &amp; <em>emphasised</em>", "“Quoted” & emphasised"),
        ("A <script>bad()</script>title", "A title"),
        ("&lt;not a tag&gt;", "<not a tag>"),
        ("  spaced\n out  ", "spaced out"),
    ],
)
def test_plain_text(rendered: str, text: str):
    assert plain_text(rendered) == text


def test_gmt_fields_are_read_as_utc():
    assert parse_gmt("2025-04-01T08:00:00") == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert parse_gmt("2025-04-01T08:00:00Z") == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_gmt(None)


@pytest.mark.parametrize("name", ["post-draft", "post-private", "post-trashed"])
def test_posts_visitors_may_not_see_are_not_public(name: str):
    item = transform(wordpress_fixture(name))
    assert item.public is False


def test_a_draft_has_no_slug_and_its_author_still_comes_through():
    raw = wordpress_fixture("post-draft")
    assert raw["slug"] == "" and raw["status"] == "draft"
    item = transform(raw)
    assert item.post.slug == "" and item.post.status == "draft"
    assert item.author is not None and item.author.name == "Lena Varga"


def test_a_trashed_post_keeps_wordpress_s_suffixed_slug_but_is_not_public():
    item = transform(wordpress_fixture("post-trashed"))
    assert item.post.status == "trash"
    assert item.post.slug.endswith("__trashed")


def test_a_password_protected_post_has_no_content_and_a_decoded_title():
    item = transform(wordpress_fixture("post-protected"))
    assert item.post.content_html == "" and item.post.excerpt_html == ""
    assert item.post.title == "Members & friends"
    assert item.public is True and item.post.protected is True  # listed, with a lock


def test_a_protected_post_s_content_is_dropped_even_when_wordpress_sent_it():
    # An editor's credentials in the edit context get the text; it is never kept.
    raw = wordpress_fixture("post-protected")
    raw["content"] = {"rendered": "<p>The secret</p>", "protected": True}
    raw["excerpt"] = {"rendered": "<p>The secret, shorter</p>", "protected": True}
    item = transform(raw)
    assert (item.post.content_html, item.post.excerpt_html) == ("", "")


# --------------------------------------------------------------------------- authors, media, sticky

LAGOON = "http://127.0.0.1:8081/wp-content/uploads/2026/11/atoll-lagoon"
GRAVATAR = "http://0.gravatar.com/avatar/fd3f27cfba77bfad9ba3e07fc9c597db"


def test_an_author_keeps_a_plain_text_bio_and_every_avatar_size():
    author = transform(wordpress_post("hello-from-wordpress")).author

    assert author is not None
    # WordPress lets an author put HTML in their bio: only its text is kept, scripts dropped.
    assert author.description == "Lena writes about reefs & lagoons."
    assert author.avatar_urls == {
        "24": f"{GRAVATAR}?s=24&d=mm&r=g",
        "48": f"{GRAVATAR}?s=48&d=mm&r=g",
        "96": f"{GRAVATAR}?s=96&d=mm&r=g",
    }
    assert author.avatar_url == f"{GRAVATAR}?s=96&d=mm&r=g"


def test_an_author_without_a_bio_has_an_empty_one():
    author = transform(wordpress_post("tips-and-tricks")).author
    assert author is not None and author.description == ""


def _with_author(**changes: object) -> dict:
    raw = wordpress_post("hello-from-wordpress")
    raw["_embedded"]["author"][0] |= changes
    return raw


@pytest.mark.parametrize(
    ("avatars", "kept", "byline"),
    [
        (
            {"24": "javascript:alert(1)", "48": "https://a.test/48", "x": "https://a.test/x"},
            {"48": "https://a.test/48"},
            "https://a.test/48",
        ),
        ({"96": "data:image/png;base64,AAAA", "32": " https://a.test/32"}, None, None),
        ("not a mapping", None, None),
        ({"96": ["https://a.test/96"]}, None, None),
    ],
)
def test_avatar_urls_keep_only_http_addresses_by_pixel_size(avatars, kept, byline):
    author = transform(_with_author(avatar_urls=avatars)).author
    assert author is not None
    assert (author.avatar_urls, author.avatar_url) == (kept, byline)


def test_a_hostile_bio_is_text_only():
    bio = '<img src=x onerror="alert(1)"><a href="javascript:x()">click</a> &lt;b&gt;hi'
    author = transform(_with_author(description=bio)).author
    assert author is not None and author.description == "click <b>hi"


def test_the_featured_image_has_its_size_and_a_srcset_of_the_same_picture():
    post = transform(wordpress_post("hello-from-wordpress")).post

    assert (post.featured_image_width, post.featured_image_height) == (640, 360)
    # The 150x150 thumbnail is cropped (another picture): WordPress leaves it out, so do we.
    assert post.featured_image_srcset == f"{LAGOON}-300x169.png 300w, {LAGOON}.png 640w"
    assert sanitize_html(f'<img srcset="{post.featured_image_srcset}">') == (
        f'<img srcset="{post.featured_image_srcset}">'
    )  # the same check the content's srcset passes


def _with_media(**details: object) -> dict:
    raw = wordpress_post("hello-from-wordpress")
    raw["_embedded"]["wp:featuredmedia"][0]["media_details"] |= details
    return raw


@pytest.mark.parametrize(
    ("details", "size", "srcset"),
    [
        # No sizes: the image alone is no set.
        ({"sizes": {}}, (640, 360), None),
        # A size with an address that is not http(s), or would break the list, is left out.
        (
            {
                "sizes": {
                    "medium": {"width": 300, "height": 169, "source_url": "javascript:x"},
                    "large": {"width": 320, "height": 180, "source_url": "https://a.test/a,b"},
                    "half": {"width": 320, "height": 180, "source_url": "https://a.test/half"},
                }
            },
            (640, 360),
            f"https://a.test/half 320w, {LAGOON}.png 640w",
        ),
        # Dimensions that are not positive whole numbers are unknown, and with them the set.
        ({"width": "640", "height": 360}, (None, None), None),
        ({"width": 0}, (None, None), None),
    ],
)
def test_unusable_media_details_are_left_out(details, size, srcset):
    post = transform(_with_media(**details)).post
    assert (post.featured_image_width, post.featured_image_height) == size
    assert post.featured_image_srcset == srcset
    assert post.featured_image_url == f"{LAGOON}.png"


def test_a_post_without_featured_image_has_no_size_or_srcset():
    post = transform(wordpress_post("tips-and-tricks")).post
    assert (post.featured_image_width, post.featured_image_height) == (None, None)
    assert post.featured_image_srcset is None


@pytest.mark.parametrize(("sticky", "stored"), [(True, True), (False, False), ("yes", False)])
def test_the_sticky_flag_is_read(sticky, stored):
    assert transform(wordpress_post("tips-and-tricks", sticky=sticky)).post.sticky is stored


# --------------------------------------------------------------------------- client


SETTINGS = WordPressSettings(url="http://wordpress.test", user="admin", app_password="abcd efgh")


def _client(handler, **kwargs) -> WordPressClient:
    return WordPressClient(
        SETTINGS, transport=httpx.MockTransport(handler), backoff=0.001, **kwargs
    )


def test_retryable_failures_are_retried_with_backoff_then_succeed():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return httpx.Response(503, json={"code": "busy"})
        return httpx.Response(200, json=wordpress_post())

    with _client(handler) as client:
        post = client.get_post(5)

    assert post is not None and post["id"] == 5
    assert calls == ["/wp-json/wp/v2/posts/5"] * 3


def test_a_client_gives_up_after_its_retries():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(502)

    with _client(handler, retries=2) as client, pytest.raises(WordPressError, match="3 attempts"):
        client.get_post(5)
    assert calls == 3


@pytest.mark.parametrize("name", ["error-deleted", "error-draft-anonymous"])
def test_an_unreadable_post_is_none_not_an_error(name: str):
    saved = wordpress_fixture(name)
    status = saved.pop("status")

    with _client(lambda r: httpx.Response(status, json=saved)) as client:
        assert client.get_post(99) is None


def test_a_page_past_the_end_is_an_empty_page():
    body = wordpress_fixture("error-page-past-end")

    with _client(lambda r: httpx.Response(400, json=body)) as client:
        page = client.list_page(7)

    assert page.items == [] and page.total_pages == 0


def test_list_page_asks_for_published_posts_by_id_with_embeds_and_reads_the_totals():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if not request.url.path.endswith("/posts"):  # the terms, read apart
            return httpx.Response(200, json=[])
        return httpx.Response(
            200,
            json=wordpress_fixture("posts"),
            headers={"X-WP-Total": "204", "X-WP-TotalPages": "3"},
        )

    with _client(handler) as client:
        page = client.list_page(2)

    assert (page.total, page.total_pages, len(page.items)) == (204, 3, 4)
    params = seen[0].url.params
    assert dict(params) == {
        "per_page": "100",
        "page": "2",
        "orderby": "id",
        "order": "asc",
        "status": "publish",
        "_embed": "author,wp:featuredmedia",
        "_fields": POST_FIELDS,
    }
    assert seen[0].headers["authorization"].startswith("Basic ")


def _terms_apart_handler(seen: list[httpx.Request]):
    """The saved page of posts without ``wp:term``, and its terms by id from
    ``/categories`` and ``/tags``, as WordPress answers them."""
    saved = wordpress_fixture("posts")
    terms: dict[str, dict[int, dict[str, object]]] = {"categories": {}, "tags": {}}
    for post in saved:
        for field, group in zip(
            ("categories", "tags"), post["_embedded"].pop("wp:term"), strict=True
        ):
            for term in group:
                terms[field][term["id"]] = {k: term[k] for k in ("id", "name", "slug", "taxonomy")}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = request.url.path.rsplit("/", 1)[-1]
        if name in terms:
            wanted = [int(i) for i in request.url.params["include"].split(",")]
            return httpx.Response(200, json=[terms[name][i] for i in wanted if i in terms[name]])
        headers = {"X-WP-Total": str(len(saved)), "X-WP-TotalPages": "1"}
        return httpx.Response(200, json=saved, headers=headers)

    return handler


def test_a_page_reads_its_terms_by_id_and_gets_the_terms_the_embed_gave():
    # `_embed=wp:term` costs WordPress two term queries a post (60 % of a page's time): a
    # page of posts asks for its categories and tags by id instead, one request each.
    seen: list[httpx.Request] = []
    expected = [transform(post).terms for post in wordpress_fixture("posts")]

    with _client(_terms_apart_handler(seen)) as client:
        page = client.list_page(1)

    assert [transform(post).terms for post in page.items] == expected
    assert sum(len(terms) for terms in expected) == 11
    assert [r.url.path for r in seen] == ["/wp-json/wp/v2/posts", *_TERM_PATHS]
    assert [dict(r.url.params) for r in seen[1:]] == [
        {"include": "2,3", "per_page": "2", "_fields": "id,name,slug,taxonomy"},
        {"include": "4,5,6", "per_page": "3", "_fields": "id,name,slug,taxonomy"},
    ]


_TERM_PATHS = ["/wp-json/wp/v2/categories", "/wp-json/wp/v2/tags"]


@pytest.mark.parametrize(
    ("ids", "embed", "paths"),
    [
        ([5], "author,wp:featuredmedia,wp:term", []),  # one webhook: one request
        (list(range(1, 11)), "author,wp:featuredmedia", _TERM_PATHS),  # a bulk edit's batch
    ],
)
def test_a_few_posts_embed_their_terms_and_a_batch_reads_them_apart(
    ids: list[int], embed: str, paths: list[str]
):
    seen: list[httpx.Request] = []

    with _client(_terms_apart_handler(seen)) as client:
        client.get_posts(ids)

    assert seen[0].url.params["_embed"] == embed
    assert [r.url.path for r in seen[1:]] == paths


def test_changed_versions_asks_for_ids_and_dates_modified_after_a_utc_moment():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = [{"id": 9, "modified_gmt": "2026-12-01T17:00:05"}]
        return httpx.Response(200, json=body, headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"})

    since = datetime(2026, 12, 1, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    with _client(handler) as client:
        changed = client.changed_versions(since)

    assert changed == {9: datetime(2026, 12, 1, 17, 0, 5, tzinfo=UTC)}
    assert dict(seen[0].url.params) == {
        "per_page": "100",
        "page": "1",
        "orderby": "modified",
        "order": "asc",
        "status": "publish",
        "_fields": "id,modified_gmt",
        "modified_after": "2026-12-01T17:00:00Z",
    }


def test_credentials_are_checked_against_users_me():
    # A wrong application password is not refused: WordPress answers as a visitor, and
    # only /users/me says 401.
    with _client(lambda r: httpx.Response(401, json={"code": "rest_not_logged_in"})) as client:
        assert client.check_credentials() is False
    with _client(lambda r: httpx.Response(200, json={"id": 1})) as client:
        assert client.check_credentials() is True
