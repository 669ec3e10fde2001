"""Packaging: the PyInstaller spec, the desktop entry, the icons, the install script, the
installed package's resources, and (only when a build exists) the frozen app's smoke test."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path

import pytest

from ambisketch import LAYERS

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "ambisketch.spec"
DESKTOP = ROOT / "resources" / "ambisketch.desktop"
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)
# packaging/build.sh's output; $AMBISKETCH_FROZEN_APP points at a build elsewhere.
FROZEN_APP = Path(os.environ.get("AMBISKETCH_FROZEN_APP", ROOT / "dist" / "ambisketch"))


def spec_constants() -> dict[str, object]:
    """The spec's top-level literal assignments (RESOURCES, EXCLUDES, …)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    found = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper()
        ):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass  # computed values (ROOT) are not constants
    return found


def test_spec_bundles_every_resource_the_app_reads() -> None:
    const = spec_constants()
    resources = dict(const["RESOURCES"])
    for pattern in resources:
        assert list(ROOT.glob(pattern)), f"the spec names {pattern}, which does not exist"
    from ambisketch.engine.binaural.hrtf import default_hrtf_path

    needed = [
        default_hrtf_path().relative_to(ROOT).as_posix(),
        "resources/icons/ambisketch.svg",
        "resources/ambisketch.desktop",
        *(f"resources/icons/hicolor/{s}x{s}/apps/ambisketch.png" for s in SIZES),
    ]
    for path in needed:
        match = [p for p in resources if fnmatch(path, p) or path.startswith(p + "/")]
        assert match, f"{path} is not bundled"
        assert path.startswith(resources[match[0]])  # same place inside the bundle
    assert ("resources/models", "resources/models") in const["OPTIONAL_RESOURCES"]
    spec = (ROOT / "packaging" / "ambisketch.spec").read_text(encoding="utf-8")
    assert 'LAYERS = runpy.run_path(str(ROOT / "ambisketch" / "__init__.py"))["LAYERS"]' in spec


def test_spec_excludes_nothing_the_app_imports() -> None:
    excludes = set(spec_constants()["EXCLUDES"])
    used = set()
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    used |= {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    used.add(node.module)
                    used |= {f"{node.module}.{a.name}" for a in node.names}
    clashes = sorted(m for m in used for e in excludes if m == e or m.startswith(e + "."))
    assert not clashes, f"the spec excludes modules the app imports: {clashes}"


def test_spec_hidden_imports_exist() -> None:
    const = spec_constants()
    for name in const["HIDDEN_IMPORTS"] + const["HIDDEN_PACKAGES"]:
        assert importlib.util.find_spec(name) is not None, name
    compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")


def test_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert (d["Type"], d["Exec"], d["Icon"], d["Terminal"]) == (
        "Application",
        "ambisketch",
        "ambisketch",
        "false",
    )
    assert "Audio" in d["Categories"].split(";")
    if shutil.which("desktop-file-validate"):
        proc = subprocess.run(
            ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True
        )
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def png_size(path: Path) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk."""
    data = path.read_bytes()[:26]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path}: not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def test_icon_svg_and_png_sizes() -> None:
    root = ET.parse(ICONS / "ambisketch.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _, _, w, h = map(float, root.get("viewBox").split())
    assert w == h
    for size in SIZES:
        path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "ambisketch.png"
        assert png_size(path) == (size, size, 6), path  # square RGBA


def test_render_icons_writes_every_size(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "render_icons.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for size in SIZES:
        assert png_size(tmp_path / f"{size}x{size}" / "apps" / "ambisketch.png")[:2] == (size, size)


def test_render_icons_rejects_a_bad_svg(tmp_path: Path) -> None:
    bad = tmp_path / "bad.svg"
    bad.write_text("<svg")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "render_icons.py"),
            "--svg",
            str(bad),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert proc.returncode != 0 and "not a valid SVG" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_scripts_parse_and_outputs_are_ignored() -> None:
    for script in ("build.sh", "install-linux.sh"):
        path = ROOT / "packaging" / script
        assert os.access(path, os.X_OK), f"{path} is not executable"
        subprocess.run(["bash", "-n", str(path)], check=True)
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "build/" in ignored and "dist/" in ignored


def fake_build(folder: Path) -> Path:
    """A folder laid out like dist/ambisketch, with a shell script as the executable."""
    app = folder / "ambisketch"
    res = app / "_internal" / "resources"
    (res / "icons").mkdir(parents=True)
    shutil.copy(DESKTOP, res)
    shutil.copy(ICONS / "ambisketch.svg", res / "icons")
    shutil.copytree(ICONS / "hicolor", res / "icons" / "hicolor")
    exe = app / "ambisketch"
    exe.write_text("#!/bin/sh\necho frozen ambisketch\n")
    exe.chmod(0o755)
    shutil.copy(ROOT / "packaging" / "install-linux.sh", app / "install.sh")
    return app


def test_install_and_uninstall_for_one_user(tmp_path: Path) -> None:
    app, prefix = fake_build(tmp_path / "dist"), tmp_path / "prefix"
    run = lambda *a: subprocess.run(
        ["bash", str(app / "install.sh"), "--prefix", str(prefix), *a],
        capture_output=True,
        text=True,
        timeout=60,
    )
    proc = run()
    assert proc.returncode == 0, proc.stderr
    dest = prefix / "opt" / "ambisketch"
    assert (
        subprocess.run([str(prefix / "bin" / "ambisketch")], capture_output=True, text=True).stdout
        == "frozen ambisketch\n"
    )
    desktop = (prefix / "share" / "applications" / "ambisketch.desktop").read_text()
    assert f"\nExec={dest}/ambisketch\n" in desktop and "\nIcon=ambisketch\n" in desktop
    for size in SIZES:
        assert (prefix / "share/icons/hicolor" / f"{size}x{size}/apps/ambisketch.png").is_file()
    assert run().returncode == 0  # again: replaces the installed copy
    proc = run("--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert not dest.exists() and not (prefix / "bin" / "ambisketch").exists()
    assert not list((prefix / "share").rglob("ambisketch*"))


def test_install_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    script = tmp_path / "install.sh"
    shutil.copy(ROOT / "packaging" / "install-linux.sh", script)
    proc = subprocess.run(
        ["bash", str(script), "--prefix", str(tmp_path / "p")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "is not an Ambisketch build" in proc.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.slow
def test_installed_package_finds_its_resources(tmp_path: Path) -> None:
    """A wheel (not an editable install) carries resources/ where resources_dir() looks."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    for name in ("ambisketch", "app", "engine", "ui", "training", "resources"):
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "models")
        )  # a model bundle would only make this slow
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(tmp_path / "site"),
            "-q",
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    code = (
        "from ambisketch.engine.binaural.hrtf import default_hrtf_path as p; "
        "print(p().resolve(), p().is_file())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")),
        check=True,
    )
    path, exists = out.stdout.split()
    assert exists == "True" and Path(path).is_relative_to((tmp_path / "site").resolve())
    assert (
        tmp_path / "site/ambisketch/resources/icons/hicolor/512x512/apps/ambisketch.png"
    ).is_file()


def has_default_model() -> bool:
    models = ROOT / "resources" / "models"
    return (models / "model.json").is_file() or any(models.glob("*/model.json"))


@pytest.mark.slow
@pytest.mark.skipif(
    not (FROZEN_APP / "ambisketch").is_file(),
    reason="no frozen build in dist/ambisketch (packaging/build.sh makes one)",
)
def test_frozen_app_smoke_test(tmp_path: Path) -> None:
    args = [
        sys.executable,
        str(ROOT / "packaging" / "smoke_test.py"),
        "--app",
        str(FROZEN_APP),
        "--screenshot",
        str(tmp_path / "screen.png"),
    ]
    if not has_default_model():
        # Nothing to ship yet: check everything else with a tiny model. Once the repository
        # has a default model, the build must carry it and no --model is given.
        from ambisketch.engine.models.bundle import new_bundle, save_bundle
        from ambisketch.engine.models.codec import CODEC_PRESETS
        from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
        from ambisketch.engine.models.dit import DIT_PRESETS

        tiny = new_bundle(
            CODEC_PRESETS["tiny"],
            DIT_PRESETS["tiny"],
            CONDITIONER_PRESETS["tiny"],
            clip_seconds=2,
            name="tiny",
        )
        args += ["--model", str(save_bundle(tmp_path / "tiny", tiny))]
    if not shutil.which("Xvfb"):
        args.append("--no-window")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert re.match(r"smoke test passed: self-test passed", last)


def test_smoke_test_fails_without_a_build_and_on_import_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "smoke_test.py"),
            "--app",
            str(tmp_path / "nothing"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout.strip().endswith("no such executable (build it with packaging/build.sh)")
    spec = importlib.util.spec_from_file_location("smoke", ROOT / "packaging" / "smoke_test.py")
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    smoke.check_log("ambisketch 0.1.0 self-test\nself-test passed: 9 checks", "log")
    with pytest.raises(smoke.SmokeFailed, match="log: ModuleNotFoundError: No module named 'x'"):
        smoke.check_log("starting\nModuleNotFoundError: No module named 'x'\n", "log")


def test_spec_stages_the_package_with_its_data_files(tmp_path: Path) -> None:
    """The spec's stage_package (run on its own): every module and every non-Python file
    that code finds next to itself (training recipes) goes into the bundle."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    wanted = [
        n
        for n in tree.body
        if isinstance(n, ast.Import)
        or (isinstance(n, ast.ImportFrom) and not n.module.startswith("PyInstaller"))
        or (
            isinstance(n, ast.Assign)
            and isinstance(n.targets[0], ast.Name)
            and n.targets[0].id in ("LAYERS", "PACKAGE_FILES")
        )
        or (isinstance(n, ast.FunctionDef) and n.name == "stage_package")
    ]
    namespace: dict[str, object] = {"ROOT": ROOT}
    exec(compile(ast.Module(wanted, []), str(SPEC), "exec"), namespace)
    modules, files = namespace["stage_package"](tmp_path / "src")
    assert {
        "ambisketch",
        "ambisketch.app.cli",
        "ambisketch.app.self_test",
        "ambisketch.engine.binaural.hrtf",
        "ambisketch.training.dit.config",
    } <= set(modules)
    bundled = {(Path(src).name, folder) for src, folder in files}
    for recipe in (ROOT / "training" / "recipes" / "configs").glob("*.json"):
        assert (recipe.name, "ambisketch/training/recipes/configs") in bundled
    assert ("py.typed", "ambisketch") in bundled
    assert not any(src.endswith((".py", ".pyc")) for src, _ in files)
