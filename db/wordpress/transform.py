"""WordPress's JSON as our rows: sanitized HTML, plain-text titles, authors and terms.

Content and excerpt are sanitized with an nh3 allow-list before they are stored, so the
copy in libSQL is safe to render as HTML no matter what an author typed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import nh3

from db.models import SLUG_MAX, Author, Post, Term

TAXONOMIES = {"category": "category", "post_tag": "tag"}


# --------------------------------------------------------------------------- sanitize

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
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
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
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
        "u",
        "ul",
        "var",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    # No `cite`: nh3 checks URL schemes on href and src only, so other URL attributes stay out.
    "del": {"datetime"},
    "ins": {"datetime"},
    "time": {"datetime"},
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
}
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


def sanitize_html(raw: str) -> str:
    """Author HTML reduced to an allow-list: safe to render as-is.

    No script, style, iframe or other active element survives, no ``on*`` or ``style``
    attribute, and URLs keep only http, https, mailto or relative addresses (so no
    ``javascript:`` or ``data:``). Images keep ``src`` and ``alt``; every link gets
    ``rel="noopener"``. Comments (WordPress block markers) are dropped.
    """
    if not raw:
        return ""
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        strip_comments=True,
    ).strip()


def plain_text(rendered: str) -> str:
    """A rendered title or name as plain text: tags removed, entities such as ``&#8220;`` decoded."""
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


def transform_author(data: dict[str, Any] | None) -> Author | None:
    """``_embedded.author[0]`` as an Author; ``None`` when WordPress embedded an error instead."""
    if not isinstance(data, dict) or "id" not in data or "code" in data:
        return None
    avatars = data.get("avatar_urls") or {}
    avatar = (avatars.get("96") or next(iter(avatars.values()), None)) if avatars else None
    name = plain_text(str(data.get("name") or "")) or str(data.get("slug") or "")
    return Author(
        wp_id=int(data["id"]),
        slug=_clip(unquote(str(data.get("slug") or f"user-{data['id']}")), SLUG_MAX),
        name=_clip(name, 200),
        avatar_url=_clip(avatar, 2000) if avatar else None,
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
    are stored as plain text; content and excerpt are sanitized HTML. A password-protected
    post is not public: its content is not ours to show.
    """
    content = data.get("content") or {}
    excerpt = data.get("excerpt") or {}
    protected = bool(content.get("protected"))
    status = str(data.get("status") or "publish")
    modified = parse_gmt(data.get("modified_gmt"))
    published = parse_gmt(data.get("date_gmt")) if data.get("date_gmt") else modified
    media = next(
        (
            m
            for m in _embedded(data, "wp:featuredmedia")
            if isinstance(m, dict) and m.get("source_url")
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
        featured_image_url=_clip(str(media["source_url"]), 2000) if media else None,
        featured_image_alt=_clip(plain_text(str(media.get("alt_text") or "")), 500)
        if media
        else "",
        published_at=published,
        modified_at=modified,
        status=status
        if status in ("publish", "draft", "pending", "private", "future", "trash")
        else "draft",
    )
    authors = _embedded(data, "author")
    return WordPressPost(
        post=post,
        author=transform_author(authors[0] if authors else None),
        terms=transform_terms(data),
        public=status == "publish" and not protected and bool(slug),
    )
