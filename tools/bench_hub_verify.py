#!/usr/bin/env python3
"""Public verifications per second of `hoso serve`: one server on a folder archive (SQLite index, object files) as the
reference, then 1, 2 and 3 application servers of the province hub (`hoso serve --database … --standby …`), the
same copy issued in each. Run by tools/bench-hub, which starts PostgreSQL and makes the hub's database.

    tools/bench_hub_verify.py --hoso FILE --bench-hub FILE --database URL --standby URL --admin URL --work DIR
                              [--pg-data DIR]… [--duration S] [--connections C] [--body qr|pdf] [--ledger FILE]

Set-up: `hoso hub init` (as --admin), then `hoso-bench-hub --verify-setup` makes the demo PKI, the folder archive and
the hub's first server folder, each with the office's settings, the example ledger and one issued copy (no CLI
command issues a copy into the hub); `hoso hub add-server` makes the other servers' folders. The hub's servers connect
as the application role (--database) and read the public pages from the standby as the reader role (--standby).

The loader is in this process: C threads, each with a keep-alive connection to one server (spread over the servers),
posting the copy's QR text as {"qr": …} (or its PDF) to /api/verify for S seconds, as the public page does. Per run:
verifications/s, p50/p99, and CPU per verification: the servers' (with their reaped children: a folder archive checks an
uploaded PDF in a sandboxed `hoso internal-check` child), PostgreSQL's (primary + standby, each shown) and the
loader's; and, before the load, the CPU they burn idling (per second).
Every answer must be 200 with "PASSED". Prints one "json:" line. Exit 0 ran, 1 a request failed, 2 could not run.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def run(cmd, env=None):
    env = dict(os.environ, HOSO_NO_PROGRESS="1", **(env or {}))
    env = {k: v for k, v in env.items() if k not in ("HOSO_DATABASE", "HOSO_STANDBY_DATABASE", "HOSO_ARCHIVE")}
    r = subprocess.run(cmd, text=True, capture_output=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


def proc_cpu(pid, children=False):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / TICK


def postgres_cpu(data_dirs):
    """Postmasters with their exited and live children (as hoso-bench-hub counts them)."""
    total = 0.0
    for d in data_dirs:
        try:
            with open(os.path.join(d, "postmaster.pid")) as f:
                pm = int(f.readline())
        except (OSError, ValueError):
            continue
        total += proc_cpu(pm, children=True)
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == pm:
                        total += (int(fields[11]) + int(fields[12])) / TICK
                except OSError:
                    pass
    return total


def self_cpu():
    t = os.times()
    return t.user + t.system


def load(ports, body, content_type, seconds, connections):
    """Posts from `connections` threads, thread i to ports[i % len]; returns (count, failures, latencies in ms)."""
    stop = time.monotonic() + seconds
    lat, failures, lock = [], [0], threading.Lock()
    sample = []

    def worker(i):
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                conn.request("POST", "/api/verify", body, {"Content-Type": content_type})
                r = conn.getresponse()
                text = r.read()
                if r.status != 200 or b"PASSED" not in text:
                    bad += 1
                    if not sample:
                        sample.append(f"{r.status} {text[:300]!r}")
            except (OSError, http.client.HTTPException) as e:
                bad += 1
                if not sample:
                    sample.append(repr(e))
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
    if sample:
        print(f"  first failure: {sample[0]}", file=sys.stderr)
    return len(lat), failures[0], lat


def db_counters(url):
    """(commits, rows written) of the URL's database so far, from pg_stat_database; None without psql."""
    psql = shutil.which("psql")
    if not psql:
        return None
    q = "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()"
    r = subprocess.run([psql, "-X", "-A", "-t", "-q", "-d", url, "-c", "SELECT pg_stat_clear_snapshot()", "-c", q],
                       text=True, capture_output=True)
    if r.returncode != 0:
        return None
    c, w = r.stdout.split()[-1].split("|")
    return int(c), int(w)


def table_writes(url):
    """Rows written so far per table of the URL's database ({} without psql)."""
    psql = shutil.which("psql")
    if not psql:
        return {}
    q = "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
    r = subprocess.run([psql, "-X", "-A", "-t", "-q", "-d", url, "-c", q], text=True, capture_output=True)
    return dict((k, int(v)) for k, v in (line.split("|") for line in r.stdout.split())) if r.returncode == 0 else {}


def with_user(url, user):
    """The URL with another user name (the bench's cluster trusts loopback, so no password)."""
    return re.sub(r"^postgres(ql)?://[^@/]*@", f"postgres://{user}@", url)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hoso", required=True)
    ap.add_argument("--bench-hub", required=True, help="a built hoso-bench-hub (its --verify-setup makes the archives)")
    ap.add_argument("--admin", required=True, help="the hub database's URL as an administrator (hoso hub init)")
    ap.add_argument("--standby", required=True, help="the same database on the standby, as an administrator")
    ap.add_argument("--work", required=True)
    ap.add_argument("--pg-data", action="append", default=[])
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=6)
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--json", help="add the results to this JSON file (as \"verification\")")
    ap.add_argument("--idle", type=float, default=3, help="seconds of idling measured before each run's load")
    ap.add_argument("--body", choices=["qr", "pdf"], default="qr")
    ap.add_argument("--ledger", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Schemas", "examples",
                                                     "valid-ledger-old-typed-without-scans.json"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    app = with_user(a.admin, "hoso_app")
    reader = with_user(a.standby, "hoso_reader")
    try:
        run([a.hoso, "hub", "init", "--database", a.admin])
        run([a.bench_hub, "--verify-setup", a.work, "--primary", a.admin, "--standby", a.standby, "--work", a.work + "/unused",
             "--ledger", a.ledger])
        for i in range(2, a.servers + 1):
            run([a.hoso, "hub", "add-server", "--database", app, "--archive", os.path.join(a.work, f"hub-{i}")])
    except (OSError, RuntimeError) as e:
        print(f"bench-hub: the verification part's set-up failed: {e}", file=sys.stderr)
        return 2

    def payload(name):
        if a.body == "pdf":
            with open(os.path.join(a.work, f"copy-{name}.pdf"), "rb") as f:
                return f.read(), "application/pdf"
        with open(os.path.join(a.work, f"copy-{name}.qr")) as f:
            return json.dumps({"qr": f.read()}).encode(), "application/json"

    unlimited = ["--no-ocr", "--public-burst", "1000000000", "--public-rate", "1000000000", "--public-queue", str(8 * a.connections)]
    plan = [("sqlite", 1, lambda i: ["--archive", os.path.join(a.work, "folder")])]
    plan += [("postgres", n, lambda i: ["--database", app, "--standby", reader, os.path.join(a.work, f"hub-{i + 1}")])
             for n in range(1, a.servers + 1)]
    results, failed = [], False
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    for label, count, where in plan:
        body, content_type = payload("folder" if label == "sqlite" else "hub")
        servers = []
        try:
            for i in range(count):
                p = subprocess.Popen([a.hoso, "serve", "--port", "0"] + unlimited + where(i), stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(a.work, "serve.log"), "a"), text=True, env=env)
                servers.append(p)
                m = re.search(r"http://127\.0\.0\.1:(\d+)", p.stdout.readline())
                if not m:
                    print(f"bench-hub: hoso serve {' '.join(where(i))} did not start (see {a.work}/serve.log)", file=sys.stderr)
                    return 2
                p.port = int(m.group(1))
            ports = [p.port for p in servers]
            load(ports, body, content_type, 2, a.connections)  # warm-up: caches, connections
            # What the servers and PostgreSQL burn with no request at all (polling), per second of idling.
            idle0 = (sum(proc_cpu(p.pid, children=True) for p in servers), [postgres_cpu([d]) for d in a.pg_data])
            time.sleep(a.idle)
            idle_servers = (sum(proc_cpu(p.pid, children=True) for p in servers) - idle0[0]) / a.idle
            idle_pg = [(postgres_cpu([d]) - c) / a.idle for d, c in zip(a.pg_data, idle0[1])]
            cpu0, me0 = sum(proc_cpu(p.pid, children=True) for p in servers), self_cpu()
            pg0 = [postgres_cpu([d]) for d in a.pg_data]
            counters0 = [db_counters(u) for u in (a.admin, a.standby)] if label == "postgres" else [None, None]
            tables0 = table_writes(a.admin) if label == "postgres" else {}
            t0 = time.monotonic()
            n, bad, lat = load(ports, body, content_type, a.duration, a.connections)
            wall = time.monotonic() - t0
            cpu = sum(proc_cpu(p.pid, children=True) for p in servers) - cpu0
            # Per data directory (tools/bench-hub passes the primary's first, then the standby's).
            pgs = [postgres_cpu([d]) - c for d, c in zip(a.pg_data, pg0)]
            pg = sum(pgs)
            me = self_cpu() - me0
            # Transactions and rows written per verification on each server (the statistics lag by up to 0.5 s).
            time.sleep(0.6)
            db = {}
            tables = {k: (v - tables0.get(k, 0)) / max(n, 1) for k, v in table_writes(a.admin).items()} if tables0 else {}
            tables = {k: v for k, v in sorted(tables.items(), key=lambda kv: -kv[1]) if v > 0}
            for name, u, c0 in zip(("primary", "standby"), (a.admin, a.standby), counters0):
                c1 = db_counters(u) if c0 else None
                if c0 and c1:
                    db[name] = {"commitsPerRequest": (c1[0] - c0[0]) / max(n, 1), "rowsWrittenPerRequest": (c1[1] - c0[1]) / max(n, 1)}
            per = lambda c: c * 1000 / max(n, 1)  # noqa: E731
            r = {"store": label, "servers": count, "verificationsPerSecond": n / wall, "verifications": n, "failures": bad,
                 "p50ms": lat[len(lat) // 2] if lat else 0, "p99ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0,
                 "serverCpuMsPerRequest": per(cpu), "postgresCpuMsPerRequest": per(pg), "postgresCpuMsPerRequestByServer": [per(c) for c in pgs],
                 "loaderCpuMsPerRequest": per(me), "idleServerCpuPerSecond": idle_servers,
                 "idlePostgresCpuPerSecondByServer": idle_pg, "database": db, "primaryRowsWrittenPerRequestByTable": tables}
            failed |= bad > 0
            results.append(r)
            print(f"  verify  {label:8} x{count}: {r['verificationsPerSecond']:7.1f}/s  p50 {r['p50ms']:7.2f} ms  p99 {r['p99ms']:7.2f} ms"
                  f"  CPU/verification: servers {r['serverCpuMsPerRequest']:6.2f} ms + PostgreSQL {r['postgresCpuMsPerRequest']:5.2f} ms"
                  f" ({' + '.join(f'{c:.2f}' for c in r['postgresCpuMsPerRequestByServer'])})"
                  f" (loader {r['loaderCpuMsPerRequest']:.2f} ms)  failures {bad}"
                  f"  idle CPU s/s: servers {idle_servers:.3f}, PostgreSQL {' + '.join(f'{c:.3f}' for c in idle_pg)}"
                  + "".join(f"  {k}: {v['commitsPerRequest']:.2f} commits, {v['rowsWrittenPerRequest']:.2f} rows written /verification"
                            for k, v in db.items())
                  + ("  (" + ", ".join(f"{k} {v:.2f}" for k, v in tables.items()) + ")" if tables else ""), flush=True)
        finally:
            for p in servers:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
    hub = [r for r in results if r["store"] == "postgres"]
    base = hub[0]["verificationsPerSecond"] if hub else 0
    scaling = {str(r["servers"]): (r["verificationsPerSecond"] / base if base else 0) for r in hub}
    if results and hub:
        print(f"  scaling (hub, x1 = 1.00): " + "  ".join(f"x{k} {v:.2f}" for k, v in scaling.items())
              + f";  hub x1 / SQLite: {base / max(results[0]['verificationsPerSecond'], 1e-9):.2f}")
    out = {"verify": results, "scaling": scaling, "body": a.body, "connections": a.connections, "duration": a.duration,
           "cores": os.cpu_count(), "loadavg": os.getloadavg()}
    print("json: " + json.dumps(out))
    if a.json:
        # Beside the index bench's results in the same file, when it ran.
        try:
            with open(a.json) as f:
                whole = json.load(f)
        except (OSError, ValueError):
            whole = {}
        whole["verification"] = out
        with open(a.json, "w") as f:
            json.dump(whole, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
