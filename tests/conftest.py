"""Fixtures shared by test folders: a real FHIR server (tools/fhir-server.mjs, medplum) on loopback."""

from __future__ import annotations

import json
import select
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from call0603.node import ensure_tools
from call0603.paths import TOOLS

SERVER_LIFETIME_SECONDS = 90
START_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class FhirServer:
    """A running tools/fhir-server.mjs: its base URL and a tiny JSON client."""

    base: str

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Send one request; answer (status, parsed JSON body)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.base}/{path}", data=data, method=method, headers={"Content-Type": "application/fhir+json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[FhirServer]:
    """The in-memory medplum FHIR server on 127.0.0.1, any free port; it stops with the fixture or by itself."""
    ensure_tools()
    process = subprocess.Popen(
        ["node", str(TOOLS / "fhir-server.mjs"), "0", str(SERVER_LIFETIME_SECONDS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = process.stdout.readline().strip() if ready else ""  # type: ignore[union-attr]
        if not line.isdigit():
            raise RuntimeError(f"fhir-server.mjs did not start: {process.stderr.read() if process.poll() is not None else 'no port'}")  # type: ignore[union-attr]
        yield FhirServer(f"http://127.0.0.1:{line}")
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
