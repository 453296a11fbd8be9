"""Fail when pyproject.toml asks for a package that requirements.lock does not pin.

`make install` installs requirements.lock, then the project without its dependencies, so a
dependency added to pyproject.toml without `make lock` would go missing quietly on a fresh
machine (and `pip check` does not look at extras). This reads both files, dev extras
included, and names what the lock lacks.

    .venv/bin/python scripts/lock_covers.py
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("dev",)


def pins(lock: str) -> dict[str, str]:
    """``{name: version}`` of every pin in a ``uv pip compile`` lock that applies here."""
    found: dict[str, str] = {}
    for line in lock.splitlines():
        if not line.strip() or line[0] in "# ":
            continue  # comments, and the indented "# via" notes
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            [pin] = requirement.specifier
            found[canonicalize_name(requirement.name)] = pin.version
    return found


def unmet(pyproject: str, lock: str) -> list[str]:
    """Each dependency of the project and its ``EXTRAS`` that the lock does not satisfy."""
    project = tomllib.loads(pyproject)["project"]
    wanted = list(project["dependencies"])
    for extra in EXTRAS:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    pinned = pins(lock)
    problems: list[str] = []
    for line in wanted:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # another platform's
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} (not pinned)")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}{requirement.specifier} (pinned: {version})")
    return problems


def main() -> int:
    problems = unmet(
        (ROOT / "pyproject.toml").read_text(), (ROOT / "requirements.lock").read_text()
    )
    for problem in problems:
        print(f"requirements.lock lacks {problem}: run `make lock`", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
