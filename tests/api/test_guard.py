"""Client identity and https detection on the HTTP path, behind and without a proxy."""

from __future__ import annotations

import pytest
import reflex as rx
from starlette.requests import Request

from app.api.guard import allowed_origin, client_ip, is_https


def request(headers: dict[str, str], *, client: str = "10.0.0.1", scheme: str = "http") -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/",
            "query_string": b"",
            "scheme": scheme,
            "server": ("atoll.test", 80),
            "client": (client, 5555),
            "headers": [
                (k.lower().encode(), v.encode())
                for k, v in {"host": "atoll.test", **headers}.items()
            ],
        }
    )


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch):
    def set_hops(n: int) -> None:
        monkeypatch.setattr(rx.config.get_config(), "trusted_proxy_hops", n)

    return set_hops


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(hops):
    hops(0)
    assert client_ip(request({"X-Forwarded-For": "1.2.3.4"})) == "10.0.0.1"


def test_the_address_the_trusted_proxy_saw_is_used(hops):
    hops(1)
    assert client_ip(request({"X-Forwarded-For": "6.6.6.6, 1.2.3.4"})) == "1.2.3.4"
    assert client_ip(request({})) == "10.0.0.1"  # no header: the socket peer


def test_https_is_recognised_directly_and_behind_a_tls_proxy():
    assert is_https(request({}, scheme="https"))
    assert is_https(request({"X-Forwarded-Proto": "https"}))
    assert not is_https(request({}))


def test_origin_check_accepts_this_site_and_refuses_others():
    assert allowed_origin(request({"Origin": "http://atoll.test"}))
    assert not allowed_origin(request({"Origin": "https://evil.example"}))
    assert not allowed_origin(request({"Referer": "https://evil.example/x"}))
    assert allowed_origin(request({}))  # a script, not a browser page
