"""The README's "How to add… An island" tutorial, run as written, so it can never go stale.

The example's code blocks (fenced as ```` ```python title="PATH" ```` for a new file, with
``into="LINE"`` for lines that go into the parenthesized group an existing file opens with
that line) are applied to a temporary copy of the project (``git ls-files`` plus this
checkout's ``.venv`` as it is). The copy's schema is pushed by its own CLI, its app is
started from the copy with a build directory inside it, and ``/notes`` is driven in
Chromium, with JavaScript on and off. The example's size is the README's promise: at most
40 lines (non-blank, code only) in at most 4 files, and exactly the count its prose states.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.chromium import browser_context, launch_chromium, wait_until_live
from tests.server import ROOT, AppServer, free_port

pytestmark = pytest.mark.browser

README = ROOT / "README.md"
MAX_LINES, MAX_FILES = 40, 4
SECTION = re.compile(r"^\*\*An island\*\*.*?(?=^\*\*Removing an island\.\*\*)", re.M | re.S)
BLOCK = re.compile(
    r'^(?P<indent> *)```(?:python|markdown) title="(?P<path>[^"]+)"(?: into="(?P<into>[^"]+)")?\n'
    r"(?P<code>.*?)^(?P=indent)```$",
    re.M | re.S,
)
NAME_ITEM = re.compile(r"^    \w+,\n$")
STATED = re.compile(r"The \"notes\" island below is the whole of it: (\d+) lines")


@dataclass(frozen=True)
class Block:
    """One code block of the tutorial: a new file (``into`` is None) or lines for a group."""

    path: str
    code: str
    into: str | None

    @property
    def lines(self) -> int:
        return sum(1 for line in self.code.splitlines() if line.strip())


def tutorial() -> str:
    match = SECTION.search(README.read_text())
    assert match, "README has no **An island** section before **Removing an island.**"
    return match.group(0)


def unindent(code: str, width: int) -> str:
    """The block as written, without the list item's indent its fence carries."""
    return "".join(
        "\n" if not line.strip() else line[width:] if line[:width].isspace() else line.lstrip()
        for line in code.splitlines(keepends=True)
    )


def blocks() -> list[Block]:
    found = [
        Block(m["path"], unindent(m["code"], len(m["indent"])), m["into"])
        for m in BLOCK.finditer(tutorial())
    ]
    assert found, "the tutorial has no titled python blocks"
    return found


def apply(root: Path, example: list[Block]) -> None:
    """Write each new file; insert each ``into`` block at the end of the group its ``into``
    line opens: before the first line that is just ``)`` after it (Python), or the first
    blank line (a Markdown table)."""
    for block in example:
        target = root / block.path
        if block.into is None:
            assert not target.exists(), f"{block.path} is meant to be a new file"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code)
            continue
        lines = target.read_text().splitlines(keepends=True)
        opener = next(i for i, line in enumerate(lines) if line.rstrip() == block.into)
        end = "" if target.suffix == ".md" else ")"
        closer = next(i for i in range(opener + 1, len(lines)) if lines[i].rstrip() == end)
        at = closer
        if all(NAME_ITEM.match(line) for line in lines[opener + 1 : closer]):
            # A list of names (an import): where ruff's isort keeps it, alphabetical.
            at = next((i for i in range(opener + 1, closer) if lines[i] > block.code), closer)
        lines[at:at] = [block.code]
        target.write_text("".join(lines))


def copy_project(dest: Path) -> Path:
    """The files of this checkout git would commit (tracked or new, as they are in the
    working tree, ignored ones left out) and its .venv, linked as it is."""
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, names):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def run_db(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/python -m db ARGS`` in the copy, as the README writes it."""
    return subprocess.run(
        [str(root / ".venv" / "bin" / "python"), "-m", "db", *args],
        cwd=root,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_example_fits_in_40_lines_and_4_files() -> None:
    example = blocks()
    total = sum(b.lines for b in example)
    stated = STATED.search(tutorial())
    assert stated and int(stated.group(1)) == total, f"README states {stated}, counted {total}"
    assert total <= MAX_LINES
    assert len({b.path for b in example}) <= MAX_FILES
    assert [b.path for b in example] == [
        "db/notes.py",
        "app/pages/notes.py",
        "app/routes.py",
        "app/routes.py",
        "README.md",
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("tutorial"))
    apply(root, blocks())
    return root


@pytest.fixture(scope="module")
def env(project: Path) -> dict[str, str]:
    # PYTHONPATH: the copy's packages, not this checkout's (the .venv installs it editable).
    return {
        "DATABASE_URL": f"sqlite+libsql:///{project / 'data' / 'atoll.db'}",
        "PYTHONPATH": str(project),
        "REFLEX_WEB_WORKDIR": str(project / ".web"),
    }


@pytest.fixture(scope="module")
def app(project: Path, env: dict[str, str]) -> Iterator[AppServer]:
    (project / "data").mkdir(exist_ok=True)
    pushed = run_db(project, env, "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "  - create table notes" in pushed.stdout.splitlines()
    verified = run_db(project, env, "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("schema is up to date")
    seeded = run_db(project, env, "seed")
    assert seeded.returncode == 0, seeded.stderr
    server = AppServer.start(
        env["DATABASE_URL"],
        project / "server.log",
        env=env,
        root=project,
        port=free_port(),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as chromium:
        yield chromium


def test_the_example_passes_lint_and_the_convention_tests(
    project: Path, env: dict[str, str]
) -> None:
    """What ``make test`` checks first: the new files are ruff-clean, and the project's
    conventions (every action in the README's table, …) hold with the island added."""
    files = ["db/notes.py", "app/pages/notes.py", "app/routes.py"]
    for args in (["check", *files], ["format", "--check", *files]):
        ruff = subprocess.run(
            [str(project / ".venv" / "bin" / "ruff"), *args],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    conventions = subprocess.run(
        [
            str(project / ".venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_conventions.py",
        ],
        cwd=project,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert conventions.returncode == 0, conventions.stdout[-3000:]


def test_action_answers_over_http_as_the_readme_says(app: AppServer) -> None:
    url = app.base_url + "/api/actions/notes.add"
    empty = httpx.post(url, json={"text": ""})
    assert empty.status_code == 400
    assert empty.json()["error"]["fields"] == {"text": ["Note is required."]}
    added = httpx.post(url, json={"text": "From curl"})
    assert added.status_code == 200
    assert added.json()["data"]["text"] == "From curl"


def test_notes_page_adds_lists_and_reports_errors(app: AppServer, browser: Browser) -> None:
    with browser_context(browser, app.base_url) as context:
        page = context.new_page()
        page.goto("/notes")
        wait_until_live(page)  # before that, a click would post the form without JavaScript
        field = page.locator("#notes-add-text")
        expect(page.get_by_label("Note")).to_have_attribute("maxlength", "280")
        expect(page.locator(".note").first).to_be_visible()  # the note posted over HTTP
        page.get_by_role("button", name="Add note").click()
        expect(page.locator("#notes-add-text-error")).to_have_text("Note is required.")
        expect(field).to_have_attribute("aria-invalid", "true")
        field.fill("Written in the browser")
        page.get_by_role("button", name="Add note").click()
        expect(page.locator(".note").first).to_have_text("Written in the browser")
        expect(page.locator("#notes-add-text-error")).to_have_text("")
        expect(field).to_have_value("")


def test_notes_form_posts_without_javascript(app: AppServer, browser: Browser) -> None:
    with browser_context(browser, app.base_url, java_script_enabled=False) as context:
        page = context.new_page()
        page.goto("/notes")
        page.locator("#notes-add-text").fill("Sent without JavaScript")
        page.get_by_role("button", name="Add note").click()
        expect(page.locator("#outcome")).to_have_text("Saved. Thank you!")
    with browser_context(browser, app.base_url) as context:
        page = context.new_page()
        page.goto("/notes")
        expect(page.locator(".note").first).to_have_text("Sent without JavaScript")


def test_a_long_list_pages_newer_and_older(app: AppServer, browser: Browser) -> None:
    for n in range(8):  # 3 notes so far: 11, one more than a page
        added = httpx.post(app.base_url + "/api/actions/notes.add", json={"text": f"Bulk {n}"})
        assert added.status_code == 200
    with browser_context(browser, app.base_url) as context:
        page = context.new_page()
        page.goto("/notes")
        wait_until_live(page)
        expect(page.locator(".note")).to_have_count(10)
        expect(page.get_by_text("Page 1 of 2")).to_be_visible()
        expect(page.get_by_role("button", name="← Newer")).to_be_disabled()
        page.get_by_role("button", name="Older →").click()
        expect(page.locator(".note")).to_have_text(["From curl"])
        expect(page.get_by_text("Page 2 of 2")).to_be_visible()
        expect(page.get_by_role("button", name="Older →")).to_be_disabled()
        page.get_by_role("button", name="← Newer").click()
        expect(page.locator(".note").first).to_have_text("Bulk 7")


def test_removing_the_island_then_push_drop_removes_only_its_table(
    app: AppServer, project: Path, env: dict[str, str]
) -> None:
    app.stop()
    database = project / "data" / "atoll.db"
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        guestbook = conn.execute("SELECT count(*) FROM guestbook_entries").fetchone()[0]
    assert rows == 11  # over HTTP, in the browser, without JavaScript, 8 more over HTTP
    assert guestbook > 0  # seeded: the rows that must survive the drop
    (project / "db" / "notes.py").unlink()
    refused = run_db(project, env, "push")
    assert refused.returncode == 1
    assert "drop table notes — refused" in refused.stderr
    dropped = run_db(project, env, "push", "--drop", "notes", "--yes")
    assert dropped.returncode == 0, dropped.stderr
    assert dropped.stdout.splitlines()[0] == "dropped table notes (11 row(s))"
    assert run_db(project, env, "verify").returncode == 0
    with closing(sqlite3.connect(database)) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "notes" not in tables
        assert conn.execute("SELECT count(*) FROM guestbook_entries").fetchone()[0] == guestbook


if __name__ == "__main__":  # `.venv/bin/python -m tests.test_readme_tutorial`: lines per block
    for b in blocks():
        print(f"{b.lines:3} {b.path}{' into ' + b.into if b.into else ''}")
    sys.exit(0)
