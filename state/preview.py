"""``/preview/[wp_id]``: a WordPress draft (or a published post's newest autosave) as its
editor will see it, opened by the plugin's signed link (``db/wordpress/preview.py``).

Rendered for the request alone (the route is ``render="private"``): nothing here is ever
cached, stored or indexed. A refused link sets ``http_status`` (403, 410, 404, 503), which
the page's response takes (``app/api/pages.py``), and says what to do in ``error``.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from db.core.errors import ActionError
from db.models import PostPublic
from db.wordpress.preview import load_preview
from state.posts import as_card, as_term
from state.site import SiteState


class PreviewState(SiteState):
    """The previewed post as a card (like ``PostState.post``), its content and terms."""

    post: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    content_html: rx.Field[str] = rx.field("")
    terms: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    status: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    http_status: rx.Field[int] = rx.field(200)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load_preview(self) -> None:
        params = self.router.url.query_parameters
        wp_id = str(getattr(self, "wp_id", "") or "")  # the [wp_id] route segment
        try:
            item = await asyncio.to_thread(
                load_preview, wp_id, str(params.get("issued", "")), str(params.get("sig", ""))
            )
        except ActionError as exc:
            self.post, self.content_html, self.terms, self.status = {}, "", [], ""
            self.error, self.http_status = exc.message, exc.code.status
        else:
            post = item.post
            view = PostPublic.model_validate(
                post,
                update={
                    "id": 0,
                    "author_name": item.author.name if item.author else "",
                    # no link: the author may have no public page on this site yet
                    "author_slug": "",
                },
            )
            self.post = as_card(view.model_dump(mode="json"))
            self.content_html = post.content_html
            self.terms = [
                as_term({"taxonomy": t.taxonomy, "slug": t.slug, "name": t.name})
                for t in item.terms
            ]
            self.status = post.status
            self.error, self.http_status = "", 200
        self.loaded = True
