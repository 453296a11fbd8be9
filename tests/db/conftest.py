"""Fixtures shared by the domain tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp import SmtpSink


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A running SMTP server on loopback that this process's mail settings point at."""
    with SmtpSink().configure(monkeypatch) as sink:
        yield sink
