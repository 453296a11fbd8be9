"""``GET /blog/{slug}``: the post page, with a server-rendered fallback for browsers without JS.

``/blog/[slug]`` is a dynamic route, so the production build has no prerendered HTML for
it: Reflex serves an empty app shell and React renders the post. Without JavaScript that
shell stays empty. This endpoint serves the same shell with a ``<noscript>`` block holding
the post and plain HTML forms for its islands (like, rating, comments), which post to
``/api/actions/<name>`` like every other no-JS form. Browsers with JavaScript ignore the
block. Members-only content is never rendered here, whoever asks.
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

from db.comments import list_comments
from db.engine import session_scope
from db.likes import like_status
from db.models import CommentPage, LikePublic, PostPublic, RatingPublic
from db.posts import get_post
from db.ratings import rating_status
from db.visitors import COOKIE_NAME
from state.ratings import summary_text

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


def _render(post: PostPublic, likes: LikePublic, rating: RatingPublic, comments: CommentPage) -> str:
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
    return (
        f"<article><p><a href='/'>Atoll</a></p><h1>{escape(post.title)}</h1>"
        f"<p>{escape(post.author_name)} · {post.published_at:%d %b %Y}</p>{content}</article>"
        f"{like}{rate}<section><h2>Comments ({comments.total})</h2><ul>{items}</ul>{comment_form}</section>"
    )


def _snapshot(slug: str, visitor: str | None) -> str | None:
    with session_scope() as session:
        post = get_post(session, slug)
        if post is None:
            return None
        return _render(
            post,
            like_status(session, slug, visitor),
            rating_status(session, slug, visitor),
            list_comments(session, slug, page=None),
        )


async def post_page(request: Request) -> HTMLResponse:
    """The app shell plus the no-JS rendering of the post (404 when there is no such post)."""
    body = await asyncio.to_thread(_snapshot, request.path_params["slug"], request.cookies.get(COOKIE_NAME))
    fallback = body or "<h1>Not found</h1><p>There is no post at this address. <a href='/'>Home</a></p>"
    block = f"<noscript>{_HIDE_SHELL}{_STYLE}<div class='atoll-noscript'>{fallback}</div></noscript>"
    shell = _shell_html()
    page = shell.replace("<body>", "<body>" + block, 1) if "<body>" in shell else shell + block
    return HTMLResponse(page, status_code=200 if body else 404)
