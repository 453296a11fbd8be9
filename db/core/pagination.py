"""One way to cut a list into pages: every list in Atoll numbers, clamps and counts the same way.

Posts (blog, category, tag, members), comments, the guestbook and the admin lists all answer a
:class:`Page`. :func:`paginate` reads one page of a query; :func:`split` cuts rows already in
hand into every page (the live comment refresh, which hands each open tab the page it shows
from one snapshot). Both number pages from 1, clamp a page past either end to the nearest real
one, and count an empty list as one empty page, so ``?page=`` links never lead nowhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, func, select

T = TypeVar("T")
U = TypeVar("U")


class Page(BaseModel, Generic[T]):
    """Rows of one page, which page it is (after clamping), how many pages, how many rows.

    A pydantic model so an action can answer it as is (``GET /api/comments`` sends exactly
    this shape); frozen because a cached page is shared by every reader.
    """

    model_config = ConfigDict(frozen=True)

    items: list[T]
    page: int
    pages: int
    total: int

    @classmethod
    def empty(cls) -> Page[T]:
        """The one page of a list with nothing in it."""
        return cls(items=[], page=1, pages=1, total=0)

    def map(self, view: Callable[[T], U]) -> Page[U]:
        """The same page with every row turned into ``view(row)``."""
        return Page(
            items=[view(row) for row in self.items],
            page=self.page,
            pages=self.pages,
            total=self.total,
        )


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill; an empty list still has its one (empty) page."""
    return max(1, math.ceil(total / per_page))


def clamp(page: int | None, pages: int) -> int:
    """``page`` moved onto a real page; ``None`` means the last one (where a new row lands)."""
    return pages if page is None else min(max(1, page), pages)


def page_number(raw: str | None) -> int:
    """The page a ``?page=`` parameter asks for: anything but a whole number is page 1.

    Too large a number is left for :func:`clamp`, which knows how many pages there are.
    """
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


@overload
def paginate(session: Session, query: Any, *, page: int | None, per_page: int) -> Page[Any]: ...


@overload
def paginate(
    session: Session, query: Any, *, page: int | None, per_page: int, view: Callable[[Any], T]
) -> Page[T]: ...


def paginate(
    session: Session,
    query: Any,
    *,
    page: int | None,
    per_page: int,
    view: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """Run ``query`` (already ordered) for one page, each row passed through ``view``.

    The count and the rows are two statements in the caller's session (one transaction, one
    snapshot on a read transaction), so the page number and the rows agree.
    """
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    pages = page_count(total, per_page)
    page = clamp(page, pages)
    rows = session.exec(query.offset((page - 1) * per_page).limit(per_page)).all()
    items = [view(row) for row in rows] if view is not None else list(rows)
    return Page(items=items, page=page, pages=pages, total=total)


def split(rows: Sequence[T], *, per_page: int) -> list[Page[T]]:
    """Every page of ``rows`` (already ordered), first to last: at least one, maybe empty."""
    pages = page_count(len(rows), per_page)
    return [
        Page(
            items=list(rows[(n - 1) * per_page : n * per_page]),
            page=n,
            pages=pages,
            total=len(rows),
        )
        for n in range(1, pages + 1)
    ]
