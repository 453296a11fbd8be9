"""Reading pages and custom post types for pages, and their custom fields, typed.

WordPress pages and the site's own post types (``WORDPRESS_POST_TYPES``) are copied by the
sync into ``content_items`` (:class:`db.models.ContentItem`); blog posts stay in ``posts``
(:mod:`db.posts`). A page is served at its own path (``/about``, ``/about/team``: its
ancestors' slugs and its own); a custom type lists its items at ``/<rest_base>`` and shows
one at ``/<rest_base>/<slug>`` (``/books``, ``/books/dune``). :func:`resolve` turns a path
into one of these, in that order: a page wins over a type's list of the same name.

Custom fields (registered meta and ACF) are stored as WordPress sent them and read through
a pydantic model the page author declares per post type::

    class BookFields(BaseModel):
        isbn: str = ""
        pages: int | None = None
        blurb: SafeHtml = ""          # HTML: sanitized with the posts' allow-list

    fields_model("book", BookFields)
    typed_fields(item)                # -> BookFields, or None when the item has no model

Text fields are rendered as text by Reflex (escaped); only a field typed
:data:`SafeHtml` is HTML, and it passes the same nh3 allow-list as a post's content.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar
from urllib.parse import quote

from pydantic import AfterValidator, BaseModel, ValidationError
from sqlmodel import Session, col, func, select

from db.core.cache import LISTS_TAG, posts_cache
from db.core.pagination import Page, paginate
from db.models import (
    SLUG_MAX,
    Author,
    ContentItem,
    ContentItemPublic,
    ContentType,
    ContentTypePublic,
    PostPublic,
)
from db.wordpress.transform import sanitize_html

log = logging.getLogger("atoll.content")

PER_PAGE = 10
PAGE_TYPE = "page"
"""WordPress's pages: served at their own path, never listed at ``/pages``."""
DEPTH_MAX = 10
"""The deepest page path looked up (WordPress allows any depth; a site rarely nests past 3)."""

SafeHtml = Annotated[str, AfterValidator(sanitize_html)]
"""A custom field holding HTML (an ACF WYSIWYG field): sanitized like a post's content
whenever it is read, so it is safe for ``rx.html``. Any other ``str`` is text."""

M = TypeVar("M", bound=BaseModel)
FIELD_MODELS: dict[str, type[BaseModel]] = {}
"""The page author's model for each post type's custom fields (:func:`fields_model`)."""


def fields_model(post_type: str, model: type[M]) -> type[M]:
    """Declare the model ``post_type``'s custom fields are read with; returns ``model``.

    Give every field a default: WordPress sends only the fields an item has.
    """
    FIELD_MODELS[post_type] = model
    return model


def typed_fields(
    item: ContentItemPublic | PostPublic, model: type[M] | None = None, *, post_type: str = ""
) -> M | None:
    """``item``'s custom fields as ``model`` (default: the one declared for its type).

    A value the model refuses (a word where a number belongs) is left out, so the field
    takes its default; ``None`` when no model is declared, or when the model needs a field
    the item lacks. Strings are clipped when stored; nothing here is HTML unless the model
    says :data:`SafeHtml`.
    """
    kind = post_type or getattr(item, "post_type", "post")
    chosen = model or FIELD_MODELS.get(kind)
    if chosen is None:
        return None
    values = dict(item.fields)
    for _attempt in range(2):
        try:
            return chosen.model_validate(values)  # pyright: ignore[reportReturnType]  # chosen is M's model, or the declared one for this type
        except ValidationError as exc:
            bad = {error["loc"][0] for error in exc.errors() if error["loc"]}
            if not bad & values.keys():
                break
            values = {k: v for k, v in values.items() if k not in bad}
    log.warning("%s %s: custom fields do not fit %s", kind, item.slug, chosen.__name__)
    return None


def field_rows(item: ContentItemPublic) -> list[dict[str, str]]:
    """The declared fields of ``item`` as an item page lists them: ``label``, ``value`` (text)
    and ``html`` (a :data:`SafeHtml` field's sanitized HTML), in the model's order; empty
    values are left out."""
    model = FIELD_MODELS.get(item.post_type)
    typed = typed_fields(item, model) if model is not None else None
    if model is None or typed is None:
        return []
    rows: list[dict[str, str]] = []
    for name, info in model.model_fields.items():
        value = getattr(typed, name)
        if value is None or value == "" or value == [] or value == {}:
            continue
        html = any(getattr(m, "func", None) is sanitize_html for m in info.metadata)
        label = info.title or name.replace("_", " ").capitalize()
        text = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        rows.append(
            {
                "name": name,
                "label": label,
                "value": "" if html else text,
                "html": text if html else "",
            }
        )
    return rows


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class ContentView:
    """What a path shows: one item (a page, a custom item), or one page of a type's list."""

    item: ContentItemPublic | None = None
    type: ContentTypePublic | None = None
    listing: Page[ContentItemPublic] | None = None


def _type_public(row: ContentType) -> ContentTypePublic:
    return ContentTypePublic(name=row.name, rest_base=row.rest_base, label=row.label)


def _tree(session: Session, post_type: str) -> dict[int, tuple[int, str]]:
    """Every published item of ``post_type``: wp_id → (parent wp_id, slug)."""
    rows = session.exec(
        select(ContentItem.wp_id, ContentItem.parent_wp_id, ContentItem.slug).where(
            ContentItem.post_type == post_type, ContentItem.status == "publish"
        )
    ).all()
    return {wp_id: (parent, slug) for wp_id, parent, slug in rows}


def _relative_path(tree: dict[int, tuple[int, str]], wp_id: int) -> str | None:
    """``a/b/c``: the slugs from the top down to ``wp_id``; ``None`` when an ancestor is not
    published (WordPress would show the child under a page nobody can open)."""
    slugs: list[str] = []
    current = wp_id
    while current:
        if current not in tree or len(slugs) > DEPTH_MAX:
            return None
        parent, slug = tree[current]
        slugs.append(slug)
        current = parent
    return "/".join(reversed(slugs))


def _base(post_type: str, rest_base: str) -> str:
    return "" if post_type == PAGE_TYPE else "/" + quote(rest_base)


def _path(base: str, segments: Sequence[str]) -> str:
    """An item's address on the site: its type's ``base`` and its slugs, each URL-quoted."""
    return base + "/" + "/".join(quote(s) for s in segments)


def _public(
    row: ContentItem, author: Author | None, path: str, *, with_content: bool
) -> ContentItemPublic:
    return ContentItemPublic.model_validate(
        row,
        update={
            "path": path,
            "author_name": author.name if author else "",
            "author_slug": author.slug if author else "",
            "content_html": row.content_html if with_content else "",
            "fields": row.fields or {},
        },
    )


def _items():
    return (
        select(ContentItem, Author)
        .join(Author, isouter=True)
        .where(ContentItem.status == "publish")
    )


def _walk(session: Session, post_type: str, segments: Sequence[str]) -> ContentItem | None:
    """The published item at ``segments`` (``["about", "team"]``): each one a child of the
    one before, the first at the top level."""
    if not segments or len(segments) > DEPTH_MAX or any(len(s) > SLUG_MAX for s in segments):
        return None
    parent, found = 0, None
    for slug in segments:
        found = session.exec(
            select(ContentItem).where(
                ContentItem.post_type == post_type,
                ContentItem.parent_wp_id == parent,
                ContentItem.slug == slug,
                ContentItem.status == "publish",
            )
        ).first()
        if found is None:
            return None
        parent = found.wp_id
    return found


def get_item(session: Session, post_type: str, segments: Sequence[str]) -> ContentItemPublic | None:
    """The published item of ``post_type`` at ``segments`` (its slug, or its ancestors'
    slugs and its own for a hierarchical type), with its content."""
    row = _walk(session, post_type, segments)
    if row is None:
        return None
    author = session.get(Author, row.author_id) if row.author_id is not None else None
    kind = session.get(ContentType, post_type)
    base = _base(post_type, kind.rest_base if kind else post_type)
    return _public(row, author, _path(base, segments), with_content=True)


def list_items(
    session: Session, post_type: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[ContentTypePublic | None, Page[ContentItemPublic]]:
    """One page of a synced type's published items, newest first (pages: in their menu
    order), and the type (``None``, with an empty page, when it is not synced)."""
    kind = session.get(ContentType, post_type)
    if kind is None:
        return None, Page.empty()
    base = _base(post_type, kind.rest_base)
    tree = _tree(session, post_type) if kind.hierarchical else {}
    order = (
        (col(ContentItem.menu_order), col(ContentItem.title), col(ContentItem.id))
        if post_type == PAGE_TYPE
        else (col(ContentItem.published_at).desc(), col(ContentItem.id).desc())
    )
    query = _items().where(ContentItem.post_type == post_type).order_by(*order)

    def card(row: tuple[ContentItem, Author | None]) -> ContentItemPublic:
        item, author = row
        relative = _relative_path(tree, item.wp_id) if kind.hierarchical else item.slug
        path = _path(base, (relative or item.slug).split("/"))
        return _public(item, author, path, with_content=False)

    return _type_public(kind), paginate(session, query, page=page, per_page=per_page, view=card)


def resolve(
    session: Session, segments: Sequence[str], *, page: int = 1, per_page: int = PER_PAGE
) -> ContentView | None:
    """What the path ``segments`` shows, if anything: a page at that path, else a custom
    type's list (``/<rest_base>``) or one of its items (``/<rest_base>/<slug>``)."""
    segments = [s for s in segments if s]
    if not segments:
        return None
    item = get_item(session, PAGE_TYPE, segments)
    if item is not None:
        return ContentView(item=item)
    kind = session.exec(
        select(ContentType).where(
            ContentType.rest_base == segments[0], ContentType.name != PAGE_TYPE
        )
    ).first()
    if kind is None:
        return None
    if len(segments) == 1:
        public, listing = list_items(session, kind.name, page=page, per_page=per_page)
        return ContentView(type=public, listing=listing)
    if not kind.hierarchical and len(segments) > 2:
        return None
    item = get_item(session, kind.name, segments[1:])
    return ContentView(item=item, type=_type_public(kind)) if item is not None else None


def sitemap_content(session: Session) -> list[tuple[str, datetime]]:
    """The path (from the site's root) and last change of every published page and custom
    item, and of every custom type's list (its newest item's change), pages first; a list
    a page of the same path hides is left out."""
    found: dict[str, datetime] = {}
    kinds = session.exec(select(ContentType)).all()
    for kind in sorted(kinds, key=lambda k: (k.name != PAGE_TYPE, k.name)):
        tree = _tree(session, kind.name)
        rows = session.exec(
            select(ContentItem.wp_id, ContentItem.modified_at)
            .where(ContentItem.post_type == kind.name, ContentItem.status == "publish")
            .order_by(col(ContentItem.published_at).desc(), col(ContentItem.id).desc())
        ).all()
        base = _base(kind.name, kind.rest_base)
        if kind.name != PAGE_TYPE and rows:
            found.setdefault(base, max(modified for _id, modified in rows))
        for wp_id, modified in rows:
            relative = _relative_path(tree, wp_id)
            if relative is not None:
                found.setdefault(_path(base, relative.split("/")), modified)
    return list(found.items())


def newest_change(session: Session) -> datetime | None:
    """When any page or custom item last changed (``None``: none is synced)."""
    return session.exec(
        select(func.max(ContentItem.modified_at)).where(ContentItem.status == "publish")
    ).one()


# --------------------------------------------------------------------------- cached reads
# Through the posts cache, which a sync that changes any page or item drops (LISTS_TAG).


def cached_content(
    session: Session, segments: Sequence[str], *, page: int = 1, per_page: int = PER_PAGE
) -> ContentView | None:
    """:func:`resolve` through the cache (not-found answers are not kept)."""
    key = tuple(segments)
    return posts_cache.get(
        session,
        ("content", key, page, per_page),
        lambda s: resolve(s, key, page=page, per_page=per_page),
        tags=(LISTS_TAG,),
        keep=lambda view: view is not None,
    )


def cached_items(
    session: Session, post_type: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[ContentTypePublic | None, Page[ContentItemPublic]]:
    """:func:`list_items` through the cache: what a page author's own page lists."""
    return posts_cache.get(
        session,
        ("content-list", post_type, page, per_page),
        lambda s: list_items(s, post_type, page=page, per_page=per_page),
        tags=(LISTS_TAG,),
        keep=lambda found: found[0] is not None,
    )


def cached_item(session: Session, post_type: str, path: str) -> ContentItemPublic | None:
    """One item of ``post_type`` by its slug (or ``a/b`` path), with its content, through
    the cache: what a page author's own page shows."""
    segments = tuple(s for s in path.split("/") if s)
    return posts_cache.get(
        session,
        ("content-item", post_type, segments),
        lambda s: get_item(s, post_type, segments),
        tags=(LISTS_TAG,),
        keep=lambda item: item is not None,
    )
