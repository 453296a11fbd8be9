"""Convention tests: the architecture rules in DESIGN.md, checked on every run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.routes import ROUTES
from db.core.actions import load_actions
from db.core.errors import HTTP_STATUS, ErrorCode

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_db_never_imports_reflex_or_upper_layers():
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & {"reflex", "state", "components", "app"})
        for p in (ROOT / "db").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_imports_point_down_only():
    allowed = {"state": {"app", "components"}, "components": {"app"}}
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & forbidden)
        for layer, forbidden in allowed.items()
        for p in (ROOT / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_two_routes_share_a_path():
    paths = [route.path for route in ROUTES]
    assert len(paths) == len(set(paths))


def test_every_error_code_has_a_status():
    assert set(HTTP_STATUS) == set(ErrorCode)


def test_every_action_is_in_the_readme_actions_table():
    section = (ROOT / "README.md").read_text().split("## Actions", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z]+\.[a-z_]+)` \|", section, flags=re.MULTILINE))
    assert documented == set(load_actions())


def test_every_action_has_a_summary_and_bad_request():
    for name, spec in load_actions().items():
        assert spec.summary, name
        assert ErrorCode.BAD_REQUEST in spec.errors, name


def test_every_env_var_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    pattern = re.compile(
        r"""environ(?:\.get)?\(\s*["']([A-Z][A-Z0-9_]+)["']|environ\[["']([A-Z][A-Z0-9_]+)["']\]"""
    )
    used: set[str] = set()
    for layer in ("db", "state", "components", "app"):
        for path in (ROOT / layer).rglob("*.py"):
            for match in pattern.finditer(path.read_text()):
                used.add(match.group(1) or match.group(2))
    missing = sorted(name for name in used if f"`{name}`" not in readme)
    assert missing == []


def _sources(*layers: str) -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text()
        for layer in layers
        for p in (ROOT / layer).rglob("*.py")
    }


def test_one_function_builds_an_action_context():
    """Who is asking is stated one way on every transport: ``action_context``."""
    builders = {
        path
        for path, text in _sources("app", "state", "components", "db").items()
        if "ActionContext(" in text
    }
    assert builders == {"db/core/actions.py"}


MESSAGE_TEST = re.compile(r"\.message\s*(?:==|!=)|(?:==|!=|\bin)\s*[\w.]*\.message\b")


def test_code_branches_on_error_codes_never_on_message_text():
    offenders = {
        path: MESSAGE_TEST.findall(text)
        for path, text in _sources("app", "state", "components").items()
        if MESSAGE_TEST.search(text)
    }
    assert offenders == {}


def test_components_never_write_a_field_length():
    """Limits are declared once, on the input models; ``model_field`` reads them from there."""
    offenders = [
        f"{path.relative_to(ROOT)}:{keyword.value.lineno}"
        for path in sorted((ROOT / "components").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg in {"max_length", "min_length", "maxlength", "minlength"}
        and isinstance(keyword.value, ast.Constant)
    ]
    assert offenders == []


def test_the_email_length_is_written_once():
    hits = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for layer in ("db", "state", "components", "app")
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line in path.read_text().splitlines()
        if re.search(r"\b254\b", line)
    ]
    assert hits == ["db/core/validation.py: EMAIL_MAX = 254"]


def test_every_colour_a_component_asks_for_is_in_the_stylesheet():
    """The build imports Radix's tokens for ``RADIX_COLORS`` only: a ``color_scheme`` (or a
    ``var(--<colour>-…)``) outside it would render uncoloured."""
    from app.render.plugin import RADIX_COLORS

    radix = [
        "amber",
        "blue",
        "bronze",
        "brown",
        "crimson",
        "cyan",
        "gold",
        "grass",
        "gray",
        "green",
        "indigo",
        "iris",
        "jade",
        "lime",
        "mauve",
        "mint",
        "olive",
        "orange",
        "pink",
        "plum",
        "purple",
        "red",
        "ruby",
        "sage",
        "sand",
        "sky",
        "slate",
        "teal",
        "tomato",
        "violet",
        "yellow",
    ]
    pattern = re.compile(
        r"""color_scheme=(?:"(\w+)"|[^)]*?"(\w+)",\s*"(\w+)")|var\(--(\w+)-a?\d+\)"""
    )
    asked = set()
    for folder in ("components", "app", "assets"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".css", ".jsx"):
                for match in pattern.finditer(path.read_text()):
                    asked.update(name for name in match.groups() if name in radix)
    assert "tomato" in asked and "red" in asked  # the scan finds what is there
    assert asked <= set(RADIX_COLORS), asked - set(RADIX_COLORS)
