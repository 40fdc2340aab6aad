"""Measures `call0603 serve` on loopback: latency (p50, p95, p99) and throughput of CDS Hooks `patient-view` with
prefetch and of `PlanDefinition/$apply` with `data`, at a few concurrency levels.

The service runs as its own process (`call0603 serve --port 0 --allow-unauthenticated --as-of 2024-03-18` on
127.0.0.1, stopped at the end); the load comes from this process (httpx, asyncio), one request per client at a
time, for the example patient `examples/day14-low-counts.json` (day 0 from her CarePlan). Every level is bounded:
`--requests` per level and `--seconds` at most per level, whichever comes first; warm-up requests are not counted.
Only 127.0.0.1 is ever addressed.

Run: `python3 benchmarks/serve.py [--concurrency 1 4 16] [--requests 300] [--seconds 60]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "day14-low-counts.json"
AS_OF = "2024-03-18"
START_SECONDS = 90
WARM_UP = 10


def start_service() -> tuple[subprocess.Popen[str], str]:
    """The service process and its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "call0603", "serve", "--host", "127.0.0.1", "--port", "0",
                                "--allow-unauthenticated", "--as-of", AS_OF],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
    line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
    if "listening on http://127.0.0.1:" not in line:
        process.kill()
        raise SystemExit(f"the service did not start: {line!r}")
    return process, line.split("listening on ")[1].split()[0]


def prefetch(bundle: dict[str, Any], templates: dict[str, str]) -> dict[str, Any]:
    """The prefetch a CDS Client sends for the discovery document's templates."""
    out: dict[str, Any] = {}
    for key, template in templates.items():
        kind = template.split("?")[0].split("/")[0]
        found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
        out[key] = found[0] if kind == "Patient" else {"resourceType": "Bundle", "type": "searchset",
                                                        "entry": [{"resource": r} for r in found]}
    return out


def requests_for(base: str) -> dict[str, tuple[str, bytes]]:
    """The two measured requests: (URL, JSON body)."""
    bundle = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    discovery = httpx.get(f"{base}/cds-services", timeout=30).json()
    service = next(s for s in discovery["services"] if s["hook"] == "patient-view")
    hook = {"hook": "patient-view", "hookInstance": "benchmark", "context": {"userId": "Practitioner/bench",
            "patientId": patient["id"]}, "prefetch": prefetch(bundle, service["prefetch"])}
    apply = {"resourceType": "Parameters", "parameter": [
        {"name": "subject", "valueString": f"Patient/{patient['id']}"},
        {"name": "parameters", "resource": {"resourceType": "Parameters",
                                            "parameter": [{"name": "asOf", "valueDate": AS_OF}]}},
        {"name": "data", "resource": bundle}]}
    return {
        "CDS Hooks patient-view (prefetch)": (f"{base}/cds-services/{service['id']}", json.dumps(hook).encode()),
        "$apply (data)": (f"{base}/fhir/PlanDefinition/call0603-reinduction/$apply", json.dumps(apply).encode()),
    }


async def level(url: str, body: bytes, concurrency: int, count: int, seconds: float) -> dict[str, Any]:
    """`count` requests (or `seconds`, whichever ends first) from `concurrency` clients; latencies in ms."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    headers = {"Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for _ in range(WARM_UP):
            await client.post(url, content=body, headers=headers)
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal issued, errors
            while issued < count and time.monotonic() < deadline:
                issued += 1
                started = time.perf_counter()
                answer = await client.post(url, content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += answer.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"n": len(latencies), "errors": errors, "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
            "throughput": len(latencies) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=300, help="requests per level (at most)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds per level (at most)")
    args = parser.parse_args()
    process, base = start_service()
    try:
        measured = requests_for(base)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"call0603 serve on {base}, 1 process; {EXAMPLE.name} as of {AS_OF}; {os.cpu_count()} cores, "
              f"load average {load} (other work on the machine slows every figure)")
        print(f"{'request':36} {'clients':>7} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
        for name, (url, body) in measured.items():
            for clients in args.concurrency:
                r = asyncio.run(level(url, body, clients, args.requests, args.seconds))
                print(f"{name:36} {clients:>7} {r['n']:>5} {r['errors']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} "
                      f"{r['p99']:>8.1f} {r['throughput']:>7.1f}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
