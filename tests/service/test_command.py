"""`call0603 serve` as a process: it refuses to start without a way to authenticate CDS Clients, says loudly when
told not to, prints where it listens, serves, and stops on SIGTERM."""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx

from service_support import Signer

START_SECONDS = 60


@contextlib.contextmanager
def serve(*args: str) -> Iterator[tuple[str, str]]:
    """`call0603 serve --port 0 ARGS` for the block: its base URL and what it wrote on stderr at start-up."""
    process = subprocess.Popen([sys.executable, "-m", "call0603", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        assert "listening on http://127.0.0.1:" in line, line
        base = line.split("listening on ")[1].split()[0]
        warnings = ""
        if select.select([process.stderr], [], [], 0.5)[0]:
            warnings = process.stderr.readline()  # type: ignore[union-attr]
        yield base, warnings
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_needs_cds_clients_or_says_it_is_unauthenticated() -> None:
    refused = subprocess.run([sys.executable, "-m", "call0603", "serve", "--port", "0"], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "--cds-clients" in refused.stderr and refused.stdout == ""
    with serve("--allow-unauthenticated", "--as-of", "2024-03-20") as (base, warning):
        assert "NOT authenticated" in warning
        assert httpx.get(f"{base}/fhir/metadata", timeout=30).json()["resourceType"] == "CapabilityStatement"
        answer = httpx.post(f"{base}/cds-services/call0603-reinduction-patient-view", timeout=30,
                            json={"hook": "patient-view", "hookInstance": "h", "context": {"patientId": "p"}})
        assert answer.status_code == 412


def test_serve_with_cds_clients_refuses_unsigned_calls(tmp_path: Path, signer: Signer) -> None:
    clients = tmp_path / "clients.json"
    clients.write_text(json.dumps({"issuers": {"https://ehr.test": {"jwks": signer.jwks()}}}), encoding="utf-8")
    with serve("--cds-clients", str(clients)) as (base, warning):
        assert warning == ""
        path = "/cds-services/call0603-reinduction-patient-view"
        body = {"hook": "patient-view", "hookInstance": "h", "context": {"patientId": "p"}}
        assert httpx.post(base + path, json=body, timeout=30).status_code == 401
        signed = httpx.post(base + path, json=body, timeout=30, headers={"Authorization": f"Bearer {signer.token(base + path)}"})
        assert signed.status_code == 412
