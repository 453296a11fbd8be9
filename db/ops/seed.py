"""Development data, so a fresh checkout shows real-looking pages after ``make``.

Every row is looked up by a natural key before it is inserted (author and post slug;
guestbook author and message; comment post, author and text), so ``python -m db seed``
can run any number of times and only fills in what is missing. The schema must already
exist: seeding never changes it (``python -m db push`` does).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from db.models import Author, Comment, GuestbookEntry, Post
from db.ops.schema import require_tables

SEED_TABLES = (
    Author.__tablename__,
    Post.__tablename__,
    GuestbookEntry.__tablename__,
    Comment.__tablename__,
)


def _at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


AUTHORS: tuple[dict[str, Any], ...] = (
    {"slug": "lena-varga", "name": "Lena Varga"},
    {"slug": "tomas-rivera", "name": "Tomás Rivera"},
)

POSTS: tuple[dict[str, Any], ...] = (
    {
        "slug": "hello-atoll",
        "author": "lena-varga",
        "title": "Hello, Atoll",
        "published_at": _at(3),
        "excerpt_html": "<p>Why this blog is mostly static pages with a few small islands.</p>",
        "content_html": (
            "<p>Atoll is a blog that ships as static markup with a handful of small, "
            "interactive <em>islands</em>: a like button, a star rating, comments and a "
            "guestbook.</p>\n"
            "<h2>What you can do here</h2>\n"
            "<ul>\n<li>Like a post without signing in.</li>\n"
            "<li>Rate it from one to five stars.</li>\n"
            "<li>Leave a comment, or sign the guestbook.</li>\n</ul>\n"
            "<p>Everything still works with JavaScript turned off: each island falls back "
            "to a plain HTML form.</p>"
        ),
    },
    {
        "slug": "islands-of-interactivity",
        "author": "tomas-rivera",
        "title": "Islands of interactivity on a static page",
        "published_at": _at(7, 14, 30),
        "excerpt_html": "<p>Keep the page static and make only the parts that change live.</p>",
        "content_html": (
            "<p>Most of a blog post never changes after it is published. The like count "
            "and the comment list do. Rendering the whole page on every request to serve "
            "those two numbers is wasteful.</p>\n"
            "<h2>The island pattern</h2>\n"
            "<p>Each island is bound to one small server-side state. Its handlers validate "
            "input, call one domain function and update what the island shows.</p>\n"
            "<blockquote><p>Static by default, interactive where it earns its keep."
            "</p></blockquote>"
        ),
    },
    {
        "slug": "why-libsql",
        "author": "lena-varga",
        "title": "Why Atoll keeps its data in libSQL",
        "published_at": _at(12, 8, 15),
        "excerpt_html": "<p>One file on a laptop, one server in production, the same SQL.</p>",
        "content_html": (
            "<p>libSQL is an open fork of SQLite. Locally it is a single file in WAL mode; "
            "in production the same schema runs on a libSQL server or Turso.</p>\n"
            "<h2>Counters in one statement</h2>\n"
            "<p>Likes are counted with <code>INSERT … ON CONFLICT DO UPDATE … RETURNING"
            "</code>, so two visitors clicking at once never lose a like.</p>\n"
            "<ol>\n<li>No read-modify-write in Python.</li>\n"
            "<li>No lock held across a network round trip.</li>\n</ol>"
        ),
    },
)

GUESTBOOK: tuple[dict[str, Any], ...] = (
    {
        "author": "Ada Lovelace",
        "content": "Lovely little site. The like button is oddly satisfying.",
        "created_at": _at(4, 10, 5),
    },
    {
        "author": "Grace Hopper",
        "content": "Works perfectly with JavaScript disabled. Bravo!",
        "created_at": _at(8, 19, 42),
    },
    {
        "author": "Alan Kay",
        "content": "Static pages with live islands: the web as it should be.",
        "created_at": _at(13, 7, 58),
    },
)

COMMENTS: tuple[dict[str, Any], ...] = (
    {
        "post_slug": "hello-atoll",
        "author_name": "Margaret Hamilton",
        "content": "Congratulations on the launch! Looking forward to the next posts.",
        "created_at": _at(3, 11, 20),
    },
    {
        "post_slug": "hello-atoll",
        "author_name": "Dennis Ritchie",
        "content": "Nice that the forms still work without any client-side code.",
        "created_at": _at(5, 16, 2),
    },
    {
        "post_slug": "islands-of-interactivity",
        "author_name": "Barbara Liskov",
        "content": "How do the islands share the visitor id between tabs?",
        "created_at": _at(8, 9, 45),
    },
    {
        "post_slug": "why-libsql",
        "author_name": "Ken Thompson",
        "content": "One statement per counter change is the right call.",
        "created_at": _at(12, 21, 10),
    },
)


def has_content(session: Session) -> bool:
    """Whether the database already holds posts or guestbook entries, seeded or real.

    ``python -m db seed`` only fills an empty database: seed rows mixed into a real site's
    data (or posts that WordPress doesn't know) would be published beside it.
    """
    require_tables(session.connection(), SEED_TABLES)
    return any(session.exec(select(table.id).limit(1)).first() for table in (Post, GuestbookEntry))


def seed(*, session: Session) -> list[str]:
    """Insert whatever dev data is missing and say what was added (empty when all present).

    Raises:
        SchemaMissingError: the tables have not been created yet.
    """
    require_tables(session.connection(), SEED_TABLES)
    authors = {spec["slug"]: _ensure_author(session, spec) for spec in AUTHORS}
    added = [f"author {slug}" for slug, (_, new) in authors.items() if new]
    for spec in POSTS:
        author, _ = authors[spec["author"]]
        if _ensure_post(session, spec, author):
            added.append(f"post {spec['slug']}")
    added += [f"guestbook entry by {s['author']}" for s in GUESTBOOK if _ensure_entry(session, s)]
    added += [
        f"comment by {s['author_name']} on {s['post_slug']}"
        for s in COMMENTS
        if _ensure_comment(session, s)
    ]
    return added


def _ensure_author(session: Session, spec: dict[str, Any]) -> tuple[Author, bool]:
    author = session.exec(select(Author).where(Author.slug == spec["slug"])).first()
    if author is not None:
        return author, False
    author = Author(**spec)
    session.add(author)
    session.flush()
    return author, True


def _ensure_post(session: Session, spec: dict[str, Any], author: Author) -> bool:
    if session.exec(select(Post.id).where(Post.slug == spec["slug"])).first() is not None:
        return False
    fields = {k: v for k, v in spec.items() if k != "author"}
    session.add(
        Post(**fields, author_id=author.id, modified_at=spec["published_at"], status="publish")
    )
    session.flush()
    return True


def _ensure_entry(session: Session, spec: dict[str, Any]) -> bool:
    found = session.exec(
        select(GuestbookEntry.id).where(
            GuestbookEntry.author == spec["author"], GuestbookEntry.content == spec["content"]
        )
    ).first()
    if found is not None:
        return False
    session.add(GuestbookEntry(**spec))
    session.flush()
    return True


def _ensure_comment(session: Session, spec: dict[str, Any]) -> bool:
    found = session.exec(
        select(Comment.id).where(
            Comment.post_slug == spec["post_slug"],
            Comment.author_name == spec["author_name"],
            Comment.content == spec["content"],
        )
    ).first()
    if found is not None:
        return False
    session.add(Comment(**spec))
    session.flush()
    return True
