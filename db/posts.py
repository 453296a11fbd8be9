"""Reading posts for pages. Posts are written only by the WordPress sync and the seed.

Members-only posts are never listed publicly: the home page, the blog and its category
and tag pages, the RSS feed and the sitemap read :func:`_listed`, which leaves them out;
``/members`` lists them for signed-in accounts (:mod:`db.members`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists
from sqlmodel import Session, col, func, select

from db.core.cache import LISTS_TAG, post_tag, posts_cache
from db.core.errors import ActionError, ErrorCode
from db.core.pagination import Page, paginate
from db.models import (
    Author,
    AuthorPublic,
    Post,
    PostPublic,
    PostSlug,
    PostTerm,
    Term,
    TermPublic,
)

POST_NOT_FOUND = "Post not found."
PER_PAGE = 10


def _public(post: Post, author: Author | None, *, with_content: bool) -> PostPublic:
    return PostPublic.model_validate(
        post,
        update={
            "author_name": author.name if author else "",
            "author_slug": author.slug if author else "",
            "content_html": post.content_html if with_content else "",
        },
    )


_LISTED = (Post.status == "publish", col(Post.members_only).is_(False))
"""What a public list may show: published posts that are not members-only."""

_NEWEST_FIRST = (col(Post.published_at).desc(), col(Post.id).desc())
"""Every list of posts: newest first, the id breaking ties between posts of the same instant."""

_STICKY_FIRST = (col(Post.sticky).desc(), *_NEWEST_FIRST)
"""The home page and ``/blog``: sticky posts first, as WordPress's blog shows them, then the
rest; newest first within each. (Archives, the feed and the sitemap ignore stickiness, as
WordPress's do.)"""


def _published():
    return select(Post, Author).join(Author, isouter=True).where(Post.status == "publish")


def _listed():
    return select(Post, Author).join(Author, isouter=True).where(*_LISTED)


def post_card(row: tuple[Post, Author | None]) -> PostPublic:
    """A list's view of a ``(post, author)`` row: everything but the content (every list of
    posts, members-only ones too, shows cards)."""
    return _public(*row, with_content=False)


def list_posts(
    session: Session, *, page: int = 1, per_page: int = PER_PAGE, sticky_first: bool = True
) -> Page[PostPublic]:
    """One page of the published public posts, sticky ones first (unless ``sticky_first`` is
    off: the feed), then newest first."""
    query = _listed().order_by(*(_STICKY_FIRST if sticky_first else _NEWEST_FIRST))
    return paginate(session, query, page=page, per_page=per_page, view=post_card)


def get_post(session: Session, slug: str, *, viewer_is_member: bool = False) -> PostPublic | None:
    """A published post by slug; a members-only post's content only for members."""
    row = session.exec(_published().where(Post.slug == slug)).first()
    if row is None:
        return None
    post, author = row
    return _public(post, author, with_content=viewer_is_member or not post.members_only)


def renamed_to(session: Session, slug: str) -> str | None:
    """The current slug of the published post that was once at ``slug`` (WordPress renamed
    it), so an old link can answer 301; ``None`` when no post ever moved from there."""
    return session.exec(
        select(Post.slug)
        .join(PostSlug, col(PostSlug.post_id) == Post.id)
        .where(PostSlug.slug == slug, Post.status == "publish")
    ).first()


_posts = Post.metadata.tables[Post.__tablename__]  # Post.__table__, as type checkers see it
_OPEN = (
    _posts.c.slug == bindparam("slug"),
    _posts.c.status == "publish",
    _posts.c.protected.is_(False),
)
IS_PUBLISHED = exists().where(*_OPEN)
"""Whether the ``slug`` parameter names a published post that visitors may like, rate and
comment on: not a password-protected one, whose content Atoll never holds (likes, ratings
and comments are never offered there). Built once: the like toggle folds it into its
write (see ``db/likes.py``)."""
# The same condition, answering ``members_only`` instead (no row: no such published post).
_CHECK_PUBLISHED = select(_posts.c.members_only).where(*_OPEN)


def post_not_found() -> ActionError:
    """The NOT_FOUND every action on a post answers, on its ``post_slug`` field."""
    return ActionError(ErrorCode.NOT_FOUND, POST_NOT_FOUND, {"post_slug": [POST_NOT_FOUND]})


def require_published(session: Session, slug: str) -> bool:
    """NOT_FOUND unless ``slug`` names a published post (visitors can't like a phantom) that
    is not password-protected.

    Returns:
        Whether the post is members-only, so a caller that shows or takes comments can
        then ask who is reading without a second query.
    """
    members_only = session.connection().execute(_CHECK_PUBLISHED, {"slug": slug}).scalar()
    if members_only is None:  # the column is NOT NULL: no row
        raise post_not_found()
    return bool(members_only)


def is_members_only(session: Session, slug: str) -> bool:
    """Whether ``slug`` names a members-only post, whatever its status (``False`` if none)."""
    return bool(session.exec(select(Post.members_only).where(Post.slug == slug)).first())


def list_posts_by_term(
    session: Session, taxonomy: str, slug: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[TermPublic | None, Page[PostPublic]]:
    """A category's or tag's published public posts, one page newest first, and the term
    (``None``, with an empty page, if there is no such term)."""
    term = session.exec(select(Term).where(Term.taxonomy == taxonomy, Term.slug == slug)).first()
    if term is None:
        return None, Page.empty()
    tagged = select(PostTerm.post_id).where(PostTerm.term_id == term.id)
    query = _listed().where(col(Post.id).in_(tagged)).order_by(*_NEWEST_FIRST)
    public = TermPublic(taxonomy=term.taxonomy, slug=term.slug, name=term.name)
    return public, paginate(session, query, page=page, per_page=per_page, view=post_card)


def _author_public(author: Author) -> AuthorPublic:
    return AuthorPublic(
        slug=author.slug,
        name=author.name,
        description=author.description,
        avatar_url=author.avatar_url,
        avatar_urls=author.avatar_urls or {},
    )


def list_posts_by_author(
    session: Session, slug: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[AuthorPublic | None, Page[PostPublic]]:
    """An author's published public posts, one page newest first, and the author (``None``,
    with an empty page, if no author has this slug or none of their posts is public: an
    author page lists posts, and an account without any is nobody's business)."""
    author = session.exec(select(Author).where(Author.slug == slug)).first()
    if author is None:
        return None, Page.empty()
    query = _listed().where(Post.author_id == author.id).order_by(*_NEWEST_FIRST)
    listing = paginate(session, query, page=page, per_page=per_page, view=post_card)
    if listing.total == 0:
        return None, Page.empty()
    return _author_public(author), listing


def post_terms(session: Session, slug: str) -> list[TermPublic]:
    """The categories (first) and tags of a published post, by name."""
    rows = session.exec(
        select(Term)
        .join(PostTerm, col(PostTerm.term_id) == Term.id)
        .join(Post, col(Post.id) == PostTerm.post_id)
        .where(Post.slug == slug, Post.status == "publish")
        .order_by(col(Term.taxonomy), col(Term.name))
    ).all()
    return [TermPublic(taxonomy=t.taxonomy, slug=t.slug, name=t.name) for t in rows]


def sitemap_posts(session: Session) -> list[tuple[str, datetime]]:
    """Every published public post's slug and last change, newest first (``/sitemap.xml``)."""
    rows = session.exec(
        select(Post.slug, Post.modified_at).where(*_LISTED).order_by(*_NEWEST_FIRST)
    ).all()
    return [(slug, modified) for slug, modified in rows]


def sitemap_terms(session: Session) -> list[tuple[TermPublic, datetime]]:
    """Categories and tags that list at least one published public post, each with the last
    change among those posts (its page's ``lastmod``)."""
    newest = func.max(Post.modified_at)
    rows = session.exec(
        select(Term, newest)
        .join(PostTerm, col(PostTerm.term_id) == Term.id)
        .join(Post, col(Post.id) == PostTerm.post_id)
        .where(*_LISTED)
        .group_by(col(Term.id))
        .order_by(col(Term.taxonomy), col(Term.slug))
    ).all()
    return [
        (TermPublic(taxonomy=t.taxonomy, slug=t.slug, name=t.name), modified)
        for t, modified in rows
    ]


def sitemap_authors(session: Session) -> list[tuple[str, datetime]]:
    """The slug of every author with a published public post, and the last change among
    those posts (their page's ``lastmod``)."""
    newest = func.max(Post.modified_at)
    rows = session.exec(
        select(Author.slug, newest)
        .join(Post, col(Post.author_id) == Author.id)
        .where(*_LISTED)
        .group_by(col(Author.id))
        .order_by(col(Author.slug))
    ).all()
    return [(slug, modified) for slug, modified in rows]


# --------------------------------------------------------------------------- cached reads
# What pages call: the same reads through the stale-while-revalidate cache (db/core/cache.py),
# which the sync invalidates when it changes a post. Not-found answers are never cached.


def cached_posts(
    session: Session, *, page: int = 1, per_page: int = PER_PAGE, sticky_first: bool = True
) -> Page[PostPublic]:
    """:func:`list_posts` through the cache."""
    return posts_cache.get(
        session,
        ("posts", page, per_page, sticky_first),
        lambda s: list_posts(s, page=page, per_page=per_page, sticky_first=sticky_first),
        tags=(LISTS_TAG,),
    )


def cached_author_posts(
    session: Session, slug: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[AuthorPublic | None, Page[PostPublic]]:
    """:func:`list_posts_by_author` through the cache (an author's bio and avatar change with
    a sync that applies one of their posts, which drops every list)."""
    return posts_cache.get(
        session,
        ("author", slug, page, per_page),
        lambda s: list_posts_by_author(s, slug, page=page, per_page=per_page),
        tags=(LISTS_TAG,),
        keep=lambda found: found[0] is not None,
    )


def cached_term_posts(
    session: Session, taxonomy: str, slug: str, *, page: int = 1, per_page: int = PER_PAGE
) -> tuple[TermPublic | None, Page[PostPublic]]:
    """:func:`list_posts_by_term` through the cache."""
    return posts_cache.get(
        session,
        ("term", taxonomy, slug, page, per_page),
        lambda s: list_posts_by_term(s, taxonomy, slug, page=page, per_page=per_page),
        tags=(LISTS_TAG,),
        keep=lambda found: found[0] is not None,
    )


def cached_post(
    session: Session, slug: str, *, viewer_is_member: bool = False
) -> PostPublic | None:
    """:func:`get_post` through the cache."""
    return posts_cache.get(
        session,
        ("post", slug, viewer_is_member),
        lambda s: get_post(s, slug, viewer_is_member=viewer_is_member),
        tags=(post_tag(slug),),
        keep=lambda post: post is not None,
    )


def cached_post_page(
    session: Session, slug: str, *, viewer_is_member: bool = False
) -> tuple[PostPublic | None, list[TermPublic]]:
    """What a post page shows, both through the cache: the post and its terms (none if no post).

    One call, so the page's on_load costs one trip to a worker thread, not two.
    """
    post = cached_post(session, slug, viewer_is_member=viewer_is_member)
    if post is None:
        return None, []
    terms = posts_cache.get(
        session, ("terms", slug), lambda s: post_terms(s, slug), tags=(post_tag(slug),)
    )
    return post, terms
