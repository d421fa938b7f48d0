#!/usr/bin/env python3
"""The terminal's hot code, for the linker (docs/benchmarks.md, issue 12): which functions a running terminal keeps
executing once it has started, written as a gold section-ordering file so `make release` lays them out together.

    python3 bench/hot_code_profile.py .build/release/vtpe [--out linker/terminal-hot-code.order]

Why: the kernel maps code around each fault, whole page-cache folios at a time (64 KiB to megabytes seen here,
kernel 6.18 on ext4), so the few thousand functions the idle terminal runs, spread over 40 MB of text, kept 16 MB
of it resident. Packed together they fit in about 2 MB. Two seconds after it starts the terminal drops the code it
ran only at start-up (`WorkingSet.trim`), so start-up code is left where it is.

How: a copy of the binary without its debug information (valgrind cannot read Swift's DWARF) runs `vtpe terminal`
under callgrind in tmux against a gateway on loopback. When the terminal logs its code trim the counters are
dumped and zeroed; then the terminal idles for 40 s (clock ticks, heartbeats, long polls), amounts are typed and
erased, and a sale is approved with the simulator's Visa. Every function of the binary with a cost in that second
dump is hot. The file lists their sections (`.text.<symbol>`; the Swift code is compiled with `-function-sections`)
by name. Symbols that no longer exist are ignored by the linker, so a stale file only packs less
well: run `make hot-code-profile` again after large changes to the terminal and commit the result.
"""

import argparse
import collections
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tui_bench as bench  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def self_costs(path, binary):
    """Self cost (instructions) of each function of `binary` in one callgrind dump (name compression resolved)."""
    names, objects = {}, {}
    current_object = current = None
    costs = collections.Counter()
    after_calls = False
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        match = re.match(r"(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", line)
        if match:
            called, kind, ident, name = match.groups()
            table = objects if kind == "ob" else names
            if name:
                table[ident] = name
            if not called:
                if kind == "ob":
                    current_object = objects.get(ident)
                else:
                    # Recursion contexts come as `symbol'2`: the same function.
                    current = (current_object, re.sub(r"'\d+$", "", names[ident]))
                    costs[current] += 0
            continue
        if line.startswith("calls="):
            after_calls = True  # the next cost line is the call's inclusive cost, not self cost
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_calls:
                after_calls = False
            elif current:
                fields = line.split()
                if len(fields) >= 2:
                    costs[current] += int(fields[1])
    return {name: cost for (obj, name), cost in costs.items() if obj and os.path.basename(obj) == os.path.basename(binary)}


def dump(description):
    """Asks the callgrind run (the only one on the machine) to write its counters so far, and zero them."""
    done = subprocess.run(["callgrind_control", "-d", description], timeout=120, capture_output=True, text=True)
    if "OK" not in done.stdout:
        raise SystemExit(f"callgrind_control could not dump: {done.stdout}{done.stderr}")


def profile(binary, workdir):
    port = bench.free_port()
    key = bench.KEY
    gateway = subprocess.Popen([binary, "gateway", "--port", str(port), "--data-dir", f"{workdir}/gw", "--api-key", key,
                                "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmux = bench.Tmux(workdir)
    out = f"{workdir}/callgrind.out"
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the gateway did not start")
                time.sleep(0.1)
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no", "--dump-line=no",
                "--demangle=no", binary, "terminal", "--profile", "countertop", "--gateway", url, "--api-key", key,
                "--data-dir", f"{workdir}/terminal"]
        env = ["env", "TERM=xterm-256color", "LANG=C.UTF-8", f"VTPE_PROFILES_DIR={REPO}/firmware-profiles"]
        tmux.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "bench",
                 shlex.join(env + argv) + f" 2>{shlex.quote(workdir)}/valgrind.log")
        bench.wait(tmux, lambda s: "QA ·" in s, timeout=600)
        log("terminal up under callgrind")
        # What runs after the trim is what stays resident, the first heartbeat and connection included: the
        # start-up part of the profile ends when the terminal logs the trim.
        trimmed = lambda: "code pages trimmed" in open(f"{workdir}/terminal/vtpe.log", errors="replace").read()
        deadline = time.monotonic() + 300
        while not trimmed():
            if time.monotonic() > deadline:
                raise SystemExit(f"the terminal never trimmed its code pages (see {workdir}/terminal/vtpe.log)")
            time.sleep(0.2)
        dump("startup")
        log("start-up dumped at the trim; idling")
        time.sleep(40)  # clock ticks, heartbeats, long polls

        def keys(*names):
            for name in names:
                tmux.run("send-keys", "-t", "bench", name)
                time.sleep(0.5)

        for _ in range(3):
            keys(*"1250", "BSpace", "BSpace", "BSpace", "BSpace")
        keys(*"1250", "Enter")
        time.sleep(5)
        keys("1")  # the simulator's Visa, tapped
        bench.wait(tmux, lambda s: "APPROVED" in s.upper(), timeout=300)
        log("sale approved")
        time.sleep(5)
        keys("Enter")
        time.sleep(15)
        dump("steady")
        log("steady state dumped")
    finally:
        tmux.run("kill-server")
        gateway.terminate()
        gateway.wait(10)
    dumps = sorted(p for p in os.listdir(workdir) if p.startswith("callgrind.out.") and p.endswith(".2"))
    if not dumps:
        raise SystemExit(f"no steady-state dump in {workdir}")
    return os.path.join(workdir, dumps[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--out", default=os.path.join(REPO, "linker", "terminal-hot-code.order"))
    args = parser.parse_args()
    for tool in ("valgrind", "tmux", "objcopy"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is required (apt-get install valgrind tmux binutils)")
    workdir = tempfile.mkdtemp(prefix="vtpe-hot-code-")
    binary = os.path.join(workdir, "vtpe")
    subprocess.run(["objcopy", "--strip-debug", args.binary, binary], check=True)
    costs = self_costs(profile(binary, workdir), binary)
    # By name, so that a new profile shows in review as the functions it adds and drops.
    hot = sorted(name for name, cost in costs.items() if cost > 0)
    if len(hot) < 1000:
        raise SystemExit(f"only {len(hot)} hot functions: the profile did not run (see {workdir}/valgrind.log)")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.writelines(f".text.{name}\n" for name in hot)
    sizes = {}
    for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 4:
            sizes[fields[3]] = int(fields[1], 16)
    print(f"{len(hot)} hot functions, {sum(sizes.get(n, 0) for n in hot) / 1e6:.2f} MB of code, written to {args.out}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
