"""Fixtures for the USB reader tests: the real libusb path of `vtpe` against USB devices that umockdev emulates.

Run with Debian's python3 (`make usb-tests`): umockdev's GObject bindings (gir1.2-umockdev-1.0, python3-gi) come
from Debian, not PyPI. A `UMockdev.Testbed` holds the fake sysfs and /dev; `vtpe` runs under `umockdev-wrapper`
with the testbed's directory, so devices can be plugged in and pulled out while it runs. The testbed answers the
emulated device's ioctls (the URBs of the scripts) from this process: waits here pump GLib's main context.
Every wait has a time-out.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import sys

import pytest

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from fixtures import vtpe_bin, workdir  # noqa: E402,F401  (pytest fixtures)


def descriptors(device, interfaces):
    """A device descriptor and one configuration with `interfaces` (each: interface bytes, class-specific bytes,
    endpoints), as the `descriptors` sysfs attribute holds them: hex, upper case (umockdev's parser wants it)."""
    body = b"".join(bytes(i) + bytes(extra) + b"".join(bytes(e) for e in eps) for i, extra, eps in interfaces)
    total = 9 + len(body)
    config = bytes([0x09, 0x02, total & 0xFF, total >> 8, len(interfaces), 0x01, 0x00, 0x80, 0x32]) + body
    return (bytes(device) + config).hex().upper()


def usb_device(bus, address, vendor, product, desc, sysname):
    """A umockdev description of a USB device at bus/address."""
    return f"""P: /devices/pci0000:00/0000:00:14.0/usb{bus}/{sysname}
N: bus/usb/{bus:03d}/{address:03d}={desc}
E: BUSNUM={bus:03d}
E: DEVNAME=/dev/bus/usb/{bus:03d}/{address:03d}
E: DEVNUM={address:03d}
E: DEVTYPE=usb_device
E: DRIVER=usb
E: MAJOR=189
E: MINOR={address - 1}
E: PRODUCT={vendor:x}/{product:x}/100
E: SUBSYSTEM=usb
E: TYPE=0/0/0
A: bConfigurationValue=1
A: bDeviceClass=00
A: bNumConfigurations=1
A: busnum={bus}
A: devnum={address}
H: descriptors={desc}
A: idProduct={product:04x}
A: idVendor={vendor:04x}
A: speed=12
"""


# ACS ACR122U (072f:2200): one CCID interface (class 0x0B) with its 54-byte class descriptor, interrupt IN 0x81,
# bulk OUT 0x02, bulk IN 0x82.
CCID_CLASS = [0x36, 0x21, 0x10, 0x01, 0x00, 0x01, 0x03] + [0] * 47
ACR122U = usb_device(1, 2, 0x072F, 0x2200, descriptors(
    [0x12, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x10, 0x2F, 0x07, 0x00, 0x22, 0x14, 0x02, 0x01, 0x02, 0x00, 0x01],
    [([0x09, 0x04, 0x00, 0x00, 0x03, 0x0B, 0x00, 0x00, 0x00], CCID_CLASS,
      [[0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x0A], [0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00], [0x07, 0x05, 0x82, 0x02, 0x40, 0x00, 0x00]])]),
    "1-1")

# MagTek USB swipe reader in HID mode (0801:0002): one HID interface, interrupt IN 0x81.
MAGTEK = usb_device(1, 3, 0x0801, 0x0002, descriptors(
    [0x12, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x08, 0x01, 0x08, 0x02, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x01],
    [([0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00], [0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x1D, 0x00],
      [[0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x01]])]),
    "1-3")


def magtek_report(track1, track2):
    """One 337-byte MagTek HID report: decode status per track, lengths, encoding, the track buffers at 7, 117, 227
    (built here from the layout, independently of vtpe's encoder)."""
    report = bytearray(337)
    report[2] = 1  # track 3 not decoded
    report[3], report[4], report[6] = len(track1), len(track2), 1
    report[7:7 + len(track1)] = track1.encode()
    report[117:117 + len(track2)] = track2.encode()
    return bytes(report)


def interrupt_in(path, endpoint, data):
    """An ioctl script whose only URB is an interrupt IN transfer of `data` on `endpoint` (umockdev's usbdevfs
    format: type 1 = interrupt, endpoint in decimal, status, flags, buffer length, actual length, error count)."""
    return f"@DEV {path} (usbdevfs)\nUSBDEVFS_REAPURBNDELAY 0 1 {endpoint} 0 0 {len(data)} {len(data)} 0 {data.hex().upper()}\n"


class Testbed:
    """A umockdev testbed and the vtpe processes running in it."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.bed = UMockdev.Testbed.new()
        self.env = dict(os.environ, UMOCKDEV_DIR=self.bed.get_root_dir())
        self.procs = []

    def pump(self, seconds):
        """Lets the testbed answer the emulated devices' ioctls for `seconds`."""
        context = GLib.MainContext.default()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while context.iteration(False):
                pass
            time.sleep(0.005)

    def wait(self, predicate, timeout, what):
        context = GLib.MainContext.default()
        end = time.monotonic() + timeout
        while True:
            while context.iteration(False):
                pass
            value = predicate()
            if value:
                return value
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.01)

    def plug(self, description):
        """Plugs a device in; its sysfs path (for `unplug`)."""
        assert self.bed.add_from_string(description), "umockdev refused the device description"
        return "/sys" + description.split("\n", 1)[0].removeprefix("P: ")

    def unplug(self, syspath):
        """Takes a device off the bus (sysfs): a new open does not find it."""
        self.bed.remove_device(syspath)

    def attach(self, devnode, emulator):
        """Answers the device node's ioctls with `emulator` (an `IoctlBase` handler: URBs as they come)."""
        assert self.bed.attach_ioctl(devnode, emulator.handler), f"umockdev cannot emulate {devnode}"

    def script(self, path, text, name):
        file = self.workdir / name
        file.write_text(text)
        self.bed.load_ioctl(path, str(file))

    def start(self, argv, name):
        out = open(self.workdir / f"{name}.out", "w")
        err = open(self.workdir / f"{name}.err", "w")
        proc = subprocess.Popen(["umockdev-wrapper", *map(str, argv)], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=self.env, cwd=REPO_ROOT)
        self.procs.append(proc)
        return proc

    def run(self, argv, timeout=15):
        """Runs a command in the testbed to its end, pumping meanwhile; (exit status, stdout, stderr)."""
        out, err = self.workdir / "run.out", self.workdir / "run.err"
        with open(out, "w") as o, open(err, "w") as e:
            proc = subprocess.Popen(["umockdev-wrapper", *map(str, argv)], stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                    env=self.env, cwd=REPO_ROOT)
            try:
                self.wait(lambda: proc.poll() is not None, timeout, " ".join(map(str, argv)))
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        return proc.returncode, out.read_text(), err.read_text()

    def output(self, name):
        return (self.workdir / f"{name}.out").read_text()

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.bed.clear()


@pytest.fixture
def testbed(workdir):
    if shutil.which("umockdev-wrapper") is None:
        pytest.fail("umockdev is required for the USB tests (make test installs it)")
    bed = Testbed(workdir)
    yield bed
    bed.close()
