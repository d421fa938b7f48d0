#!/usr/bin/env python3
"""Tap-to-result latency through the real binary: a headless terminal on the embedded gateway, driven by
`vtpe tap --amount 1.00 --wait` N times. Each sample includes starting the `vtpe tap` process.

usage: bench/tap_latency.py [--bin .build/release/vtpe] [--count 100]
"""
import argparse, os, signal, subprocess, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=".build/release/vtpe")
ap.add_argument("--count", type=int, default=100)
args = ap.parse_args()

with tempfile.TemporaryDirectory(prefix="vtpe-bench-") as data:
    term = subprocess.Popen([args.bin, "terminal", "--headless", "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not os.path.exists(os.path.join(data, "terminal.sock")):
            if time.time() > deadline:
                raise SystemExit("terminal did not start")
            time.sleep(0.05)
        tap = [args.bin, "tap", "visa", "--amount", "1.00", "--wait", "--data-dir", data]
        subprocess.run(tap, check=True, capture_output=True, timeout=10)  # warm-up
        samples = []
        for _ in range(args.count):
            t = time.perf_counter()
            subprocess.run(tap, check=True, capture_output=True, timeout=10)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        pct = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
        print(f"taps={len(samples)} p50={pct(0.50):.1f}ms p90={pct(0.90):.1f}ms p99={pct(0.99):.1f}ms max={samples[-1]:.1f}ms")
    finally:
        term.send_signal(signal.SIGTERM)
        term.wait(timeout=10)
