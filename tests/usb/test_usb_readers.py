"""The real libusb path of `vtpe` against emulated USB readers (umockdev): enumeration, a swipe sale through a MagTek
HID reader plugged in while the sale waits for its card, a contactless sale through an ACR122U emulated URB by URB
(`acr122u.py`), and that reader pulled out mid-transaction and plugged back in.

A static URB script (the MagTek) keeps answering whatever is asked; pulling a device out while vtpe has it open
needs an emulation that answers URBs as they come, as the ACR122U's `IoctlBase` handler does."""

import json

from gi.repository import GLib

from acr122u import SELECT_PPSE, EmulatedACR122U, VirtualCard
from conftest import ACR122U, MAGTEK, REPO_ROOT, interrupt_in, magtek_report

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


def contactless_terminal(testbed, vtpe_bin, workdir):
    """A terminal on the emulated ACR122U (plugged in, answering URBs as they come), ready for a sale."""
    reader = EmulatedACR122U()
    syspath = testbed.plug(ACR122U)
    testbed.attach("/dev/bus/usb/001/002", reader)
    data = workdir / "data"
    testbed.start([vtpe_bin, "terminal", "--headless", "--reader", "usb:072f:2200", "--data-dir", data], "terminal")
    testbed.wait(lambda: "READY" in testbed.output("terminal"), 15, "the terminal")
    # The driver powers the PN532 up, then polls the field.
    testbed.wait(lambda: reader.ccid[:1] == [0x62] and len(reader.ccid) >= 3, 10, "the reader powered and polled")
    return reader, syspath, data


def test_a_contactless_sale_through_an_emulated_acr122u_with_one_of_our_cards(testbed, vtpe_bin, workdir):
    reader, _, data = contactless_terminal(testbed, vtpe_bin, workdir)
    card = VirtualCard(vtpe_bin, "visa", REPO_ROOT)
    try:
        sale = testbed.start([vtpe_bin, "sale", "12.00", "--wait", "--data-dir", data], "sale")
        testbed.wait(lambda: "WAITING_FOR_CARD" in testbed.output("terminal"), 10, "the sale waiting for its card")
        reader.tap(card)
        testbed.wait(lambda: sale.poll() is not None, 30, "the sale's result")
    finally:
        card.close()
    result = testbed.output("sale")
    assert sale.returncode == 0 and result.startswith("APPROVED sale EUR 12.00 STAN 000001"), (result, testbed.output("terminal"))
    # The kernel's dialogue went through libusb, the CCID pipe and the PN532 to the card: PPSE first, then the
    # application, its options, its records and the cryptogram the issuer verified.
    assert reader.apdus[0] == SELECT_PPSE, reader.apdus
    assert reader.apdus[1].startswith("00A40400"), reader.apdus
    assert any(a.startswith("80A8") for a in reader.apdus) and any(a.startswith("80AE") for a in reader.apdus), reader.apdus
    # Every CCID command was numbered one after the other.
    assert reader.sequences == [n % 256 for n in range(reader.sequences[0], reader.sequences[0] + len(reader.sequences))]
    log = testbed.output("terminal")
    assert "AUTHORIZING amount=EUR 12.00 card=visa/4242" in log, log
    assert "4242424242424242" not in log


def test_the_acr122u_pulled_out_mid_transaction_then_plugged_back(testbed, vtpe_bin, workdir):
    reader, syspath, data = contactless_terminal(testbed, vtpe_bin, workdir)
    card = VirtualCard(vtpe_bin, "visa", REPO_ROOT)
    try:
        # Out it comes as the kernel asks the card for its cryptogram: before anything went online.
        off_the_bus = []

        def pull_out():
            testbed.unplug(syspath)
            off_the_bus.append(True)
            return False

        reader.unplug_on("80AE", lambda: GLib.idle_add(pull_out))
        sale = testbed.start([vtpe_bin, "sale", "12.00", "--wait", "--data-dir", data], "sale")
        testbed.wait(lambda: "WAITING_FOR_CARD" in testbed.output("terminal"), 10, "the sale waiting for its card")
        reader.tap(card)
        testbed.wait(lambda: sale.poll() is not None, 30, "the sale's end")
        # The kernel lost its card: the sale ends, not completed, before anything went online.
        log = testbed.output("terminal")
        assert 'FAILED amount=EUR 12.00 card=visa/4242 stan=1 reason="card: the card was removed"' in log, log
        assert "AUTHORIZING" not in log, log
        assert sale.returncode == 4, (testbed.output("sale"), log)
        # The reader's loop finds the device gone at its next poll and says so.
        testbed.wait(lambda: "ACS ACR122U unplugged: plug it back in" in testbed.output("terminal"), 10,
                     "the terminal saying the reader is unplugged")
        testbed.wait(lambda: off_the_bus, 10, "the terminal letting go of the unplugged reader")
        # Back in: the terminal finds it again and the next sale goes through.
        reader.remove()
        reader.plugged_back()
        testbed.plug(ACR122U)  # same device node: the emulator stays attached to it
        testbed.wait(lambda: "ACS ACR122U connected" in testbed.output("terminal"), 15, "the reader found again")
        sale = testbed.start([vtpe_bin, "sale", "7.50", "--wait", "--data-dir", data], "sale2")
        testbed.wait(lambda: testbed.output("terminal").count("WAITING_FOR_CARD") >= 2, 10, "the second sale waiting")
        reader.tap(card)
        testbed.wait(lambda: sale.poll() is not None, 30, "the second sale's result")
    finally:
        card.close()
    assert sale.returncode == 0 and testbed.output("sale2").startswith("APPROVED sale EUR 7.50"), testbed.output("terminal")
