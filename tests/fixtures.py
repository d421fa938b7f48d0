"""Fixtures the end-to-end and USB suites share (standard library and pytest only: the USB suite runs under
Debian's python3, the others in the project's venv)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def vtpe_bin():
    env = os.environ.get("VTPE_BIN")
    path = Path(env) if env else REPO_ROOT / ".build" / "debug" / "vtpe"
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"vtpe binary not found or not executable at {path} (build it, or set VTPE_BIN)")
    return path


@pytest.fixture
def workdir():
    # Short path under /tmp: the control socket must fit in sun_path (~104 bytes). VTPE_KEEP_TEST_DIR keeps it.
    d = Path(tempfile.mkdtemp(prefix="vtpe-test-"))
    yield d
    if not os.environ.get("VTPE_KEEP_TEST_DIR"):
        shutil.rmtree(d, ignore_errors=True)
