"""`vtpe scenario` as QA runs it in CI: the docs' examples pass; a failing expectation exits 1 and names the file,
the line, what was expected and what came; a malformed file runs nothing and exits 2 with file:line; the JUnit XML
parses as CI reads it; a remote gateway and a small fleet (--terminals) work."""
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import KEY, REPO_ROOT, describe, run_vtpe

FAILING = """\
name: A decline expected as an approval
steps:
  - sale: {amount: 9.00, card: visa_insufficient_funds, mode: insert, pin: "1234"}
    expect:
      result: APPROVED
      gateway: {status: succeeded}
  - sale: {amount: 4.00, card: visa, mode: tap}
    expect: {result: APPROVED, read_method: contactless_emv}
"""


def test_the_docs_examples_pass_and_the_junit_report_parses(vtpe_bin, tmp_path):
    examples = sorted(str(p) for p in (REPO_ROOT / "docs" / "scenarios").glob("*.yaml"))
    assert len(examples) >= 5, examples
    junit = tmp_path / "junit.xml"
    run = run_vtpe(vtpe_bin, "scenario", *examples, "--report", f"junit:{junit}", "--report", f"json:{tmp_path / 'r.json'}", timeout=60)
    assert run.returncode == 0, describe(run)
    assert f"{len(examples)} of {len(examples)} scenario runs passed" in run.stdout, run.stdout
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "0" and int(root.get("tests")) > 40
    assert len(root.findall("testsuite")) == len(examples)
    assert all(case.get("file", "").endswith(".yaml") and case.get("line") for case in root.iter("testcase"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["passed"] is True and report["summary"]["scenarios"] == len(examples)


def test_a_failing_expectation_names_file_line_expected_and_actual(vtpe_bin, tmp_path):
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(FAILING)
    junit = tmp_path / "junit.xml"
    run = run_vtpe(vtpe_bin, "scenario", scenario, "--report", f"junit:{junit}", timeout=30)
    assert run.returncode == 1, describe(run)
    assert f'{scenario}:3: sale 9.00 visa_insufficient_funds insert: result: expected APPROVED, got "DECLINED"' in run.stdout, run.stdout
    assert f'{scenario}:3: sale 9.00 visa_insufficient_funds insert: gateway.status: expected "succeeded", got "requires_payment_method"' in run.stdout, run.stdout
    assert "the terminal said: DECLINED" in run.stdout
    assert "0 of 1 scenario runs passed" in run.stdout
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1" and root.get("tests") == "2"
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("line") for c in failed] == ["3"]
    assert "expected APPROVED" in failed[0].find("failure").get("message")


def test_a_malformed_scenario_runs_nothing_and_says_where(vtpe_bin, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("steps:\n  - status\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: typo\nsteps:\n  - sale: {amount: 1.00, card: visa}\n  - refnud: {amount: 1.00}\n")
    run = run_vtpe(vtpe_bin, "scenario", good, bad, timeout=15)
    assert run.returncode == 2, describe(run)
    assert f"vtpe: {bad}:4: unknown step 'refnud'" in run.stderr, run.stderr
    assert run.stdout == "", "nothing ran"
    unknown_card = tmp_path / "card.yaml"
    unknown_card.write_text("steps:\n  - sale: {amount: 1.00, card: vista, mode: tap}\n")
    run = run_vtpe(vtpe_bin, "scenario", unknown_card, timeout=15)
    assert run.returncode == 1 and f"{unknown_card}:2: sale 1.00 vista tap: result: expected no refusal, got ERROR" in run.stdout, describe(run)
    bad_profile = tmp_path / "profile.yaml"
    bad_profile.write_text("profile: nowhere\nsteps: [status]\n")
    run = run_vtpe(vtpe_bin, "scenario", bad_profile, timeout=15)
    assert run.returncode == 2 and f"{bad_profile}:1: profile 'nowhere'" in run.stderr, describe(run)


def test_a_fleet_against_a_remote_gateway(vtpe_bin, gateway, tmp_path):
    scenario = tmp_path / "fleet.yaml"
    scenario.write_text("name: fleet\nsteps:\n  - sale: {amount: 3.00, card: visa, mode: tap}\n    repeat: 5\n    expect: {result: APPROVED}\n"
                        "  - batch: report\n    expect: {reconciliation: match, batch_totals: [{brand: visa, type: sale, count: 5, amount: 1500}]}\n")
    run = run_vtpe(vtpe_bin, "scenario", scenario, "--gateway", gateway, "--api-key", KEY, "--terminals", "4",
                   "--report", f"json:{tmp_path / 'load.json'}", timeout=60)
    assert run.returncode == 0, describe(run)
    assert "4 of 4 scenario runs passed" in run.stdout and "4 terminals: 20 transactions in" in run.stdout, run.stdout
    load = json.loads((tmp_path / "load.json").read_text())["load"]
    assert load["terminals"] == 4 and load["transactions"] == 20 and load["per_second"] > 0
    assert load["latency_ms"]["p50"] <= load["latency_ms"]["p99"] <= load["latency_ms"]["max"]
