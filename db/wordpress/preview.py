"""Editor previews: WordPress's "Preview" opens the draft in Atoll, through a signed link.

The plugin (``wordpress/atoll-webhook.php``) replaces WordPress's preview link with
``<Atoll>/preview/<post id>?issued=<unix time>&sig=<hex>``, where ``sig`` is the
HMAC-SHA256 of ``atoll-preview:<id>:<issued>`` under the webhook's shared secret
(``WORDPRESS_WEBHOOK_SECRET`` / ``ATOLL_WEBHOOK_SECRET``). Atoll checks the signature
(403 when it is wrong), then its age: a link is good for ``ATOLL_PREVIEW_SECONDS`` (3600)
after WordPress signed it, then answers 410 ("press Preview in WordPress again"). Only
then is WordPress asked, with the application password and ``context=edit``, for the post
and its autosaves: the newest autosave newer than the post (what "Preview" of a published
post saves) wins over the post itself (a draft's preview saves the draft). The copy is
sanitized like every synced post and shown to that editor alone: never stored, never
cached, never indexed (``app/pages/preview.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from db.core.errors import ActionError, ErrorCode
from db.core.settings import settings
from db.wordpress.client import WordPressClient, WordPressError, is_configured
from db.wordpress.transform import WordPressPost, parse_gmt, transform

log = logging.getLogger("atoll.preview")

PREVIEW_PATH = "/preview/"
CLOCK_SKEW_SECONDS = 300
"""A link signed this far in our future is still taken (WordPress's clock may run ahead)."""

EXPIRED = "This preview link has expired. Press Preview in WordPress again."
INVALID = "This preview link is not valid. Press Preview in WordPress again."
MISSING = "WordPress has no such post any more."
UNAVAILABLE = "WordPress can't be reached right now. Please try again in a moment."
NOT_SET_UP = "Previews are not set up on this site."


def sign(secret: str, wp_id: int, issued: int) -> str:
    """The link's signature: hex HMAC-SHA256 of ``atoll-preview:<id>:<issued>``."""
    message = f"atoll-preview:{int(wp_id)}:{int(issued)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def preview_path(secret: str, wp_id: int, issued: int | None = None) -> str:
    """The path and query the plugin links to (the plugin builds the same in PHP)."""
    issued = int(time.time()) if issued is None else issued
    query = urlencode({"issued": issued, "sig": sign(secret, wp_id, issued)})
    return f"{PREVIEW_PATH}{int(wp_id)}?{query}"


def check_link(wp_id: str, issued: str, sig: str, *, now: float | None = None) -> int:
    """The post id a preview link opens, once its signature and age are checked.

    Raises:
        ActionError: FORBIDDEN for anything not signed by WordPress (a malformed id or
            time, a wrong or missing signature), GONE for a link older than
            ``ATOLL_PREVIEW_SECONDS``, SERVICE_UNAVAILABLE without a shared secret.
    """
    secret = settings().webhook_secret
    if not secret:
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, NOT_SET_UP)
    if not (wp_id.isascii() and wp_id.isdigit() and len(wp_id) <= 19):
        raise ActionError(ErrorCode.FORBIDDEN, INVALID)
    if not (issued.isascii() and issued.isdigit() and len(issued) <= 12):
        raise ActionError(ErrorCode.FORBIDDEN, INVALID)
    if not hmac.compare_digest(sign(secret, int(wp_id), int(issued)), sig.lower()):
        raise ActionError(ErrorCode.FORBIDDEN, INVALID)
    now = time.time() if now is None else now
    if int(issued) > now + CLOCK_SKEW_SECONDS:
        raise ActionError(ErrorCode.FORBIDDEN, INVALID)
    if now - int(issued) > settings().preview_seconds:
        raise ActionError(ErrorCode.GONE, EXPIRED)
    return int(wp_id)


def _newest_autosave(autosaves: Any, after: datetime) -> dict[str, Any] | None:
    """The newest autosave saved since ``after`` (the post's own last change), if any.

    An autosave saved in the same second as the post still wins: ``modified_gmt`` has
    one-second resolution, and an editor's autosave is made from the post as last saved,
    so a tie is one made right after that save (WordPress keeps one autosave per author,
    overwritten each time).
    """
    newest: tuple[datetime, dict[str, Any]] | None = None
    for item in autosaves if isinstance(autosaves, list) else []:
        if not isinstance(item, dict) or not item.get("modified_gmt"):
            continue
        saved = parse_gmt(item["modified_gmt"])
        if saved >= after and (newest is None or saved > newest[0]):
            newest = (saved, item)
    return newest[1] if newest else None


def fetch_preview(wp_id: int, client: WordPressClient) -> WordPressPost:
    """Post ``wp_id`` as its editor last saved it (its newest autosave over it), sanitized.

    Raises:
        ActionError: NOT_FOUND when WordPress has no such post (or won't show it to us),
            SERVICE_UNAVAILABLE when it can't be reached or we have no application password.
    """
    if not client.authenticated:
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, NOT_SET_UP)
    try:
        data = client.get_post(wp_id, edit=True)
        if data is None:
            raise ActionError(ErrorCode.NOT_FOUND, MISSING)
        if "id" not in data:
            raise WordPressError(f"GET /posts/{wp_id} answered no post")
        modified = parse_gmt(data.get("modified_gmt"))
        newest = _newest_autosave(client.autosaves(wp_id), modified)
    except (WordPressError, ValueError) as exc:
        log.warning("preview of post %s: %s", wp_id, exc)
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE) from None
    if newest is not None:
        data = data | {k: newest[k] for k in ("title", "content", "excerpt") if k in newest}
        data["modified_gmt"] = newest["modified_gmt"]
    # The editor sees what they wrote, password or not: the preview is theirs alone.
    for part in ("content", "excerpt"):
        if isinstance(data.get(part), dict):
            data[part] = data[part] | {"protected": False}
    return transform(data)


def load_preview(wp_id: str, issued: str, sig: str) -> WordPressPost:
    """Check a preview link and fetch what it opens (blocking: call it off the event loop).

    Raises:
        ActionError: as :func:`check_link` and :func:`fetch_preview`.
    """
    post_id = check_link(wp_id, issued, sig)
    if not is_configured():
        raise ActionError(ErrorCode.SERVICE_UNAVAILABLE, NOT_SET_UP)
    with WordPressClient(timeout=10, retries=1, backoff=0.2) as client:
        return fetch_preview(post_id, client)
