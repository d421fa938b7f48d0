"""`vtpe profiles show` errors."""

import re

from conftest import REPO_ROOT, describe, run_vtpe


def test_profiles_show_unknown(vtpe_bin):
    res = run_vtpe(vtpe_bin, "profiles", "show", "nosuch")
    assert res.returncode == 2, describe(res)
    assert res.stderr.startswith("vtpe: "), describe(res)
    assert "no firmware profile" in res.stderr, describe(res)


def test_profiles_show_broken_yaml_points_at_line(vtpe_bin, workdir):
    source = (REPO_ROOT / "firmware-profiles" / "countertop.yaml").read_text()
    # Replace the display block (the key and its indented lines) with a too-small display.
    lines = source.splitlines()
    out, display_line, skipping = [], None, False
    for line in lines:
        if skipping:
            if line.startswith((" ", "\t")):
                continue
            skipping = False
        if re.match(r"display\s*:", line):
            out.append("display: {columns: 5, rows: 3}")
            display_line = len(out)  # 1-based
            skipping = True
            continue
        out.append(line)
    assert display_line is not None, "countertop.yaml has no display key"
    broken = workdir / "broken-profile.yaml"
    broken.write_text("\n".join(out) + "\n")

    res = run_vtpe(vtpe_bin, "profiles", "show", broken)
    assert res.returncode == 2, describe(res)
    assert res.stderr.startswith("vtpe: "), describe(res)
    assert str(broken) in res.stderr, describe(res)
    assert f":{display_line}" in res.stderr, f"expected ':{display_line}'\n" + describe(res)
