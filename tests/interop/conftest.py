"""Interop suite: our `vtpe crypto` calculator against independent PyPI implementations (pyemv, psec, pydukpt)."""
import os
import random
import subprocess
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore")  # the oracles use TDES through cryptography's deprecated paths

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("VTPE_INTEROP_CASES", "120"))


@pytest.fixture(scope="session")
def vtpe():
    binary = os.environ.get("VTPE_BIN") or str(REPO_ROOT / ".build" / "debug" / "vtpe")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"vtpe binary not found at {binary}; run `swift build` first")

    def run(*args, expect_ok=True):
        p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=20)
        if expect_ok:
            assert p.returncode == 0, f"vtpe {' '.join(map(str, args))} → {p.returncode}\n{p.stderr}"
            return p.stdout.strip()
        return p

    return run


@pytest.fixture
def rng(request):
    # A fixed seed per test: a failure names a reproducible case.
    return random.Random(request.node.name)


def rand_hex(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n)).hex().upper()


def luhn_pan(rng, length):
    digits = [rng.choice("3456")] + [str(rng.randrange(10)) for _ in range(length - 2)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return "".join(digits) + str((10 - total % 10) % 10)
