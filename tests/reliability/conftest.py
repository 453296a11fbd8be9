"""Failure tests: crashed backends, a held write lock, Redis going away, and ``/health``."""

from __future__ import annotations

from tests.scale.conftest import browser  # noqa: F401  (the same Chromium fixture)
