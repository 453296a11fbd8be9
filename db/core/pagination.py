"""One way to cut a query into pages: every list in Atoll clamps the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session, func, select

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows of one page, which page it is (after clamping), how many pages, how many rows."""

    items: list[T]
    page: int
    pages: int
    total: int


def paginate(session: Session, query: Any, *, page: int | None, per_page: int) -> Page[Any]:
    """Run ``query`` (already ordered) for one page.

    A page past either end is clamped to the nearest real one, so a stale link shows
    something useful; ``page=None`` asks for the last page (where a new row lands).
    """
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    pages = max(1, math.ceil(total / per_page))
    page = pages if page is None else min(max(1, page), pages)
    rows = list(session.exec(query.offset((page - 1) * per_page).limit(per_page)).all())
    return Page(items=rows, page=page, pages=pages, total=total)
