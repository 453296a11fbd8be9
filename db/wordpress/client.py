"""WordPress's REST API, read with the site's application password.

Only :mod:`db.wordpress.sync` writes what this module fetches; pages never talk to WordPress.
The client retries what can succeed on a second try (connection errors, timeouts, 429 and
5xx) with exponential backoff, and treats "this post is not visible" (404, 401, 403, 410)
as an answer rather than an error, because WordPress has no tombstones: a trashed, drafted
or deleted post simply stops being readable.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self

import httpx

from db.core.settings import settings
from db.wordpress.transform import parse_gmt

log = logging.getLogger("atoll.wordpress")

PER_PAGE = 100  # the REST API's maximum; 101 is refused with 400
EMBED = "author,wp:featuredmedia"  # only what a post needs, not its comments
EMBED_TERMS = EMBED + ",wp:term"
TERMS_APART_FROM = 10
"""From this many posts a request on, their categories and tags are not embedded but read by
id (:meth:`WordPressClient._add_terms`, a request per taxonomy): WordPress builds ``wp:term``
with two term queries a post, 60 % of a 100-post page's time (290 ms of which 170 ms on the
dev WordPress), while the two requests cost ~15 ms each. One post embeds them (one request)."""
TERM_FIELDS = "id,name,slug,taxonomy"  # what ``wp:term`` embeds and transform_terms reads
TERM_LISTS = ("categories", "tags")
"""A post's term id fields, in ``wp:term``'s order; each is also its taxonomy's ``rest_base``."""
POST_FIELDS = ",".join(
    (
        "id",
        "date_gmt",
        "modified_gmt",
        "slug",
        "status",
        "type",
        "parent",
        "menu_order",
        "title",
        "content",
        "excerpt",
        "author",
        "featured_media",
        "sticky",
        "categories",
        "tags",
        "meta",
        "acf",
        "_links",  # without it WordPress embeds nothing
        "_embedded",
    )
)
"""``_fields`` of a post request: what :func:`~db.wordpress.transform.transform` reads (a
unit test checks it), not ``guid``, ``link``, the site-local dates and the rest. An absent
field (``acf`` without the plugin) is simply not sent."""
FETCH_AHEAD = 4
"""Pages of a full sync in flight at once: WordPress builds pages in parallel, we apply them
in order."""
GONE = frozenset({401, 403, 404, 410})  # "not readable by us" is an answer, not a failure
_AS_GET = {"X-HTTP-Method-Override": "GET"}
RETRY = frozenset({408, 425, 429, 500, 502, 503, 504})


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class WordPressSettings:
    """Where WordPress is and, optionally, who we are there (drafts need credentials)."""

    url: str
    user: str | None = None
    app_password: str | None = None

    @classmethod
    def from_env(cls) -> WordPressSettings:
        """``WORDPRESS_URL`` plus optional ``WORDPRESS_USER`` / ``WORDPRESS_APP_PASSWORD``
        (from :func:`db.core.settings.settings`)."""
        current = settings()
        if current.wordpress_url is None:
            raise WordPressNotConfigured("WORDPRESS_URL is not set")
        return cls(
            url=current.wordpress_url,
            user=current.wordpress_user,
            app_password=current.wordpress_app_password,
        )


def is_configured() -> bool:
    """Whether ``WORDPRESS_URL`` is set (without it the sync worker idles)."""
    return settings().wordpress_url is not None


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


@dataclass(frozen=True)
class PostType:
    """A post type as ``/wp/v2/types`` describes it: where its items are in the REST API."""

    name: str
    rest_base: str
    label: str
    hierarchical: bool = False


class WordPressSource(Protocol):
    """The reads the sync makes: :class:`WordPressClient`, or saved responses in tests.

    The first five read blog posts (``/wp/v2/posts``); the last three read any other post
    type, by the ``rest_base`` :meth:`post_types` names.
    """

    def get_post(self, wp_id: int) -> dict[str, Any] | None: ...

    def list_page(self, page: int, *, per_page: int = ...) -> PostsPage: ...

    def published_versions(self) -> dict[int, datetime]: ...

    def changed_versions(self, since: datetime) -> dict[int, datetime]: ...

    def get_posts(self, ids: Sequence[int]) -> list[dict[str, Any]]: ...

    def post_types(self) -> dict[str, PostType]: ...

    def type_versions(
        self, rest_base: str, since: datetime | None = None
    ) -> dict[int, datetime]: ...

    def get_items(self, rest_base: str, ids: Sequence[int]) -> list[dict[str, Any]]: ...


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

    def _get(
        self, path: str, params: dict[str, Any], *, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        """GET with retries; returns any non-retryable response for the caller to judge.

        ``body`` holds parameters that must stay out of URLs and access logs (a post's
        password): they travel as the JSON body of a POST that WordPress answers as this GET
        (``X-HTTP-Method-Override``), so it is as safe to retry.
        """
        attempt = 0
        while True:
            try:
                if body is None:
                    response = self._http.get(path, params=params)
                else:
                    response = self._http.post(path, params=params, json=body, headers=_AS_GET)
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

    def get_post(self, wp_id: int, *, edit: bool = False) -> dict[str, Any] | None:
        """One post with its embeds, or ``None`` when it does not exist or we may not read it.

        ``edit``: as its editor sees it (``context=edit``: a draft too), for a preview.
        """
        params = {"_embed": EMBED_TERMS, "_fields": POST_FIELDS}
        response = self._get(f"/posts/{int(wp_id)}", params | ({"context": "edit"} if edit else {}))
        if response.status_code in GONE:
            return None
        return _json(response, dict)

    def autosaves(self, wp_id: int) -> Any:
        """Post ``wp_id``'s autosaves (``context=edit``), as WordPress sent them; ``None``
        when it shows us none (a post's autosaves are an extra, never a failure)."""
        response = self._get(f"/posts/{int(wp_id)}/autosaves", {"context": "edit"})
        return response.json() if response.status_code == 200 else None

    def get_with_password(self, wp_id: int, password: str) -> dict[str, Any] | None:
        """Post ``wp_id``'s ``id`` and ``content`` as a visitor who typed ``password`` reads
        them, or ``None`` when that is not its password (WordPress's 403
        ``rest_post_incorrect_password``). The password goes in a body, never in a URL.

        Raises:
            LookupError: WordPress no longer shows the post to visitors (:data:`GONE`).
            WordPressError: no usable answer (unreachable, 5xx, not JSON).
        """
        fields = {"password": password, "_fields": "id,content"}
        response = self._get(f"/posts/{int(wp_id)}", {}, body=fields)
        code = _error_code(response)
        if response.status_code == 403 and code == "rest_post_incorrect_password":
            return None
        if response.status_code in GONE:
            raise LookupError(f"post {wp_id}: HTTP {response.status_code} {code}")
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
            "_embed": EMBED if _terms_apart(per_page) else EMBED_TERMS,
            "_fields": POST_FIELDS,
        }
        found = _page(self._get("/posts", params))
        if _terms_apart(per_page):
            self._add_terms(found.items)
        return found

    def published_versions(self) -> dict[int, datetime]:
        """Every published post id with its ``modified_gmt``: cheap (two fields per post),
        and the pages fetched :data:`FETCH_AHEAD` at once."""
        return self._versions(None)

    def changed_versions(self, since: datetime) -> dict[int, datetime]:
        """The published posts modified after ``since``: ids and ``modified_gmt`` only.

        ``modified_after`` is sent in UTC with a ``Z``: without a zone WordPress reads it in
        the site's timezone (it compares the site-local ``post_modified``).
        """
        return self._versions(since)

    def type_versions(self, rest_base: str, since: datetime | None = None) -> dict[int, datetime]:
        """:meth:`published_versions` (or with ``since``, :meth:`changed_versions`) of another
        post type, at ``/wp/v2/<rest_base>``."""
        return self._versions(since, _collection(rest_base))

    def _versions(self, since: datetime | None, path: str = "/posts") -> dict[int, datetime]:
        versions: dict[int, datetime] = {}
        for _number, page in iter_pages(lambda number: self._versions_page(number, since, path)):
            for item in page.items:
                versions[int(item["id"])] = parse_gmt(item["modified_gmt"])
        return versions

    def _versions_page(self, page: int, since: datetime | None, path: str) -> PostsPage:
        params: dict[str, Any] = {
            "per_page": PER_PAGE,
            "page": page,
            "orderby": "id",
            "order": "asc",
            "status": "publish",
            "_fields": "id,modified_gmt",
        }
        if since is not None:
            params |= {"modified_after": utc_param(since), "orderby": "modified"}
        return _page(self._get(path, params))

    def get_posts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Published posts by id, up to 100 per request, with their embeds."""
        return self._get_many("/posts", ids)

    def get_items(self, rest_base: str, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Published items of another post type by id, as :meth:`get_posts` reads posts."""
        return self._get_many(_collection(rest_base), ids)

    def post_types(self) -> dict[str, PostType]:
        """Every post type the REST API shows, by name (``page`` → ``pages``, a custom
        ``book`` → its own ``rest_base``); a type without ``show_in_rest`` is not listed."""
        found: dict[str, PostType] = {}
        for name, data in _json(self._get("/types", {}), dict).items():
            if isinstance(data, dict) and isinstance(data.get("rest_base"), str):
                found[str(name)] = PostType(
                    name=str(name),
                    rest_base=data["rest_base"],
                    label=str(data.get("name") or name),
                    hierarchical=data.get("hierarchical") is True,
                )
        return found

    def _get_many(self, path: str, ids: Sequence[int]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), PER_PAGE):
            chunk = [int(i) for i in ids[start : start + PER_PAGE]]
            params = {
                "include": ",".join(map(str, chunk)),
                "per_page": len(chunk),
                "status": "publish",
                "_embed": EMBED if _terms_apart(len(chunk)) else EMBED_TERMS,
                "_fields": POST_FIELDS,
            }
            items = _json(self._get(path, params), list)
            if _terms_apart(len(chunk)):
                self._add_terms(items)
            found += items
        return found

    def _add_terms(self, items: list[dict[str, Any]]) -> None:
        """Give each post ``_embedded['wp:term']`` (``[[categories], [tags]]``) as
        ``_embed=wp:term`` would, from one request per taxonomy for the ids the posts list.

        A term WordPress does not return (deleted meanwhile) is left out, as the embed would.
        Items of a type without categories or tags (pages) cost no request.
        """
        terms: dict[str, dict[int, dict[str, Any]]] = {}
        for field in TERM_LISTS:
            wanted = sorted({i for item in items for i in _ids(item.get(field))})
            terms[field] = {}
            for start in range(0, len(wanted), PER_PAGE):
                chunk = wanted[start : start + PER_PAGE]
                params = {
                    "include": ",".join(map(str, chunk)),
                    "per_page": len(chunk),
                    "_fields": TERM_FIELDS,
                }
                for term in _json(self._get(f"/{field}", params), list):
                    if isinstance(term, dict) and isinstance(term.get("id"), int):
                        terms[field][term["id"]] = term
        for item in items:
            embedded = item.get("_embedded")
            if not isinstance(embedded, dict):
                embedded = item["_embedded"] = {}
            embedded["wp:term"] = [
                [terms[f][i] for i in _ids(item.get(f)) if i in terms[f]] for f in TERM_LISTS
            ]

    def check_credentials(self) -> bool:
        """Whether the application password is accepted.

        A wrong password is not refused by WordPress: the request just runs logged out.
        Only ``/users/me`` tells the difference (401 when logged out).
        """
        if not self.authenticated:
            return False
        return self._get("/users/me", {"context": "edit"}).status_code == 200


def _terms_apart(count: int) -> bool:
    """Whether a request of ``count`` posts reads their terms apart (:data:`TERMS_APART_FROM`)."""
    return count >= TERMS_APART_FROM


def _ids(value: Any) -> list[int]:
    """A post's list of term ids (``categories``, ``tags``); anything else is no ids."""
    return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []


_REST_BASE = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


def _collection(rest_base: str) -> str:
    """``/<rest_base>``, refusing anything that is not a plain REST path (it comes from
    WordPress's answer, and becomes part of a URL)."""
    if not _REST_BASE.fullmatch(rest_base) or rest_base in ("types", "users"):
        raise WordPressError(f"unusable rest_base {rest_base!r}")
    return "/" + rest_base


def utc_param(moment: datetime) -> str:
    """``moment`` as a REST date parameter in UTC: ``2026-12-01T17:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _page(response: httpx.Response) -> PostsPage:
    """A listing response as a page; WordPress's 400 for a page past the end is an empty one."""
    if response.status_code == 400 and _error_code(response) == "rest_post_invalid_page_number":
        return PostsPage([], 0, 0)
    items = _json(response, list)
    return PostsPage(
        items,
        int(response.headers.get("X-WP-Total", len(items))),
        int(response.headers.get("X-WP-TotalPages", 1)),
    )


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


def iter_pages(
    fetch: Callable[[int], PostsPage], start: int = 1, *, ahead: int = FETCH_AHEAD
) -> Iterator[tuple[int, PostsPage]]:
    """``(page number, fetch(page number))`` in order from ``start`` until no more pages.

    Up to ``ahead`` pages are fetched at once in background threads while the caller works
    on the current one, so WordPress builds several pages in parallel and its time and ours
    overlap instead of adding up. Pages still come out strictly in order, so a caller that
    checkpoints each page it commits never records a page before an earlier one. Until the
    first page tells how many there are, one page is asked for; a page past the end comes
    back empty and ends the run.
    """
    with ThreadPoolExecutor(max_workers=max(1, ahead), thread_name_prefix="wp-prefetch") as pool:
        pending: dict[int, Future[PostsPage]] = {start: pool.submit(fetch, start)}
        number, last = start, start
        try:
            while True:
                batch = pending.pop(number).result()
                if not batch.items:
                    return
                while last < min(number + ahead, batch.total_pages):
                    last += 1
                    pending[last] = pool.submit(fetch, last)
                yield number, batch
                if number >= batch.total_pages:
                    return
                number += 1
                if number not in pending:  # the page count grew since the last page said
                    last = number
                    pending[number] = pool.submit(fetch, number)
        finally:
            for future in pending.values():
                future.cancel()
