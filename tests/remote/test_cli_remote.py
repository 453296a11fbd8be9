"""``python -m db push|verify|seed|shell`` against a real libSQL server, token and all."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.libsql_server import LibsqlServer, TlsFront
from tests.remote.conftest import run_cli
from tests.server import free_port


def count(server: LibsqlServer, table: str) -> int:
    done = run_cli("shell", "-q", f"SELECT count(*) AS n FROM {table}", env=server.env())
    assert done.returncode == 0, done.stderr
    return int(re.findall(r"^\d+$", done.stdout, re.MULTILINE)[0])


def test_push_then_verify_then_seed_twice_on_an_empty_server(fresh_sqld: LibsqlServer):
    env = fresh_sqld.env()
    before = run_cli("verify", env=env)
    assert before.returncode == 1
    assert "create table posts" in before.stdout + before.stderr

    pushed = run_cli("push", env=env)
    assert pushed.returncode == 0, pushed.stderr
    assert "create table likes" in pushed.stdout

    verified = run_cli("verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "schema is up to date" in verified.stdout

    assert run_cli("seed", env=env).returncode == 0
    posts, comments = count(fresh_sqld, "posts"), count(fresh_sqld, "comments")
    assert posts > 0 and comments > 0
    assert run_cli("seed", env=env).returncode == 0  # safe to repeat
    assert (count(fresh_sqld, "posts"), count(fresh_sqld, "comments")) == (posts, comments)


def test_push_adds_a_missing_index_back_and_keeps_the_rows(sqld: LibsqlServer):
    env = sqld.env()
    posts = count(sqld, "posts")
    assert run_cli("shell", "-q", "DROP INDEX ix_likes_post_slug", env=env).returncode == 0
    drift = run_cli("verify", env=env)
    assert drift.returncode == 1
    assert "ix_likes_post_slug" in drift.stdout + drift.stderr

    assert run_cli("push", env=env).returncode == 0
    assert run_cli("verify", env=env).returncode == 0
    assert count(sqld, "posts") == posts


def test_the_cli_says_what_is_wrong_with_the_connection(sqld: LibsqlServer):
    cases = {
        "no token": (
            {"DATABASE_URL": sqld.url, "DATABASE_AUTH_TOKEN": ""},
            "Authentication failed",
        ),
        "a token signed by another key": (
            {
                "DATABASE_URL": sqld.url,
                "DATABASE_AUTH_TOKEN": sqld.token(key=Ed25519PrivateKey.generate()),
            },
            "JWT is invalid",
        ),
        "nothing listening": (
            {
                "DATABASE_URL": f"sqlite+libsql://127.0.0.1:{free_port()}",
                "DATABASE_AUTH_TOKEN": sqld.token(),
            },
            "Cannot connect to host",
        ),
    }
    for case, (env, message) in cases.items():
        done = run_cli("verify", env=env)
        assert done.returncode != 0, case
        assert message in done.stderr, (case, done.stderr)
        assert "Traceback" not in done.stderr, case


def test_a_read_only_token_can_verify_but_not_push(fresh_sqld: LibsqlServer):
    env = {"DATABASE_URL": fresh_sqld.url, "DATABASE_AUTH_TOKEN": fresh_sqld.token(access="ro")}
    assert run_cli("verify", env=env).returncode == 1  # reads work: it sees the missing tables
    pushed = run_cli("push", env=env)
    assert pushed.returncode != 0
    assert "Traceback" not in pushed.stderr
    assert "need a token with write access" in pushed.stderr  # sqld just closes the socket
    assert count(fresh_sqld, "sqlite_master") == 0


def test_secure_true_speaks_wss_and_checks_the_certificate(sqld: LibsqlServer, tmp_path: Path):
    front = TlsFront(sqld.port, tmp_path).start()
    try:
        env = sqld.env() | {"DATABASE_URL": f"sqlite+libsql://127.0.0.1:{front.port}?secure=true"}
        trusted = run_cli("verify", env=env | {"SSL_CERT_FILE": str(front.certificate)})
        assert trusted.returncode == 0, trusted.stderr
        assert "schema is up to date" in trusted.stdout

        untrusted = run_cli("verify", env=env)  # the system's CAs don't know this certificate
        assert untrusted.returncode != 0
        assert "certificate verify failed" in untrusted.stderr
        assert "Traceback" not in untrusted.stderr

        plain = run_cli(
            "verify", env=env | {"DATABASE_URL": f"sqlite+libsql://127.0.0.1:{front.port}"}
        )
        assert plain.returncode != 0  # ws:// to a TLS port: no silent downgrade
    finally:
        front.stop()
