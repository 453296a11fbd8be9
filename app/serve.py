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

    .venv/bin/python -m app.serve [--port 3000] [--host 0.0.0.0] [--rebuild] [--dev]

``--dev`` is ``reflex run --env dev`` (hot reload, no build), bound like the production
server: to ``HOST`` (127.0.0.1 unless set), not to every interface.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
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


class NotForThisProject(logging.Filter):
    """Drops Reflex's advice that is wrong here, so the start-up output is only what matters.

    "Run `uv run reflex run`" (printed when ``.web`` is first made: this project starts with
    ``make run``) and "Node.js is out of date" (Debian's Node 20 is what we have; Reflex then
    runs Vite under bun, which works, and says so each start).
    """

    HIDDEN = ("uv run reflex run", "of Node.js is out of date")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(hidden in message for hidden in self.HIDDEN)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default=None, help="address to bind (default: HOST)")
    parser.add_argument("--rebuild", action="store_true", help="build even when unchanged")
    parser.add_argument(
        "--dev", action="store_true", help="`reflex run --env dev`: hot reload, no build"
    )
    args = parser.parse_args(argv)

    from reflex import reflex as reflex_cli
    from reflex.utils import build, js_runtimes, prerequisites

    from db.core.settings import settings_or_exit

    host = args.host or settings_or_exit().host
    for logger in (reflex_cli.logger, js_runtimes.logger):
        logger.addFilter(NotForThisProject())
    if args.dev:
        from reflex_base.constants.installer import PackageJson

        # Reflex's dev frontend is `react-router dev --host`: every interface. Bind HOST too.
        setattr(PackageJson.Commands, "DEV", f"react-router dev --host {host}")  # noqa: B010
        command = ["run", "--env", "dev", "--frontend-port", str(args.port)]
        reflex_cli.cli.main([*command, "--backend-host", host], prog_name="reflex")
        return

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

    command = ["run", "--env", "prod", "--frontend-port", str(args.port), "--backend-host", host]
    reflex_cli.cli.main(command, prog_name="reflex")


if __name__ == "__main__":
    main()
