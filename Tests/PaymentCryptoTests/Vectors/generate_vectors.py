"""Writes the oracle vector files next to this script (fixed seed, so re-running reproduces them byte for byte).

    /work/main/.venv/bin/python -W ignore Tests/PaymentCryptoTests/Vectors/generate_vectors.py

Oracles (independent implementations, none of them ours):
- pydukpt 0.1.0: TDES DUKPT (ANSI X9.24-1:2009) IPEK, current key, PIN/MAC/data variants, next KSN.
  (Not the PyPI package `dukpt` 1.0.1, whose keys are wrong for counters >= 0x200.)
- psec 1.3.0: ISO 9564 PIN blocks, formats 0, 2, 3 and 4 (format 4 with AES).
- cryptography (OpenSSL CMAC) and pycryptodome (its own DES/AES): AES-CMAC and TDES-CMAC; the script
  checks that the two agree before writing a case.
"""

import json
import pathlib
import random

import pydukpt
from psec import pinblock
from cryptography.hazmat.primitives.cmac import CMAC as OpenSSLCMAC
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from Crypto.Hash import CMAC as DomeCMAC
from Crypto.Cipher import AES as DomeAES, DES3 as DomeDES3

HERE = pathlib.Path(__file__).parent
rng = random.Random(9564)


def hexu(b: bytes) -> str:
    return b.hex().upper()


def rand_bytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def digits(n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def write(name: str, payload: dict) -> None:
    (HERE / name).write_text(json.dumps(payload, indent=1) + "\n")


# --- TDES DUKPT ---------------------------------------------------------------------------------------

def dukpt_case(bdk: bytes, ksn: bytes) -> dict:
    ipek = pydukpt.derive_ipek(bdk, ksn)
    cur = pydukpt.derive_key(ipek, ksn)
    return {
        "bdk": hexu(bdk), "ksn": hexu(ksn), "ipek": hexu(ipek), "current": hexu(cur),
        "pin": hexu(pydukpt.pin_key(cur)),
        "mac_request": hexu(pydukpt.mac_request_key(cur)),
        "mac_response": hexu(pydukpt.mac_response_key(cur)),
        "data_request": hexu(pydukpt.data_request_key(cur)),
        "data_response": hexu(pydukpt.data_response_key(cur)),
    }


def valid_counter() -> int:
    # Counters the originator uses: at most ten one bits among 21, weighted towards few bits and high bits.
    bits = rng.sample(range(21), rng.randint(1, 10))
    return sum(1 << b for b in bits)


annex_bdk = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
annex_ksn = bytes.fromhex("FFFF9876543210E00000")
tdes_cases = []
ksn = annex_ksn
for _ in range(40):  # the originator's first 40 transactions, counters 1..0x28 minus none (all have few bits)
    ksn = pydukpt.next_ksn(ksn)
    tdes_cases.append(dukpt_case(annex_bdk, ksn))
for _ in range(200):
    bdk = rand_bytes(16)
    ksn = pydukpt.ksn_with_counter(rand_bytes(10), valid_counter())
    tdes_cases.append(dukpt_case(bdk, ksn))
for counter in (0x1FF800, 0x1FF400, 0x100000, 0x0003FF, 0x1F8000):
    tdes_cases.append(dukpt_case(annex_bdk, pydukpt.ksn_with_counter(annex_ksn, counter)))

next_cases = []
for counter in [0, 1, 0x3FE, 0x3FF, 0x7FE, 0xFFC00, 0x1FF7FF, 0x1FF000] + [rng.randrange(0x1FF800) for _ in range(60)]:
    k = pydukpt.ksn_with_counter(annex_ksn, counter)
    next_cases.append({"ksn": hexu(k), "next": hexu(pydukpt.next_ksn(k))})

write("dukpt-tdes-pydukpt.json", {
    "source": "pydukpt 0.1.0 (independent oracle, ANSI X9.24-1:2009), generate_vectors.py, seed 9564",
    "keys": tdes_cases,
    "next_ksn": next_cases,
})

# --- PIN blocks ----------------------------------------------------------------------------------------

def pin() -> str:
    return digits(rng.randint(4, 12))


def pan(lo: int = 13) -> str:
    return digits(rng.randint(lo, 19))


iso0 = [{"pin": p, "pan": q, "block": hexu(pinblock.encode_pinblock_iso_0(p, q))} for p, q in ((pin(), pan()) for _ in range(150))]
iso2 = [{"pin": p, "block": hexu(pinblock.encode_pinblock_iso_2(p))} for p in (pin() for _ in range(50))]
iso3 = [{"pin": p, "pan": q, "block": hexu(pinblock.encode_pinblock_iso_3(p, q))} for p, q in ((pin(), pan()) for _ in range(150))]
iso4 = []
for i in range(150):
    key = rand_bytes((16, 24, 32)[i % 3])
    p, q = pin(), pan(8 if i % 5 == 0 else 12)
    block = pinblock.encipher_pinblock_iso_4(key, p, q)
    assert pinblock.decipher_pinblock_iso_4(key, block, q) == p
    iso4.append({"key": hexu(key), "pin": p, "pan": q, "block": hexu(block),
                 "pan_field": hexu(pinblock.encode_pan_field_iso_4(q))})

write("pinblock-psec.json", {
    "source": "psec 1.3.0 (independent oracle, ISO 9564-1), generate_vectors.py, seed 9564; "
              "format 3 and 4 blocks carry psec's own random fill",
    "iso0": iso0, "iso2": iso2, "iso3": iso3, "iso4": iso4,
})

# --- CMAC ----------------------------------------------------------------------------------------------

def cmac_openssl(algorithm, data: bytes) -> bytes:
    c = OpenSSLCMAC(algorithm)
    c.update(data)
    return c.finalize()


aes_cmac, tdes_cmac = [], []
for i in range(120):
    key = rand_bytes((16, 24, 32)[i % 3])
    data = rand_bytes(rng.choice([0, 1, 15, 16, 17, 31, 32, 33, 64, rng.randrange(200)]))
    tag = cmac_openssl(algorithms.AES(key), data)
    assert tag == DomeCMAC.new(key, data, ciphermod=DomeAES).digest()
    aes_cmac.append({"key": hexu(key), "data": hexu(data), "mac": hexu(tag)})
for i in range(120):
    key = rand_bytes((16, 24)[i % 2])
    data = rand_bytes(rng.choice([0, 1, 7, 8, 9, 16, 24, 25, rng.randrange(200)]))
    tag = cmac_openssl(TripleDES(key), data)
    try:
        assert tag == DomeCMAC.new(key, data, ciphermod=DomeDES3).digest()
    except ValueError:
        pass  # pycryptodome refuses keys that degenerate to single DES; OpenSSL's answer stands alone
    tdes_cmac.append({"key": hexu(key), "data": hexu(data), "mac": hexu(tag)})

write("cmac-openssl-pycryptodome.json", {
    "source": "cryptography (OpenSSL CMAC) cross-checked with pycryptodome, generate_vectors.py, seed 9564",
    "aes": aes_cmac, "tdes": tdes_cmac,
})
print(len(tdes_cases), len(next_cases), len(iso0), len(iso2), len(iso3), len(iso4), len(aes_cmac), len(tdes_cmac))
