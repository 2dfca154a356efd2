#!/usr/bin/env python3
"""Keying throughput of the workbench (issue 19): a scripted typist keys ledger entries in headless Chromium at a fixed
key rate, keyboard only (Tab between fields, Enter saves and opens the next row), against a real `hoso serve` on
loopback with a fresh archive. Prints entries per minute, and what the same typing would give with no waiting at all,
so a slower form or server shows as overhead. Not a timed test: a benchmark (tools/bench-digitize calls it).

Usage: tools/bench_keying.py [--entries N] [--keys-per-second R] [--json]
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PY = os.path.join(ROOT, ".build-py", "bin", "python")

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    # Selenium lives in tools/setup's .build-py; run again with that Python.
    if os.path.exists(VENV_PY) and os.path.realpath(sys.executable) != os.path.realpath(VENV_PY):
        os.execv(VENV_PY, [VENV_PY, *sys.argv])
    sys.exit("tools/bench_keying.py: selenium is missing; run tools/setup first")

PASSWORD = "mat-khau-do-toc-do"


def page_png(path, width=800, height=1100):
    ruled = {y for r in range(14) for y in range(150 + 60 * r, 153 + 60 * r)}
    rows = b"".join(b"\0" + (b"\x30" * width if y in ruled else b"\xff" * width) for y in range(height))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def entry(n):
    names = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Thu Hà", "Phạm Minh Tuấn", "Hoàng Thị Mai", "Vũ Đức Anh"]
    return [str(n), str(n), f"D {880000 + n}", names[n % len(names)], f"{1 + n % 27:02d}/0{1 + n % 9}/2009", "Nữ" if n % 2 else "Nam",
            "xã Tân Lập", "Kinh", "Khá", ""]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=6)
    ap.add_argument("--keys-per-second", type=float, default=12.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/opt/swift/usr/bin", HOSO_NO_PROGRESS="1", HOSO_BENCH_PW=PASSWORD)
    binpath = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, env=env, capture_output=True, text=True).stdout.strip()
    hoso = os.path.join(binpath, "hoso")
    if not os.access(hoso, os.X_OK):
        sys.exit("tools/bench_keying.py: build hoso first (swift build)")
    work = tempfile.mkdtemp(prefix="hoso-bench-keying-")
    server = None
    try:
        a = os.path.join(work, "archive")
        subprocess.run([hoso, "init", a], check=True, env=env, capture_output=True)
        subprocess.run([hoso, "--archive", a, "user", "add", "nhap", "--role", "registrar", "--display-name", "Người nhập",
                        "--password-env", "HOSO_BENCH_PW"], check=True, env=env, capture_output=True)
        log = open(os.path.join(work, "serve.log"), "w")
        server = subprocess.Popen([hoso, "--archive", a, "serve", "--port", "0"], stdout=log, stderr=subprocess.STDOUT, env=env)
        url = None
        while server.poll() is None and not url:
            m = re.search(r"http://127\.0\.0\.1:[0-9]+", open(os.path.join(work, "serve.log")).read())
            url = m.group(0) if m else None
            time.sleep(0.1)
        if not url:
            sys.exit("tools/bench_keying.py: the server did not start")
        scan = os.path.join(work, "trang-1.png")
        page_png(scan)
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        for x in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=vi"]:
            o.add_argument(x)
        d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        try:
            wait = WebDriverWait(d, 300)
            d.get(url + "/login")
            d.find_element(By.ID, "user").send_keys("nhap")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.ID, "login").click()
            wait.until(EC.presence_of_element_located((By.ID, "logout")))
            d.get(url + "/workbench")
            for name, value in [("title", "SỔ GỐC ĐO TỐC ĐỘ"), ("issuer", "Phòng Giáo dục huyện Tân Lập"), ("school", "Trường THCS Tân Lập"),
                                ("year", "2024"), ("decisionNumber", "1/QĐ"), ("decisionDate", "01/06/2024"), ("mode", "Chính quy")]:
                d.find_element(By.ID, "h-" + name).send_keys(value)
            d.find_element(By.ID, "h-scans").send_keys(scan)
            d.find_element(By.ID, "start-submit").click()
            wait.until(EC.presence_of_element_located((By.ID, "keying-pages")))
            d.get(d.current_url.rstrip("/") + "/page/1")
            pause = 1.0 / args.keys_per_second
            keys_total = 0
            start = time.monotonic()
            for n in range(1, args.entries + 1):
                first = wait.until(EC.presence_of_element_located((By.ID, "f-stt")))
                chain = webdriver.ActionChains(d, duration=0)
                values = entry(n)
                for i, v in enumerate(values):
                    for ch in v + (Keys.ENTER if i == len(values) - 1 else Keys.TAB):
                        chain.send_keys(ch).pause(pause)
                        keys_total += 1
                chain.perform()
                wait.until(EC.staleness_of(first))
            wait.until(EC.presence_of_element_located((By.ID, "f-stt")))
            elapsed = time.monotonic() - start
            saved = len(d.find_elements(By.CSS_SELECTOR, "#my-rows li"))
        finally:
            d.quit()
        if saved != args.entries:
            sys.exit(f"tools/bench_keying.py: {saved} of {args.entries} entries were saved")
        typing = keys_total / args.keys_per_second
        out = {
            "entriesPerMinute": round(args.entries * 60 / elapsed, 1),
            "typingOnlyEntriesPerMinute": round(args.entries * 60 / typing, 1),
            "overheadPerEntryMs": round(max(0.0, elapsed - typing) * 1000 / args.entries),
            "entries": args.entries, "keysPerSecond": args.keys_per_second, "keys": keys_total, "seconds": round(elapsed, 2),
        }
        if args.json:
            print(json.dumps(out, sort_keys=True))
        else:
            print(f"keying: {out['entriesPerMinute']} entries/min at {args.keys_per_second:g} keys/s "
                  f"({args.entries} entries, {keys_total} keys in {elapsed:.1f} s; typing alone would give "
                  f"{out['typingOnlyEntriesPerMinute']}/min, {out['overheadPerEntryMs']} ms of waiting per entry)")
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
