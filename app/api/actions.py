"""``POST /api/actions/{name}``: every action over plain HTTP.

Same input models, same error shape and same rate limits as the websocket path, because
both call :func:`db.core.actions.run_action`. Browsers with JavaScript off post forms here and
get a small HTML page back; scripts and other sites' servers post JSON.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.api.body import read_payload
from app.api.errors import error_response, with_retry_after
from app.api.guard import allowed_origin, is_https
from app.api.session import known_visitor, request_context
from db.core import errors
from db.core.actions import ActionResult, load_actions
from db.core.errors import ActionError, ErrorCode
from db.core.validation import field_label
from db.core.writer import run_action_async
from db.visitors import COOKIE_MAX_AGE, COOKIE_NAME, new_visitor_id


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def back_link(request: Request) -> str:
    """Where the confirmation page links back to: the page the form was on, if ours."""
    referer = request.headers.get("referer", "")
    if referer and allowed_origin(request, referer):
        return referer
    return "/"


def _labelled(name: str, message: str, model: type[BaseModel] | None) -> str:
    """One field error as the form showed the field: by its label ("Name"), not its key
    (``author``); a problem with the whole input (``__root__``) is just its message.

    Without the input model (a caller that did not pass it) the key is made readable.
    """
    if name == "__root__" or (model is not None and name not in model.model_fields):
        return f"<li>{html.escape(message)}</li>"
    label = field_label(model, name) if model else name.replace("_", " ").capitalize()
    return f"<li><strong>{html.escape(label)}</strong>: {html.escape(message)}</li>"


def outcome_page(result: ActionResult, back: str, model: type[BaseModel] | None = None) -> str:
    """The page a plain form post gets back; ``model``, the action's input model, names
    the fields in its error list."""
    if result.error is None:
        data = result.data if isinstance(result.data, dict) else {}
        given = data.get("message")
        message = given if isinstance(given, str) else "Saved. Thank you!"
        title, body = "Thank you", f"<p id='outcome'>{html.escape(message)}</p>"
    else:
        title = "Please check your input" if result.error.fields else "That didn't work"
        items = "".join(
            _labelled(name, msg, model)
            for name, msgs in result.error.fields.items()
            for msg in msgs
        )
        body = f"<p id='outcome' role='alert'>{html.escape(result.error.message)}</p>"
        body += f"<ul class='field-errors'>{items}</ul>" if items else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title} · Atoll</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
        "padding:0 1rem}</style>"
        f"</head><body><h1>{title}</h1>{body}"
        f"<p><a id='back' href='{html.escape(back, quote=True)}'>Go back</a></p>"
        "</body></html>"
    )


def respond(
    request: Request, result: ActionResult, model: type[BaseModel] | None = None
) -> Response:
    """The outcome as JSON, or as a small page for a plain form; ``Retry-After`` when limited."""
    if wants_html(request):
        page = HTMLResponse(
            outcome_page(result, back_link(request), model), status_code=result.status
        )
        return with_retry_after(page, result.error)
    return JSONResponse(result.envelope()) if result.error is None else error_response(result.error)


async def read_form(request: Request) -> Any:
    """The parsed body of a post from one of our own pages (FORBIDDEN from another origin)."""
    if not allowed_origin(request):
        raise ActionError(ErrorCode.FORBIDDEN, errors.CROSS_ORIGIN)
    return await read_payload(request)


def redirect_target(request: Request, path: str) -> str:
    """``path`` on the site the form was on (the frontend, when it is served apart in dev)."""
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if source and source != "null" and allowed_origin(request, source):
        parts = urlsplit(source)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return path


def respond_and_go(
    request: Request,
    result: ActionResult,
    data: dict[str, Any],
    model: type[BaseModel] | None = None,
) -> Response:
    """The answer of an endpoint whose success moves the browser on (signing in, unlocking
    a post): a 303 to ``data["next"]`` for a plain form, ``{"data": data}`` for a ``fetch``
    (which then loads that page itself); errors as :func:`respond`."""
    if result.error is not None:
        return respond(request, result, model)
    if wants_html(request):
        return RedirectResponse(redirect_target(request, data["next"]), status_code=303)
    return JSONResponse({"data": data})


async def run_http_action(request: Request) -> Response:
    """Guard, parse and run one action; answer JSON or, for plain forms, HTML."""
    name = request.path_params["name"]
    minted: str | None = None
    action = load_actions().get(name)
    try:
        if not allowed_origin(request):
            raise ActionError(ErrorCode.FORBIDDEN, errors.CROSS_ORIGIN)
        if action is None:
            raise ActionError(ErrorCode.NOT_FOUND, errors.UNKNOWN_ACTION)
        payload = await read_payload(request)
        visitor = known_visitor(request)
        if visitor is None:
            visitor = minted = new_visitor_id()
        ctx = await request_context(request, visitor_id=visitor)  # ActionError: DB can't say
        result = await run_action_async(name, payload, ctx)
    except ActionError as exc:
        result = ActionResult(error=exc)
    response = respond(request, result, action.input if action else None)
    if minted is not None:
        response.set_cookie(
            COOKIE_NAME,
            minted,
            max_age=COOKIE_MAX_AGE,
            path="/",
            samesite="lax",
            secure=is_https(request),
        )
    return response
