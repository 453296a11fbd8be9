"""``GET /blog/{slug}``: the post page, with a server-rendered fallback for browsers without JS.

``/blog/[slug]`` is a dynamic route, so the production build has no prerendered HTML for
it: Reflex serves an empty app shell and React renders the post. Without JavaScript that
shell stays empty. This endpoint serves the same shell with a ``<noscript>`` block holding
the post and plain HTML forms for its islands (like, rating, comments), which post to
``/api/actions/<name>`` like every other no-JS form. Browsers with JavaScript ignore the
block. A members-only post's body is never rendered here, whoever asks; its comments and
comment form only for a visitor whose session cookie is signed in (the ``comments.list``
rule, :func:`db.comments.readable_comments`), others get a sign-in notice. That page differs
by cookie, so it is answered ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import asyncio
import functools
from html import escape
from pathlib import Path

from reflex.utils import prerequisites
from reflex_base import constants
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.api.session import request_user_id
from db.actions import ActionContext
from db.comments import readable_comments
from db.engine import session_scope
from db.likes import like_status
from db.models import CommentPage, LikePublic, PostPublic, RatingPublic
from db.posts import get_post
from db.ratings import rating_status
from db.visitors import COOKIE_NAME
from state.ratings import summary_text

PRIVATE = "private, no-store"

_HIDE_SHELL = "<style>body > *:not(noscript){display:none !important}</style>"
_STYLE = (
    "<style>.atoll-noscript{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
    "padding:0 1rem}.atoll-noscript form{margin:1rem 0}.atoll-noscript label{display:block;"
    "margin-top:.5rem}.atoll-noscript input,.atoll-noscript textarea{width:100%}"
    ".atoll-noscript .hp{position:absolute;left:-10000px}</style>"
)


@functools.lru_cache(maxsize=1)
def _shell(path: Path) -> str:
    return path.read_text()


def _shell_html() -> str:
    path = prerequisites.get_web_dir() / constants.Dirs.STATIC / constants.ReactRouter.SPA_FALLBACK
    if path.exists():
        return _shell(path)
    return "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Atoll</title></head><body></body></html>"


def _action(name: str, fields: dict[str, str], body: str) -> str:
    hidden = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v, quote=True)}'>" for k, v in fields.items()
    )
    return f"<form method='post' action='/api/actions/{name}'>{hidden}{body}</form>"


def _comments(slug: str, comments: CommentPage | None) -> str:
    """The comment list and form, or (``None``: locked out of a members-only post) the notice."""
    if comments is None:
        return (
            f"<section><h2>Comments</h2><p><a href='/login?next=/blog/{escape(slug, quote=True)}'>"
            "Sign in</a> to read and join the discussion.</p></section>"
        )
    items = "".join(
        f"<li><strong>{escape(c.author_name)}</strong> <small>{c.created_at:%d %b %Y}</small>"
        f"<p style='white-space:pre-wrap'>{escape(c.content)}</p></li>"
        for c in comments.items
    ) or "<li>No comments yet.</li>"
    comment_form = _action(
        "comments.create", {"post_slug": slug},
        "<label for='ns-author'>Name</label><input id='ns-author' name='author' maxlength='80'>"
        "<label for='ns-content'>Comment</label><textarea id='ns-content' name='content' rows='4'></textarea>"
        "<div class='hp' aria-hidden='true'><label for='ns-website'>Leave this field empty</label>"
        "<input id='ns-website' name='website' tabindex='-1' autocomplete='off'></div>"
        "<button type='submit'>Post comment</button>",
    )
    return f"<section><h2>Comments ({comments.total})</h2><ul>{items}</ul>{comment_form}</section>"


def _render(
    post: PostPublic, likes: LikePublic, rating: RatingPublic, comments: CommentPage | None
) -> str:
    slug = post.slug
    content = (
        "<p>This post is for members. Enable JavaScript and <a href='/login'>sign in</a> to read it.</p>"
        if post.members_only else post.content_html
    )
    like = _action(
        "likes.toggle", {"post_slug": slug, "liked": "false" if likes.liked else "true"},
        f"<button type='submit'>{'Unlike' if likes.liked else 'Like'} ({likes.likes})</button>",
    )
    stars = "".join(
        f"<button type='submit' name='stars' value='{n}'>{n} star{'s' if n > 1 else ''}</button> "
        for n in range(1, 6)
    )
    rate = _action("ratings.rate", {"post_slug": slug}, f"<p>Rating: {summary_text(rating)}</p>{stars}")
    return (
        f"<article><p><a href='/'>Atoll</a></p><h1>{escape(post.title)}</h1>"
        f"<p>{escape(post.author_name)} · {post.published_at:%d %b %Y}</p>{content}</article>"
        f"{like}{rate}{_comments(slug, comments)}"
    )


def _snapshot(slug: str, ctx: ActionContext) -> tuple[str, bool] | None:
    """The post's no-JS markup and whether it is members-only (``None``: no such post)."""
    with session_scope() as session:
        post = get_post(session, slug)
        if post is None:
            return None
        html = _render(
            post,
            like_status(session, slug, ctx.visitor_id),
            rating_status(session, slug, ctx.visitor_id),
            readable_comments(session, slug, ctx, page=None),
        )
        return html, post.members_only


async def post_page(request: Request) -> HTMLResponse:
    """The app shell plus the no-JS rendering of the post (404 when there is no such post)."""
    ctx = ActionContext(visitor_id=request.cookies.get(COOKIE_NAME), user_id=await request_user_id(request))
    snapshot = await asyncio.to_thread(_snapshot, request.path_params["slug"], ctx)
    body, members_only = snapshot or (None, False)
    fallback = body or "<h1>Not found</h1><p>There is no post at this address. <a href='/'>Home</a></p>"
    block = f"<noscript>{_HIDE_SHELL}{_STYLE}<div class='atoll-noscript'>{fallback}</div></noscript>"
    shell = _shell_html()
    page = shell.replace("<body>", "<body>" + block, 1) if "<body>" in shell else shell + block
    headers = {"Cache-Control": PRIVATE} if members_only else None
    return HTMLResponse(page, status_code=200 if body else 404, headers=headers)
