"""Copying WordPress into libSQL: webhook events, the worker that drains them, the full sync.

Every change starts as a :class:`~db.models.SyncEvent` row, written before any work is
done, so a burst of webhooks or a crash loses nothing. The rows are the :data:`SYNC` kind
of the job queue (:mod:`db.jobs.queue`: claim with a lease, backoff, give-up)::

    pending ──claim──▶ processing ──▶ done
       ▲                   │
       └── retry (backoff) ┤
                           └──▶ failed (out of attempts; last_error says why)

Two lanes share the table: :data:`SYNC` (webhook events, 100 claimed at once, the posts
they name fetched together) and :data:`FULL_SYNC` (full sync runs), each with a worker of
its own in the server, so an edit never waits behind a full sync of thousands of posts.

Queue settings: ``SYNC_POLL_SECONDS`` (5), ``SYNC_LEASE_SECONDS`` (300),
``SYNC_BACKOFF_SECONDS`` (10) and ``SYNC_MAX_ATTEMPTS`` (8).

An event only *names* a post. The worker fetches the post's current state from the REST
API and applies that, so a replayed event rewrites nothing and an event that arrives
after a newer one cannot bring old content back. :func:`apply_post` adds a second guard
for racing writers (the worker and a full sync): a copy whose ``modified_gmt`` is older
than the stored one changes nothing. A post WordPress no longer shows publicly (trashed,
drafted, made private, deleted for good) is deleted from libSQL, its category and tag
links with it. A password-protected post is kept without its content (``Post.protected``).

The full sync pages through ``/wp/v2/posts`` 100 at a time with ``_embed``; each page is
applied in transactions of :data:`APPLY_CHUNK` posts (so a webhook's writes never wait
behind a whole page), the last together with its checkpoint (``SyncEvent.next_page``), so a
``kill -9`` and a rerun resume where the last committed page ended. It finishes by
comparing every published id and ``modified_gmt`` with ours: posts WordPress no longer
has are removed, and any post a shifted page skipped is fetched by id. Up to
:data:`~db.wordpress.client.FETCH_AHEAD` pages are fetched at once, applied in order.

A finished run records its **high-water mark** (``SyncEvent.high_water_at``: the newest
``modified_gmt`` WordPress listed) and what it changed. Once a run has finished, a new one
is incremental: it asks for the ids and ``modified_gmt`` of the posts modified since the
mark (less :data:`MARK_OVERLAP`), fetches by id those we lack or hold an older copy of,
then compares the id list as above, so a rerun with nothing changed costs a few cheap
requests instead of every page. Two saves within one second look alike (same
``modified_gmt``): a copy fetched within :data:`MARK_OVERLAP` of its save is fetched again
while the post is among the newest changes. ``restart`` (and "Sync now", queued by
:func:`enqueue_full_sync`) pages through everything again, e.g. after an upgrade that
changes how posts are transformed.

Pages and custom post types (``WORDPRESS_POST_TYPES``, each read at the ``rest_base``
``/wp/v2/types`` names) go through the same steps into ``content_items``: their webhook
events are fetched together and applied like posts' (:func:`sync_items`), and every full
sync or reconciliation compares each type's changes and id list with ours after the posts
(:func:`_sync_types`). A :class:`Kind` says how one type is read and written.

A **reconciliation** (``source="reconcile"``, queued every ``ATOLL_RECONCILE_SECONDS`` by
:func:`app.api.sync.reconcile_scheduler`, or ``python -m db reconcile-wordpress``) is that
incremental pass on its own, in the :data:`FULL_SYNC` lane: it fixes what a lost webhook
left stale (an edit, a delete, a scheduled post going live) without a full sync.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import Session, col, func, select

from db.core.cache import LISTS_TAG, post_tag, posts_cache
from db.core.config import RateLimit, env_rate_limit
from db.core.engine import session_scope
from db.core.settings import settings
from db.core.types import utcnow
from db.jobs.queue import Claim, JobKind, JobReport
from db.models import (
    Author,
    ContentBase,
    ContentItem,
    ContentType,
    Post,
    PostSlug,
    PostTerm,
    SyncEvent,
    SyncEventCreate,
    Term,
)
from db.wordpress.client import (
    PER_PAGE,
    PostsPage,
    PostType,
    WordPressClient,
    WordPressSource,
    iter_pages,
)
from db.wordpress.transform import WordPressItem, WordPressPost, transform, transform_item

log = logging.getLogger("atoll.sync")

SIGNATURE_PREFIX = "sha256="
RUNS = ("full", "reconcile")
"""The sources of :data:`FULL_SYNC`'s rows: full syncs and reconciliations."""
MARK_OVERLAP = timedelta(seconds=5)
"""How far before the last high-water mark an incremental run looks. ``modified_gmt`` has
one-second resolution and is set just before the row is written, so a post saved in the
mark's second, or committed a moment after the list was read, is asked for again; a slower
one is still found by the id list comparison. Only the ids and dates of the posts in the
window are read again (a post is fetched when its date differs from ours)."""


# --------------------------------------------------------------------------- settings


def webhook_secret() -> str | None:
    """``WORDPRESS_WEBHOOK_SECRET``: the HMAC key the plugin signs with (no secret, no webhook)."""
    return os.environ.get("WORDPRESS_WEBHOOK_SECRET") or None


def webhook_rate_limit() -> RateLimit | None:
    """``WORDPRESS_WEBHOOK_RATE_LIMIT``: ``N/S`` per source IP (default 60/60); ``off`` disables."""
    return env_rate_limit("WORDPRESS_WEBHOOK_RATE_LIMIT", "60/60")


# --------------------------------------------------------------------------- webhook


def sign(secret: str, body: bytes) -> str:
    """The ``X-Atoll-Signature`` value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of exactly these bytes (constant-time compare)."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def record_event(*, session: Session, data: SyncEventCreate, source: str = "webhook") -> SyncEvent:
    """Store a notification as a pending event; the worker does the rest."""
    event = SyncEvent(
        source=source,
        wp_post_id=data.post_id,
        post_type=data.post_type,
        action=data.action,
        status="pending",
    )
    session.add(event)
    session.flush()
    return event


def enqueue_full_sync(*, session: Session) -> SyncEvent:
    """Ask the worker for a full sync ("sync now"); an unfinished one is reused, not doubled."""
    running = session.exec(
        select(SyncEvent)
        .where(SyncEvent.source == "full", col(SyncEvent.status).in_(("pending", "processing")))
        .order_by(col(SyncEvent.id).desc())
    ).first()
    if running is not None:
        return running
    event = SyncEvent(
        source="full", action="update", post_type="post", status="pending", next_page=1
    )
    session.add(event)
    session.flush()
    return event


def enqueue_reconcile(*, session: Session) -> SyncEvent:
    """Queue a reconciliation (the periodic task, the CLI); one already waiting is reused.

    Only a *pending* one is reused: one running now may have listed WordPress before the
    change that prompted this request, so a new one is queued behind it.
    """
    waiting = session.exec(
        select(SyncEvent)
        .where(SyncEvent.source == "reconcile", SyncEvent.status == "pending")
        .order_by(col(SyncEvent.id).desc())
    ).first()
    if waiting is not None:
        return waiting
    event = SyncEvent(source="reconcile", action="update", post_type="post", status="pending")
    session.add(event)
    session.flush()
    return event


# --------------------------------------------------------------------------- applying posts


@dataclass(frozen=True)
class Change:
    """What applying one post did: ``created``, ``updated``, ``unchanged``, ``removed`` or
    ``absent`` (nothing to remove), and which slugs' pages it affects."""

    outcome: str
    slugs: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.outcome in ("created", "updated", "removed")


def invalidate(changes: Iterable[Change]) -> None:
    """Drop cached pages that show a changed post (its own page and every list); a changed
    page or custom item drops the lists, which hold every read of them and the sitemap."""
    changed = [change for change in changes if change.changed]
    if changed:
        slugs = {slug for change in changed for slug in change.slugs}
        posts_cache.invalidate(LISTS_TAG, *(post_tag(s) for s in sorted(slugs)))


def apply_post(*, session: Session, item: WordPressPost) -> Change:
    """Upsert one transformed post by ``wp_id`` with its author and terms, or remove it.

    Runs in the caller's transaction. A copy older than the stored one changes nothing,
    and an identical one (a replay) leaves every row alone. Two changes WordPress makes
    without a new ``modified_gmt`` still count: the ``sticky`` flag and the author's
    name, bio or avatars (the post's byline shows them).
    """
    incoming = item.post
    existing = session.exec(select(Post).where(Post.wp_id == incoming.wp_id)).first()
    if not item.public:
        return _remove(session, existing)
    if existing is not None and existing.modified_at > incoming.modified_at:
        return Change("unchanged")
    author_id = _upsert_author(session, item.author) if item.author else None
    term_ids = [_upsert_term(session, term) for term in item.terms]
    values: dict[str, Any] = _copied(incoming) | {
        "slug": incoming.slug,
        "status": "publish",
        "author_id": author_id,
        # Sticking a post changes an option, not the post: ``modified_gmt`` stays the same,
        # so the flag must be compared (in ``_same``) like the fields an edit changes.
        "sticky": incoming.sticky,
        "protected": incoming.protected,
    }
    if (
        existing is not None
        and existing.modified_at == incoming.modified_at
        and author_id not in _changed_authors(session)
        and _same(session, existing, values, term_ids)
    ):
        return Change("unchanged")
    # `modified_gmt` has one-second resolution: two edits within a second share it, so an
    # equally old copy that differs is applied (it was fetched after the stored one).
    values["synced_at"] = utcnow()
    slugs = {incoming.slug} | _free_slug(session, incoming.slug, incoming.wp_id)
    if existing is None:
        row = Post(wp_id=incoming.wp_id, **values)
        session.add(row)
        outcome = "created"
    else:
        slugs.add(existing.slug)
        renamed_from = existing.slug if existing.slug != incoming.slug else None
        for name, value in values.items():
            setattr(existing, name, value)
        row, outcome = existing, "updated"
        if renamed_from is not None and existing.id is not None:
            session.merge(PostSlug(slug=renamed_from, post_id=existing.id))
    session.flush()
    assert row.id is not None
    # A slug in use by a live post is its own page again, not a redirect.
    stale = session.get(PostSlug, incoming.slug)
    if stale is not None:
        session.delete(stale)
    _set_terms(session, row.id, term_ids)
    return Change(outcome, tuple(sorted(slugs)))


def _copied(incoming: Post | ContentItem) -> dict[str, Any]:
    """What a copy of any post type takes from WordPress's: the :class:`ContentBase` fields
    (title, excerpt, featured image, date), its content, last change and custom fields."""
    names = (*ContentBase.model_fields, "content_html", "modified_at", "fields")
    return {name: getattr(incoming, name) for name in names}


def _same(session: Session, row: Post, values: dict[str, Any], term_ids: list[int]) -> bool:
    current = set(session.exec(select(PostTerm.term_id).where(PostTerm.post_id == row.id)).all())
    return current == set(term_ids) and all(getattr(row, k) == v for k, v in values.items())


def remove_post(*, session: Session, wp_id: int) -> Change:
    """Delete the copy of WordPress post ``wp_id`` (its term links go with it)."""
    return _remove(session, session.exec(select(Post).where(Post.wp_id == wp_id)).first())


def _remove(session: Session, existing: Post | None) -> Change:
    if existing is None:
        return Change("absent")
    slug = existing.slug
    session.delete(existing)
    session.flush()
    return Change("removed", (slug,))


def _free_slug(session: Session, slug: str, wp_id: int | None) -> set[str]:
    """Move another row off ``slug`` (WordPress gave it to this post) and re-sync that one.

    WordPress keeps published slugs unique, so a clash means the other post was renamed
    and its event has not been processed yet; it gets a placeholder slug until it is.
    """
    clash = session.exec(
        select(Post).where(Post.slug == slug, col(Post.wp_id).is_distinct_from(wp_id))
    ).first()
    if clash is None:
        return set()
    clash.slug = f"{slug[:150]}--moved-{clash.id}"
    if clash.wp_id is not None:
        session.add(SyncEvent(source="conflict", wp_post_id=clash.wp_id, action="update"))
    session.flush()
    return {slug, clash.slug}


def _unique_slug(
    session: Session,
    model: type[Author | Term],
    slug: str,
    wp_id: int,
    own_id: int | None,
    *where: Any,
) -> str:
    taken = session.exec(
        select(model.id).where(model.slug == slug, col(model.id).is_distinct_from(own_id), *where)
    ).first()
    return slug if taken is None else f"{slug[:180]}-{wp_id}"


def _memoized(session: Session, kind: str, key: tuple[Any, ...], write: Callable[[], int]) -> int:
    """``write()``'s row id, called once per ``(kind, key)`` in this transaction.

    A page of 100 posts shares a few authors and terms; each is upserted only once.
    """
    memos: dict[str, dict[tuple[Any, ...], int]] = session.info.setdefault("atoll_sync_memo", {})
    memo = memos.setdefault(kind, {})
    if key not in memo:
        memo[key] = write()
    return memo[key]


def _save(
    session: Session, model: type[Author | Term], row: Author | Term | None, fields: dict[str, Any]
) -> int:
    """Insert ``model(**fields)``, or set on ``row`` only the fields that changed; its id.

    Unchanged rows are left untouched, so a replayed sync writes nothing.
    """
    if row is None:
        row = model(**fields)
        session.add(row)
    else:
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    session.flush()
    assert row.id is not None
    return row.id


def _upsert_author(session: Session, author: Author) -> int:
    """The id of our row for this WordPress user; a seeded author with its slug is adopted."""
    avatars = tuple(sorted((author.avatar_urls or {}).items()))
    key = (author.wp_id, author.slug, author.name, author.avatar_url, author.description, avatars)
    return _memoized(session, "author", key, lambda: _write_author(session, author))


def _write_author(session: Session, author: Author) -> int:
    row = session.exec(select(Author).where(Author.wp_id == author.wp_id)).first()
    if row is None:
        row = session.exec(
            select(Author).where(Author.slug == author.slug, col(Author.wp_id).is_(None))
        ).first()
    assert author.wp_id is not None
    slug = _unique_slug(session, Author, author.slug, author.wp_id, row.id if row else None)
    fields = {
        "wp_id": author.wp_id,
        "slug": slug,
        "name": author.name,
        "avatar_url": author.avatar_url,
        "description": author.description,
        "avatar_urls": author.avatar_urls,
    }
    changed = row is not None and any(getattr(row, k) != v for k, v in fields.items())
    author_id = _save(session, Author, row, fields)
    if changed:
        _changed_authors(session).add(author_id)
    return author_id


def _changed_authors(session: Session) -> set[int]:
    """Authors whose name, bio or avatar this transaction changed: every post of theirs
    applied in it counts as updated, so the pages showing their byline are dropped."""
    return session.info.setdefault("atoll_sync_changed_authors", set())


def _upsert_term(session: Session, term: Term) -> int:
    """The id of our row for this category or tag, matched by ``(taxonomy, wp_id)``."""
    key = (term.taxonomy, term.wp_id, term.slug, term.name)
    return _memoized(session, "term", key, lambda: _write_term(session, term))


def _write_term(session: Session, term: Term) -> int:
    row = session.exec(
        select(Term).where(Term.taxonomy == term.taxonomy, Term.wp_id == term.wp_id)
    ).first()
    if row is None:
        row = session.exec(
            select(Term).where(
                Term.taxonomy == term.taxonomy, Term.slug == term.slug, col(Term.wp_id).is_(None)
            )
        ).first()
    assert term.wp_id is not None
    slug = _unique_slug(
        session,
        Term,
        term.slug,
        term.wp_id,
        row.id if row else None,
        Term.taxonomy == term.taxonomy,
    )
    # ``taxonomy`` matched when the row was found, so on an update it changes nothing.
    return _save(
        session,
        Term,
        row,
        {"wp_id": term.wp_id, "taxonomy": term.taxonomy, "slug": slug, "name": term.name},
    )


def _set_terms(session: Session, post_id: int, term_ids: list[int]) -> None:
    wanted = set(term_ids)
    current = set(session.exec(select(PostTerm.term_id).where(PostTerm.post_id == post_id)).all())
    if current - wanted:
        session.execute(
            delete(PostTerm).where(
                col(PostTerm.post_id) == post_id, col(PostTerm.term_id).in_(current - wanted)
            )
        )
    for term_id in sorted(wanted - current):
        session.add(PostTerm(post_id=post_id, term_id=term_id))
    session.flush()


def sync_post(wp_id: int, *, client: WordPressSource) -> Change:
    """Fetch one post's current state and apply it in one transaction."""
    data = client.get_post(wp_id)
    with session_scope(write=True) as session:
        if data is None:
            change = remove_post(session=session, wp_id=wp_id)
        else:
            change = apply_post(session=session, item=transform(data))
    invalidate([change])
    return change


def sync_posts(wp_ids: Sequence[int], *, client: WordPressSource) -> list[Change]:
    """Fetch many posts at once (100 a request) and apply them in one transaction.

    A bulk edit's hundreds of webhooks cost a few requests, not one each. A post the
    published listing doesn't return is no longer readable publicly: it is removed, as
    :func:`sync_post` does for a post WordPress answers 404 (or a draft) for.
    """
    found = {int(data["id"]): data for data in client.get_posts(list(wp_ids))}
    with session_scope(write=True) as session:
        changes = [
            apply_post(session=session, item=transform(found[wp_id]))
            if wp_id in found
            else remove_post(session=session, wp_id=wp_id)
            for wp_id in wp_ids
        ]
    invalidate(changes)
    return changes


# --------------------------------------------------------------------------- other post types
# Pages and custom post types (``WORDPRESS_POST_TYPES``) are copied into ``content_items``
# with the same guarantees as posts: matched by ``wp_id``, an older copy changes nothing, an
# identical one writes nothing, one WordPress no longer shows publicly is removed.


def extra_types() -> tuple[str, ...]:
    """The post types to copy besides ``post`` (``WORDPRESS_POST_TYPES``)."""
    return tuple(name for name in settings().post_types if name != "post")


def discover_types(client: WordPressSource) -> list[PostType]:
    """Ask WordPress where each configured type lives (``/wp/v2/types``) and record it.

    A configured type WordPress does not show in its REST API is logged and skipped; a
    recorded type no longer configured is forgotten, its items with it.
    """
    wanted = extra_types()
    offered = client.post_types() if wanted else {}
    found = [offered[name] for name in wanted if name in offered]
    for name in wanted:
        if name not in offered:
            log.warning("WORDPRESS_POST_TYPES names %r, which WordPress's REST API lacks", name)
    with session_scope(write=True) as session:
        names = [kind.name for kind in found]
        # A type that gave up its rest_base, or is no longer configured, goes first (unique).
        for row in session.exec(select(ContentType)).all():
            if row.name not in names or any(
                k.rest_base == row.rest_base and k.name != row.name for k in found
            ):
                session.delete(row)
        session.flush()
        for kind in found:
            fields = {
                "rest_base": kind.rest_base,
                "label": kind.label[:200],
                "hierarchical": kind.hierarchical,
            }
            row = session.get(ContentType, kind.name)
            if row is None:
                session.add(ContentType(name=kind.name, **fields))
            else:
                for name, value in fields.items():
                    if getattr(row, name) != value:
                        setattr(row, name, value)
        stale = session.exec(
            select(ContentItem.wp_id).where(col(ContentItem.post_type).not_in(names))
        ).all()
        removed = [remove_item(session=session, wp_id=wp_id) for wp_id in stale]
    invalidate(removed)
    return found


def _rest_base(client: WordPressSource, post_type: str) -> str | None:
    """Where ``post_type``'s items are in the REST API: as recorded, else asked for."""
    with session_scope() as session:
        row = session.get(ContentType, post_type)
    if row is not None:
        return row.rest_base
    return next((k.rest_base for k in discover_types(client) if k.name == post_type), None)


def apply_item(*, session: Session, item: WordPressItem) -> Change:
    """Upsert one transformed page or custom item by ``wp_id``, or remove it: what
    :func:`apply_post` does for a post (no terms, no slug history)."""
    incoming = item.item
    existing = session.exec(select(ContentItem).where(ContentItem.wp_id == incoming.wp_id)).first()
    if not item.public:
        return _remove_item(session, existing)
    if existing is not None and existing.modified_at > incoming.modified_at:
        return Change("unchanged")
    author_id = _upsert_author(session, item.author) if item.author else None
    values: dict[str, Any] = _copied(incoming) | {
        "post_type": incoming.post_type,
        "slug": incoming.slug,
        "parent_wp_id": incoming.parent_wp_id,
        "menu_order": incoming.menu_order,
        "status": "publish",
        "author_id": author_id,
    }
    if (
        existing is not None
        and existing.modified_at == incoming.modified_at
        and author_id not in _changed_authors(session)
        and all(getattr(existing, k) == v for k, v in values.items())
    ):
        return Change("unchanged")
    values["synced_at"] = utcnow()
    _free_sibling_slug(session, incoming)
    if existing is None:
        session.add(ContentItem(wp_id=incoming.wp_id, **values))
        outcome = "created"
    else:
        for name, value in values.items():
            setattr(existing, name, value)
        outcome = "updated"
    session.flush()
    return Change(outcome)


def _free_sibling_slug(session: Session, incoming: ContentItem) -> None:
    """Move a sibling off the slug WordPress gave ``incoming`` and re-sync it (see
    :func:`_free_slug`: its rename has not been processed yet)."""
    clash = session.exec(
        select(ContentItem).where(
            ContentItem.post_type == incoming.post_type,
            ContentItem.parent_wp_id == incoming.parent_wp_id,
            ContentItem.slug == incoming.slug,
            ContentItem.wp_id != incoming.wp_id,
        )
    ).first()
    if clash is None:
        return
    clash.slug = f"{incoming.slug[:150]}--moved-{clash.id}"
    session.add(
        SyncEvent(
            source="conflict", wp_post_id=clash.wp_id, post_type=clash.post_type, action="update"
        )
    )
    session.flush()


def remove_item(*, session: Session, wp_id: int) -> Change:
    """Delete the copy of WordPress page or custom item ``wp_id``."""
    existing = session.exec(select(ContentItem).where(ContentItem.wp_id == wp_id)).first()
    return _remove_item(session, existing)


def _remove_item(session: Session, existing: ContentItem | None) -> Change:
    if existing is None:
        return Change("absent")
    session.delete(existing)
    session.flush()
    return Change("removed")


@dataclass(frozen=True)
class Kind:
    """One post type as the sync reads and writes it: blog posts (:data:`POSTS`) or another
    type at its ``rest_base`` (:func:`item_kind`)."""

    name: str
    versions: Callable[[WordPressSource, datetime | None], dict[int, datetime]]
    """Published ids and ``modified_gmt`` (modified after the date, when one is given)."""
    fetch: Callable[[WordPressSource, Sequence[int]], list[dict[str, Any]]]
    prepare: Callable[[dict[str, Any]], Any]
    apply: Callable[[Session, Any], Change]
    remove: Callable[[Session, int], Change]
    table: type[Post] | type[ContentItem]

    def local(self, session: Session) -> Any:
        """Our copies' ``(wp_id, modified_at, synced_at)`` rows of this type."""
        table = self.table
        query = select(table.wp_id, table.modified_at, table.synced_at).where(
            col(table.wp_id).is_not(None)
        )
        if table is ContentItem:
            query = query.where(ContentItem.post_type == self.name)
        return session.exec(query).all()


POSTS = Kind(
    name="post",
    versions=lambda client, since: (
        client.published_versions() if since is None else client.changed_versions(since)
    ),
    fetch=lambda client, ids: client.get_posts(ids),
    prepare=transform,
    apply=lambda session, item: apply_post(session=session, item=item),
    remove=lambda session, wp_id: remove_post(session=session, wp_id=wp_id),
    table=Post,
)


def item_kind(name: str, rest_base: str) -> Kind:
    """A page or custom type, read at ``/wp/v2/<rest_base>``."""
    return Kind(
        name=name,
        versions=lambda client, since: client.type_versions(rest_base, since),
        fetch=lambda client, ids: client.get_items(rest_base, ids),
        prepare=transform_item,
        apply=lambda session, item: apply_item(session=session, item=item),
        remove=lambda session, wp_id: remove_item(session=session, wp_id=wp_id),
        table=ContentItem,
    )


def sync_items(kind: Kind, wp_ids: Sequence[int], *, client: WordPressSource) -> list[Change]:
    """:func:`sync_posts` for any kind: fetch the items together, apply them in one
    transaction, remove those WordPress no longer publishes."""
    found = {int(data["id"]): data for data in kind.fetch(client, list(wp_ids))}
    prepared = {wp_id: kind.prepare(data) for wp_id, data in found.items()}
    with session_scope(write=True) as session:
        changes = [
            kind.apply(session, prepared[wp_id])
            if wp_id in prepared
            else kind.remove(session, wp_id)
            for wp_id in wp_ids
        ]
    invalidate(changes)
    return changes


# --------------------------------------------------------------------------- worker


def _event_group(claim: Claim) -> Hashable:
    """The posts a batch of webhooks names are one job (one fetch, one transaction)."""
    return ("type", claim.fields["post_type"])


def _apply_events(job: Sequence[Claim], client: WordPressSource) -> None:
    """Do one job of the :data:`SYNC` kind: the posts (or pages, or custom items) its events
    name, fetched and applied. Types not in ``WORDPRESS_POST_TYPES`` are recorded and
    acknowledged, nothing more."""
    post_type = job[0].fields["post_type"]
    wp_ids = sorted({c.fields["wp_post_id"] for c in job if c.fields["wp_post_id"] is not None})
    if not wp_ids:
        return
    if post_type == "post":
        if len(wp_ids) == 1:
            sync_post(wp_ids[0], client=client)
        else:
            sync_posts(wp_ids, client=client)
    elif post_type in extra_types() and (rest_base := _rest_base(client, post_type)):
        sync_items(item_kind(post_type, rest_base), wp_ids, client=client)


def _run_full_lane(job: Sequence[Claim], client: WordPressSource) -> None:
    """Do one job of the :data:`FULL_SYNC` kind: a full sync or a reconciliation."""
    if job[0].fields["source"] == "reconcile":
        reconcile(client=client, claim=job[0])
    else:  # "Sync now": an admin asking for a full sync gets every page, not just changes
        full_sync(client=client, claim=job[0], everything=True)


def _processed(claim: Claim, now: datetime, done: bool) -> dict[str, Any]:
    return {"processed_at": now}


def _lane(name: str, **behaviour: Any) -> JobKind[WordPressSource]:
    """A lane of the ``sync_events`` table: the rows, statuses and settings both share."""
    return JobKind(
        name=name,
        table=SyncEvent,
        columns=("source", "wp_post_id", "post_type", "action", "next_page"),
        working="processing",
        done="done",
        env_prefix="SYNC",
        retired=_processed,
        **behaviour,
    )


SYNC = _lane(
    "sync",
    where=(col(SyncEvent.source).not_in(RUNS),),
    work=_apply_events,
    batch=100,
    group=_event_group,
)
"""Webhook events: claimed 100 at a time; the posts they name are fetched together."""

FULL_SYNC = _lane("full-sync", where=(col(SyncEvent.source).in_(RUNS),), work=_run_full_lane)
"""Full sync runs ("Sync now") and reconciliations: a lane of their own, so an edit made
while one runs is applied by :data:`SYNC` in well under a second instead of after it."""


def process_events(
    *, client: WordPressSource | None = None, now: datetime | None = None, limit: int = 100
) -> JobReport:
    """Claim due events and full syncs and run them, both lanes one after the other (the
    CLI and tests; the server runs each lane in a task of its own, :mod:`app.api.sync`).

    The posts a batch of events names are fetched together, each once. A failure (WordPress down, a
    timeout, the database busy) puts the events back with backoff and the reason in
    ``last_error``; after ``SYNC_MAX_ATTEMPTS`` they are ``failed``.
    """
    if client is None:
        with WordPressClient() as own:
            return process_events(client=own, now=now, limit=limit)
    events = SYNC.run_due(client, now=now, limit=limit)
    runs = FULL_SYNC.run_due(client, now=now, limit=1)
    return JobReport(
        configured=events.configured and runs.configured,
        done=events.done + runs.done,
        retrying=events.retrying + runs.retrying,
        failed=events.failed + runs.failed,
        more=events.more or runs.more,
    )


# --------------------------------------------------------------------------- full sync


@dataclass
class FullSyncReport:
    """Counts for one full sync or reconciliation run.

    ``resumed_from`` > 1 when it picked up a checkpoint; ``since`` is set when the run was
    incremental (it asked only for posts modified after it), and then ``unchanged`` counts
    the published posts the id list showed already up to date. ``high_water`` is the newest
    ``modified_gmt`` WordPress listed, the next run's starting point.
    """

    run_id: int
    resumed_from: int
    pages: int = 0
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    since: datetime | None = None
    high_water: datetime | None = None

    def count(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if change.outcome in ("created", "updated", "unchanged", "removed"):
                setattr(self, change.outcome, getattr(self, change.outcome) + 1)


Progress = Callable[[int, int], None]
"""Called with (posts done, posts in WordPress) after each committed page."""


def _start_run(session: Session, *, source: str, restart: bool = False) -> Claim:
    """Take over the latest unfinished run of ``source`` (or, with ``restart``, abandon it)
    or start one."""
    run_id: int | None = None
    if restart:
        FULL_SYNC.abandon(
            session=session,
            where=(col(SyncEvent.source) == source,),
            error="Superseded by a restarted full sync.",
        )
    else:
        run_id = session.exec(
            select(SyncEvent.id)
            .where(SyncEvent.source == source, col(SyncEvent.status) != FULL_SYNC.done)
            .order_by(col(SyncEvent.id).desc())
        ).first()
    if run_id is None:
        first = 1 if source == "full" else None
        run = SyncEvent(source=source, action="update", post_type="post", next_page=first)
        session.add(run)
        session.flush()
        run_id = run.id
    assert run_id is not None
    claim = FULL_SYNC.take(session=session, row_id=run_id, now=utcnow())
    assert claim is not None  # unfinished, in this write transaction
    return claim


def _checkpoint(session: Session, claim: Claim, next_page: int | None = None) -> None:
    """Extend the lease (and record the next page to fetch) in a page's own transaction.

    Raises :class:`~db.jobs.queue.LeaseLost` (rolling the page back) when another worker
    took the run over.
    """
    values = {} if next_page is None else {"next_page": next_page}
    FULL_SYNC.renew(session=session, claim=claim, now=utcnow(), values=values)


def high_water_mark(session: Session) -> datetime | None:
    """The newest ``modified_gmt`` a finished full sync or reconciliation saw, or ``None``
    before the first one finished."""
    return session.exec(
        select(func.max(SyncEvent.high_water_at)).where(
            col(SyncEvent.source).in_(RUNS), SyncEvent.status == FULL_SYNC.done
        )
    ).one()


def full_sync(
    *,
    client: WordPressSource,
    restart: bool = False,
    progress: Progress | None = None,
    claim: Claim | None = None,
    everything: bool = False,
    ahead: int | None = None,
) -> FullSyncReport:
    """Copy every published post, resumably, then remove what WordPress no longer has.

    Without ``claim`` the latest unfinished run is taken over (``restart`` abandons it and
    starts from page 1) and marked done at the end; the worker passes the claim it holds
    on the run's event and records the outcome itself. A new run after a finished one is
    incremental (only posts modified since its high-water mark, then the id list) unless
    ``restart`` or ``everything`` (pages through every post; "Sync now" in ``/admin``).
    ``ahead`` is how many pages are fetched at once (default
    :data:`~db.wordpress.client.FETCH_AHEAD`; the benchmark compares 1).
    """
    started = time.monotonic()
    held = claim
    with session_scope(write=True) as session:
        if held is None:
            held = _start_run(session, source="full", restart=restart)
        mark = None if restart or everything else high_water_mark(session)
    run_id, first = held.id, held.fields["next_page"] or 1
    report = FullSyncReport(run_id=run_id, resumed_from=first)
    if first == 1 and mark is not None:
        _catch_up(client, held, report, mark - MARK_OVERLAP)
    else:
        _all_pages(client, held, report, progress, ahead)
    remote = _compare_versions(client, held, report)
    remote |= _sync_types(client, held, report, mark)
    if report.since is not None:
        report.seen = len(remote)
        report.unchanged = max(0, len(remote) - report.created - report.updated)
        if progress is not None:
            progress(len(remote), len(remote))
    _finish_run(held, report, mark, remote, own=claim is None)
    report.seconds = time.monotonic() - started
    log.info(
        "full sync %d%s: %d pages, %d created, %d updated, %d unchanged, %d removed in %.1fs",
        run_id,
        " (incremental)" if report.since is not None else "",
        report.pages,
        report.created,
        report.updated,
        report.unchanged,
        report.removed,
        report.seconds,
    )
    return report


def reconcile(*, client: WordPressSource, claim: Claim | None = None) -> FullSyncReport:
    """Fix what lost webhooks left stale, without a full sync.

    Asks for the published posts modified since the last finished run's high-water mark
    (less :data:`MARK_OVERLAP`; ids and dates only) and fetches and applies those we lack or
    hold an older copy of, then compares the published id list
    (ids and ``modified_gmt``, two fields a post) with ours: posts WordPress no longer lists
    are removed, and any it lists that we lack or hold an older copy of are fetched (a
    scheduled post going live keeps its old ``modified_gmt``). Before the first finished
    run there is no mark and the id list alone finds everything. Unchanged posts are not
    written. Without ``claim`` (the CLI) it runs as a ``reconcile`` event of its own.
    """
    started = time.monotonic()
    held = claim
    with session_scope(write=True) as session:
        if held is None:
            held = _start_run(session, source="reconcile")
        mark = high_water_mark(session)
    report = FullSyncReport(run_id=held.id, resumed_from=1)
    if mark is not None:
        _catch_up(client, held, report, mark - MARK_OVERLAP)
    remote = _compare_versions(client, held, report)
    remote |= _sync_types(client, held, report, mark)
    report.seen = len(remote)
    report.unchanged = max(0, len(remote) - report.created - report.updated)
    _finish_run(held, report, mark, remote, own=claim is None)
    report.seconds = time.monotonic() - started
    log.info(
        "reconciliation %d since %s: %d created, %d updated, %d removed in %.1fs",
        held.id,
        report.since.isoformat() if report.since else "the start",
        report.created,
        report.updated,
        report.removed,
        report.seconds,
    )
    return report


APPLY_CHUNK = 20
"""Posts a full sync applies per write transaction. The webhook lane's writes take the
same write turn (:func:`~db.core.engine.session_scope`): behind a whole page (100 posts)
a webhook's write waited up to 0.7 s (p99, 10 000-post cold sync, load 5.8); behind 20,
a fifth of that."""
_PAGE_INFO = ("atoll_sync_memo", "atoll_sync_changed_authors")
"""What a page's transactions share (``Session.info``): authors and terms are upserted
once a page, and an author's change counts for each of their posts on it."""


def _apply_page(
    claim: Claim, page: PostsPage, next_page: int | None, kind: Kind = POSTS
) -> list[Change]:
    """One page of posts (or items), :data:`APPLY_CHUNK` a transaction, the last with the
    run's checkpoint (or lease renewal).

    A crash within a page leaves the checkpoint before it: the rerun applies the page
    again, and what was already applied is an identical copy, which writes nothing.
    """
    items = [kind.prepare(data) for data in page.items]
    changes: list[Change] = []
    shared: dict[str, Any] = {}
    for start in range(0, max(len(items), 1), APPLY_CHUNK):
        with session_scope(write=True) as session:
            session.info.update(shared)
            applied = [kind.apply(session, item) for item in items[start : start + APPLY_CHUNK]]
            if start + APPLY_CHUNK >= len(items):
                _checkpoint(session, claim, next_page)
            shared = {key: session.info[key] for key in _PAGE_INFO if key in session.info}
        invalidate(applied)
        changes += applied
    return changes


def _all_pages(
    client: WordPressSource,
    claim: Claim,
    report: FullSyncReport,
    progress: Progress | None,
    ahead: int | None,
) -> None:
    """Every published post, page by page from the checkpoint, each page with its own."""
    fetched = iter_pages(client.list_page, report.resumed_from, **_ahead(ahead))
    done = (report.resumed_from - 1) * PER_PAGE
    for number, page in fetched:
        changes = _apply_page(claim, page, number + 1)
        report.count(changes)
        report.pages += 1
        report.seen += len(page.items)
        done = min(done + len(page.items), page.total) if page.total else done + len(page.items)
        if progress is not None:
            progress(done, page.total)


def _catch_up(
    client: WordPressSource,
    claim: Claim,
    report: FullSyncReport,
    since: datetime,
    kind: Kind = POSTS,
) -> None:
    """Fetch and apply the published posts modified after ``since`` that we lack or hold
    an older copy of.

    WordPress is asked for the ids and ``modified_gmt`` of the changed posts only (cheap),
    then for those posts by id, so the posts of the overlap window that are already up to
    date cost nothing more. No checkpoint: after a crash the run starts over from the same
    mark, which writes nothing twice.
    """
    report.since = since
    changed = kind.versions(client, since)
    local = _local_versions(kind)
    report.pages += -(-len(changed) // PER_PAGE)
    wanted = [i for i, m in changed.items() if _older(local.get(i), m, same_second=True)]
    _fetch(client, claim, report, wanted, kind)


def _older(
    local: tuple[datetime, datetime | None] | None, remote: datetime, *, same_second: bool = False
) -> bool:
    """Whether our copy (``modified_at``, ``synced_at``) may be older than WordPress's.

    ``modified_gmt`` counts whole seconds, so two saves in one second look alike. With
    ``same_second`` (the few posts of the overlap window), a copy of the same second that
    was fetched within :data:`MARK_OVERLAP` of it (clocks differ a little) counts as
    possibly older, and is fetched again; applying an identical copy writes nothing.
    """
    if local is None or local[0] < remote:
        return True
    synced = local[1]
    return same_second and local[0] == remote and (synced is None or synced < remote + MARK_OVERLAP)


def _local_versions(kind: Kind = POSTS) -> dict[int, tuple[datetime, datetime | None]]:
    """Our WordPress posts' (or a type's items') ``modified_gmt`` and when we last wrote
    them, by ``wp_id``."""
    with session_scope() as session:
        return {
            wp_id: (modified, synced)
            for wp_id, modified, synced in kind.local(session)
            if wp_id is not None  # never, after the WHERE; it tells the type checker so
        }


def _fetch(
    client: WordPressSource,
    claim: Claim,
    report: FullSyncReport,
    ids: list[int],
    kind: Kind = POSTS,
) -> None:
    """Fetch posts (or items) by id, 100 a request, and apply each batch in one transaction."""
    for start in range(0, len(ids), PER_PAGE):
        items = kind.fetch(client, ids[start : start + PER_PAGE])
        report.count(_apply_page(claim, PostsPage(items, len(items), 1), None, kind))


def _ahead(ahead: int | None) -> dict[str, int]:
    return {} if ahead is None else {"ahead": ahead}


def _compare_versions(
    client: WordPressSource,
    claim: Claim,
    report: FullSyncReport,
    kind: Kind = POSTS,
    *,
    everything: bool = False,
) -> dict[int, datetime]:
    """Remove posts WordPress no longer publishes; fetch any the paging missed or has newer.

    Returns WordPress's published ids with their ``modified_gmt``. A post missing from the
    id list is asked for by id before it is removed: a post deleted while the list was paged
    shifts the later pages, so another post can be missing from it and still published.
    Only rows last synced before the id list was read are removed: a post the webhook
    worker wrote a moment ago may be newer than that list. With ``everything`` every
    listed post is fetched again, not only those we lack or hold older.
    """
    listed_at = utcnow()
    remote = kind.versions(client, None)
    local = _local_versions(kind)
    missing = [wp_id for wp_id in local if wp_id not in remote]
    still = {int(data["id"]) for data in kind.fetch(client, missing)} if missing else set()
    table = kind.table
    with session_scope(write=True) as session:
        gone = session.exec(
            select(table.wp_id).where(
                col(table.wp_id).in_([wp_id for wp_id in missing if wp_id not in still]),
                or_(col(table.synced_at).is_(None), col(table.synced_at) < listed_at),
            )
        ).all()
        removed = [kind.remove(session, wp_id) for wp_id in gone if wp_id]
        _checkpoint(session, claim)
    invalidate(removed)
    report.count(removed)
    stale = [i for i, m in remote.items() if everything or _older(local.get(i), m)]
    _fetch(client, claim, report, stale + sorted(still), kind)
    return remote


def _sync_types(
    client: WordPressSource, claim: Claim, report: FullSyncReport, mark: datetime | None
) -> dict[int, datetime]:
    """Pages and custom types (``WORDPRESS_POST_TYPES``), after the posts: each type's
    changes since ``mark`` (less :data:`MARK_OVERLAP`), then its id list compared with ours
    (:func:`_compare_versions`). Without a mark (a first run, a restart, "Sync now") every
    item is fetched again. There are seldom more than a few hundred, so a run after a crash
    simply does this part again. Returns the listed ids with their ``modified_gmt``."""
    remote: dict[int, datetime] = {}
    for found in discover_types(client):
        kind = item_kind(found.name, found.rest_base)
        if mark is not None:
            since = report.since
            _catch_up(client, claim, report, mark - MARK_OVERLAP, kind)
            report.since = since  # the posts' pass says whether the run was incremental
        remote |= _compare_versions(client, claim, report, kind, everything=mark is None)
    return remote


def _finish_run(
    claim: Claim,
    report: FullSyncReport,
    mark: datetime | None,
    remote: dict[int, datetime],
    *,
    own: bool,
) -> None:
    """Record the run's high-water mark and counts; mark it done when this call started it.

    The mark never goes back: deleting the newest post must not make the next run ask for
    changes it already has.
    """
    newest = max(remote.values(), default=None)
    report.high_water = max((m for m in (mark, newest) if m is not None), default=None)
    values = {
        "high_water_at": report.high_water,
        "posts_created": report.created,
        "posts_updated": report.updated,
        "posts_removed": report.removed,
    }
    with session_scope(write=True) as session:
        FULL_SYNC.renew(session=session, claim=claim, now=utcnow(), values=values)
        if own:
            FULL_SYNC.finish(session=session, claim=claim, now=utcnow())
