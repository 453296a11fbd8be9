"""Development data, so a fresh checkout shows real-looking pages after ``make``.

Every row is looked up by a natural key before it is inserted (author and post slug;
term taxonomy and slug; guestbook author and message; comment post, author and text), so
``python -m db seed`` can run any number of times and only fills in what is missing. The
schema must already exist: seeding never changes it (``python -m db push`` does).

The data shows every feature a newcomer should see after ``make run``: posts with
categories, tags and a featured image, a members-only post (locked until a visitor signs
in), guestbook entries and comments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from db.models import Author, Comment, GuestbookEntry, Post, PostTerm, Term
from db.ops.schema import require_tables

SEED_TABLES = (
    Author.__tablename__,
    Post.__tablename__,
    GuestbookEntry.__tablename__,
    Comment.__tablename__,
    Term.__tablename__,
    PostTerm.__tablename__,
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
        "terms": ("category:news", "tag:islands", "tag:no-js"),
        # A file in assets/, served at the site root: the seeded site needs no network.
        "featured_image_url": "/og-image.png",
        "featured_image_alt": "The Atoll mark: a green island ringed by a sandy reef",
        "featured_image_width": 1200,  # the file's own size: no layout shift while it loads
        "featured_image_height": 630,
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
        "terms": ("category:architecture", "tag:islands", "tag:reflex"),
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
        "terms": ("category:architecture", "tag:libsql"),
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
    {
        "slug": "behind-the-scenes",
        "author": "tomas-rivera",
        "title": "Behind the scenes: how Atoll is built",
        "published_at": _at(14, 18, 0),
        "members_only": True,
        "terms": ("category:news", "tag:reflex"),
        "excerpt_html": "<p>A members-only look at the build, the tests and what comes next.</p>",
        "content_html": (
            "<p>Thanks for signing up. This post is for members only: signed-out visitors "
            "see its title and excerpt, and a panel asking them to sign in.</p>\n"
            "<h2>What members get</h2>\n"
            "<ul>\n<li>Posts like this one, listed on the members page.</li>\n"
            "<li>Comments under members-only posts.</li>\n</ul>"
        ),
    },
)

# ``taxonomy:slug`` → display name; posts name their terms by that key.
TERMS: dict[str, str] = {
    "category:news": "News",
    "category:architecture": "Architecture",
    "tag:islands": "islands",
    "tag:no-js": "no-JS",
    "tag:reflex": "Reflex",
    "tag:libsql": "libSQL",
}

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
    terms = {key: _ensure_term(session, key, name) for key, name in TERMS.items()}
    added += [f"term {key}" for key, (_, new) in terms.items() if new]
    for spec in POSTS:
        author, _ = authors[spec["author"]]
        post_id = _ensure_post(session, spec, author)
        if post_id is not None:
            added.append(f"post {spec['slug']}")
            for key in spec["terms"]:
                session.add(PostTerm(post_id=post_id, term_id=terms[key][0]))
            session.flush()
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


def _ensure_term(session: Session, key: str, name: str) -> tuple[int, bool]:
    """The id of the ``taxonomy:slug`` term, and whether it was just added.

    Seeded terms have no ``wp_id``: a later WordPress sync adopts a term of the same
    taxonomy and slug instead of adding a second one (see ``db/wordpress/sync.py``).
    """
    taxonomy, slug = key.split(":", 1)
    found = session.exec(
        select(Term.id).where(Term.taxonomy == taxonomy, Term.slug == slug)
    ).first()
    if found is not None:
        return found, False
    term = Term(taxonomy=taxonomy, slug=slug, name=name)
    session.add(term)
    session.flush()
    assert term.id is not None
    return term.id, True


def _ensure_post(session: Session, spec: dict[str, Any], author: Author) -> int | None:
    """Add the post unless its slug exists; the new row's id, or None when it was there.

    A post that already exists keeps its own terms: only a new post gets the seeded ones.
    """
    if session.exec(select(Post.id).where(Post.slug == spec["slug"])).first() is not None:
        return None
    fields = {k: v for k, v in spec.items() if k not in ("author", "terms")}
    post = Post(**fields, author_id=author.id, modified_at=spec["published_at"], status="publish")
    session.add(post)
    session.flush()
    return post.id


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
