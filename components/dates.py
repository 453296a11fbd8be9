"""Every date on the site: one component, one format, in the visitor's time zone and language.

``moment(value)`` renders ``<time datetime="2025-03-13T07:58:00Z" title="…">``. The server
HTML (and a page without JavaScript) reads ``13 Mar 2025, 07:58 UTC``: unambiguous, and the
same in the render server and in the browser's hydration render, so React finds nothing to
correct. Once the page is live the browser rewrites it in the visitor's zone and language:
"5 minutes ago" for the last week (kept current while the page is open), the date beyond
that, and the full date and time with the zone in the ``title``.

The formatting is ~1 KiB of our own JavaScript (``dates.jsx``) on the browser's ``Intl``:
``rx.moment`` renders nothing on the server (it is a no-SSR component) and, for the
visitor's language, would ship moment.js with every locale to every read page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import field

_LIBRARY = rx.asset("dates.jsx", shared=True).importable_path


class LocalTime(rx.Component):
    """``dates.jsx``'s ``LocalTime``: a ``<time>`` whose text follows the visitor's clock."""

    library = _LIBRARY
    tag = "LocalTime"

    value: rx.Var[str] = field(doc="The instant, ISO 8601 with its offset (``…Z``).")
    relative: rx.Var[bool] = field(
        doc="Relative within the last week, then the date; False: always date and time."
    )


def moment(value: str | rx.Var[str], *, relative: bool = True, **props: Any) -> rx.Component:
    """The date ``value`` (an ISO string from :func:`state.format.iso`) as ``<time>``.

    Args:
        value: the instant; an empty string shows "—" (a thing that has not happened yet).
        relative: ``True`` where a reader asks "how long ago" (posts, comments, guestbook);
            ``False`` in tables where the exact time matters (admin lists).
        props: passed to the element (``class_name``, ``style``…).
    """
    return LocalTime.create(value=value, relative=relative, **props)
