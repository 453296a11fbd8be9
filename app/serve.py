"""``python -m app.serve``: the production server, rebuilding the frontend only when it changed.

``reflex run --env prod`` compiles the pages and runs the whole Vite build on every start
(about a minute here), so a restart after a deploy, a crash or a config change kept visitors
waiting for a build that produces the same files. This runs the very same command, but first
hashes everything the build is made from (the Python that defines the pages and states, the
assets, the render plugin's sources, Reflex's version and the settings baked into the bundle)
and compares it with the hash stored beside the last successful build. Unchanged: the compile
and build steps are skipped and the server starts on the existing ``.web/build``. Changed or
missing: Reflex builds as usual and the new hash is written only once the build succeeded, so
an interrupted build is never mistaken for a good one.

    .venv/bin/python -m app.serve [--port 3000] [--host 0.0.0.0] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app", "components", "state", "db", "assets", "rxconfig.py")
"""What the frontend build is compiled from: pages import states, states import ``db``."""
BUILD_SETTINGS = ("REFLEX_API_URL", "REFLEX_DEPLOY_URL", "REFLEX_FRONTEND_PATH", "SITE_URL")
"""Environment baked into the bundle (backend URLs, base path) or the prerendered pages."""
STAMP = "atoll-build.stamp"


def source_files() -> Iterator[Path]:
    """Every file under :data:`SOURCES`, in a stable order, without bytecode caches."""
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        yield from (p for p in files if "__pycache__" not in p.parts)


def frontend_hash(port: int) -> str:
    """A digest of everything that decides the build's output for a server on ``port``."""
    digest = hashlib.sha256()
    digest.update(f"reflex {version('reflex')} port {port}\n".encode())
    for name in BUILD_SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    for path in source_files():
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _skipped(*_args: Any, **_kwargs: Any) -> bool:
    return True


def _then_stamp(step: Callable[..., Any], stamp: Path, value: str) -> Callable[..., Any]:
    """``step``, then write ``value`` to ``stamp``: only a finished build is recorded."""

    def run(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        stamp.write_text(value)
        return result

    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default=None, help="address to bind (Reflex's default)")
    parser.add_argument("--rebuild", action="store_true", help="build even when unchanged")
    args = parser.parse_args(argv)

    from reflex import reflex as reflex_cli
    from reflex.utils import build, prerequisites

    stamp = prerequisites.get_web_dir() / STAMP
    built = prerequisites.get_web_dir() / "build" / "client"
    wanted = frontend_hash(args.port)
    if not args.rebuild and built.is_dir() and stamp.is_file() and stamp.read_text() == wanted:
        print("atoll: frontend unchanged since its last build: not rebuilding", file=sys.stderr)
        reflex_cli._compile_app = _skipped  # reflex's own step, skipped
        build.setup_frontend_prod = _skipped
    else:
        stamp.unlink(missing_ok=True)
        print("atoll: building the frontend", file=sys.stderr)
        build.setup_frontend_prod = _then_stamp(build.setup_frontend_prod, stamp, wanted)

    command = ["run", "--env", "prod", "--frontend-port", str(args.port)]
    if args.host:
        command += ["--backend-host", args.host]
    reflex_cli.cli.main(command, prog_name="reflex")


if __name__ == "__main__":
    main()
