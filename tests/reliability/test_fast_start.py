"""A restart with an unchanged tree serves the existing build instead of building again."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app import serve
from tests.server import AppServer, free_port, prepare_database

pytestmark = pytest.mark.server


def _build_files(web: Path) -> dict[str, int]:
    client = web / "build" / "client"
    return {str(p.relative_to(client)): p.stat().st_mtime_ns for p in client.rglob("*.js")}


def test_a_restart_with_an_unchanged_tree_does_not_rebuild(tmp_path: Path) -> None:
    web = tmp_path / "web"
    database = prepare_database(tmp_path / "atoll.db")
    port = free_port()
    env = {"REFLEX_WEB_WORKDIR": str(web)}

    first = AppServer.start(database, tmp_path / "first.log", env=env, port=port)
    first.stop()
    built = _build_files(web)
    assert "atoll: building the frontend" in (tmp_path / "first.log").read_text()
    assert built, "the first start built nothing"

    second = AppServer.start(database, tmp_path / "second.log", env=env, port=port)
    try:
        log = (tmp_path / "second.log").read_text()
        assert "frontend unchanged since its last build: not rebuilding" in log
        assert "Creating Production Build" not in log
        assert _build_files(web) == built  # not one bundle rewritten
        page = httpx.get(f"{second.base_url}/blog/hello-atoll", timeout=10)
        assert page.status_code == 200
        assert "Hello, Atoll" in page.text
    finally:
        second.stop()


def _tree(root: Path) -> None:
    for name, text in {
        "app/pages/home.py": "PAGE = 1\n",
        "state/site.py": "STATE = 1\n",
        "assets/site.css": "body{}\n",
        "rxconfig.py": "config = 1\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _tree(tmp_path)
    monkeypatch.setattr(serve, "ROOT", tmp_path)
    monkeypatch.delenv("REFLEX_API_URL", raising=False)
    return tmp_path


def test_the_build_hash_is_stable_for_an_unchanged_tree(tree: Path) -> None:
    assert serve.frontend_hash(3000) == serve.frontend_hash(3000)


def _write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


@pytest.mark.parametrize(
    "change",
    [
        lambda root, env: _write(root, "app/pages/home.py", "PAGE = 2\n"),
        lambda root, env: _write(root, "assets/site.css", "body{color:red}\n"),
        lambda root, env: _write(root, "db/likes.py", "x = 1\n"),
        lambda root, env: _write(root, "components/new.py", ""),
        lambda root, env: env.setenv("REFLEX_API_URL", "https://api.example.com"),
    ],
    ids=["a page", "an asset", "a db module", "a new empty module", "the API URL"],
)
def test_the_build_hash_changes_with_what_the_build_is_made_of(tree, monkeypatch, change):
    before = serve.frontend_hash(3000)
    change(tree, monkeypatch)
    assert serve.frontend_hash(3000) != before


def test_bytecode_caches_and_other_folders_do_not_count(tree: Path) -> None:
    before = serve.frontend_hash(3000)
    _write(tree, "state/__pycache__/site.cpython-311.pyc", "bytes")
    _write(tree, "tests/test_x.py", "x = 1\n")
    _write(tree, "data/atoll.db", "rows")
    assert serve.frontend_hash(3000) == before


def test_the_build_hash_depends_on_the_port_baked_into_the_bundle(tree: Path) -> None:
    assert serve.frontend_hash(3000) != serve.frontend_hash(3001)
