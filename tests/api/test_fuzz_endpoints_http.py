"""hypothesis against every HTTP route: any bytes, headers, query or path; never a 500.

Where ``test_fuzz_http.py`` sends JSON payloads to the actions, this sends whole requests
to every route :func:`app.api.build_api` mounts (collected from it, so a new route is
fuzzed without touching this file) and to the post pages: raw, JSON, form and multipart
bodies under any ``Content-Type``; hostile ``Origin``, ``Referer``, ``Cookie`` (random
session and visitor cookies, and live ones), ``X-Forwarded-*``, ``If-None-Match``,
``Accept`` and ``Authorization`` values; junk query strings and path parameters (``../``,
``%00``, HTML, 2000 characters); now and then the wrong method. Every answer is below
500; a JSON error has the one error shape; an HTML page never contains markup from the
request; and a request that was refused (400 and up) or only reads changes no table's row
count. ``/api/sync`` is also fuzzed with correctly signed bodies, on :func:`fuzz_server`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel
from starlette.routing import Route

from app.api import build_api
from app.api.body import MAX_BODY_BYTES
from app.api.sync import NOT_CONFIGURED
from db.core.actions import load_actions
from db.models import SyncEventCreate
from db.wordpress.sync import sign
from tests.api.test_fuzz_http import _row_counts
from tests.factories import PASSWORD, make_post, make_user, sign_in
from tests.server import AppServer, use_database

EXAMPLES = 500
"""Requests per route: 15 routes take about 75 s together on two shared cores."""
SIGNED_EXAMPLES = 1000

MARKUP = "<x-atoll-fuzz>"
"""Markup the requests carry wherever they can; no HTML answer may contain it."""

SIGN_IN = {"/api/auth/signup", "/api/auth/login"}
"""Fuzzed on ``fuzz_server``: failed sign-ins count per client address for 15 minutes
whatever ``ATOLL_RATE_LIMIT`` says, so here they would lock later tests out of signing in."""

PAGES = {("/blog/{slug}", "GET"), ("/blog/{slug}/", "GET")}
"""Post pages, whether build_api() mounts them or the layer that renders pages serves them."""
ROUTES = sorted(
    PAGES
    | {
        (route.path, method)
        for route in build_api().routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
)
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
ACTIONS = load_actions()
FIELDS = sorted({f for a in ACTIONS.values() if a.input for f in a.input.model_fields} | {"next"})
ROUTE_ACTIONS = {"/api/auth/signup": "auth.signup", "/api/auth/login": "auth.login"}
SLUGS = ["hello-atoll", "why-libsql", "islands-of-interactivity", "fuzz-members", "category", "tag"]

# --------------------------------------------------------------------------- values


def _trim(value: str) -> str:
    """h11 sends no header value with whitespace at either end."""
    return value.strip(" \t")


def _header_text(max_size: int = 120) -> st.SearchStrategy[str]:
    """Visible Latin-1, spaces and tabs: what h11 will send (once trimmed)."""
    chars = st.characters(codec="latin-1", exclude_categories=["Cc"], include_characters="\t")
    return st.text(chars, max_size=max_size).map(_trim)


def _printable(max_size: int) -> st.SearchStrategy[str]:
    """ASCII a request target may carry unencoded (httpx refuses anything else there)."""
    return st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#?"),
        max_size=max_size,
    )


def _mostly(
    usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], share: int = 7
) -> st.SearchStrategy[Any]:
    """``usual`` in ``share`` draws of 10, else ``odd`` (``one_of`` ignores repeated branches)."""
    return st.integers(0, 9).flatmap(lambda i: usual if i < share else odd)


def _encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


SPECIAL_TEXT = [
    "",
    " ",
    "../",
    "../../etc/passwd",
    "..%2F..%2F",
    "%00",
    "\x00",
    "a\x00b",
    MARKUP,
    f"'\"><script>{MARKUP}</script>",
    "x" * 2000,
    "é" * 300,
    "\ud7ff\ue000",
    "null",
    "-1",
    "0",
    "1",
    "5",
    "99999999999999999999",
    "1e9",
    "NaN",
    "true",
    "//evil.example",
    "http://[",
    *SLUGS,
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=60),
    st.sampled_from(SPECIAL_TEXT),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3)
    ),
    max_leaves=8,
)
TEXTS = st.one_of(st.text(max_size=60), st.sampled_from(SPECIAL_TEXT), st.integers().map(str))
PLAUSIBLE: dict[str, list[Any]] = {
    "post_slug": ["hello-atoll", "why-libsql", "fuzz-members"],
    "liked": [True, False],
    "stars": [1, 5],
    "author": ["Ada"],
    "content": ["Great post!"],
    "website": [""],
    "name": ["Ada"],
    "subject": ["Hi"],
    "message": ["Could the engine compose music?"],
    "email": ["ada@example.com", f"fuzz-{uuid.uuid4().hex[:8]}@example.com"],
    "display_name": ["Ada"],
    "password": [PASSWORD],
    "id": [1, 2],
    "is_read": [True],
    "is_public": [False],
    "is_removed": [True],
    "page": [1, 2],
    "token": ["0" * 43],
    "edit_token": ["0" * 43],
    "next": ["/blog/hello-atoll"],
}
"""Values that are right for a field, so some requests get past validation."""
ANY_PLAUSIBLE = st.sampled_from([v for values in PLAUSIBLE.values() for v in values])

# --------------------------------------------------------------------------- bodies

SPECIAL_BODIES = [
    b"",
    b"{",
    b"[",
    b"{}",
    b"[]",
    b"null",
    b"1",
    b'"x"',
    b"\xff\xfe\x00",
    b"\xef\xbb\xbf{}",
    b'{"a": 1, "a": 2}',
    b'{"email": "a@example.com", "email": "b@example.com"}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b"1e999999",
    b'"\\ud800"',
    b'{"post_slug": "\\u0000"}',
    b"[" * 50_000,
    b'{"a":' * 20_000,
    b"x" * (MAX_BODY_BYTES + 1),
    b"a=1&a=2",
    b"a=%ff",
    b"%",
    b"&&&===",
]


def _multipart(parts: list[tuple[str, str]]) -> bytes:
    lines = []
    for name, value in parts:
        lines += ["--fuzz", f'Content-Disposition: form-data; name="{name}"', "", value]
    return "\r\n".join([*lines, "--fuzz--", ""]).encode("utf-8", "surrogatepass")


def _form(fields: dict[str, Any]) -> bytes:
    pairs = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items()]
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()


FIELD_PAIRS = st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=8), TEXTS), max_size=5)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), JSON_VALUES, max_size=5).map(
        lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ),
    FIELD_PAIRS.map(
        lambda pairs: urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()
    ),
    FIELD_PAIRS.map(_multipart),
    st.sampled_from(SPECIAL_BODIES),
)


def _fields_body(fields: list[str]) -> st.SearchStrategy[bytes]:
    """An object with all or some of ``fields``, mostly with right values: JSON or a form."""
    values = {
        f: _mostly(
            st.sampled_from(PLAUSIBLE[f]) if f in PLAUSIBLE else ANY_PLAUSIBLE, JSON_VALUES, 8
        )
        for f in fields
    }
    objects = _mostly(st.fixed_dictionaries(values), st.fixed_dictionaries({}, optional=values), 5)
    return st.one_of(objects.map(lambda d: json.dumps(d).encode()), objects.map(_form))


CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/jsonx",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "text/plain",
            "text/html",
            "multipart/form-data; boundary=fuzz",
            "multipart/form-data",
            "application/xml",
            "*/*",
            ";",
            "application/json;",
            "",
        ]
    ),
    _header_text(60),
)

# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class Sessions:
    """Live cookie values the fuzz mixes in, so the signed-in paths are reached too."""

    member: str
    admin: str | None = None
    visitor: str = "fuzzvisitor0123456789"


def _cookies(sessions: Sessions) -> st.SearchStrategy[str]:
    live = [f"atoll_session={sessions.member}", f"atoll_visitor={sessions.visitor}"]
    live += [f"atoll_session={sessions.admin}"] if sessions.admin else []
    value = st.one_of(
        st.sampled_from([sessions.member, sessions.visitor, f'"{sessions.member}"', "", "deleted"]),
        st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True),
        _header_text(80).map(lambda s: s.replace(";", "")),
    )
    name = st.sampled_from(["atoll_session", "atoll_visitor", "other"]) | _header_text(10).map(
        lambda s: s.replace("=", "").replace(";", "")
    )
    pairs = st.lists(st.tuples(name, value), max_size=4).map(
        lambda ps: "; ".join(f"{k}={v}" for k, v in ps)
    )
    return st.one_of(st.sampled_from(live), pairs, _header_text(200))


def _origins(base_url: str) -> st.SearchStrategy[str]:
    ours = st.sampled_from([base_url, base_url + "/blog/hello-atoll"])
    theirs = st.sampled_from(
        [
            "null",
            "http://evil.example",
            "http://127.0.0.1:1",
            "https://127.0.0.1",
            "file:///etc/passwd",
            f"http://{MARKUP}",
            base_url.upper(),
            "//evil.example",
            "http://",
            "javascript:alert(1)",
            "http://[",
            "http://[::1",
            "http://]",
            "http://[not-ipv6]",
            f"{base_url}:99999",
            "http://a:b@c:-1",
        ]
    )
    return _mostly(
        ours, st.one_of(theirs, _header_text(100), _header_text(40).map(lambda s: "http://" + s)), 5
    )


def _headers(base_url: str, sessions: Sessions) -> st.SearchStrategy[dict[str, str]]:
    optional: dict[str, st.SearchStrategy[str]] = {
        "Origin": _origins(base_url),
        "Referer": _origins(base_url),
        "Cookie": _cookies(sessions),
        "Content-Type": CONTENT_TYPES,
        "X-Forwarded-For": st.sampled_from(["1.2.3.4", "1.2.3.4, 5.6.7.8", "unknown", ", ,", "::1"])
        | _header_text(60),
        "X-Forwarded-Proto": st.sampled_from(["https", "http", "HTTPS, http", "ftp"])
        | _header_text(20),
        "If-None-Match": st.sampled_from(["*", '"x"', 'W/"x"', "W/", ",", '"' + "0" * 64 + '"'])
        | _header_text(100),
        "Accept": st.sampled_from(
            [
                "text/html",
                "application/json",
                "text/html, application/json",
                "text/html;q=0.9",
                "*/*",
                "text/*",
            ]
        )
        | _header_text(60),
        "Authorization": st.sampled_from(
            ["Bearer ", "Bearer x", "Basic Zm9vOmJhcg==", "Bearer " + "a" * 500]
        )
        | _header_text(60),
        "User-Agent": _header_text(300),
    }
    return st.fixed_dictionaries(
        {}, optional={name: values.map(_trim) for name, values in optional.items()}
    )


# --------------------------------------------------------------------------- requests


def _path_param(name: str) -> st.SearchStrategy[str]:
    """A path segment: mostly a real one (so the handler runs), else percent-encoded text
    (any byte) or raw ASCII junk such as ``../``."""
    known = {"name": [*ACTIONS, "__init__", "likes.toggle.x", ".", ".."], "slug": SLUGS}
    if name not in known:
        raise AssertionError(
            f"no strategy for the path parameter {{{name}}}: add one to _path_param"
        )
    real = st.sampled_from(known[name])
    return _mostly(
        real,
        st.one_of(
            st.one_of(
                TEXTS, st.sampled_from(["a" * 2000, f"<b>{MARKUP}</b>", "..%2F", "%00", "%zz", "%"])
            ).map(_encoded),
            _printable(80),
            st.sampled_from(
                [
                    "..",
                    "../..",
                    "%2e%2e",
                    "%2e%2e%2f",
                    "%00",
                    "a%00b",
                    "%zz",
                    "%",
                    MARKUP,
                    "..%2F..%2Fapi%2Fauth%2Flogin",
                    "a" * 2000,
                ]
            ),
        ),
    )


QUERY_VALUES = {
    "post": SLUGS,
    "page": ["1", "2", "0", "-1", "1.5"],
    "status": ["all", "pending", "confirmed", "unsubscribed"],
    "next": ["/", "/blog/hello-atoll", "//evil.example", "https://evil.example"],
    "slug": SLUGS,
    "name": ["likes.toggle"],
    "token": ["0" * 43],
}


def _query() -> st.SearchStrategy[str]:
    """Mostly the keys our routes read (``post`` always, ``page``, ``status``, ``next``...),
    with real, odd and very long values; else any keys, or junk."""
    odd = st.one_of(
        TEXTS, ANY_PLAUSIBLE.map(str), st.sampled_from(["a" * 5000, "%00" * 100, "9" * 400])
    )
    values = {k: _mostly(st.sampled_from(v), odd, 6) for k, v in QUERY_VALUES.items()}
    ours = st.fixed_dictionaries({"post": values.pop("post")}, optional=values)
    anything = st.lists(st.tuples(st.text(max_size=10), odd), max_size=4)
    junk = st.one_of(
        anything.map(lambda pairs: "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in pairs)),
        _printable(120),
        st.sampled_from(["&", "=", "&&==&", "%", "%zz=%zz", "page=1&page=2", "post=&page="]),
    )
    return _mostly(
        ours.map(lambda d: "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in d.items())), junk
    )


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query exactly as sent
    headers: dict[str, str]
    body: bytes | None

    def __repr__(self) -> str:  # what a failure prints: enough to replay it with curl
        body = self.body if self.body is None or len(self.body) < 300 else self.body[:300] + b"..."
        return (
            f"Request({self.method} {self.target[:400]!r}, headers={self.headers!r}, body={body!r})"
        )


def _requests(
    path: str, method: str, base_url: str, sessions: Sessions
) -> st.SearchStrategy[Request]:
    @st.composite
    def build(draw: st.DrawFn) -> Request:
        target, action = path, ROUTE_ACTIONS.get(path)
        for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
            value = draw(_path_param(name))
            target = target.replace("{" + name + "}", value)
            action = value if name == "name" and value in ACTIONS else action
        if draw(st.integers(0, 9)) < 8:
            target += "?" + draw(_query())
        verb = method if draw(st.integers(0, 9)) else draw(st.sampled_from(OTHER_METHODS))
        model = ACTIONS[action].input if action else None
        fields = [*(model.model_fields if model else FIELDS), "next"]
        body = None
        if verb in ("POST", "PUT", "PATCH") or draw(st.integers(0, 3)) == 0:
            body = draw(_mostly(_fields_body(fields), BODIES, 5))
        return Request(verb, target, draw(_headers(base_url, sessions)), body)

    return build()


def _raw_headers(headers: dict[str, str]) -> dict[bytes, bytes]:
    """Headers as bytes, so values outside ASCII go out as raw latin-1 octets.

    Names are encoded as httpx itself would (ASCII).
    """
    return {k.encode("ascii"): v.encode("latin-1") for k, v in headers.items()}


def _send(client: httpx.Client, request: Request) -> httpx.Response:
    url = client.base_url.copy_with(raw_path=request.target.encode("ascii"))
    headers = _raw_headers(request.headers)
    return client.request(request.method, url, headers=headers, content=request.body)


# --------------------------------------------------------------------------- checks


def _unavailable_by_design(response: httpx.Response) -> bool:
    """503 in the error shape: ``/api/sync`` without a webhook secret says so.

    See test_sync_http.py.
    """
    if response.status_code != 503 or response.request.url.path != "/api/sync":
        return False
    return response.json() == {
        "error": {"code": "SERVICE_UNAVAILABLE", "message": NOT_CONFIGURED, "fields": {}}
    }


def _check_answer(request: Request, response: httpx.Response) -> None:
    assert response.status_code < 500 or _unavailable_by_design(response), (
        f"{response.status_code} for {request!r}: {response.text[:500]}"
    )
    if request.method == "HEAD":  # headers only
        return
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json") and response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"code", "message", "fields"}, body
        assert isinstance(error["code"], str) and isinstance(error["message"], str), body
        assert all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
            for k, v in error["fields"].items()
        ), body
    if content_type.startswith("text/html"):
        assert MARKUP not in response.text, f"markup from {request!r} is in the page"


def _may_store(request: Request, response: httpx.Response) -> bool:
    """Only an accepted write (2xx, or 303 after a plain form) may add or remove rows."""
    return response.status_code < 400 and request.method in ("POST", "PUT", "PATCH", "DELETE")


def _fuzz(client: httpx.Client, requests: st.SearchStrategy[Request], examples: int) -> list[int]:
    statuses: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(requests)
    def check(request: Request) -> None:
        before = _row_counts()
        response = _send(client, request)
        statuses.append(response.status_code)
        _check_answer(request, response)
        if not _may_store(request, response):
            assert _row_counts() == before, f"rows changed by {response.status_code} to {request!r}"

    check()
    return statuses


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def accounts(api_server: AppServer) -> tuple[int, int]:
    """A member and an admin on api_server (and a members-only post for /api/comments)."""
    tag = uuid.uuid4().hex[:8]
    with use_database(api_server.database_url):
        make_post("fuzz-members", members_only=True)
        return make_user(f"fuzz-member-{tag}@example.com"), make_user(
            f"fuzz-admin-{tag}@example.com", role="admin"
        )


@pytest.fixture
def sessions(accounts: tuple[int, int], server_db: str) -> Sessions:
    """Fresh sessions for each route (the logout routes end theirs)."""
    member, admin = accounts
    return Sessions(member=sign_in(member), admin=sign_in(admin))


@pytest.fixture
def fuzz_db(fuzz_server: AppServer) -> Iterator[str]:
    with use_database(fuzz_server.database_url) as url:
        yield url


@pytest.mark.parametrize(("path", "method"), [r for r in ROUTES if r[0] not in SIGN_IN])
def test_random_requests_never_fail_the_server_or_store_from_a_refusal(
    path, method, api_server, sessions
):
    # An admin's cookie only goes to reads: a random POST could moderate the seeded posts
    # that later tests on api_server read.
    callers = sessions if method == "GET" else Sessions(member=sessions.member)
    with httpx.Client(base_url=api_server.base_url, timeout=15) as client:
        statuses = _fuzz(client, _requests(path, method, api_server.base_url, callers), EXAMPLES)
    assert len(statuses) >= EXAMPLES
    assert any(400 <= s < 500 for s in statuses), sorted(set(statuses))


@pytest.mark.parametrize(("path", "method"), [r for r in ROUTES if r[0] in SIGN_IN])
def test_random_sign_ins_never_fail_the_server_or_store_from_a_refusal(
    path, method, fuzz_server, fuzz_db
):
    callers = Sessions(member=sign_in(make_user(f"fuzz-{uuid.uuid4().hex[:8]}@example.com")))
    with httpx.Client(base_url=fuzz_server.base_url, timeout=15) as client:
        statuses = _fuzz(client, _requests(path, method, fuzz_server.base_url, callers), EXAMPLES)
    assert len(statuses) >= EXAMPLES
    assert any(400 <= s < 500 for s in statuses), sorted(set(statuses))


# --------------------------------------------------------------------------- signed webhooks

SYNC_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(["update", "delete", "post", "page", "", "UPDATE"]),
    st.integers(min_value=-3, max_value=2**64),
)
SYNC_PAYLOADS = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"post_id": SYNC_VALUES, "post_type": SYNC_VALUES, "action": SYNC_VALUES}
    ),
    st.fixed_dictionaries(
        {
            "post_id": st.integers(min_value=1, max_value=10**6),
            "action": st.sampled_from(["update", "delete"]),
        },
        optional={
            "post_type": st.sampled_from(["post", "page", "x" * 41]) | st.text(max_size=5),
            "extra": JSON_VALUES,
        },
    ),
    JSON_VALUES,
)


@st.composite
def _signed(draw: st.DrawFn, secret: str) -> tuple[bytes, dict[str, str], bool]:
    """A body, its headers, and whether the signature is right for exactly that body."""
    body = draw(st.one_of(SYNC_PAYLOADS.map(lambda p: json.dumps(p).encode()), BODIES))
    kind = draw(
        st.sampled_from(["valid"] * 6 + ["other-body", "other-secret", "upper", "junk", "none"])
    )
    signature = {
        "valid": sign(secret, body),
        "other-body": sign(secret, body + b" "),
        "other-secret": sign(secret + "x", body),
        "upper": sign(secret, body).upper(),
        "junk": draw(_header_text(80)),
    }.get(kind)
    headers = {"X-Atoll-Signature": signature} if signature is not None else {}
    if draw(st.booleans()):
        headers["Content-Type"] = draw(CONTENT_TYPES)
    return body, headers, kind == "valid"


def _recordable(body: bytes) -> bool:
    """Whether ``body`` is one JSON object, keys unique, that ``SyncEventCreate`` accepts."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("a key appears twice")
        return dict(pairs)

    try:
        payload = json.loads(body.decode("utf-8") or "{}", object_pairs_hook=unique)
        SyncEventCreate.model_validate(payload)
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return False
    return isinstance(payload, dict)


def test_signed_webhooks_record_valid_bodies_and_nothing_else(fuzz_server, webhook_secret, fuzz_db):
    statuses: list[int] = []
    sync_events = sorted(SQLModel.metadata.tables).index("sync_events")  # _row_counts' order

    with httpx.Client(base_url=fuzz_server.base_url, timeout=15) as client:

        @settings(
            max_examples=SIGNED_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )
        @given(_signed(webhook_secret))
        def check(signed: tuple[bytes, dict[str, str], bool]) -> None:
            body, headers, signed_right = signed
            before = _row_counts()
            response = client.post(
                "/api/sync",
                content=body,
                headers=_raw_headers(headers),
            )
            statuses.append(response.status_code)
            grown = [a - b for a, b in zip(_row_counts(), before, strict=True)]
            described = (
                f"{response.status_code} {response.text[:300]} for {body[:300]!r} {headers!r}"
            )
            if len(body) > MAX_BODY_BYTES:  # read before the signature is checked
                assert response.status_code == 413, described
            elif not signed_right:
                assert response.status_code == 401, described
            elif _recordable(body):
                assert response.status_code == 202, described
            else:
                assert response.status_code == 400, described
            if response.status_code == 202:
                assert response.json() == {
                    "data": {"id": response.json()["data"]["id"], "status": "pending"}
                }
                assert grown == [int(i == sync_events) for i in range(len(grown))], described
            else:
                assert set(response.json()["error"]) == {"code", "message", "fields"}, described
                assert not any(grown), described

        check()
    assert {202, 400, 401} <= set(statuses), sorted(set(statuses))
