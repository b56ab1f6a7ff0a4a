"""The shape of the keynode package: each concern in its own sub-package, imports only go "down", one
command line lists every command, and no module grows past what one can read in one sitting.

The layers (a package may import from the packages listed for it, and from nothing else of keynode):

    paths, progress, commands          shared plumbing, import nothing of keynode
    project                            the dbt project's vars (dbt_project.yml)
    raw_zone                           the raw-zone contract (schemas), writer and expected accounting
    generator, loaders                 write raw zones; never import each other
    dbt                                the dbt runner
    udf                                Python functions the models call on DuckDB (dbt-duckdb plugin)
    stats, quality                     read a built warehouse
    dashboard                          reads the published BI artefact (a Streamlit app)
    bench, publish, pipeline           orchestrate the layers below (pipeline: also raw_zone)
    cli                                the command line (imports command modules lazily, by name)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from keynode import cli
from keynode.loaders import command as loaders_command
from keynode.paths import PROJECT_DIR

PACKAGE = PROJECT_DIR / "scripts" / "keynode"
MAX_MODULE_LINES = 500

ALLOWED: dict[str, set[str]] = {
    "paths": set(),
    "progress": set(),
    "commands": set(),
    "project": {"paths"},
    "raw_zone": {"paths"},
    "generator": {"paths", "progress", "commands", "raw_zone"},
    "loaders": {"paths", "project", "raw_zone"},
    "dbt": {"paths", "progress"},
    "udf": set(),
    "stats": {"paths", "project", "commands"},
    "quality": {"paths", "project", "progress", "commands"},
    "dashboard": {"paths", "project"},
    "bench": {"paths", "project", "commands", "dbt"},
    "publish": {"paths", "project", "progress", "commands", "dbt"},
    "pipeline": {
        *("paths", "project", "progress", "commands", "raw_zone", "dbt", "stats", "quality", "publish"),
    },
    "cli": {"commands"},
    "__main__": {"cli"},
}


def area_of(module: str) -> str:
    """keynode.quality.checkpoint -> quality; keynode.dbt -> dbt."""
    return module.split(".")[1]


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def keynode_imports(path: Path) -> set[str]:
    """Every keynode module a file imports (top level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("keynode.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "keynode":
                found |= {f"keynode.{a.name}" for a in node.names}
            elif node.module.startswith("keynode."):
                found.add(node.module)
    return found


def test_every_area_is_declared():
    areas = {area_of(module_name(p)) for p in modules() if module_name(p) != "keynode"}
    assert areas <= set(ALLOWED), f"undeclared packages: {sorted(areas - set(ALLOWED))}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path):
    name = module_name(path)
    if name == "keynode":
        return
    own = area_of(name)
    bad = sorted(
        imported
        for imported in keynode_imports(path)
        if area_of(imported) != own and area_of(imported) not in ALLOWED[own]
    )
    assert not bad, f"{name} ({own}) may import only {sorted(ALLOWED[own])}, but imports {bad}"


def test_boundary_check_catches_an_upward_import(tmp_path):
    """The check itself: a loader that imports the generator is caught."""
    bad = tmp_path / "loader.py"
    bad.write_text("from keynode.generator.run import Generator\n")
    imported = keynode_imports(bad)
    assert imported == {"keynode.generator.run"}
    assert area_of("keynode.generator.run") not in ALLOWED["loaders"]


def python_files() -> list[Path]:
    """The package's modules and the test suite's."""
    tests = sorted((PROJECT_DIR / "tests").rglob("*.py"))
    return modules() + [p for p in tests if "__pycache__" not in p.parts]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_modules_stay_readable_in_one_sitting(path: Path):
    rel = str(path.relative_to(PROJECT_DIR))
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{rel} has {lines} lines (> {MAX_MODULE_LINES})"


def test_no_multiline_sql_in_python_strings():
    """SQL lives in dbt models or in .sql files (linted by sqlfluff), not in long Python strings."""
    offenders = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lower()
                if text.count("\n") >= 8 and " from " in text and "select" in text:
                    offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == [], f"multi-line SQL in Python strings: {sorted(offenders)}"


def test_keynode_help_lists_every_command():
    command = [sys.executable, "-m", "keynode", "--help"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=PROJECT_DIR).stdout
    for command in cli.COMMANDS:
        assert command.name in out


@pytest.mark.parametrize(
    "command", [c.name for c in cli.COMMANDS] + [f"load {loader}" for loader in loaders_command.LOADERS]
)
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: keynode {command}" in out
    assert "Examples:" in out and f"keynode {command}" in out.split("Examples:", 1)[1]
