"""The built wheel, installed in a fresh venv away from the checkout, carries and runs the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import StartApp, Terminal

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout the wheel is built from."""

BUILD_TIMEOUT_S = 300
"""Building the wheel and installing it with its dependencies may download packages."""


@dataclass(frozen=True, slots=True)
class Installed:
    """The wheel and the venv it was installed into."""

    wheel: Path
    """The built ``.whl``."""
    venv: Path
    """The fresh venv holding the wheel and its dependencies."""
    workdir: Path
    """An empty folder outside the checkout to run commands in."""

    def bin(self, name: str) -> Path:
        """Return the venv's executable ``name``."""
        return self.venv / "bin" / name


def outside_env() -> dict[str, str]:
    """This environment without anything that would put the checkout or our venv on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    our_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part != our_bin
    )
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


def run(argv: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` and fail the test with its output when it fails."""
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=outside_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(argv)} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from the checkout and install it into a fresh venv outside it."""
    folder = tmp_path_factory.mktemp("wheel")
    dist = folder / "dist"
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.fail("the 'build' package is missing; run: pip install -e '.[test]'")
    run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO_ROOT)],
        cwd=REPO_ROOT,
        timeout=BUILD_TIMEOUT_S,
    )
    wheels = sorted(dist.glob("tui_crm-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    venv = folder / "venv"
    workdir = folder / "work"
    workdir.mkdir()
    run([sys.executable, "-m", "venv", str(venv)], cwd=workdir)
    run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])],
        cwd=workdir,
        timeout=BUILD_TIMEOUT_S,
    )
    return Installed(wheel=wheels[0], venv=venv, workdir=workdir)


def source_version() -> str:
    """The version declared in the checkout's ``tui_crm/__init__.py``."""
    text = (REPO_ROOT / "tui_crm" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    assert found, "no __version__ in tui_crm/__init__.py"
    return found.group(1)


def test_wheel_holds_every_style_sheet_and_catalogue(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    sheets = sorted(path.name for path in (REPO_ROOT / "styles").glob("*.tcss"))
    assert sheets, "the checkout has no styles/*.tcss"
    missing = [name for name in sheets if f"tui_crm/styles/{name}" not in names]
    assert not missing, f"style sheets missing from the wheel: {missing}"
    catalogues = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "tui_crm" / "locale").glob("*/LC_MESSAGES/tui_crm.mo")
    )
    missing = [name for name in catalogues if name not in names]
    assert not missing, f"catalogues missing from the wheel: {missing}"


def test_installed_version(installed: Installed) -> None:
    result = run([str(installed.bin("tui-crm")), "--version"], cwd=installed.workdir)
    assert result.stdout.strip() == f"tui-crm {source_version()}"


def test_installed_package_is_used_not_the_checkout(installed: Installed) -> None:
    probe = "import tui_crm, tui_crm.paths as p; print(tui_crm.__file__); print(p.STYLES)"
    result = run([str(installed.bin("python")), "-c", probe], cwd=installed.workdir)
    module, styles = (Path(line) for line in result.stdout.split("\n")[:2])
    venv = installed.venv.resolve()
    assert module.resolve().is_relative_to(venv), module
    assert styles.resolve().is_relative_to(venv), styles
    assert sorted(p.name for p in styles.glob("*.tcss")), f"no style sheets in {styles}"


def test_installed_app_paints_and_opens_help(
    installed: Installed, start_app: StartApp, terminal: Terminal
) -> None:
    database = installed.workdir / "crm.sqlite"
    pane = start_app(
        terminal, (120, 40), command=installed.bin("tui-crm"), db=database, cwd=installed.workdir
    )
    assert "Traceback" not in pane.screen()
    pane.press("f1")
    screen = pane.wait_for(lambda screen: "app.help" in screen, "the help modal")
    assert "Traceback" not in screen
    assert pane.quit() == 0
    assert "Traceback" not in pane.screen()
