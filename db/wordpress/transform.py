"""WordPress's JSON as our rows: sanitized HTML, plain-text titles, authors and terms.

Content and excerpt are sanitized with an nh3 allow-list before they are stored, so the
copy in libSQL is safe to render as HTML no matter what an author typed.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import nh3

from db.models import (
    AUTHOR_BIO_MAX,
    POST_TYPE_MAX,
    SLUG_MAX,
    SRCSET_MAX,
    Author,
    ContentItem,
    Post,
    Term,
)

log = logging.getLogger("atoll.wordpress")

TAXONOMIES = {"category": "category", "post_tag": "tag"}


# --------------------------------------------------------------------------- sanitize

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "audio",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "iframe",  # kept by nh3 only to be replaced: see _embed_or_link
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "source",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "track",
        "u",
        "ul",
        "var",
        "video",
    }
)
_MEDIA = {"src", "preload", "loop", "muted", "controls"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir", "id"},
    "a": {"href", "hreflang", "target", "rel"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"},
    # No `autoplay`: a visitor starts media themselves, with the controls every player gets.
    "video": _MEDIA | {"poster", "width", "height", "playsinline"},
    "audio": set(_MEDIA),
    "source": {"src", "srcset", "sizes", "type", "media", "width", "height"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "iframe": {"src", "width", "height"},
    # No `cite` (blockquote, q, del, ins): nh3 checks URL schemes on href and src only, so
    # the other URL attributes kept (srcset, poster) are checked by _attribute below.
    "del": {"datetime"},
    "ins": {"datetime"},
    "time": {"datetime"},
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
}
FORCED_ATTRIBUTES = {"video": {"controls": ""}, "audio": {"controls": ""}}
"""Every player shows its controls, whatever the author wrote."""
# Removed together with everything inside them (the rest of the disallowed tags keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "noscript",
        "template",
        "object",
        "embed",
        "svg",
        "math",
        "textarea",
        "select",
        "frame",
        "frameset",
        "noembed",
        "xmp",
    }
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""What ``href`` and ``src`` may point at (nh3 checks them); media and srcset: http(s) only."""
WEB_SCHEMES = frozenset({"http", "https"})

ID_PREFIX = "wp-"
"""Put before every ``id`` (and every in-page ``#`` link), so a post's ids can't clobber the
page's own (``#post-title``) or a global the app's scripts read."""

EMBED_PROVIDERS: dict[str, re.Pattern[str]] = {
    "www.youtube.com": re.compile(r"/embed/[\w-]+"),
    "www.youtube-nocookie.com": re.compile(r"/embed/[\w-]+"),
    "player.vimeo.com": re.compile(r"/video/\d+"),
}
"""The hosts whose player an ``<iframe>`` may show (over https), and the path of a player
there; any other iframe becomes a link to its address. The CSP's ``frame-src`` allows
exactly these hosts (:func:`embed_origins`)."""
EMBED_SANDBOX = "allow-scripts allow-same-origin allow-presentation"
"""What a player may do in its frame: run its own scripts on its own origin and cast. No
popups, top navigation, forms or downloads."""

REL_VALUES = frozenset(
    {"nofollow", "sponsored", "ugc", "noopener", "noreferrer", "external", "license", "tag"}
)
"""Link types an author may set (``opener``, ``prefetch`` and the like are dropped)."""
_DIMENSION = re.compile(r"\d{1,5}")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DESCRIPTOR = re.compile(r"\d+w|\d+(\.\d+)?x")
_SPACE = " \t\n\f\r"
"""HTML's whitespace (ASCII only)."""
_SPACES = re.compile(f"[{_SPACE}]")
_SIZES = re.compile(r"[\w\s().,:%+\-*/]{1,1000}")


def _safe_url(url: str) -> bool:
    """Whether ``url`` is relative or uses one of :data:`WEB_SCHEMES`.

    Browsers ignore leading spaces and control characters and drop tabs and newlines
    inside a URL (``java\\tscript:``), so any control character refuses the URL outright.
    """
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return False
    scheme = _SCHEME.match(url.strip())
    return scheme is None or scheme.group(1).lower() in WEB_SCHEMES


def _srcset(value: str) -> str | None:
    """A ``srcset`` whose every candidate is an http(s) or relative URL with at most one
    ``w`` or ``x`` descriptor, written back as ``url descriptor, …``; ``None`` if any
    candidate is not.

    Read the way the HTML parser reads it: a candidate's URL is a run of non-space
    characters (it may hold commas, as some image CDNs' do) and a comma at its very end
    ends the candidate; otherwise its descriptors run to the next comma.
    """
    candidates: list[str] = []
    rest = value
    while rest := rest.lstrip(_SPACE + ","):
        url, *after = _SPACES.split(rest, maxsplit=1)
        rest = after[0] if after else ""
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            text, _comma, rest = rest.partition(",")
            descriptors = text.split()
        if not _safe_url(url) or len(descriptors) > 1:
            return None
        if descriptors and not _DESCRIPTOR.fullmatch(descriptors[0]):
            return None
        candidates.append(" ".join([url, *descriptors]))
    return ", ".join(candidates) or None


def _rel(value: str) -> str:
    """The author's allowed link types, in their order, with ``noopener`` always among them."""
    kept = [word for word in dict.fromkeys(value.lower().split()) if word in REL_VALUES]
    return " ".join(kept if "noopener" in kept else [*kept, "noopener"])


def _fragment(href: str) -> str:
    """An in-page link (``#x``) pointed at the prefixed id (``#wp-x``); other links as they are."""
    fragment = href.strip().removeprefix("#")
    if not href.strip().startswith("#") or not fragment or fragment.startswith(ID_PREFIX):
        return href
    return "#" + ID_PREFIX + fragment


def _web_url(value: str) -> str | None:
    return value if _safe_url(value) else None


def _dimension(value: str) -> str | None:
    return value.strip() if _DIMENSION.fullmatch(value.strip()) else None


def _choice(*allowed: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return value.lower() if value.lower() in allowed else None

    return check


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "id": lambda value: value if value.removeprefix(ID_PREFIX).strip() else None,
    "srcset": _srcset,
    "poster": _web_url,
    "sizes": lambda value: value if _SIZES.fullmatch(value) else None,
    "width": _dimension,
    "height": _dimension,
    "loading": _choice("lazy", "eager"),
    "decoding": _choice("async", "sync", "auto"),
    "preload": _choice("none", "metadata", "auto"),
}
"""Attributes whose value is checked wherever they are allowed (``None``: dropped)."""
_LINK_CHECKS: dict[str, Callable[[str], str | None]] = {
    "href": _fragment,
    "target": lambda value: "_blank" if value.strip().lower() == "_blank" else None,
    "rel": _rel,
}


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's ``attribute_filter``: a kept attribute's value, checked or rewritten (``None``
    removes it). nh3 has already dropped what the allow-list doesn't name, prefixed ids
    (``id_prefix``) and checked ``href`` and ``src`` against :data:`URL_SCHEMES`."""
    if tag == "a" and name in _LINK_CHECKS:
        return _LINK_CHECKS[name](value)
    if name == "src":  # media and frames: the web only (no mailto)
        return value if tag == "img" else _web_url(value)
    check = _CHECKS.get(name)
    return value if check is None else check(value)


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT - ALLOWED_TAGS),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute,
    set_tag_attribute_values=FORCED_ATTRIBUTES,
    url_schemes=set(URL_SCHEMES),
    link_rel=None,  # it would replace the author's rel; _attribute and _with_rel merge it
    id_prefix=ID_PREFIX,
    strip_comments=True,
)

# nh3's output is serialized by html5ever: every attribute value is double-quoted with
# `"`, `<` and `>` escaped, and an iframe's content can't hold `</iframe>`. So these
# patterns read it exactly.
_ATTRIBUTES = re.compile(r'\s([^\s="]+)(?:="([^"]*)")?')
_IFRAME = re.compile(r"<iframe((?:\s[^>]*)?)>.*?</iframe>", re.S)
_LINK = re.compile(r"<a((?:\s[^>]*)?)>")


def _attributes(text: str) -> dict[str, str]:
    """A start tag's attributes from nh3's output, values still HTML-escaped."""
    return {name: value or "" for name, value in _ATTRIBUTES.findall(text)}


def _embed(src: str) -> bool:
    """Whether ``src`` (unescaped) is the player of an :data:`EMBED_PROVIDERS` host."""
    parts = urlsplit(src)
    player = EMBED_PROVIDERS.get(parts.netloc)
    return parts.scheme == "https" and player is not None and bool(player.fullmatch(parts.path))


def embed_origins() -> list[str]:
    """The origins of :data:`EMBED_PROVIDERS`, for the CSP's ``frame-src``."""
    return [f"https://{host}" for host in EMBED_PROVIDERS]


def _embed_or_link(match: re.Match[str]) -> str:
    """An ``<iframe>`` as a sandboxed player when it shows an allowed provider's, otherwise
    a link to the page it framed (nothing when it had no http(s) address)."""
    found = _attributes(match.group(1))
    src = found.get("src", "")
    if not src:
        return ""
    if not _embed(html.unescape(src)):
        return f'<a href="{src}" rel="noopener">{src}</a>'
    sized = "".join(f' {name}="{found[name]}"' for name in ("width", "height") if name in found)
    title = f' title="{found["title"]}"' if "title" in found else ""
    return (
        f'<iframe src="{src}"{title}{sized} sandbox="{EMBED_SANDBOX}" loading="lazy" '
        'allowfullscreen=""></iframe>'
    )


def _with_rel(match: re.Match[str]) -> str:
    """A link start tag with a ``rel`` holding ``noopener`` (nh3 merged one the author wrote)."""
    if "rel" in _attributes(match.group(1)):
        return match.group(0)
    return f'<a{match.group(1)} rel="noopener">'


def sanitize_html(raw: str) -> str:
    """Author HTML reduced to an allow-list: safe to render as-is.

    No script, style, object or other active element survives, no ``on*`` or ``style``
    attribute, and URLs keep only http, https, mailto or relative addresses (so no
    ``javascript:`` or ``data:``); media, ``srcset`` and frames only http(s). What normal
    WordPress output needs stays: responsive images (``srcset``, ``sizes``, dimensions),
    ``id`` anchors (prefixed with :data:`ID_PREFIX`, and in-page links with them),
    ``<video>``/``<audio>`` with controls and without autoplay, YouTube and Vimeo players in
    a sandboxed frame (any other iframe becomes a link), ``target="_blank"`` and the
    author's link types merged with ``noopener``. Comments (block markers) are dropped.
    The result is a fixed point: sanitizing it again changes nothing.
    """
    if not raw:
        return ""
    cleaned = _CLEANER.clean(raw)
    return _LINK.sub(_with_rel, _IFRAME.sub(_embed_or_link, cleaned)).strip()


def plain_text(rendered: str) -> str:
    """A rendered title or name as plain text.

    Tags are removed and entities such as ``&#8220;`` decoded.
    """
    stripped = nh3.clean(rendered or "", tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return " ".join(html.unescape(stripped).split())


# --------------------------------------------------------------------------- transform


def parse_gmt(value: str | None) -> datetime:
    """A ``*_gmt`` field (UTC, written without a zone) as an aware UTC datetime."""
    if not value:
        raise ValueError("missing GMT timestamp")
    parsed = datetime.fromisoformat(value.replace("Z", ""))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass
class WordPressPost:
    """One REST post turned into our rows (not yet in any session).

    ``post.id`` and ``author.id`` are unset: :mod:`db.wordpress.sync` matches rows by ``wp_id``.
    ``public`` says whether visitors may see it at all; anything else is removed.
    """

    post: Post
    author: Author | None
    terms: list[Term] = field(default_factory=list)
    public: bool = True


def _clip(text: str, limit: int) -> str:
    return text[:limit]


def _embedded(data: dict[str, Any], rel: str) -> list[Any]:
    value = (data.get("_embedded") or {}).get(rel) or []
    return value if isinstance(value, list) else []


def _avatar_urls(raw: Any) -> dict[str, str]:
    """WordPress's ``avatar_urls`` (size → URL) keeping only whole-number sizes with an
    absolute http(s) URL, smallest first; anything else could not go in an ``<img src>``."""
    if not isinstance(raw, dict):
        return {}
    kept = {
        str(size): url
        for size, url in raw.items()
        if str(size).isdigit()
        and isinstance(url, str)
        and len(url) <= 2000
        and url.strip() == url
        and url.lower().startswith(("https://", "http://"))
        and _safe_url(url)
    }
    return dict(sorted(kept.items(), key=lambda item: int(item[0])))


def transform_author(data: dict[str, Any] | None) -> Author | None:
    """``_embedded.author[0]`` as an Author; ``None`` when WordPress embedded an error instead.

    The bio (``description``) is author-controlled HTML in WordPress: it is kept as plain
    text, so no markup of an author's reaches a page.
    """
    if not isinstance(data, dict) or "id" not in data or "code" in data:
        return None
    avatars = _avatar_urls(data.get("avatar_urls"))
    avatar = avatars.get("96") or next(reversed(avatars.values()), None)
    name = plain_text(str(data.get("name") or "")) or str(data.get("slug") or "")
    return Author(
        wp_id=int(data["id"]),
        slug=_clip(unquote(str(data.get("slug") or f"user-{data['id']}")), SLUG_MAX),
        name=_clip(name, 200),
        avatar_url=avatar,
        description=_clip(plain_text(str(data.get("description") or "")), AUTHOR_BIO_MAX),
        avatar_urls=avatars or None,
    )


@dataclass(frozen=True)
class FeaturedImage:
    """The featured image as a page needs it: its URL, alt text, size and other sizes."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None
    srcset: str | None = None


def _size(value: Any) -> int | None:
    """A positive pixel dimension, or ``None`` (WordPress sends ints; anything else is ignored)."""
    return value if isinstance(value, int) and 0 < value <= 100_000 else None


def _same_ratio(width: int, height: int, other_width: int, other_height: int) -> bool:
    """Whether two sizes show the same picture uncropped, as WordPress's srcset decides
    (``wp_image_matches_ratio``: scaled to the narrower width, heights within a pixel)."""
    if width > other_width:
        width, height, other_width, other_height = other_width, other_height, width, height
    return abs(other_height * width / other_width - height) <= 1


def _candidate(url: Any) -> bool:
    """A URL that can stand in a ``srcset`` as is: absolute http(s), no spaces or commas."""
    return (
        isinstance(url, str)
        and url.lower().startswith(("https://", "http://"))
        and not any(char in url for char in _SPACE + ",")
        and _safe_url(url)
    )


def featured_image(media: dict[str, Any]) -> FeaturedImage:
    """``_embedded['wp:featuredmedia'][0]`` as the image a post shows.

    ``srcset`` lists the sizes WordPress made of it (``media_details.sizes``) that keep its
    proportions (a cropped square thumbnail would show another picture), widest last, each
    URL checked like the content's; ``None`` when fewer than two sizes qualify.
    """
    details = media.get("media_details")
    details = details if isinstance(details, dict) else {}
    width, height = _size(details.get("width")), _size(details.get("height"))
    url = _clip(str(media["source_url"]), 2000)
    candidates: dict[int, str] = {}
    if width and height and _candidate(url):
        candidates[width] = url
        sizes = details.get("sizes")
        for size in (sizes if isinstance(sizes, dict) else {}).values():
            if not isinstance(size, dict):
                continue
            w, h, src = _size(size.get("width")), _size(size.get("height")), size.get("source_url")
            if w and h and _candidate(src) and _same_ratio(width, height, w, h):
                candidates.setdefault(w, str(src))
    srcset = ", ".join(f"{src} {w}w" for w, src in sorted(candidates.items()))
    return FeaturedImage(
        url=url,
        alt=_clip(plain_text(str(media.get("alt_text") or "")), 500),
        width=width if height else None,
        height=height if width else None,
        srcset=srcset if len(candidates) > 1 and len(srcset) <= SRCSET_MAX else None,
    )


def transform_terms(data: dict[str, Any]) -> list[Term]:
    """Categories and tags from ``_embedded['wp:term']`` (``[[categories], [tags]]``)."""
    terms: list[Term] = []
    seen: set[tuple[str, int]] = set()
    for group in _embedded(data, "wp:term"):
        for item in group if isinstance(group, list) else []:
            taxonomy = TAXONOMIES.get(str((item or {}).get("taxonomy")))
            if taxonomy is None or "id" not in item or (taxonomy, int(item["id"])) in seen:
                continue
            seen.add((taxonomy, int(item["id"])))
            terms.append(
                Term(
                    wp_id=int(item["id"]),
                    taxonomy=taxonomy,
                    slug=_clip(unquote(str(item.get("slug") or item["id"])), SLUG_MAX),
                    name=_clip(plain_text(str(item.get("name") or "")), 200),
                )
            )
    return terms


def transform(data: dict[str, Any]) -> WordPressPost:
    """A ``/wp/v2/posts`` item (with ``_embed``) as a Post, its Author and its Terms.

    Dates come from the ``*_gmt`` fields (the others are site-local); a draft may have no
    ``date_gmt``, so ``modified_gmt`` stands in. Titles and names arrive entity-encoded and
    are stored as plain text; content and excerpt are sanitized HTML. The featured image
    comes with its size and ``srcset`` (:func:`featured_image`), and ``sticky`` with the
    post (WordPress keeps it in an option, so it changes without ``modified_gmt``). A
    password-protected post is listed (``protected``) but its content and excerpt are never
    kept, even when an authenticated request was sent them: a visitor with the password
    reads them from WordPress (:mod:`db.protected`).
    """
    content = data.get("content") or {}
    excerpt = data.get("excerpt") or {}
    protected = bool(content.get("protected"))
    status = str(data.get("status") or "publish")
    modified = parse_gmt(data.get("modified_gmt"))
    published = parse_gmt(data.get("date_gmt")) if data.get("date_gmt") else modified
    media = next(
        (
            featured_image(m)
            for m in _embedded(data, "wp:featuredmedia")
            if isinstance(m, dict) and m.get("source_url") and "code" not in m
        ),
        None,
    )
    slug = unquote(str(data.get("slug") or ""))
    post = Post(
        wp_id=int(data["id"]),
        slug=_clip(slug, SLUG_MAX),
        title=_clip(plain_text(str((data.get("title") or {}).get("rendered") or "")), 500),
        content_html="" if protected else sanitize_html(str(content.get("rendered") or "")),
        excerpt_html="" if protected else sanitize_html(str(excerpt.get("rendered") or "")),
        featured_image_url=media.url if media else None,
        featured_image_alt=media.alt if media else "",
        featured_image_width=media.width if media else None,
        featured_image_height=media.height if media else None,
        featured_image_srcset=media.srcset if media else None,
        sticky=data.get("sticky") is True,
        protected=protected,
        published_at=published,
        modified_at=modified,
        fields=custom_fields(data),
        status=status
        if status in ("publish", "draft", "pending", "private", "future", "trash")
        else "draft",
    )
    authors = _embedded(data, "author")
    return WordPressPost(
        post=post,
        author=transform_author(authors[0] if authors else None),
        terms=transform_terms(data),
        public=status == "publish" and bool(slug),
    )


# --------------------------------------------------------------------------- other post types

FIELDS_MAX_BYTES = 64 * 1024
"""The most custom-field JSON one item may store; a larger set is dropped (and logged)."""
FIELD_TEXT_MAX = 10_000
FIELD_DEPTH_MAX = 6


def _field_value(value: Any, depth: int = 0) -> Any:
    """A JSON value with its strings clipped and anything deeper than
    :data:`FIELD_DEPTH_MAX` left out (``None``)."""
    if isinstance(value, str):
        return value[:FIELD_TEXT_MAX]
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= FIELD_DEPTH_MAX:
        return None
    if isinstance(value, list):
        return [_field_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _field_value(v, depth + 1) for k, v in value.items()}
    return None


def custom_fields(data: dict[str, Any]) -> dict[str, Any] | None:
    """An item's custom fields: registered meta (``meta``, what ``show_in_rest`` exposes)
    and ACF's ``acf`` object, in one flat object (an ACF field wins over a meta key of the
    same name); ``None`` when there are none.

    Kept as WordPress sent them, bounded (strings clipped, depth and total size limited),
    and never treated as HTML here: page code reads them through a typed model
    (:func:`db.content.typed_fields`), where text stays text and only a field declared
    :data:`db.content.SafeHtml` is sanitized with :func:`sanitize_html`. Keys starting with
    ``_`` (WordPress's private meta) are left out.
    """
    merged: dict[str, Any] = {}
    for source in (data.get("meta"), data.get("acf")):
        if isinstance(source, dict):
            merged |= {str(k): v for k, v in source.items() if not str(k).startswith("_")}
    if not merged:
        return None
    fields = _field_value(merged)
    if len(json.dumps(fields, ensure_ascii=False).encode()) > FIELDS_MAX_BYTES:
        log.warning(
            "custom fields of %s %s exceed %d bytes; not stored",
            data.get("type"),
            data.get("id"),
            FIELDS_MAX_BYTES,
        )
        return None
    return fields


@dataclass
class WordPressItem:
    """A page or custom item turned into our row (not yet in any session); ``public`` as on
    :class:`WordPressPost` (a password-protected item is not: its content is not ours)."""

    item: ContentItem
    author: Author | None
    public: bool = True


def transform_item(data: dict[str, Any]) -> WordPressItem:
    """A ``/wp/v2/<rest_base>`` item (a page, a custom type's) as a ContentItem.

    Title, content, excerpt, dates, author and featured image are read exactly as a post's
    (:func:`transform`); added are its type, its parent (hierarchical types), its menu order
    and its custom fields (:func:`custom_fields`).
    """
    as_post = transform(data)
    post = as_post.post
    protected = bool((data.get("content") or {}).get("protected"))
    parent = data.get("parent")
    order = data.get("menu_order")
    item = ContentItem(
        wp_id=int(data["id"]),
        post_type=_clip(str(data.get("type") or ""), POST_TYPE_MAX),
        slug=post.slug,
        parent_wp_id=parent if isinstance(parent, int) and parent > 0 else 0,
        menu_order=order if isinstance(order, int) else 0,
        title=post.title,
        excerpt_html=post.excerpt_html,
        content_html=post.content_html,
        featured_image_url=post.featured_image_url,
        featured_image_alt=post.featured_image_alt,
        featured_image_width=post.featured_image_width,
        featured_image_height=post.featured_image_height,
        featured_image_srcset=post.featured_image_srcset,
        published_at=post.published_at,
        modified_at=post.modified_at,
        status=post.status,
        fields=custom_fields(data),
    )
    return WordPressItem(
        item=item,
        author=as_post.author,
        public=as_post.public and not protected and bool(item.post_type),
    )
