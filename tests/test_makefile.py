"""`make run` asks only for the Debian packages the app uses; `make test` for all the suite uses.

The targets run for real, with SYSTEM_DEPS_ARGS=--dry-run (scripts/ensure-system-packages.sh
prints what it would install) and a PATH on which none of the packages is found, so the list
printed is everything the target would ask for on a bare machine.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
PDF_PACKAGES = {"chromium", "fonts-liberation", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"}
TEST_ONLY_PACKAGES = {"docker-compose", "poppler-utils"}


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory):
    """A PATH with only what the Makefile recipe and the script run: no chromium, no pdftoppm, no ldconfig."""
    folder = tmp_path_factory.mktemp("bare-bin")
    for tool in ("bash", "grep", "id"):
        (folder / tool).symlink_to(shutil.which(tool))
    return str(folder)


def make(*args, path=None):
    if MAKE is None:
        pytest.fail("make is not installed")
    env = {"PATH": path or os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run(
        [MAKE, "--no-print-directory", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def packages_asked_for(target, bare_path):
    result = make("-s", target, "SYSTEM_DEPS_ARGS=--dry-run", path=bare_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("would install:")]
    assert len(lines) == 1, result.stdout
    return set(lines[0].removeprefix("would install:").split())


def test_make_run_asks_only_for_the_packages_of_the_pdf_report(bare_path):
    asked = packages_asked_for("system-deps-optional", bare_path)

    assert asked == PDF_PACKAGES
    assert not asked & TEST_ONLY_PACKAGES


def test_make_test_asks_for_docker_compose_and_poppler_utils_as_well(bare_path):
    assert packages_asked_for("system-deps", bare_path) == PDF_PACKAGES | TEST_ONLY_PACKAGES


def test_make_run_and_make_test_each_install_their_own_list():
    # -n prints the recipes a target would run, its prerequisites' included, and runs none.
    run = make("-n", "run").stdout
    test = make("-n", "test").stdout

    assert "ensure-system-packages.sh --for run" in run
    assert "ensure-system-packages.sh --for test" not in run
    assert "ensure-system-packages.sh --for test" in test


def test_make_test_runs_the_linters_before_pytest():
    recipes = make("-n", "test").stdout

    assert recipes.index("ruff check") < recipes.index("-m pytest")
    for check in ("ruff format --check", "lint-imports", "mypy"):
        assert check in recipes


def test_the_script_refuses_an_unknown_purpose_rather_than_installing_everything():
    result = subprocess.run(
        ["bash", "scripts/ensure-system-packages.sh", "--for", "prod", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "usage" in result.stderr
