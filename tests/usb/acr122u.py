"""An ACS ACR122U emulated at the usbdevfs level, for umockdev: the URBs libusb submits are answered as they come.

Written from the specifications, independently of vtpe's Swift reader code (an oracle, not a copy):
- usbdevfs (linux/usbdevice_fs.h): SUBMITURB / REAPURB(NDELAY) / DISCARDURB and the few ioctls libusb sends when it
  opens and claims a device; `struct usbdevfs_urb` as laid out on 64-bit Linux;
- CCID rev 1.1 §6: PC_to_RDR_IccPowerOn / GetSlotStatus / XfrBlock / Escape, RDR_to_PC_DataBlock / SlotStatus;
- the ACR122U API (§6): direct transmit `FF 00 00 00 Lc <PN532 frame>` answered `61 xx`, GET RESPONSE `FF C0 00 00 xx`;
- the PN532 user manual (UM0701-02 §7.3): InListPassiveTarget (D4 4A), InDataExchange (D4 40).

The card in the field is a child process that answers APDUs line by line (`vtpe apdu CARD`): one of vtpe's own
virtual cards, so its cryptograms are the ones the gateway's issuer verifies.
"""

import errno
import struct
import subprocess

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402


def _ioc(direction, number, size):
    return direction << 30 | size << 16 | ord("U") << 8 | number


_IO, _IOW, _IOR = 0, 1, 2
SUBMITURB = _ioc(_IOR, 10, 56)
DISCARDURB = _ioc(_IO, 11, 0)
REAPURB = _ioc(_IOW, 12, 8)
REAPURBNDELAY = _ioc(_IOW, 13, 8)
CLAIMINTERFACE = _ioc(_IOR, 15, 4)
RELEASEINTERFACE = _ioc(_IOR, 16, 4)
GETDRIVER = _ioc(_IOW, 8, 260)
SETINTERFACE = _ioc(_IOR, 4, 8)
RESET = _ioc(_IO, 20, 0)
CLEAR_HALT = _ioc(_IOR, 21, 4)
GET_CAPABILITIES = _ioc(_IOR, 26, 4)
DISCONNECT_CLAIM = _ioc(_IOR, 27, 264)
# USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_NO_PACKET_SIZE_LIM: one URB per transfer.
CAPABILITIES = 0x01 | 0x04

URB_SIZE = 56  # type, endpoint, status@4, flags@8, buffer@16, buffer_length@24, actual_length@28, …, usercontext@48

ATR = bytes.fromhex("3B8F8001804F0CA000000306030000000068")
ATS = bytes([0x05, 0x78, 0x80, 0x70, 0x02])
UID = bytes([0x04, 0x5A, 0x31, 0xC2])
SELECT_PPSE = "00A404000E325041592E5359532E444446303100"


class _Unplugged(Exception):
    """The reader is pulled out as this command goes to it."""


class VirtualCard:
    """One of vtpe's simulator cards behind `vtpe apdu`: hex APDU lines in, hex answers out."""

    def __init__(self, vtpe_bin, name, cwd):
        self.proc = subprocess.Popen([str(vtpe_bin), "apdu", name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd)

    def transmit(self, apdu):
        self.proc.stdin.write(apdu.hex().upper() + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if not line:
            raise AssertionError(f"vtpe apdu ended: {self.proc.stderr.read()}")
        if line.startswith("error"):
            return None
        return bytes.fromhex(line)

    def reset(self):
        self.proc.stdin.write("reset\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class EmulatedACR122U:
    """The reader's firmware (CCID and PN532) and its usbdevfs endpoints. `tap(card)` puts a card in the field,
    `remove()` takes it away; `unplug_on(prefix)` pulls the reader out when the card is sent a command starting with
    those bytes (mid-transaction): from then on the reader behaves as usbfs does for a device that is gone."""

    BULK_OUT, BULK_IN = 0x02, 0x82

    def __init__(self):
        self.handler = UMockdev.IoctlBase()
        self.handler.connect("handle-ioctl", self._ioctl)
        self.card = None
        self.target_active = False
        self.powered = False
        self.waiting = b""          # the PN532 answer GET RESPONSE hands out
        self.bulk_in = bytearray()  # reader-to-host bytes not yet transferred
        self.pending = []           # submitted URBs: (urb, buffer, endpoint, length)
        self.done = []              # URBs to reap: (urb, status, bytes)
        self.apdus = []             # the card's commands, in hex
        self.ccid = []              # the CCID message types received, in order
        self.sequences = []
        self.gone = False
        self.unplug_prefix = None
        self.on_unplug = None

    # The host side of the test.
    def tap(self, card):
        self.card = card

    def remove(self):
        self.card = None
        self.target_active = False

    def unplug_on(self, prefix, action):
        """Pulls the reader out when the card is about to get a command starting with `prefix` (hex): the command
        never reaches it and, as usbfs does on a disconnect (drivers/usb/core/devio.c), the URBs in flight complete
        with -ESHUTDOWN and can still be reaped, then REAPURB answers ENODEV and every other request too. Once the
        host releases the device, `action` is called to take it off the bus (sysfs) — from the main loop, not from
        inside this handler: an ioctl on its way when the device goes would never be answered (umockdev drops the
        device's handler with it). umockdev's "client-vanished" does not come when libusb closes the device node,
        so the release is the sign."""
        self.unplug_prefix, self.on_unplug = prefix, action

    def plugged_back(self):
        self.gone = False
        self.bulk_in.clear()
        self.pending.clear()
        self.done.clear()
        self.powered = False

    # usbdevfs.
    def _ioctl(self, handler, client):
        request = client.get_request() & 0xFFFFFFFF
        arg = client.get_arg()
        if self.gone and request not in (REAPURB, REAPURBNDELAY):
            client.complete(-1, errno.ENODEV)  # devio.c: reaping is the one thing allowed after a disconnect
            if request in (RELEASEINTERFACE, CLAIMINTERFACE) and self.on_unplug:
                # The host lets go of the device (or fails to take it again): off the bus it goes, before the
                # host's next open.
                action, self.on_unplug = self.on_unplug, None
                action()
        elif request == GET_CAPABILITIES:
            arg.resolve(0, 4).update(0, list(struct.pack("<I", CAPABILITIES)))
            client.complete(0, 0)
        elif request in (CLAIMINTERFACE, RELEASEINTERFACE, CLEAR_HALT, RESET, SETINTERFACE, DISCONNECT_CLAIM):
            client.complete(0, 0)
        elif request == GETDRIVER:
            client.complete(-1, errno.ENODATA)  # no kernel driver bound
        elif request == SUBMITURB:
            self._submit(arg.resolve(0, URB_SIZE))
            client.complete(0, 0)
        elif request in (REAPURB, REAPURBNDELAY):
            self._complete_pending()
            if not self.done:
                client.complete(-1, errno.ENODEV if self.gone else errno.EAGAIN)
            else:
                urb, status, data = self.done.pop(0)
                if data:
                    urb.resolve(16, len(data)).update(0, list(data))
                urb.update(4, list(struct.pack("<i", status)))
                urb.update(28, list(struct.pack("<i", len(data))))
                arg.resolve(0, 8).set_ptr(0, urb)
                client.complete(0, 0)
        elif request == DISCARDURB:
            address = struct.unpack("<Q", bytes(arg.retrieve())[:8])[0]
            for i, (urb, _, _, _) in enumerate(self.pending):
                if urb.client_addr == address:
                    del self.pending[i]
                    self.done.append((urb, -errno.ENOENT, b""))
                    client.complete(0, 0)
                    break
            else:
                client.complete(-1, errno.EINVAL)
        else:
            client.complete(-1, errno.ENOTTY)
        return True

    def _submit(self, urb):
        raw = bytes(urb.retrieve())
        endpoint = raw[1]
        length = struct.unpack_from("<i", raw, 24)[0]
        buffer = urb.resolve(16, length) if length else None
        if endpoint == self.BULK_OUT:
            try:
                self._command(bytes(buffer.retrieve()) if buffer else b"")
            except _Unplugged:
                self.gone = True
                self.bulk_in.clear()
                self.done.append((urb, -errno.ESHUTDOWN, b""))
                self.done += [(pending, -errno.ESHUTDOWN, b"") for pending, _, _, _ in self.pending]
                self.pending.clear()
                return
            self.done.append((urb, 0, b""))
            # An OUT transfer's actual length is all of it.
            urb.update(28, list(struct.pack("<i", length)))
        else:
            self.pending.append((urb, buffer, endpoint, length))

    def _complete_pending(self):
        for i, (urb, _, endpoint, length) in enumerate(self.pending):
            if endpoint == self.BULK_IN and self.bulk_in:
                data = bytes(self.bulk_in[:length])
                del self.bulk_in[:length]
                del self.pending[i]
                self.done.append((urb, 0, data))
                return

    # CCID.
    def _command(self, message):
        if len(message) < 10:
            return  # a real reader stalls; vtpe never sends one (its unit tests cover short frames)
        kind, length, seq = message[0], struct.unpack_from("<I", message, 1)[0], message[6]
        payload = message[10:10 + length]
        self.ccid.append(kind)
        self.sequences.append(seq)
        if kind == 0x62:    # IccPowerOn: the PN532 wakes
            self.powered = True
            self._reply(0x80, seq, 0x00, ATR)
        elif kind == 0x63:  # IccPowerOff
            self.powered = False
            self._reply(0x81, seq, 0x01, b"")
        elif kind == 0x65:  # GetSlotStatus
            self._reply(0x81, seq, 0x00 if self.powered else 0x01, b"")
        elif kind == 0x6B:  # Escape: the firmware version
            self._reply(0x83, seq, 0x00, b"ACR122U207")
        elif kind == 0x6F and not self.powered:
            self._reply(0x80, seq, 0x41, b"", error=0xFE)
        elif kind == 0x6F:
            self._reply(0x80, seq, 0x00, self._pseudo_apdu(payload))
        else:
            self._reply(0x81, seq, 0x40, b"", error=0x00)  # command not supported

    def _reply(self, kind, seq, status, payload, error=0):
        self.bulk_in += struct.pack("<BIBBBB", kind, len(payload), 0, seq, status, error) + b"\x00" + payload

    def _pseudo_apdu(self, apdu):
        if apdu[:2] == b"\xFF\x00" and len(apdu) >= 5 and len(apdu) == 5 + apdu[4]:
            self.waiting = self._pn532(apdu[5:]) + b"\x90\x00"
            return bytes([0x61, len(self.waiting) & 0xFF])
        if apdu[:2] == b"\xFF\xC0" and len(apdu) == 5 and self.waiting:
            answer, self.waiting = self.waiting[:apdu[4] or 256], b""
            return answer
        return b"\x6A\x81"

    def _pn532(self, frame):
        if frame[:2] == b"\xD4\x4A":  # InListPassiveTarget
            if self.card is None:
                self.target_active = False
                return b"\xD5\x4B\x00"
            if not self.target_active:
                self.card.reset()
            self.target_active = True
            return b"\xD5\x4B\x01\x01\x00\x04\x20" + bytes([len(UID)]) + UID + ATS
        if frame[:2] == b"\xD4\x40" and len(frame) >= 3:  # InDataExchange with target 1
            if self.card is None or not self.target_active:
                return b"\xD5\x41\x01"  # time-out: no target
            apdu = frame[3:]
            if self.unplug_prefix and apdu.hex().upper().startswith(self.unplug_prefix):
                self.unplug_prefix = None
                raise _Unplugged()
            self.apdus.append(apdu.hex().upper())
            answer = self.card.transmit(apdu)
            return b"\xD5\x41\x01" if answer is None else b"\xD5\x41\x00" + answer
        return bytes([0xD5, frame[1] + 1]) if len(frame) > 1 else b"\x7F"
