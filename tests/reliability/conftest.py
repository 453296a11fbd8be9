"""Failure tests: crashed backends, a held write lock, Redis going away, and ``/health``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.chromium import launch_chromium


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Package-scoped: one Playwright per process at a time, and other packages start their own."""
    with launch_chromium() as chromium:
        yield chromium
