#!/usr/bin/env python3
"""Public verifications per second of `hoso serve`: one server on the archive's SQLite, then 1, 2 and 3 application
servers with `--database` on the hub's PostgreSQL, all on the same archive. Run by tools/bench-hub only when
`hoso serve --help` shows --database.

    tools/bench_hub_verify.py --hoso FILE --hoso-bench FILE --database URL --work DIR [--pg-data DIR]…
                              [--duration S] [--connections C]

The archive (10,000 ledger entries from `hoso-bench records`, the demo PKI, one issued copy) is made as
tools/bench-web makes its own. The loader is in this process: C threads, each with a keep-alive connection, posting
{"qr": …} to /api/verify of the servers in turn for S seconds. Per run: verifications/s, p50/p99, the CPU time of
the servers and of PostgreSQL per verification. Prints one "json:" line. Exit 0 ran, 1 a request failed, 2 could
not run.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

PW = "bench-hub-mat-khau"


def run(cmd):
    env = dict(os.environ, HOSO_NO_PROGRESS="1", HOSO_BENCH_PW=PW)
    return subprocess.run(cmd, check=True, text=True, capture_output=True, env=env).stdout


def proc_cpu(pid, children=False):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu(data_dirs):
    """Postmasters with their exited and live children (as hoso-bench-hub counts them)."""
    total = 0.0
    for d in data_dirs:
        try:
            pm = int(open(os.path.join(d, "postmaster.pid")).readline())
        except (OSError, ValueError):
            continue
        total += proc_cpu(pm, children=True)
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == pm:
                        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                except OSError:
                    pass
    return total


def load(ports, body, seconds, connections):
    """Posts to the ports in turn from `connections` threads; returns (count, failures, latencies in ms)."""
    stop = time.monotonic() + seconds
    lat, failures, lock = [], [0], threading.Lock()

    def worker(i):
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                conn.request("POST", "/api/verify", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.monotonic() - t) * 1000)
        with lock:
            lat.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    return len(lat), failures[0], lat


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hoso", required=True)
    ap.add_argument("--hoso-bench", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--pg-data", action="append", default=[])
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=12)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    archive = os.path.join(a.work, "archive")
    subprocess.run([a.hoso_bench, "records", "--work", a.work, "--entries", "1000", "--index-entries", "10000", "--queries", "10",
                    "--probes", "0"], check=True, stdout=subprocess.DEVNULL)
    h = [a.hoso, "--archive", archive]
    pki = os.path.join(a.work, "pki")
    run([a.hoso, "pki", "demo", pki, "--password-env", "HOSO_BENCH_PW"])
    run(h + ["trust", "add", "--label", "demo"] + [os.path.join(pki, "roots", f) for f in os.listdir(os.path.join(pki, "roots"))])
    hit = json.loads(run(h + ["find", "nguyen van", "--json"]))
    entry = (hit["entries"] if isinstance(hit, dict) else hit)[0]
    req = json.loads(run(h + ["request", "new", "--requester", entry["fullName"], "--holder", entry["fullName"],
                              "--serial", entry["serial"], "--json"]))["id"]
    qr = json.loads(run(h + ["copy", "issue", entry["serial"], "--request", req, "--key", os.path.join(pki, "van-phong.p12"),
                             "--password-env", "HOSO_BENCH_PW", "--out", os.path.join(a.work, "copy.pdf"), "--json"]))["qr"]
    body = json.dumps({"qr": qr})
    unlimited = ["--public-burst", "1000000000", "--public-rate", "1000000000", "--public-queue", str(4 * a.connections)]
    results, failed = [], False
    for label, count, extra in [("sqlite", 1, []), ("postgres", 1, ["--database", a.database]),
                                ("postgres", 2, ["--database", a.database]), ("postgres", 3, ["--database", a.database])]:
        servers = []
        try:
            for _ in range(count):
                p = subprocess.Popen(h + ["serve", "--port", "0"] + unlimited + extra, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(a.work, "serve.log"), "a"), text=True)
                servers.append(p)
                line = p.stdout.readline()
                m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
                if not m:
                    print(f"bench-hub: hoso serve {' '.join(extra)} did not start (see {a.work}/serve.log)", file=sys.stderr)
                    return 2
                p.port = int(m.group(1))
            ports = [p.port for p in servers]
            load(ports, body, 2, a.connections)  # warm-up
            cpu0 = sum(proc_cpu(p.pid) for p in servers)
            pg0 = postgres_cpu(a.pg_data) if label == "postgres" else 0.0
            n, bad, lat = load(ports, body, a.duration, a.connections)
            cpu = sum(proc_cpu(p.pid) for p in servers) - cpu0
            pg = (postgres_cpu(a.pg_data) - pg0) if label == "postgres" else 0.0
            r = {"store": label, "servers": count, "verificationsPerSecond": n / a.duration, "failures": bad,
                 "p50ms": lat[len(lat) // 2] if lat else 0, "p99ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0,
                 "serverCpuMsPerRequest": cpu * 1000 / max(n, 1), "postgresCpuMsPerRequest": pg * 1000 / max(n, 1)}
            failed |= bad > 0
            results.append(r)
            print(f"  verify  {label:8} x{count}: {r['verificationsPerSecond']:8.0f}/s  p50 {r['p50ms']:.2f} ms  p99 {r['p99ms']:.2f} ms"
                  f"  CPU/verification: servers {r['serverCpuMsPerRequest']:.2f} ms + PostgreSQL {r['postgresCpuMsPerRequest']:.2f} ms"
                  f"  failures {bad}", flush=True)
        finally:
            for p in servers:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
    print("json: " + json.dumps({"verify": results, "connections": a.connections, "duration": a.duration}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
