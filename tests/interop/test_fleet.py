"""The fleet from the gateway: a running headless terminal reports its profile, firmware, battery, network,
printer, offline queue and open batch with every heartbeat; stripe-python sees them as the reader's `vtpe_` fields,
and `vtpe fleet` prints them as a table."""
import subprocess
import time

import stripe

from conftest import launch_terminal, vtpe_binary


def vtpe(*args):
    return subprocess.run([vtpe_binary(), *map(str, args)], capture_output=True, text=True, timeout=30)


def test_heartbeats_show_each_terminal_on_the_gateway(request, gateway, monkeypatch):
    monkeypatch.setenv("VTPE_HEARTBEAT_INTERVAL", "0.5")
    terminal = launch_terminal(request, gateway, profile="portable")
    assert vtpe("battery", "37", "--terminal", terminal.socket).returncode == 0
    assert vtpe("network", "flaky", "--terminal", terminal.socket).returncode == 0
    assert vtpe("printer", "out", "--terminal", terminal.socket).returncode == 0
    deadline = time.monotonic() + 15
    while True:
        reader = stripe.terminal.Reader.retrieve(terminal.reader_id)
        if reader["vtpe_printer"] == "out_of_paper" and reader["vtpe_network"] == "flaky":
            break
        assert time.monotonic() < deadline, reader
        time.sleep(0.2)
    assert reader.status == "online" and reader.vtpe_profile == "portable" and reader.vtpe_battery_level == 37
    assert reader.vtpe_firmware_version and reader.vtpe_kernel_version and reader.vtpe_offline_queue == 0
    assert reader.vtpe_open_batch == 1 and reader.vtpe_battery_charging is False

    table = vtpe("fleet", "--gateway", gateway.url, "--api-key", gateway.api_key)
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["READER", "LABEL", "STATUS", "PROFILE", "FIRMWARE", "BATTERY", "NETWORK", "PRINTER", "OFFLINE", "BATCH", "SEEN"]
    row = next(r for r in rows if r.startswith(terminal.reader_id))
    assert " online " in row and " portable " in row and " 37% " in row and " flaky " in row and " out_of_paper " in row, row
