#!/usr/bin/env python3
"""Tap-to-approval latency through the real binary: a headless terminal on its embedded gateway (loopback, no
emulated network delay), driven over its control socket. Each sample is one `tap CARD MODE wait` request: from the
card presented to the approval on the terminal — EMV dialogue with the virtual card, DUKPT encipherment, the HTTP
authorization, the issuer's ARQC check and ARPC, the SQLite commit (synchronous=FULL), issuer authentication and
the receipt. The amount is keyed in before each sample and not timed.

usage: bench/tap_latency.py [--bin .build/release/vtpe] [--count 1000] [--card visa] [--mode contactless] [--amount 1.00]
"""
import argparse, os, signal, socket, subprocess, tempfile, time


def request(path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode().strip()


ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=".build/release/vtpe")
ap.add_argument("--count", type=int, default=1000)
ap.add_argument("--card", default="visa")
ap.add_argument("--mode", default="contactless", choices=["contactless", "contact", "magstripe"])
ap.add_argument("--amount", default="1.00")
ap.add_argument("--pin", default="1234", help="typed ahead when the card asks for one")
args = ap.parse_args()

with tempfile.TemporaryDirectory(prefix="vtpe-bench-") as data:
    term = subprocess.Popen([args.bin, "terminal", "--headless", "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = os.path.join(data, "terminal.sock")
    try:
        deadline = time.time() + 30
        while not (os.path.exists(sock) and os.path.exists(os.path.join(data, "keys-countertop.json"))):
            if time.time() > deadline:
                raise SystemExit("terminal did not start")
            time.sleep(0.05)
        tap = f"tap {args.card} {args.mode} pin={args.pin} wait"
        samples = []
        for i in range(args.count + 20):  # the first 20 warm up
            assert request(sock, f"amount {args.amount}").startswith("ok "), "amount refused"
            t = time.perf_counter()
            reply = request(sock, tap)
            elapsed = (time.perf_counter() - t) * 1000
            if not reply.startswith("result APPROVED"):
                raise SystemExit(f"tap {i} was not approved: {reply}")
            if i >= 20:
                samples.append(elapsed)
        samples.sort()
        pct = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
        print(f"taps={len(samples)} card={args.card} mode={args.mode} p50={pct(0.50):.1f}ms p90={pct(0.90):.1f}ms "
              f"p99={pct(0.99):.1f}ms max={samples[-1]:.1f}ms")
    finally:
        term.send_signal(signal.SIGTERM)
        term.wait(timeout=10)
