"""WordPress as a content source: its REST API, and the transform from its JSON to our rows.

Only :mod:`db.sync` writes what this module produces; pages never talk to WordPress. The
client retries what can succeed on a second try (connection errors, timeouts, 429 and
5xx) with exponential backoff, and treats "this post is not visible" (404, 401, 403, 410)
as an answer rather than an error, because WordPress has no tombstones: a trashed, drafted
or deleted post simply stops being readable.

Content and excerpt are sanitized with an nh3 allow-list before they are stored, so the
copy in libSQL is safe to render as HTML no matter what an author typed.
"""

from __future__ import annotations

import html
import logging
import os
import random
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

import httpx
import nh3

from db.models import SLUG_MAX, Author, Post, Term

log = logging.getLogger("atoll.wordpress")

PER_PAGE = 100  # the REST API's maximum; 101 is refused with 400
EMBED = "author,wp:featuredmedia,wp:term"  # only what a post needs, not its comments
GONE = frozenset({401, 403, 404, 410})  # "not readable by us" is an answer, not a failure
RETRY = frozenset({408, 425, 429, 500, 502, 503, 504})
TAXONOMIES = {"category": "category", "post_tag": "tag"}


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class WordPressSettings:
    """Where WordPress is and, optionally, who we are there (drafts need credentials)."""

    url: str
    user: str | None = None
    app_password: str | None = None

    @classmethod
    def from_env(cls) -> WordPressSettings:
        """``WORDPRESS_URL`` plus optional ``WORDPRESS_USER`` / ``WORDPRESS_APP_PASSWORD``."""
        url = os.environ.get("WORDPRESS_URL", "").strip().rstrip("/")
        if not url:
            raise WordPressNotConfigured("WORDPRESS_URL is not set")
        user = os.environ.get("WORDPRESS_USER", "").strip() or None
        password = os.environ.get("WORDPRESS_APP_PASSWORD", "").replace(" ", "") or None
        return cls(url=url, user=user, app_password=password)


def is_configured() -> bool:
    """Whether ``WORDPRESS_URL`` is set (without it the sync worker idles)."""
    return bool(os.environ.get("WORDPRESS_URL", "").strip())


class WordPressError(Exception):
    """WordPress could not be reached or answered something unusable; worth retrying later."""


class WordPressNotConfigured(WordPressError):
    """``WORDPRESS_URL`` is missing."""


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class PostsPage:
    """One page of ``/wp/v2/posts`` with the totals WordPress sends in headers."""

    items: list[dict[str, Any]]
    total: int
    total_pages: int


class WordPressClient:
    """A small, retrying client for the handful of REST endpoints the sync needs.

    Args:
        settings: where WordPress is (default: from the environment).
        timeout: seconds per request (connect, read, write and pool).
        retries: further attempts after the first for a retryable failure.
        backoff: seconds before the first retry; doubles each time, plus jitter.
        transport: an httpx transport (tests of the retry logic pass a failing one).
    """

    def __init__(
        self,
        settings: WordPressSettings | None = None,
        *,
        timeout: float = 15.0,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or WordPressSettings.from_env()
        self.retries = retries
        self.backoff = backoff
        auth = None
        if self.settings.user and self.settings.app_password:
            auth = httpx.BasicAuth(self.settings.user, self.settings.app_password)
        self._http = httpx.Client(
            base_url=f"{self.settings.url}/wp-json/wp/v2",
            auth=auth,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "Atoll-sync/1.0"},
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def authenticated(self) -> bool:
        return self._http.auth is not None

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        """GET with retries; returns any non-retryable response for the caller to judge."""
        attempt = 0
        while True:
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:  # connect, read, write, pool timeouts too
                problem = f"{type(exc).__name__}: {exc}"
                wait = None
            else:
                if response.status_code not in RETRY:
                    return response
                problem = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            if attempt >= self.retries:
                raise WordPressError(f"GET {path} failed after {attempt + 1} attempts: {problem}")
            delay = wait if wait is not None else self.backoff * 2**attempt
            delay = min(delay, 30.0) * (1 + random.random() * 0.2)
            log.warning("GET %s: %s; retry %d in %.1fs", path, problem, attempt + 1, delay)
            time.sleep(delay)
            attempt += 1

    def get_post(self, wp_id: int) -> dict[str, Any] | None:
        """One post with its embeds, or ``None`` when it does not exist or we may not read it."""
        response = self._get(f"/posts/{int(wp_id)}", {"_embed": EMBED})
        if response.status_code in GONE:
            return None
        return _json(response, dict)

    def list_page(self, page: int, *, per_page: int = PER_PAGE) -> PostsPage:
        """Published posts, oldest id first so pages stay put while new posts are written.

        A page past the end is answered by WordPress with 400 ``rest_post_invalid_page_number``;
        it comes back here as an empty page.
        """
        params = {
            "per_page": per_page,
            "page": page,
            "orderby": "id",
            "order": "asc",
            "status": "publish",
            "_embed": EMBED,
        }
        response = self._get("/posts", params)
        if response.status_code == 400 and _error_code(response) == "rest_post_invalid_page_number":
            return PostsPage([], 0, 0)
        items = _json(response, list)
        return PostsPage(
            items,
            int(response.headers.get("X-WP-Total", len(items))),
            int(response.headers.get("X-WP-TotalPages", 1)),
        )

    def published_versions(self) -> dict[int, datetime]:
        """Every published post id with its ``modified_gmt``: cheap (two fields per post)."""
        versions: dict[int, datetime] = {}
        page = 1
        while True:
            params = {
                "per_page": PER_PAGE,
                "page": page,
                "orderby": "id",
                "order": "asc",
                "status": "publish",
                "_fields": "id,modified_gmt",
            }
            response = self._get("/posts", params)
            if (
                response.status_code == 400
                and _error_code(response) == "rest_post_invalid_page_number"
            ):
                return versions
            for item in _json(response, list):
                versions[int(item["id"])] = parse_gmt(item["modified_gmt"])
            if page >= int(response.headers.get("X-WP-TotalPages", 1)):
                return versions
            page += 1

    def get_posts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Published posts by id, up to 100 per request, with their embeds."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), PER_PAGE):
            chunk = [int(i) for i in ids[start : start + PER_PAGE]]
            params = {
                "include": ",".join(map(str, chunk)),
                "per_page": len(chunk),
                "status": "publish",
                "_embed": EMBED,
            }
            found += _json(self._get("/posts", params), list)
        return found

    def check_credentials(self) -> bool:
        """Whether the application password is accepted.

        A wrong password is not refused by WordPress: the request just runs logged out.
        Only ``/users/me`` tells the difference (401 when logged out).
        """
        if not self.authenticated:
            return False
        return self._get("/users/me", {"context": "edit"}).status_code == 200


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    return float(raw) if raw.isdigit() else None


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _json(response: httpx.Response, kind: type) -> Any:
    if response.status_code != 200:
        raise WordPressError(
            f"GET {response.request.url.path} answered {response.status_code} "
            f"{_error_code(response) or response.reason_phrase}"
        )
    try:
        body = response.json()
    except ValueError:
        raise WordPressError(f"GET {response.request.url.path} did not answer JSON") from None
    if not isinstance(body, kind):
        raise WordPressError(f"GET {response.request.url.path} answered an unexpected shape")
    return body


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

    ``post.id`` and ``author.id`` are unset: :mod:`db.sync` matches rows by ``wp_id``.
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


def iter_pages(client: WordPressClient, start: int = 1) -> Iterator[tuple[int, PostsPage]]:
    """``(page number, page)`` from ``start`` until WordPress has no more pages.

    The next page is fetched in a background thread while the caller works on this one,
    so WordPress's time and ours overlap instead of adding up.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wp-prefetch") as pool:
        number = start
        pending = pool.submit(client.list_page, number)
        while True:
            batch = pending.result()
            if not batch.items:
                return
            more = number < batch.total_pages
            if more:
                pending = pool.submit(client.list_page, number + 1)
            yield number, batch
            if not more:
                return
            number += 1
