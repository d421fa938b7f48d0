"""The emulated battery and printer from a script, on running headless terminals against a separate gateway:
`vtpe battery PCT|charge` (a low battery refuses new sales, the charger allows them again) and `vtpe printer
out|open|paper` (receipts held while the printer cannot print, printed when the paper is back), both shown by
`vtpe status`."""
import json

from conftest import describe, run_vtpe, start_terminal, stop


def vtpe(vtpe_bin, data, *args):
    return run_vtpe(vtpe_bin, *args, "--data-dir", data)


def receipts(data):
    folder = data / "receipts"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_battery_refuses_new_sales_when_nearly_empty(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--profile", "portable")
    try:
        full = vtpe(vtpe_bin, tmp_path, "battery")
        assert full.returncode == 0 and full.stdout.startswith("battery 100 %"), describe(full)
        sale = vtpe(vtpe_bin, tmp_path, "sale", "10.00", "--tip", "0", "--card", "visa", "--wait")
        assert sale.returncode == 0 and sale.stdout.startswith("APPROVED"), describe(sale)
        assert vtpe(vtpe_bin, tmp_path, "battery").stdout.startswith("battery 99 %")
        low = vtpe(vtpe_bin, tmp_path, "battery", "4")
        assert low.returncode == 0 and low.stdout.strip() == "battery 4 % (too low: new transactions refused)", describe(low)
        refused = vtpe(vtpe_bin, tmp_path, "sale", "10.00", "--tip", "0", "--card", "visa", "--wait")
        assert refused.returncode == 2 and "Battery 4 %: charge the terminal" in refused.stderr, describe(refused)
        state = json.loads(vtpe(vtpe_bin, tmp_path, "status", "--json").stdout)
        assert state["battery"]["level"] == 4 and state["battery"]["refuses_transactions"] is True, state
        assert state["batch"]["transactions"] == 1, "the refused sale left nothing"
        charging = vtpe(vtpe_bin, tmp_path, "battery", "charge")
        assert charging.stdout.strip() == "battery 4 % charging", describe(charging)
        again = vtpe(vtpe_bin, tmp_path, "sale", "10.00", "--tip", "0", "--card", "visa", "--wait")
        assert again.returncode == 0 and again.stdout.startswith("APPROVED"), describe(again)
        bad = vtpe(vtpe_bin, tmp_path, "battery", "150")
        assert bad.returncode == 64 and "0 to 100" in bad.stderr, describe(bad)
    finally:
        stop(proc)


def test_printer_holds_receipts_until_paper_is_back(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway)
    try:
        assert vtpe(vtpe_bin, tmp_path, "battery").returncode == 2, "a countertop runs on mains"
        out = vtpe(vtpe_bin, tmp_path, "printer", "out")
        assert out.returncode == 0 and out.stdout.strip() == "printer out_of_paper held=0", describe(out)
        before = receipts(tmp_path)
        sale = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--card", "visa", "--wait")
        assert sale.returncode == 0 and sale.stdout.startswith("APPROVED"), describe(sale)
        assert receipts(tmp_path) == before, "nothing printed without paper"
        held = json.loads(vtpe(vtpe_bin, tmp_path, "status", "--json").stdout)["printer"]
        assert held == {"columns": 32, "state": "out_of_paper", "held_receipts": 2}, held
        back = vtpe(vtpe_bin, tmp_path, "printer", "paper")
        assert back.stdout.strip() == "printer ready held=0", describe(back)
        printed = [name for name in receipts(tmp_path) if name not in before]
        assert len(printed) == 2, printed
        stan = sale.stdout.split("STAN ")[1].split()[0]
        reprint = vtpe(vtpe_bin, tmp_path, "reprint", stan, "--copy", "merchant", "--wait")
        assert reprint.returncode == 0 and "DUPLICATE" in reprint.stdout, describe(reprint)
    finally:
        stop(proc)
