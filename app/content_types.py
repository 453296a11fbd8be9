"""The custom fields of this site's post types, declared once: how page code reads them.

WordPress sends an item's registered meta and ACF fields as JSON; :mod:`db.content` stores
them as they came and hands them to page code through the model declared here for the
item's type (``typed_fields(item)``), and an item's page lists them (``field_rows``). Text
is text (Reflex escapes it); only a :data:`~db.content.SafeHtml` field is HTML, sanitized
with the posts' allow-list. The ``book`` type is the dev WordPress's
(``wordpress/dev/atoll-local.php``); declare your own types' models beside it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from db.content import SafeHtml, fields_model


class BookFields(BaseModel):
    """A book's fields: registered meta (``isbn``, ``pages``) and two ACF fields."""

    subtitle: str = Field(default="", title="Subtitle")
    isbn: str = Field(default="", title="ISBN")
    pages: int | None = Field(default=None, title="Pages")
    blurb: SafeHtml = Field(default="", title="Blurb")


class PageFields(BaseModel):
    """A page's fields (the dev site registers ``subtitle``)."""

    subtitle: str = Field(default="", title="Subtitle")


fields_model("book", BookFields)
fields_model("page", PageFields)
