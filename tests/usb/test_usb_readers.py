"""The real libusb path of `vtpe` against emulated USB readers (umockdev): enumeration, a swipe sale through a MagTek
HID reader plugged in while the sale waits for its card.

Pulling a device out while vtpe has it open needs an emulation that answers URBs as they come (an `IoctlBase`
handler); a static URB script keeps answering. The unplug paths are covered by the driver's unit tests (replayed
`disconnect`, `CardReadersUSBTests`)."""

import json

from conftest import ACR122U, MAGTEK, interrupt_in, magtek_report

TRACK1 = "%B4242424242424242^DOE/JANE^3412101000000000000?"
TRACK2 = ";4242424242424242=3412101000000000?"


def test_readers_lists_what_is_attached_and_who_holds_it(testbed, vtpe_bin):
    testbed.plug(ACR122U)
    testbed.plug(MAGTEK)
    rc, out, err = testbed.run([vtpe_bin, "readers", "--json"])
    assert rc == 0, err
    readers = {r["id"]: r for r in json.loads(out)["readers"]}
    assert readers["simulator"]["kind"] == "simulator"
    acr = readers["072f:2200"]
    assert (acr["model"], acr["kind"], acr["bus"], acr["address"], acr["path"], acr["state"], acr["reader"]) == \
        ("ACS ACR122U", "CCID contactless", 1, 2, "/dev/bus/usb/001/002", "free", "usb:072f:2200")
    assert readers["0801:0002"]["kind"] == "magnetic stripe (HID)"
    rc, out, _ = testbed.run([vtpe_bin, "readers"])
    assert "072f:2200  ACS ACR122U (CCID contactless) /dev/bus/usb/001/002 — free  [--reader usb:072f:2200]" in out, out


def test_no_known_reader_attached_is_a_clear_error(testbed, vtpe_bin, workdir):
    rc, out, err = testbed.run([vtpe_bin, "terminal", "--headless", "--reader", "usb", "--data-dir", workdir / "data"])
    assert rc == 2, (out, err)
    assert "--reader usb: no known card reader is attached (vtpe readers lists the USB devices); name one with --reader usb:VID:PID" in err


def test_a_swipe_through_an_emulated_magtek_reader_plugged_in_mid_sale(testbed, vtpe_bin, workdir):
    data = workdir / "data"
    testbed.start([vtpe_bin, "terminal", "--headless", "--reader", "usb:0801:0002", "--data-dir", data], "terminal")
    testbed.wait(lambda: "READY" in testbed.output("terminal"), 15, "the terminal")
    assert "no USB device 0801:0002 is attached" in testbed.wait(
        lambda: "attached" in testbed.output("terminal") and testbed.output("terminal"), 10, "the missing reader said")
    sale = testbed.start([vtpe_bin, "sale", "12.00", "--wait", "--data-dir", data], "sale")
    testbed.wait(lambda: "WAITING_FOR_CARD" in testbed.output("terminal"), 10, "the sale waiting for its card")
    # The reader is plugged in; its first interrupt report is the swipe.
    syspath = testbed.plug(MAGTEK)
    testbed.script("/dev/bus/usb/001/003", interrupt_in("/dev/bus/usb/001/003", 0x81, magtek_report(TRACK1, TRACK2)), "swipe.ioctl")
    testbed.wait(lambda: sale.poll() is not None, 20, "the sale's result")
    result = testbed.output("sale")
    assert sale.returncode == 0 and result.startswith("APPROVED sale EUR 12.00 STAN 000001"), result
    log = testbed.output("terminal")
    assert 'notice="Reader: MagTek USB swipe reader connected"' in log, log
    assert "AUTHORIZING amount=EUR 12.00 card=visa/4242" in log, log
    assert "4242424242424242" not in log
    rc, out, err = testbed.run([vtpe_bin, "status", "--json", "--data-dir", data])
    assert rc == 0, err
    status = json.loads(out)
    assert status["reader"]["name"] == "MagTek USB swipe reader" and status["reader"]["connected"] is True, status["reader"]


def test_a_reader_plugged_in_and_out_is_listed_then_not(testbed, vtpe_bin):
    syspath = testbed.plug(ACR122U)
    rc, out, _ = testbed.run([vtpe_bin, "readers", "--json"])
    assert "072f:2200" in {r["id"] for r in json.loads(out)["readers"]}, out
    testbed.unplug(syspath)
    rc, out, _ = testbed.run([vtpe_bin, "readers", "--json"])
    # (pcscd's readers, listed too while `make test` runs it, are not on the USB bus.)
    usb = {r["id"] for r in json.loads(out)["readers"] if r["kind"] not in ("simulator", "PC/SC")}
    assert rc == 0 and usb == set(), out
