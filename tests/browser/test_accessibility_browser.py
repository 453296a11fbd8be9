"""axe-core on every page, as a visitor, a member and an admin, on a desktop and a phone.

Zero violations of axe's default rule set (WCAG 2.x A/AA and best practices: contrast,
names, labels, landmarks, …) once the page is live, so what is checked is what a visitor
uses, islands included. axe comes from PyPI (``axe-playwright-python`` ships axe-core).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.chromium import browser_context, wait_until_live
from tests.factories import make_post, make_user, sign_in
from tests.server import AppServer, use_database

pytestmark = pytest.mark.browser

AXE = Axe()
WIDTHS = {"desktop": 1280, "phone": 390}
LOCKED = f"locked-{uuid.uuid4().hex[:6]}"

VISITOR_PAGES = [
    "/",
    "/blog",
    "/blog/hello-atoll",
    f"/blog/{LOCKED}",
    "/blog/no-such-post",
    "/blog/category/no-such-category",
    "/blog/author/lena-varga",
    "/guestbook",
    "/contact",
    "/login",
    "/login?next=/members",
    "/signup",
    "/newsletter/confirm/not-a-token",
    "/newsletter/unsubscribe/not-a-token",
    "/no-such-page",
]
MEMBER_PAGES = ["/members", "/account", f"/blog/{LOCKED}", "/blog/hello-atoll"]
ADMIN_PAGES = ["/admin"]


@pytest.fixture(scope="module")
def accounts(app_server: AppServer) -> dict[str, str]:
    """Session tokens of a member and an admin, and a members-only post to read."""
    with use_database(app_server.database_url):
        make_post(LOCKED, title="For members", members_only=True, content_html="<p>Inside.</p>")
        tag = uuid.uuid4().hex[:6]
        member = make_user(f"member-{tag}@example.com", display_name="Axe Member")
        admin = make_user(f"admin-{tag}@example.com", role="admin", display_name="Axe Admin")
        return {"visitor": "", "member": sign_in(member), "admin": sign_in(admin)}


@pytest.fixture(params=list(WIDTHS), scope="module")
def width(request: pytest.FixtureRequest) -> int:
    return WIDTHS[request.param]


@pytest.fixture
def as_role(
    browser: Browser, app_server: AppServer, accounts: dict[str, str], width: int
) -> Iterator[Callable[[str], Page]]:
    with ExitStack() as stack:

        def open_as(role: str) -> Page:
            context = stack.enter_context(
                browser_context(
                    browser,
                    app_server.base_url,
                    session=accounts[role],
                    viewport={"width": width, "height": 844},
                )
            )
            return context.new_page()

        yield open_as


def violations(page: Page, path: str) -> list[str]:
    page.goto(path)
    wait_until_live(page)
    report = AXE.run(page)
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(str(node["target"]) for node in item["nodes"][:5])
        for item in report.response["violations"]
    ]


@pytest.mark.parametrize(
    ("role", "pages"),
    [("visitor", VISITOR_PAGES), ("member", MEMBER_PAGES), ("admin", ADMIN_PAGES)],
)
def test_no_axe_violations(as_role: Callable[[str], Page], role: str, pages: list[str]) -> None:
    page = as_role(role)
    found = {path: problems for path in pages if (problems := violations(page, path))}
    assert found == {}


def test_the_check_sees_a_violation(as_role: Callable[[str], Page]) -> None:
    """The control: the same check on a page with an unlabelled field and grey-on-grey text."""
    page = as_role("visitor")
    page.goto("/")
    wait_until_live(page)
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("beforeend",
            '<input type="text" id="axe-control">' +
            '<p style="color:#bbb;background:#ccc">faint</p>');
        }"""
    )
    ids = {item["id"] for item in AXE.run(page).response["violations"]}
    assert {"label", "color-contrast"} <= ids
