"""DESIGN.md's layer rules, checked on the source: imports point downwards only.

app → ui, training, engine; ui → engine; training → engine; engine → third-party only.
engine and training import no Qt; ui imports no torch; nothing imports app.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from ambisketch import LAYERS

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "app": {"app", "ui", "training", "engine"},
    "ui": {"ui", "engine", "training"},  # training only through its public job API
    "training": {"training", "engine"},
    "engine": {"engine"},
}
FORBIDDEN_THIRD_PARTY = {
    "engine": ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "lightning", "pytorch_lightning"),
    "training": ("PySide6", "PyQt5", "PyQt6", "pyqtgraph"),
    "ui": ("torch",),
}


def _imports(path: Path, layer: str) -> list[tuple[int, str]]:
    """Absolute module names imported by a file (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT / layer).with_suffix("")
    package = ["ambisketch", layer, *rel.parts[:-1]]
    if rel.name == "__init__":
        package = ["ambisketch", layer, *rel.parts[:-1]]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
    return found


def _layer_files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_downwards(layer: str) -> None:
    problems = []
    for path in _layer_files(layer):
        for line, mod in _imports(path, layer):
            parts = mod.split(".")
            if parts[0] == "ambisketch" and len(parts) > 1 and parts[1] in LAYERS:
                if parts[1] not in ALLOWED[layer]:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
            if parts[0] in LAYERS:
                problems.append(
                    f"{path.relative_to(ROOT)}:{line} imports {mod} (use ambisketch.{{layer}})"
                )
            for banned in FORBIDDEN_THIRD_PARTY.get(layer, ()):
                if parts[0] == banned:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The AST scan resolves relative imports (a wrong `from ...app` would be caught)."""
    fake = ROOT / "engine" / "spatial" / "doa.py"
    mods = [m for _, m in _imports(fake, "engine")]
    assert "ambisketch.engine.spatial.angles" in mods


def test_engine_imports_headless_without_qt_or_training() -> None:
    code = (
        "import sys, ambisketch.engine, ambisketch.engine.spatial.doa; "
        "bad=[m for m in sys.modules if m.split('.')[0] in "
        "('PySide6','pyqtgraph','lightning') or m.startswith(('ambisketch.training',"
        "'ambisketch.ui','ambisketch.app'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": ""}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stdout + res.stderr


def test_one_list_of_layers() -> None:
    """The rule table covers exactly the layers setup.py installs (ambisketch.LAYERS)."""
    assert set(ALLOWED) == set(LAYERS)
    assert all((ROOT / layer / "__init__.py").is_file() for layer in LAYERS)
