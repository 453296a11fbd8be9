"""Limits count once per client across backends sharing Redis: the action budget
(``ATOLL_RATE_LIMIT``) and failed sign-ins hold whichever backend, or worker, answers.

The cluster's own backends run with ``ATOLL_RATE_LIMIT=off`` (every test server does), so
the action budget is checked on two more backends started on the cluster's Redis and
database with ``ATOLL_RATE_LIMIT=5/60``: one single-worker process and one two-worker
process. Failed sign-ins are limited whatever ``ATOLL_RATE_LIMIT`` says, and are checked on
the cluster's ``a`` and ``b``, where no action budget can answer 429 in their place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.cluster import Cluster, shared_env
from tests.factories import PASSWORD, make_user
from tests.server import AppServer

RATE_LIMITED = {
    "error": {
        "code": "TOO_MANY_REQUESTS",
        "message": "Too many requests. Please wait a moment and try again.",
        "fields": {},
    }
}
BAD_CREDENTIALS = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "The email or password is incorrect.",
        "fields": {},
    }
}
TOO_MANY_FAILURES = {
    "error": {
        "code": "TOO_MANY_REQUESTS",
        "message": "Too many failed sign-in attempts. Please try again later.",
        "fields": {},
    }
}


@pytest.fixture(scope="module")
def limited_backends(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AppServer]]:
    """Two backends (1 and 2 workers) on the cluster's Redis and database, 5 requests a minute
    per client and action; the client is the X-Forwarded-For address (one trusted proxy), so
    each test counts for a client of its own."""
    root = tmp_path_factory.mktemp("limited-backends")
    env = {"ATOLL_RATE_LIMIT": "5/60", "REFLEX_TRUSTED_PROXY_HOPS": "1"}
    started: list[AppServer] = []
    try:
        for name, workers in (("one", 1), ("two", 2)):
            started.append(
                AppServer.start(
                    cluster.database_url,
                    root / f"{name}.log",
                    backend_only=True,
                    env=shared_env(cluster.redis, workers=workers) | env,
                )
            )
        yield started
    finally:
        for server in started:
            server.stop()


def like(server: AppServer, client: str) -> httpx.Response:
    return httpx.post(
        server.base_url + "/api/actions/likes.toggle",
        json={"post_slug": "hello-atoll", "liked": True},
        headers={"X-Forwarded-For": client},
        timeout=20,
    )


def test_the_sixth_request_from_one_client_is_refused_on_either_backend(limited_backends):
    one, two = limited_backends
    client = "203.0.113.60"
    statuses = [like(server, client).status_code for server in (one, two, one, two, one)]
    assert statuses == [200] * 5
    for server in (two, one):
        refused = like(server, client)
        assert (refused.status_code, refused.json()) == (429, RATE_LIMITED)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
    other_client = like(two, "203.0.113.61")
    assert other_client.status_code == 200, other_client.text


def sign_in(server: AppServer, email: str, password: str) -> httpx.Response:
    return httpx.post(
        server.base_url + "/api/auth/login", json={"email": email, "password": password}, timeout=20
    )


@pytest.mark.parametrize("last", ["a", "b"])
def test_the_sixth_failed_sign_in_is_refused_whichever_backend_receives_it(
    cluster, cluster_db, last
):
    email = f"member-{uuid.uuid4().hex[:8]}@example.com"
    make_user(email)
    a, b = cluster.a, cluster.b
    for i, server in enumerate((a, b, a, b, a)):
        failed = sign_in(server, email, f"wrong-password-{i}")
        assert (failed.status_code, failed.json()) == (401, BAD_CREDENTIALS), i
    sixth = sign_in(a if last == "a" else b, email, PASSWORD)  # even the right password
    assert (sixth.status_code, sixth.json()) == (429, TOO_MANY_FAILURES)
    assert 1 <= int(sixth.headers["retry-after"]) <= 15 * 60
