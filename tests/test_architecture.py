"""The app ladder holds (DESIGN.md): import-linter's contracts in `.importlinter` are kept, and they break when an
app imports one above it, the core imports an app, an app imports the wiring, or an app reaches into another's
insides instead of its services, selectors or hooks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rewrapped", "accounts", "listening", "events", "promoters", "billing", "emotions")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([Path(sys.executable).parent / "lint-imports", "--no-cache", "--no-logo"], cwd=project,
                          capture_output=True, text=True, timeout=300)


def test_the_apps_keep_to_the_ladder():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The project's packages and contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests").mkdir()
    for name in ("tests/__init__.py", "tests/contracts.py", ".importlinter"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(("module", "statement", "report"), [
    # An app importing one above it.
    ("accounts/services.py", "from events import selectors", "accounts is not allowed to import events"),
    ("events/selectors.py", "from promoters import services", "events is not allowed to import promoters"),
    # The core knowing an app.
    ("rewrapped/outbound.py", "from accounts import selectors", "rewrapped is not allowed to import accounts"),
    # Siblings on one rung stay apart.
    ("emotions/apps.py", "from events import selectors", "emotions is not allowed to import events"),
    # An app importing the wiring.
    ("listening/selectors/library.py", "from rewrapped.views import home",
     "listening.selectors.library -> rewrapped.views"),
    # Reaching past a lower app's services and selectors.
    ("events/notices.py", "from listening.models import PeriodArtistPlays", "events.notices -> listening.models"),
    ("events/notices.py", "from listening.models.rollups import PeriodArtistPlays",
     "events.notices -> listening.models.rollups"),
    ("promoters/views.py", "from events.interactions import interaction_record",
     "promoters.views -> events.interactions"),
])
def test_the_contracts_break_on(project_copy, module, statement, report):
    with open(project_copy / module, "a") as source:
        source.write(f"\n{statement}  # noqa\n")

    result = lint_imports(project_copy)

    assert result.returncode != 0
    assert report in result.stdout, result.stdout + result.stderr
