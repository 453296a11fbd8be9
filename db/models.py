"""Every table Atoll stores, declared once.

Each family follows ``<Noun>Base`` (shared columns and their limits) → ``<Noun>Create``
(what a visitor may send) → ``<Noun>`` (the table) → ``<Noun>Public`` (what may reach a
browser). A length or range is written once on the Base and so is enforced by the input
model and documented in the schema alike. Table names are plural and explicit so raw SQL
never trips over keywords such as ``like``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import field_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from db.core.pagination import Page
from db.core.types import UTCDateTime, utcnow
from db.core.validation import EMAIL_MAX, INPUT_CONFIG, Email, Honeypot, Name, Text

SLUG_MAX = 200
AUTHOR_BIO_MAX = 5000
SRCSET_MAX = 8000
VISITOR_ID_MAX = 64
NAME_MAX = 80
"""A visitor's name on a comment, a guestbook entry or a message."""
DISPLAY_NAME_MAX = 40
COMMENT_MAX = 5000
SQLITE_INT_MAX = 2**63 - 1  # larger ids cannot even be bound as parameters

# Tables name themselves with `__tablename__: ClassVar[str] = ...`: SQLModel declares the
# name as a SQLAlchemy declared_attr, which a bare string assignment does not type-check as.


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


def _flag(default: bool) -> Any:
    return Field(
        default=default,
        nullable=False,
        sa_column_kwargs={"server_default": text("1" if default else "0")},
    )


# --------------------------------------------------------------------------- blog content


class Author(SQLModel, table=True):
    """A WordPress user who wrote at least one synced post."""

    __tablename__: ClassVar[str] = "authors"

    id: int | None = Field(default=None, primary_key=True)
    wp_id: int | None = Field(default=None, unique=True)
    slug: str = Field(max_length=SLUG_MAX, unique=True)
    name: str = Field(max_length=200)
    avatar_url: str | None = Field(default=None, max_length=2000)
    """The 96-pixel avatar (the size a byline shows); every size is in ``avatar_urls``."""
    description: str = Field(
        default="", max_length=AUTHOR_BIO_MAX, sa_column_kwargs={"server_default": text("''")}
    )
    """The author's biographical info, as plain text (WordPress lets authors put HTML there)."""
    avatar_urls: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    """WordPress's ``avatar_urls``: pixel size (``"24"``, ``"48"``, ``"96"``) → http(s) URL."""


class AuthorPublic(SQLModel):
    """An author as their page shows them (``avatar_urls`` as stored: size → URL)."""

    slug: str
    name: str
    description: str = ""
    avatar_url: str | None = None
    avatar_urls: dict[str, str] = {}


class Term(SQLModel, table=True):
    """A category or tag; one table so both are queried the same way."""

    __tablename__: ClassVar[str] = "terms"
    __table_args__ = (
        UniqueConstraint("taxonomy", "slug"),
        UniqueConstraint("taxonomy", "wp_id"),
        CheckConstraint("taxonomy IN ('category', 'tag')", name="ck_terms_taxonomy"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wp_id: int | None = Field(default=None)
    taxonomy: str = Field(max_length=16)
    slug: str = Field(max_length=SLUG_MAX)
    name: str = Field(max_length=200)


class TermPublic(SQLModel):
    """A category or tag as a page names it."""

    taxonomy: str
    slug: str
    name: str


class PostTerm(SQLModel, table=True):
    """Links a post to its categories and tags."""

    __tablename__: ClassVar[str] = "post_terms"

    post_id: int = Field(foreign_key="posts.id", primary_key=True, ondelete="CASCADE")
    term_id: int = Field(foreign_key="terms.id", primary_key=True, ondelete="CASCADE", index=True)


class PostSlug(SQLModel, table=True):
    """A slug a post had before WordPress renamed it: old links answer 301 to the new one.

    WordPress itself redirects old slugs (its ``_wp_old_slug``); we keep the same promise
    for links already shared. A slug a live post uses again is removed from here.
    """

    __tablename__: ClassVar[str] = "post_slugs"

    slug: str = Field(max_length=SLUG_MAX, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", ondelete="CASCADE", index=True)


class ContentBase(SQLModel):
    """What a copy of any WordPress post type shows: a blog post, a page, a custom type's item."""

    title: str = Field(max_length=500)
    excerpt_html: str = Field(default="")
    featured_image_url: str | None = Field(default=None, max_length=2000)
    featured_image_alt: str = Field(default="", max_length=500)
    # The featured image's intrinsic size (so the page reserves its box before it loads) and
    # the same image's other sizes as a checked ``srcset`` (from ``media_details.sizes``).
    featured_image_width: int | None = Field(default=None, ge=1, le=100_000)
    featured_image_height: int | None = Field(default=None, ge=1, le=100_000)
    featured_image_srcset: str | None = Field(default=None, max_length=SRCSET_MAX)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class PostBase(ContentBase):
    slug: str = Field(max_length=SLUG_MAX, unique=True)
    members_only: bool = _flag(False)
    sticky: bool = _flag(False)
    """WordPress's "stick to the top of the blog": first on the home page and ``/blog``."""
    protected: bool = _flag(False)
    """Password-protected in WordPress: listed, but its content is never stored here; a
    visitor with the password reads it from WordPress (:mod:`db.protected`)."""


class Post(PostBase, table=True):
    """A blog post, copied from WordPress (or seeded); pages read only this copy."""

    __tablename__: ClassVar[str] = "posts"
    __table_args__ = (
        CheckConstraint(
            "status IN ('publish', 'draft', 'pending', 'private', 'future', 'trash')",
            name="ck_posts_status",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    wp_id: int | None = Field(default=None, unique=True)
    content_html: str = Field(default="")
    author_id: int | None = Field(default=None, foreign_key="authors.id", ondelete="SET NULL")
    modified_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="publish", max_length=16, index=True)
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fields: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """The post's custom fields: registered meta (``show_in_rest``) and ACF's ``acf`` object,
    as WordPress sent them (bounded, never HTML-sanitized: read them typed, :mod:`db.content`)."""


class PostPublic(PostBase):
    """A post as a page shows it (list pages leave ``content_html`` empty)."""

    id: int
    content_html: str = ""
    author_name: str = ""
    author_slug: str = ""
    fields: dict[str, Any] = {}
    """Its custom fields (``{}``: none); read them typed with :func:`db.content.typed_fields`."""

    @field_validator("fields", mode="before")
    @classmethod
    def _no_fields(cls, value: Any) -> Any:
        return {} if value is None else value


POST_TYPE_MAX = 20
"""WordPress's limit on a post type's name."""


class ContentType(SQLModel, table=True):
    """A WordPress post type besides ``post`` that the sync copies (``WORDPRESS_POST_TYPES``),
    as ``/wp/v2/types`` describes it: where its items are served and what a list is called."""

    __tablename__: ClassVar[str] = "content_types"

    name: str = Field(primary_key=True, max_length=POST_TYPE_MAX)
    rest_base: str = Field(max_length=SLUG_MAX, unique=True)
    """Its REST collection (``pages``, ``books``): also its list's path on the site."""
    label: str = Field(max_length=200)
    """Its plural name (``Pages``, ``Books``): the list's heading."""
    hierarchical: bool = _flag(False)


class ContentItem(ContentBase, table=True):
    """A page or a custom post type's item, copied from WordPress like a post.

    Blog posts stay in :class:`Post` (likes, ratings, comments, feeds and lists are theirs);
    every other synced type lives here. WordPress keeps a slug unique among an item's
    siblings (same type, same parent), and so does this table; a page's path is its
    ancestors' slugs and its own, resolved when it is read, so renaming a parent moves
    its children with it.
    """

    __tablename__: ClassVar[str] = "content_items"
    __table_args__ = (
        UniqueConstraint("post_type", "parent_wp_id", "slug"),
        CheckConstraint(
            "status IN ('publish', 'draft', 'pending', 'private', 'future', 'trash')",
            name="ck_content_items_status",
        ),
        Index("ix_content_items_type_published", "post_type", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wp_id: int = Field(unique=True)
    post_type: str = Field(max_length=POST_TYPE_MAX)
    slug: str = Field(max_length=SLUG_MAX)
    parent_wp_id: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    """The parent page's WordPress id (``0``: top level), as WordPress numbers it."""
    menu_order: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    content_html: str = Field(default="")
    author_id: int | None = Field(default=None, foreign_key="authors.id", ondelete="SET NULL")
    modified_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="publish", max_length=16)
    synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fields: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """Registered meta and ACF fields, as on :attr:`Post.fields`."""


class ContentItemPublic(ContentBase):
    """A page or custom item as a page shows it; ``path`` is its address on the site
    (``/about/team``, ``/books/dune``). Lists leave ``content_html`` empty."""

    post_type: str
    slug: str
    path: str
    modified_at: datetime
    content_html: str = ""
    author_name: str = ""
    author_slug: str = ""
    fields: dict[str, Any] = {}


class ContentTypePublic(SQLModel):
    """A synced post type as its list page names it."""

    name: str
    rest_base: str
    label: str


# --------------------------------------------------------------------------- likes


class LikeCount(SQLModel, table=True):
    """The like total per post, changed in the same statement batch as the Like rows."""

    __tablename__: ClassVar[str] = "like_counts"
    __table_args__ = (CheckConstraint("likes >= 0", name="ck_like_counts_non_negative"),)

    post_slug: str = Field(primary_key=True, max_length=SLUG_MAX)
    likes: int = Field(default=0, nullable=False, sa_column_kwargs={"server_default": text("0")})


class LikeToggle(SQLModel):
    """Input of ``likes.toggle``: the state the visitor wants, so repeating it is harmless."""

    model_config = INPUT_CONFIG

    post_slug: str = Field(min_length=1, max_length=SLUG_MAX, title="Post")
    liked: bool = Field(title="Liked")


class Like(SQLModel, table=True):
    """One visitor's like of one post."""

    __tablename__: ClassVar[str] = "likes"
    __table_args__ = (UniqueConstraint("post_slug", "visitor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_slug: str = Field(max_length=SLUG_MAX, index=True)
    visitor_id: str = Field(max_length=VISITOR_ID_MAX)
    created_at: datetime = _created()


class LikePublic(SQLModel):
    post_slug: str
    likes: int
    liked: bool


# --------------------------------------------------------------------------- ratings


class RatingBase(SQLModel):
    post_slug: str = Field(min_length=1, max_length=SLUG_MAX, title="Post")
    stars: int = Field(ge=1, le=5, title="Rating")


class RatingCreate(RatingBase):
    model_config = INPUT_CONFIG


class Rating(RatingBase, table=True):
    """One visitor's 1–5 star rating of one post; changing it updates this row."""

    __tablename__: ClassVar[str] = "ratings"
    __table_args__ = (
        UniqueConstraint("post_slug", "visitor_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="ck_ratings_stars"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_slug: str = Field(max_length=SLUG_MAX, index=True)
    visitor_id: str = Field(max_length=VISITOR_ID_MAX)
    created_at: datetime = _created()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RatingSummary(SQLModel, table=True):
    """Count and sum of a post's ratings, kept in step with the rows in one transaction."""

    __tablename__: ClassVar[str] = "rating_summaries"
    __table_args__ = (
        CheckConstraint("ratings >= 0 AND total >= 0", name="ck_rating_summaries_non_negative"),
    )

    post_slug: str = Field(primary_key=True, max_length=SLUG_MAX)
    ratings: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    total: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})


class RatingPublic(SQLModel):
    """What a star rating shows: the rounded average, the count and this visitor's stars."""

    post_slug: str
    average: float
    count: int
    stars: int | None


# --------------------------------------------------------------------------- guestbook


class GuestbookEntryBase(SQLModel):
    author: Name = Field(min_length=2, max_length=NAME_MAX, title="Name")
    content: Text = Field(min_length=1, max_length=2000, title="Message")


class GuestbookEntryCreate(GuestbookEntryBase):
    model_config = INPUT_CONFIG

    website: Honeypot = Field(default="", title="Website")


class GuestbookEntry(GuestbookEntryBase, table=True):
    """A visitor's signature; moderation flags hide it without losing it."""

    __tablename__: ClassVar[str] = "guestbook_entries"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _created()
    visitor_id: str | None = Field(default=None, max_length=VISITOR_ID_MAX)
    is_public: bool = _flag(True)
    is_removed: bool = _flag(False)


class GuestbookEntryPublic(SQLModel):
    """What visitors see of an entry. Not a ``GuestbookEntryBase``: input rules (cleaning,
    lengths) apply when text is stored, and a row stored under older rules must still list."""

    id: int
    author: str
    content: str
    created_at: datetime


# --------------------------------------------------------------------------- comments


class CommentBase(SQLModel):
    post_slug: str = Field(min_length=1, max_length=SLUG_MAX, index=True, title="Post")
    author_name: Name = Field(min_length=2, max_length=NAME_MAX, title="Name")
    content: Text = Field(min_length=1, max_length=COMMENT_MAX, title="Comment")


class CommentCreate(SQLModel):
    model_config = INPUT_CONFIG

    post_slug: str = Field(min_length=1, max_length=SLUG_MAX, title="Post")
    author: Name = Field(min_length=2, max_length=NAME_MAX, title="Name")
    content: Text = Field(min_length=1, max_length=COMMENT_MAX, title="Comment")
    website: Honeypot = Field(default="", title="Website")


class Comment(CommentBase, table=True):
    """A comment on a post. Anonymous authors prove ownership with an edit token (hash only)."""

    __tablename__: ClassVar[str] = "comments"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _created()
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", index=True
    )
    edit_token_hash: str | None = Field(default=None, max_length=64)
    edit_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    visitor_id: str | None = Field(default=None, max_length=VISITOR_ID_MAX)
    is_public: bool = _flag(True)
    is_removed: bool = _flag(False)


class CommentPublic(SQLModel):
    id: int
    post_slug: str
    author_name: str
    content: str
    created_at: datetime
    edited: bool


class CommentUpdate(SQLModel):
    """Input of ``comments.update``: new text for one comment, plus proof of ownership."""

    model_config = INPUT_CONFIG

    id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Comment id")
    content: Text = Field(
        min_length=1,
        max_length=COMMENT_MAX,
        title="Comment",
        schema_extra={"json_schema_extra": {"label": "Edit your comment"}},  # the form's wording
    )
    edit_token: str | None = Field(default=None, max_length=128, title="Edit token")


class CommentDelete(SQLModel):
    """Input of ``comments.delete``: which comment, plus proof of ownership."""

    model_config = INPUT_CONFIG

    id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Comment id")
    edit_token: str | None = Field(default=None, max_length=128, title="Edit token")


class CommentListQuery(SQLModel):
    """Input of ``comments.list``; a missing post is NOT_FOUND, like an unknown one."""

    model_config = INPUT_CONFIG

    post_slug: str = Field(default="", title="Post")
    page: int = Field(default=1, ge=1, le=1_000_000, title="Page")


class CommentCreated(SQLModel):
    """What ``comments.create`` answers: the comment and, for anonymous authors, its edit token.

    The token is shown exactly once (only its hash is stored); a duplicate submit answers
    the existing comment without one, so the token the first answer carried stays valid.
    """

    comment: CommentPublic
    edit_token: str | None = None
    edit_token_expires_at: datetime | None = None


class CommentRemoved(SQLModel):
    id: int
    post_slug: str


CommentPage = Page[CommentPublic]
"""One page of a post's visible comments, oldest first (the ``GET /api/comments`` body)."""


# --------------------------------------------------------------------------- contact


class ContactMessageBase(SQLModel):
    name: Name = Field(min_length=2, max_length=NAME_MAX, title="Name")
    email: str = Field(max_length=EMAIL_MAX, title="Email")
    subject: Name = Field(default="", max_length=120, title="Subject")
    message: Text = Field(min_length=10, max_length=5000, title="Message")


class ContactMessageCreate(ContactMessageBase):
    model_config = INPUT_CONFIG

    email: Email = Field(min_length=1, max_length=EMAIL_MAX, title="Email")
    website: Honeypot = Field(default="", title="Website")


class ContactMessage(ContactMessageBase, table=True):
    """A message to the site owner; forwarded by email through the outbox."""

    __tablename__: ClassVar[str] = "contact_messages"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _created()
    is_read: bool = _flag(False)


# --------------------------------------------------------------------------- newsletter


class SubscriberCreate(SQLModel):
    model_config = INPUT_CONFIG

    email: Email = Field(min_length=1, max_length=EMAIL_MAX, title="Email")
    website: Honeypot = Field(default="", title="Website")


class SubscriberToken(SQLModel):
    """Input of ``newsletter.confirm`` and ``newsletter.unsubscribe``: the token from a link."""

    model_config = INPUT_CONFIG

    token: str = Field(min_length=1, max_length=200, title="Token")


class Subscriber(SQLModel, table=True):
    """A newsletter address; double opt-in moves it from pending to active."""

    __tablename__: ClassVar[str] = "subscribers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'active', 'unsubscribed')", name="ck_subscribers_status"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_MAX, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)
    confirm_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    unsubscribe_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = _created()
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirm_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- outbox


class Outbox(SQLModel, table=True):
    """A message that must reach another system, written in the same transaction as its cause."""

    __tablename__: ClassVar[str] = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name="ck_outbox_status"
        ),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _created()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- accounts


class User(SQLModel, table=True):
    """An account. ``email`` is stored normalised (lower-case) so uniqueness is case-blind."""

    __tablename__: ClassVar[str] = "users"
    __table_args__ = (CheckConstraint("role IN ('member', 'admin')", name="ck_users_role"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_MAX, unique=True)
    display_name: str = Field(min_length=2, max_length=DISPLAY_NAME_MAX)
    password_hash: str = Field(max_length=255)
    role: str = Field(
        default="member", max_length=16, sa_column_kwargs={"server_default": "member"}
    )
    created_at: datetime = _created()
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its token is stored."""

    __tablename__: ClassVar[str] = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = _created()
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    user_agent: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)


# --------------------------------------------------------------------------- sync


class SyncEvent(SQLModel, table=True):
    """A WordPress webhook delivery or sync run, recorded before any work is done."""

    __tablename__: ClassVar[str] = "sync_events"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'processing', 'done', 'failed')", name="ck_sync_events_status"
        ),
        Index("ix_sync_events_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default="webhook", max_length=16)
    wp_post_id: int | None = Field(default=None, index=True)
    post_type: str = Field(default="post", max_length=40)
    action: str = Field(default="update", max_length=16)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    last_error: str | None = Field(default=None, max_length=2000)
    received_at: datetime = _created()
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A full sync's checkpoint: the next page of /wp/v2/posts to fetch (resumes after a crash).
    next_page: int | None = Field(default=None)
    # A finished full sync or reconciliation: the newest ``modified_gmt`` it saw in WordPress
    # (the next run asks only for posts modified since) and the posts it changed.
    high_water_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    posts_created: int | None = Field(default=None)
    posts_updated: int | None = Field(default=None)
    posts_removed: int | None = Field(default=None)


class SyncEventCreate(SQLModel):
    """The webhook body WordPress sends; it only names the post, the worker fetches it."""

    model_config = INPUT_CONFIG

    post_id: int = Field(ge=1, le=SQLITE_INT_MAX, title="Post id")
    post_type: str = Field(default="post", min_length=1, max_length=40, title="Post type")
    action: Literal["update", "delete"] = Field(title="Action")


WEBHOOK_BATCH_MAX = 500
"""Events one webhook request may carry: a bulk edit of a page of posts in one request."""


class SyncEventBatch(SQLModel):
    """Several notifications in one signed request (the plugin batches a bulk edit's)."""

    model_config = INPUT_CONFIG

    events: list[SyncEventCreate] = Field(
        min_length=1, max_length=WEBHOOK_BATCH_MAX, title="Events"
    )
