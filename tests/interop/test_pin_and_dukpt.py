"""DUKPT and PIN blocks: `vtpe crypto` against pydukpt 0.1.0 (TDES DUKPT) and psec 1.3.0 (ISO 9564 formats 0, 3, 4)."""
import pydukpt
import psec.pinblock as pb
from conftest import CASES, luhn_pan, rand_hex


def random_ksn(rng):
    # A counter with at most 10 one-bits, as an originating device would use.
    while True:
        counter = rng.randrange(1, 1 << 21)
        if bin(counter).count("1") <= 10:
            break
    base = bytearray(bytes.fromhex(rand_hex(rng, 10)))
    base[7] &= 0xE0
    base[8] = 0
    base[9] = 0
    value = int.from_bytes(base, "big") | counter
    return value.to_bytes(10, "big").hex().upper()


def test_tdes_dukpt_keys(vtpe, rng):
    for _ in range(CASES):
        bdk, ksn = rand_hex(rng, 16), random_ksn(rng)
        ipek = pydukpt.derive_ipek(bytes.fromhex(bdk), bytes.fromhex(ksn))
        current = pydukpt.derive_key(ipek, bytes.fromhex(ksn))
        want = {
            "ipek": ipek,
            "current": current,
            "pin": pydukpt.pin_key(current),
            "mac": pydukpt.mac_request_key(current),
            "data": pydukpt.data_request_key(current),
        }
        usage = rng.choice(list(want))
        got = vtpe("crypto", "dukpt", "--bdk", bdk, "--ksn", ksn, "--key", usage)
        assert got == want[usage].hex().upper(), (bdk, ksn, usage)


def test_published_tdes_dukpt_vector(vtpe):
    # ANSI X9.24-1:2009 Annex A.4.
    ipek = vtpe("crypto", "dukpt", "--bdk", "0123456789ABCDEFFEDCBA9876543210", "--ksn", "FFFF9876543210E00000", "--key", "ipek")
    assert ipek == "6AC292FAA1315B4D858AB3A3D7D5933A"


def test_pin_blocks_against_psec(vtpe, rng):
    for _ in range(CASES):
        pin = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 13)))
        pan = luhn_pan(rng, rng.choice([13, 16, 19]))
        fmt = rng.choice(["0", "3", "4"])
        if fmt == "0":
            want = pb.encode_pinblock_iso_0(pin, pan).hex().upper()
            assert vtpe("crypto", "pinblock", "--format", 0, "--pin", pin, "--pan", pan) == want
            assert vtpe("crypto", "pinblock", "decode", "--format", 0, "--block", want, "--pan", pan) == pin
        elif fmt == "3":
            # Random fill: check that each side decodes the other's block.
            theirs = pb.encode_pinblock_iso_3(pin, pan).hex().upper()
            assert vtpe("crypto", "pinblock", "decode", "--format", 3, "--block", theirs, "--pan", pan) == pin
            ours = vtpe("crypto", "pinblock", "--format", 3, "--pin", pin, "--pan", pan)
            assert pb.decode_pinblock_iso_3(bytes.fromhex(ours), pan) == pin
        else:
            key = rand_hex(rng, rng.choice([16, 24, 32]))
            theirs = pb.encipher_pinblock_iso_4(bytes.fromhex(key), pin, pan).hex().upper()
            assert vtpe("crypto", "pinblock", "decode", "--format", 4, "--block", theirs, "--pan", pan, "--key", key) == pin
            ours = vtpe("crypto", "pinblock", "--format", 4, "--pin", pin, "--pan", pan, "--key", key)
            assert pb.decipher_pinblock_iso_4(bytes.fromhex(key), bytes.fromhex(ours), pan) == pin


def test_pin_block_format_1_round_trip(vtpe, rng):
    for _ in range(20):
        pin = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 13)))
        block = vtpe("crypto", "pinblock", "--format", 1, "--pin", pin, "--pan", "4242424242424242")
        assert block[0] == "1" and int(block[1], 16) == len(pin), block
        assert vtpe("crypto", "pinblock", "decode", "--format", 1, "--block", block, "--pan", "4242424242424242") == pin
