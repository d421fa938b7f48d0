"""EMV keys, cryptograms and ARPCs: `vtpe crypto` against pyemv 1.5.0 over random keys, PANs and ATCs."""
from conftest import CASES, luhn_pan, rand_hex
from pyemv import ac, kd


def test_icc_master_key_option_a_and_b(vtpe, rng):
    for _ in range(CASES):
        imk = rand_hex(rng, 16)
        pan = luhn_pan(rng, rng.choice([12, 13, 15, 16, 17, 18, 19]))
        psn = "%02d" % rng.randrange(100)
        opt = rng.choice("ab")
        want = (kd.derive_icc_mk_a if opt == "a" else kd.derive_icc_mk_b)(bytes.fromhex(imk), pan, psn).hex().upper()
        got = vtpe("crypto", "icc-key", "--imk", imk, "--pan", pan, "--psn", psn, "--option", opt)
        assert got == want, (imk, pan, psn, opt)


def test_session_key(vtpe, rng):
    for _ in range(CASES):
        mk, atc = rand_hex(rng, 16), rand_hex(rng, 2)
        want = kd.derive_common_sk(bytes.fromhex(mk), bytes.fromhex(atc) + bytes(6)).hex().upper()
        assert vtpe("crypto", "session-key", "--mk", mk, "--atc", atc) == want, (mk, atc)


def test_arqc_both_paddings(vtpe, rng):
    for _ in range(CASES):
        sk = rand_hex(rng, 16)
        data = rand_hex(rng, rng.randrange(1, 64))
        padding = rng.choice(["emv", "visa"])
        pad = ac.PaddingType.EMV if padding == "emv" else ac.PaddingType.VISA
        want = ac.generate_ac(bytes.fromhex(sk), bytes.fromhex(data), pad).hex().upper()
        assert vtpe("crypto", "arqc", "--key", sk, "--data", data, "--padding", padding) == want, (sk, data, padding)


def test_arpc_methods(vtpe, rng):
    for _ in range(CASES):
        sk, arqc = rand_hex(rng, 16), rand_hex(rng, 8)
        if rng.random() < 0.5:
            arc = rand_hex(rng, 2)
            want = ac.generate_arpc_1(bytes.fromhex(sk), bytes.fromhex(arqc), bytes.fromhex(arc)).hex().upper()
            got = vtpe("crypto", "arpc", "--key", sk, "--arqc", arqc, "--method", 1, "--arc", arc)
        else:
            csu, prop = rand_hex(rng, 4), rand_hex(rng, rng.choice([0, 1, 4, 8]))
            want = ac.generate_arpc_2(bytes.fromhex(sk), bytes.fromhex(arqc), bytes.fromhex(csu), bytes.fromhex(prop)).hex().upper()
            args = ["crypto", "arpc", "--key", sk, "--arqc", arqc, "--method", 2, "--csu", csu]
            got = vtpe(*(args + (["--prop", prop] if prop else [])))
        assert got == want, (sk, arqc)


def test_bad_input_exits_2_with_a_message(vtpe):
    for args in (["icc-key", "--imk", "00", "--pan", "4242424242424242"],
                 ["icc-key", "--imk", "0123456789ABCDEFFEDCBA9876543210", "--pan", "42x2"],
                 ["arqc", "--key", "ZZ", "--data", "00"],
                 ["arpc", "--key", "0123456789ABCDEFFEDCBA9876543210", "--arqc", "0011", "--arc", "3030"],
                 ["session-key", "--mk", "0123456789ABCDEFFEDCBA9876543210", "--atc", "1"]):
        p = vtpe("crypto", *args, expect_ok=False)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.startswith("vtpe: "), (args, p.stderr)
        assert p.stdout == "", (args, p.stdout)
