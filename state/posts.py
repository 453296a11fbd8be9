"""State for the home page, the blog's lists (``/blog``, categories, tags, authors) and a
blog post page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import reflex as rx

from db.core import config
from db.core.pagination import Page, page_number
from db.models import PostPublic
from db.posts import cached_author_posts, cached_post_page, cached_posts, cached_term_posts
from db.protected import protected_content
from state.actions import query
from state.format import iso, summary
from state.head import SITE_NAME, PagedList, PageHead, absolute
from state.site import SiteState


def author_path(slug: str) -> str:
    """The author page's path (``""`` for a post without an author)."""
    return f"/blog/author/{quote(slug, safe='')}" if slug else ""


def _dimension(value: Any) -> str:
    return str(value) if isinstance(value, int) and value > 0 else ""


def base_card(item: dict[str, Any]) -> dict[str, str]:
    """What every card shows of a post, page or custom item (a
    :class:`~db.models.ContentBase` dumped as JSON, with its byline): strings only (``""``
    for what it lacks), as :func:`components.posts.post_image` and the bylines read them."""
    return {
        "slug": item["slug"],
        "title": item["title"],
        "excerpt_html": item["excerpt_html"],
        "author": item["author_name"],
        "author_href": author_path(item.get("author_slug") or ""),
        "published": iso(item["published_at"]),
        "image": item["featured_image_url"] or "",
        "image_alt": item["featured_image_alt"],
        "image_width": _dimension(item.get("featured_image_width")),
        "image_height": _dimension(item.get("featured_image_height")),
        "image_srcset": item.get("featured_image_srcset") or "",
    }


def as_card(post: dict[str, Any]) -> dict[str, str]:
    """A post as a card or a post page shows it: :func:`base_card` and its flags."""
    return base_card(post) | {
        "sticky": "sticky" if post.get("sticky") else "",
        "protected": "protected" if post.get("protected") else "",
    }


def _avatar_srcset(urls: dict[str, str]) -> str:
    """Every avatar size as a ``srcset`` (the sizes are square: width descriptors)."""
    return ", ".join(f"{url} {size}w" for size, url in urls.items() if " " not in url)


def as_term(term: dict[str, Any]) -> dict[str, str]:
    return {
        "name": term["name"],
        "href": f"/blog/{term['taxonomy']}/{term['slug']}",
        "taxonomy": term["taxonomy"],
    }


class HomeState(PageHead, SiteState):
    posts: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load_posts(self) -> None:
        listing = await query(cached_posts, page=1)
        self.posts = [as_card(p.model_dump(mode="json")) for p in listing.items]
        self._set_head("/")
        self.loaded = True


class PostState(PageHead, SiteState):
    """The post named by the ``[slug]`` route segment; ``found`` drives the not-found view."""

    post: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    content_html: rx.Field[str] = rx.field("")
    terms: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    found: rx.Field[bool] = rx.field(True)
    # members-only and not signed in: the content never left the server
    locked: rx.Field[bool] = rx.field(False)
    # password-protected: the password form, until the remembered password opens it (the
    # content then comes from WordPress for this visitor alone, see db/protected.py)
    protected: rx.Field[bool] = rx.field(False)
    unlocked: rx.Field[bool] = rx.field(False)
    loaded: rx.Field[bool] = rx.field(False)

    @rx.var
    def title(self) -> str:
        """The page's ``<title>``: the post's, or the not-found page's."""
        if not self.found:
            return "Atoll · Not found"
        return f"{self.post['title']} · Atoll" if self.post.get("title") else "Atoll · Blog"

    @rx.event
    async def load_post(self) -> None:
        slug = str(getattr(self, "slug", "") or "")  # the [slug] route segment
        member = await self._current_user() is not None
        post, terms = (
            await query(cached_post_page, slug, viewer_is_member=member) if slug else (None, [])
        )
        self.found = post is not None
        self.locked = bool(post and post.members_only and not member)
        self.post = as_card(post.model_dump(mode="json")) if post else {}
        if self.locked:
            self.post["excerpt_html"] = ""  # the excerpt is the post's text too
        self.content_html = post.content_html if post else ""
        self.protected = bool(post and post.protected)
        self.unlocked = False
        if post is not None and post.protected:
            # Read from WordPress with the password the visitor's cookie remembers, if any:
            # a request carrying that cookie is rendered for this visitor alone.
            content = await query(protected_content, slug, self.router.headers.cookie)
            self.unlocked = content is not None
            self.content_html = content or ""
        self.terms = [as_term(t.model_dump()) for t in terms]
        self._post_head(post)
        self.loaded = True

    def _post_head(self, post: Any) -> None:
        """The post's description, image and JSON-LD; a locked post's head says only that
        it is for members (its excerpt is members-only text too)."""
        if post is None:
            self._set_head(self.router.url.path)
            return
        path = f"/blog/{post.slug}"
        if self.locked:
            self._set_head(path, description="A post for members of Atoll.", kind="article")
            return
        if self.protected:  # the head is shared by whoever reads the page: never the text
            self._set_head(path, description="A password-protected post.", kind="article")
            return
        description = summary(post.excerpt_html, post.content_html)
        image = post.featured_image_url or ""
        author: dict[str, str] = {"@type": "Person", "name": post.author_name or SITE_NAME}
        if post.author_slug:
            author["url"] = config.site_url() + author_path(post.author_slug)
        ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": post.title,
            "description": description,
            "datePublished": post.published_at.isoformat(),
            "author": author,
            "mainEntityOfPage": config.site_url() + path,
        }
        if image:
            ld["image"] = absolute(image)
        self._set_head(path, description=description, image=image, kind="article", json_ld=ld)


class BlogState(PageHead, PagedList, SiteState):
    """``/blog`` and its category, tag and author pages: one page of post cards (``/blog``:
    sticky posts first), newest first."""

    posts: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # The author page's author: name, bio, avatar (src, srcset); empty on the other lists.
    author: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    heading: rx.Field[str] = rx.field("Blog")
    base: rx.Field[str] = rx.field("/blog")

    @rx.var
    def title(self) -> str:
        """The page's ``<title>``: the list's heading, or the not-found page's."""
        return f"Atoll · {self.heading}" if self.found else "Atoll · Not found"

    def _page(self) -> int:
        return page_number(self.router.url.query_parameters.get("page"))

    def _show(
        self,
        listing: Page[PostPublic],
        description: str = "",
        json_ld: dict[str, Any] | None = None,
    ) -> None:
        self.posts = [as_card(p.model_dump(mode="json")) for p in listing.items]
        self.page, self.pages = listing.page, listing.pages
        self._set_list_head(self.base, self.page, self.pages, description, json_ld)
        self.loaded = True

    @rx.event
    async def load_blog(self) -> None:
        listing = await query(cached_posts, page=self._page())
        self.heading, self.base, self.found, self.author = "Blog", "/blog", True, {}
        self._show(listing, "Every post on Atoll, newest first.")

    @rx.event
    async def load_author(self) -> None:
        """The ``[slug]`` author's page: who they are and their posts; not-found when no
        author has the slug or none of their posts is public."""
        slug = str(getattr(self, "slug", "") or "")  # the [slug] route segment
        author, listing = (
            await query(cached_author_posts, slug, page=self._page())
            if slug
            else (None, Page.empty())
        )
        self.found = author is not None
        self.base = author_path(slug)
        if author is None:
            self.heading, self.author = "", {}
            self._show(listing)
            return
        avatars = author.avatar_urls
        self.heading = author.name
        self.author = {
            "name": author.name,
            "bio": author.description,
            "avatar": author.avatar_url or "",
            "avatar_srcset": _avatar_srcset(avatars),
        }
        person: dict[str, Any] = {
            "@type": "Person",
            "name": author.name,
            "url": config.site_url() + self.base,
        }
        if author.description:
            person["description"] = author.description
        if author.avatar_url:
            person["image"] = author.avatar_url
        self._show(
            listing,
            author.description or f"Posts by {author.name} on Atoll.",
            {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": person},
        )

    @rx.event
    async def load_category(self) -> None:
        await self._load_term("category", "Category")

    @rx.event
    async def load_tag(self) -> None:
        await self._load_term("tag", "Tag")

    async def _load_term(self, taxonomy: str, label: str) -> None:
        slug = str(getattr(self, "slug", "") or "")  # the [slug] route segment
        term, listing = await query(cached_term_posts, taxonomy, slug, page=self._page())
        self.found = term is not None
        self.heading = f"{label}: {term.name}" if term else ""
        self.author = {}
        self.base = f"/blog/{taxonomy}/{slug}"
        self._show(listing, f"Posts filed under {term.name} on Atoll." if term else "")
