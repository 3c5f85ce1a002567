"""Dependencies run one way: rooms imports accounts, never the reverse, and
neither app imports the project's site_config (settings come through
django.conf). Read from the source, every import statement, those inside
functions too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each app, and the top-level packages it must never import.
FORBIDDEN = {
    "accounts": {"rooms", "site_config"},
    "rooms": {"site_config"},
}


def imported(path):
    """Yield (line, module) for each import in the file at path, relative
    imports made absolute."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    if path.name == "__init__.py":
        package = path.relative_to(ROOT).parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *filter(None, [node.module])])
            yield node.lineno, module


def wrong_way(app):
    for path in sorted((ROOT / app).rglob("*.py")):
        for line, module in imported(path):
            if module.split(".")[0] in FORBIDDEN[app]:
                yield f"{path.relative_to(ROOT)}:{line} imports {module}"


@pytest.mark.parametrize("app", FORBIDDEN)
def test_imports_run_one_way(app):
    assert list(wrong_way(app)) == []


def test_the_check_sees_relative_and_late_imports(tmp_path, monkeypatch):
    # A file the check must flag, in an app of its own.
    app = tmp_path / "accounts" / "templatetags"
    app.mkdir(parents=True)
    (app / "tags.py").write_text(
        "from .. import profiles\n"
        "def late():\n"
        "    from rooms.live import broadcast\n"
        "    import site_config.limits\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert list(wrong_way("accounts")) == [
        "accounts/templatetags/tags.py:3 imports rooms.live",
        "accounts/templatetags/tags.py:4 imports site_config.limits",
    ]
