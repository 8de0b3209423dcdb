#!/usr/bin/env python3
"""Hostile load on the REST server: many requests at high concurrency, malformed ones mixed in.

    python3 bench/hostile_load.py [--binary .build/release/kws-native] [--requests 10000]
                                  [--concurrency 64] [--malformed 0.25] [--json]

Starts `kws-native serve` on a free loopback port, sends --requests POST /predict requests from
--concurrency connections at once (keep-alive; a connection the server closes is reopened), of which the
fraction --malformed are hostile (garbage, broken JSON and SenML, bad base64, NaN and huge float32
samples, a stereo WAV, bodies over the limit, a lying Content-Length, malformed chunked encoding, an
unknown path, a wrong method). Valid requests are real clips of the bundled split (data/) as 16-bit WAV
records. Samples the server's resident memory (VmRSS) twice a second, asks /health at the end, and reports
the status codes per kind, the requests that got no answer at all, and whether memory levelled off: the
growth over the second half of the run, relative to the peak. Exits 1 if the server died, a valid request
got anything but 200 or 503 (busy), a malformed one anything but a 4xx, a request went unanswered, /health
failed at the end, or memory grew by more than --max-growth (default 10 %) over the second half.

A robustness check, not a benchmark: its request rate depends on the client sharing the cores.
"""
import argparse
import base64
import http.client
import json
import os
import pathlib
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def senml(record, payload):
    return json.dumps([{"bn": "load:", "n": record, "vd": base64.b64encode(payload).decode()}]).encode()


def wav16(samples, channels=1, rate=16000):
    data = struct.pack(f"<{len(samples)}h", *samples)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) +
            b"data" + struct.pack("<I", len(data)) + data)


def hostile_bodies(rng):
    """(name, raw HTTP request bytes or a body for POST /predict)."""
    f32 = lambda xs: struct.pack(f"<{len(xs)}f", *xs)
    bodies = {
        "garbage": bytes(rng.getrandbits(8) for _ in range(512)),
        "empty": b"",
        "broken_json": b'[{"n":"audio","vd":"UklG',
        "not_senml": b'{"n":"audio"}',
        "bad_base64": b'[{"n":"audio","vd":"***"}]',
        "two_records": senml("audio", wav16([0] * 160))[:-1] + b',' + senml("audio", wav16([0] * 160))[1:],
        "nan_f32": senml("audio_f32", f32([float("nan")] * 16000)),
        "huge_f32": senml("audio_f32", f32([3e38, -3e38] * 8000)),
        "huge_mfcc": senml("mfcc", f32([3e38] * 490)),
        "stereo_wav": senml("audio", wav16([0] * 3200, channels=2)),
        "8khz_wav": senml("audio", wav16([0] * 8000, rate=8000)),
        "too_long": senml("audio_f32", f32([0.0] * 16001)),
    }
    raw = {
        "over_limit": b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n" + b"[" * 65536,
        "lying_length": b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n[{}]]]]]]]]]]]]]]]]]]]",
        "bad_chunked": b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n",
        "unknown_path": b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "wrong_method": b"DELETE /predict HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad_request_line": b"\x00\x01\x02 / HTTP/9.9\r\n\r\n",
    }
    return bodies, raw


def raw_exchange(port, payload, timeout):
    """One request on its own connection; returns the status code, or None if nothing came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except OSError:
            pass  # the server may refuse an over-limit body before it is all sent; read its answer
        try:
            head = s.recv(64)
        except OSError:
            return None
    if not head.startswith(b"HTTP/1."):
        return None
    return int(head.split()[1])


def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / ".build/release/kws-native"))
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--malformed", type=float, default=0.25, help="fraction of hostile requests (default 0.25)")
    ap.add_argument("--max-growth", type=float, default=0.10, help="allowed RSS growth over the second half, relative to the peak")
    ap.add_argument("--timeout", type=float, default=30, help="seconds a request may take (default 30)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"hostile_load.py: {args.binary}: not an executable (swift build -c release first)")
    if args.requests < 1 or args.concurrency < 1 or not 0 <= args.malformed <= 1:
        sys.exit("hostile_load.py: --requests and --concurrency must be positive, --malformed in [0, 1]")

    rng = random.Random(args.seed)
    clips = sorted((ROOT / "data").glob("*/*.wav"))[:200]
    if not clips:
        sys.exit("hostile_load.py: no clips in data/")
    valid = [senml("audio", c.read_bytes()) for c in clips]
    bodies, raw = hostile_bodies(rng)
    kinds = list(bodies) + list(raw)
    plan = [("valid", rng.randrange(len(valid))) if rng.random() >= args.malformed else (rng.choice(kinds), 0)
            for _ in range(args.requests)]

    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the server's logging.
    log_file = tempfile.TemporaryFile()
    server = subprocess.Popen([args.binary, "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        deadline = time.time() + 120
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.time() > deadline:
                log_file.seek(0)
                sys.exit(f"hostile_load.py: the server did not come up: {log_file.read().decode()[-2000:]}")
            time.sleep(0.2)

        samples = []  # (seconds since start, RSS KiB)
        done = threading.Event()
        start = time.time()

        def sampler():
            while not done.is_set():
                r = rss_kib(server.pid)
                if r is not None:
                    samples.append((time.time() - start, r))
                done.wait(0.5)

        counts = {}  # kind -> {status: n}
        lock = threading.Lock()
        next_index = [0]

        def worker():
            conn = None
            while True:
                with lock:
                    i = next_index[0]
                    next_index[0] += 1
                if i >= len(plan):
                    break
                kind, k = plan[i]
                status = None
                try:
                    if kind in raw:
                        status = raw_exchange(port, raw[kind], args.timeout)
                    else:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
                        body = valid[k] if kind == "valid" else bodies[kind]
                        conn.request("POST", "/predict", body=body, headers={"Content-Type": "application/senml+json"})
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                        if response.getheader("Connection", "").lower() == "close":
                            conn.close()
                            conn = None
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                with lock:
                    counts.setdefault(kind, {}).setdefault(status, 0)
                    counts[kind][status] += 1

        threading.Thread(target=sampler, daemon=True).start()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - start
        done.set()
        alive = server.poll() is None
        health = None
        if alive:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                health = c.getresponse().status
            except OSError:
                pass
        final_rss = rss_kib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()

    if final_rss is not None:
        samples.append((elapsed, final_rss))
    half = [r for t, r in samples if t >= elapsed / 2]
    peak = max((r for _, r in samples), default=0)
    growth = (max(half) - half[0]) / peak if len(half) >= 2 and peak else 0.0
    bad_valid = {s: n for s, n in counts.get("valid", {}).items() if s not in (200, 503)}
    bad_hostile = {k: {s: n for s, n in v.items() if s is None or not 400 <= s < 500}
                   for k, v in counts.items() if k != "valid"}
    bad_hostile = {k: v for k, v in bad_hostile.items() if v}
    unanswered = sum(v.get(None, 0) for v in counts.values())
    report = {
        "requests": args.requests, "concurrency": args.concurrency, "malformed_fraction": args.malformed,
        "seconds": round(elapsed, 1), "requests_per_second": round(args.requests / elapsed, 1),
        "statuses": {k: {str(s): n for s, n in sorted(v.items(), key=lambda x: (x[0] is None, x[0] or 0))}
                     for k, v in sorted(counts.items())},
        "unanswered": unanswered, "server_alive": alive, "health_after": health,
        "rss_mib": {"first": round(samples[0][1] / 1024, 1) if samples else None, "peak": round(peak / 1024, 1),
                    "final": round((final_rss or 0) / 1024, 1),
                    "second_half_growth_of_peak": round(growth, 4)},
        "rss_samples": len(samples),
    }
    failures = []
    if not alive:
        failures.append("the server died")
    if health != 200:
        failures.append(f"/health after the load: {health}")
    if bad_valid:
        failures.append(f"valid requests with unexpected statuses: {bad_valid}")
    if bad_hostile:
        failures.append(f"hostile requests not answered with a 4xx: {bad_hostile}")
    if unanswered:
        failures.append(f"{unanswered} requests got no answer")
    if growth > args.max_growth:
        failures.append(f"memory grew {growth:.1%} of its peak over the second half (limit {args.max_growth:.0%})")
    report["failures"] = failures
    log_file.seek(0)
    report["server_log_lines"] = log_file.read().decode(errors="replace").count("\n")
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{args.requests} requests at concurrency {args.concurrency} ({args.malformed:.0%} hostile) in "
              f"{elapsed:.1f} s ({args.requests / elapsed:.0f} req/s)")
        for k, v in report["statuses"].items():
            print(f"  {k:16} " + "  ".join(f"{s}: {n}" for s, n in v.items()))
        r = report["rss_mib"]
        print(f"server RSS: first {r['first']} MiB, peak {r['peak']} MiB, final {r['final']} MiB; "
              f"growth over the second half {growth:.1%} of the peak; /health after: {health}")
        print("FAILED: " + "; ".join(failures) if failures else "ok: no crash, every request answered as it should be")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
