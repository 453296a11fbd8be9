"""The settings model: defaults, the message for each bad value, and the README's table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from db.core import config
from db.core.settings import (
    PASS_THROUGH,
    RateLimit,
    Settings,
    SettingsError,
    reload_settings,
    settings,
)
from tests.server import REFLEX

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = {
    "database_url": "sqlite+libsql:///data/atoll.db",
    "database_auth_token": None,
    "busy_timeout_ms": 5000,
    "rate_limit": RateLimit(20, 10.0),
    "allowed_origins": (),
    "page_max_age": 10.0,
    "page_stale_seconds": 60.0,
    "health_token": None,
    "host": "127.0.0.1",
    "admin_password": None,
    "site_url": "http://localhost:3000",
    "sitemap_limit": 50_000,
    "trusted_proxy_hops": 0,
    "deploy_url": None,
    "redis_url": None,
    "granian_workers": None,
    "workers": None,
    "smtp_host": None,
    "smtp_port": 587,
    "smtp_user": None,
    "smtp_password": None,
    "smtp_starttls": True,
    "mail_from": None,
    "contact_to": None,
    "outbox_poll_seconds": 5.0,
    "outbox_lease_seconds": 300.0,
    "outbox_backoff_seconds": 30.0,
    "outbox_max_attempts": 10,
    "wordpress_url": None,
    "wordpress_user": None,
    "wordpress_app_password": None,
    "post_types": ("post",),
    "webhook_secret": None,
    "webhook_rate_limit": RateLimit(60, 60.0),
    "sync_poll_seconds": 5.0,
    "sync_lease_seconds": 300.0,
    "sync_backoff_seconds": 10.0,
    "sync_max_attempts": 8,
    "reconcile_seconds": 900.0,
    "preview_seconds": 3600.0,
}


def _values(current: Settings) -> dict[str, object]:
    return {name: getattr(current, name) for name in Settings.model_fields}


def test_every_field_has_its_documented_default():
    assert _values(Settings.from_environ({})) == DEFAULTS


def test_blank_means_unset():
    blank = {name: "  " for name in Settings.env_names()}
    assert _values(Settings.from_environ(blank)) == DEFAULTS


@pytest.mark.parametrize(
    ("environ", "field", "value"),
    [
        ({"ATOLL_RATE_LIMIT": "5/60"}, "rate_limit", RateLimit(5, 60.0)),
        ({"ATOLL_RATE_LIMIT": " OFF "}, "rate_limit", None),
        ({"ATOLL_RATE_LIMIT": "0"}, "rate_limit", None),
        ({"WORDPRESS_WEBHOOK_RATE_LIMIT": "none"}, "webhook_rate_limit", None),
        ({"SITE_URL": "https://blog.example.org/"}, "site_url", "https://blog.example.org"),
        ({"WORDPRESS_URL": " http://wp.example/ "}, "wordpress_url", "http://wp.example"),
        ({"WORDPRESS_APP_PASSWORD": "abcd efgh ijkl"}, "wordpress_app_password", "abcdefghijkl"),
        ({"MAIL_FROM": "a@example.com"}, "contact_to", "a@example.com"),
        (
            {"MAIL_FROM": "a@example.com", "CONTACT_TO": "b@example.com"},
            "contact_to",
            "b@example.com",
        ),
        ({"SMTP_STARTTLS": "False"}, "smtp_starttls", False),
        ({"SMTP_STARTTLS": "yes"}, "smtp_starttls", True),
        ({"SMTP_PORT": "25"}, "smtp_port", 25),
        ({"ATOLL_PAGE_MAX_AGE": "0"}, "page_max_age", 0.0),
        ({"OUTBOX_POLL_SECONDS": "0.05"}, "outbox_poll_seconds", 0.05),
        ({"REFLEX_REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis_url", "redis://127.0.0.1:6379/0"),
        ({"GRANIAN_WORKERS": "4"}, "granian_workers", 4),
        ({"ATOLL_SITEMAP_LIMIT": "2"}, "sitemap_limit", 2),
        (
            {"WORDPRESS_POST_TYPES": " page, post,book ,page"},
            "post_types",
            ("page", "post", "book"),
        ),
        (
            {"ATOLL_ALLOWED_ORIGINS": "https://A.example/path, http://b.example:8080,"},
            "allowed_origins",
            ("https://a.example", "http://b.example:8080"),
        ),
    ],
)
def test_values_are_parsed(environ, field, value):
    assert getattr(Settings.from_environ(environ), field) == value


BAD = [
    ("ATOLL_RATE_LIMIT", "abc", "expected N/S (e.g. 20/10) or off, got 'abc'"),
    ("ATOLL_RATE_LIMIT", "20/0", "expected N/S (e.g. 20/10) or off, got '20/0'"),
    ("ATOLL_RATE_LIMIT", "-1/10", "expected N/S (e.g. 20/10) or off, got '-1/10'"),
    ("WORDPRESS_WEBHOOK_RATE_LIMIT", "lots", "expected N/S (e.g. 60/60) or off, got 'lots'"),
    ("SMTP_PORT", "abc", "expected a port number (1-65535), got 'abc'"),
    ("SMTP_PORT", "-25", "expected a port number (1-65535), got '-25'"),
    ("SMTP_PORT", "70000", "expected a port number (1-65535), got '70000'"),
    ("SMTP_STARTTLS", "maybe", "expected true or false, got 'maybe'"),
    ("OUTBOX_MAX_ATTEMPTS", "-1", "expected a whole number ≥ 1, got '-1'"),
    ("OUTBOX_MAX_ATTEMPTS", "2.5", "expected a whole number ≥ 1, got '2.5'"),
    ("SYNC_MAX_ATTEMPTS", "0", "expected a whole number ≥ 1, got '0'"),
    ("ATOLL_SITEMAP_LIMIT", "0", "expected a whole number ≥ 1, got '0'"),
    (
        "WORDPRESS_POST_TYPES",
        "page,book",
        "expected comma-separated post type names including post (e.g. post,page,book), "
        "got 'page,book'",
    ),
    (
        "WORDPRESS_POST_TYPES",
        "post,Book Club",
        "expected comma-separated post type names including post (e.g. post,page,book), "
        "got 'post,Book Club'",
    ),
    ("OUTBOX_POLL_SECONDS", "0", "expected a number of seconds > 0, got '0'"),
    ("OUTBOX_LEASE_SECONDS", "soon", "expected a number of seconds > 0, got 'soon'"),
    ("OUTBOX_BACKOFF_SECONDS", "-1", "expected a number of seconds ≥ 0, got '-1'"),
    ("SYNC_POLL_SECONDS", "nan", "expected a number of seconds > 0, got 'nan'"),
    ("SYNC_LEASE_SECONDS", "-5", "expected a number of seconds > 0, got '-5'"),
    ("SYNC_BACKOFF_SECONDS", "inf", "expected a number of seconds ≥ 0, got 'inf'"),
    ("ATOLL_PAGE_MAX_AGE", "-1", "expected a number of seconds ≥ 0, got '-1'"),
    ("ATOLL_PAGE_STALE_SECONDS", "a minute", "expected a number of seconds ≥ 0, got 'a minute'"),
    (
        "DATABASE_BUSY_TIMEOUT_MS",
        "5s",
        "expected a whole number of milliseconds ≥ 0, got '5s'",
    ),
    (
        "DATABASE_URL",
        "atoll.db",
        "expected a database URL such as sqlite+libsql:///data/atoll.db, got 'atoll.db'",
    ),
    ("SITE_URL", "example.org", "expected an http:// or https:// URL, got 'example.org'"),
    ("REFLEX_DEPLOY_URL", "ftp://x", "expected an http:// or https:// URL, got 'ftp://x'"),
    ("WORDPRESS_URL", "wp.example", "expected an http:// or https:// URL, got 'wp.example'"),
    (
        "ATOLL_ALLOWED_ORIGINS",
        "https://a.example,b.example",
        "expected comma-separated http:// or https:// origins, got 'https://a.example,b.example'",
    ),
    ("REFLEX_TRUSTED_PROXY_HOPS", "-1", "expected a whole number ≥ 0, got '-1'"),
    (
        "REFLEX_REDIS_URL",
        "localhost:6379",
        "expected a redis://, rediss:// or unix:// URL, got 'localhost:6379'",
    ),
    ("GRANIAN_WORKERS", "four", "expected a whole number of workers ≥ 1, got 'four'"),
    ("WORKERS", "0", "expected a whole number of workers ≥ 1, got '0'"),
]


@pytest.mark.parametrize(("name", "raw", "message"), BAD)
def test_a_bad_value_is_refused_naming_its_variable(name, raw, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({name: raw})
    assert str(caught.value) == f"{name}: {message}"


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_environ({"SMTP_PORT": "x", "ATOLL_RATE_LIMIT": "abc"})
    assert str(caught.value).splitlines() == [
        "ATOLL_RATE_LIMIT: expected N/S (e.g. 20/10) or off, got 'abc'",
        "SMTP_PORT: expected a port number (1-65535), got 'x'",
    ]


def test_secrets_stay_out_of_repr():
    secrets = {
        "DATABASE_AUTH_TOKEN": "tok-1",
        "ATOLL_HEALTH_TOKEN": "tok-2",
        "ATOLL_ADMIN_PASSWORD": "pw-3",
        "SMTP_PASSWORD": "pw-4",
        "WORDPRESS_APP_PASSWORD": "pw-5",
        "WORDPRESS_WEBHOOK_SECRET": "sec-6",
    }
    current = Settings.from_environ(secrets)
    assert [v for v in secrets.values() if v in repr(current)] == []
    assert current.webhook_secret == "sec-6"


def test_settings_are_read_once_until_reloaded(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://one.example")
    first = settings()
    assert settings() is first
    os.environ["SITE_URL"] = "https://two.example"  # behind monkeypatch's back: not seen
    assert config.site_url() == "https://one.example"
    reload_settings()
    assert config.site_url() == "https://two.example"


def test_a_bad_value_raises_at_every_call_until_fixed(monkeypatch):
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "abc")
    for _ in range(2):
        with pytest.raises(SettingsError, match="^ATOLL_RATE_LIMIT: "):
            config.rate_limit()
    monkeypatch.setenv("ATOLL_RATE_LIMIT", "3/60")
    assert config.rate_limit() == RateLimit(3, 60.0)


def test_configured_origins_come_from_settings(monkeypatch):
    monkeypatch.setenv("SITE_URL", "http://localhost:3000/")
    monkeypatch.setenv("REFLEX_DEPLOY_URL", "https://atoll.example")
    monkeypatch.setenv("ATOLL_ALLOWED_ORIGINS", "https://cdn.example, https://atoll.example")
    assert config.configured_origins() == (
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "https://atoll.example",
        "https://cdn.example",
    )


# --------------------------------------------------------------------------- documentation


def _readme_variables() -> list[str]:
    """The names in the first column of the README's configuration table, in order."""
    section = (ROOT / "README.md").read_text().split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("| `") and len(cells) > 2:
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[1])
    return names


def test_the_readme_table_lists_exactly_the_settings_then_the_pass_through_names():
    documented = _readme_variables()
    fields = list(Settings.env_names())
    assert len(documented) == len(set(documented))
    assert sorted(documented[: len(fields)]) == sorted(fields)
    assert sorted(documented[len(fields) :]) == sorted(PASS_THROUGH)


ENV_READ = re.compile(r"environ\.get\(|environ\[|getenv\(")
RAW_READERS = {
    "app/serve.py": "fingerprints the raw variables baked into a build, before Reflex starts",
}
"""Modules that read the environment for something other than a setting, and why."""
NOT_YET_MOVED = {"db/jobs/mail.py", "db/wordpress/sync.py"}
"""Still read their variables themselves while the queue rework lands (issue #12's follow-up)."""


def test_only_the_settings_module_reads_variables():
    files = [ROOT / "rxconfig.py"]
    for layer in ("app", "db", "state", "components"):
        files += (ROOT / layer).rglob("*.py")
    readers = {str(path.relative_to(ROOT)) for path in files if ENV_READ.search(path.read_text())}
    assert readers - NOT_YET_MOVED - set(RAW_READERS) == {"db/core/settings.py"}


# --------------------------------------------------------------------------- start-up


def test_python_m_db_refuses_to_start_with_a_bad_setting(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "db", "verify"],
        cwd=ROOT,
        env=os.environ
        | {"DATABASE_URL": f"sqlite+libsql:///{tmp_path / 'atoll.db'}", "ATOLL_RATE_LIMIT": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: ATOLL_RATE_LIMIT: expected N/S (e.g. 20/10) or off, got 'abc'\n"
    assert not (tmp_path / "atoll.db").exists()  # refused before touching the database


def test_reflex_run_refuses_to_start_with_a_bad_setting(tmp_path):
    """Before any build: ``rxconfig.py`` checks the settings when Reflex first loads it."""
    done = subprocess.run(
        [REFLEX, "run", "--env", "prod"],
        cwd=ROOT,
        env=os.environ
        | {
            "DATABASE_URL": f"sqlite+libsql:///{tmp_path / 'atoll.db'}",
            "REFLEX_WEB_WORKDIR": str(tmp_path / "web"),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "SMTP_PORT": "-25",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: SMTP_PORT: expected a port number (1-65535), got '-25'\n"
    assert not (tmp_path / "web").exists()  # nothing was built
