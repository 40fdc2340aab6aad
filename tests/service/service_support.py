"""Helpers of the service tests: the service on 127.0.0.1 in a thread (stopped by the test, bounded in time), kit
bundles as prefetch or as a FHIR server's data, and signed CDS Client JWTs."""

from __future__ import annotations

import contextlib
import http.server
import copy
import datetime as _dt
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec

from call0603.service.app import Settings, create_app
from call0603.service.auth import Issuer, JwtVerifier
from call0603.service.package import ServedPackage
from call0603.testkit.write import KIT

START_SECONDS = 20
ISSUER = "https://ehr.test"


@contextlib.contextmanager
def running(pkg: ServedPackage, settings: Settings) -> Iterator[str]:
    """The service on 127.0.0.1 (any free port) for the block; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(create_app(pkg, settings), log_level="warning", access_log=True))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass(frozen=True)
class Signer:
    """A CDS Client's signing key and the issuer allow-list entry that trusts it."""

    key: ec.EllipticCurvePrivateKey
    kid: str

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "ES384", "use": "sig"}]}

    def token(self, aud: str, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "sub": "client", "aud": aud, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()), **claims}
        return jwt.encode({k: v for k, v in body.items() if v is not None}, self.key, algorithm="ES384",
                          headers={"kid": self.kid})


def verifier_for(signer: Signer) -> JwtVerifier:
    """A verifier trusting `signer` only."""
    return JwtVerifier({ISSUER: Issuer(ISSUER, jwks=signer.jwks())})


def kit_bundle(case: str) -> dict[str, Any]:
    """A kit case's Bundle."""
    return json.loads((KIT / case / "bundle.json").read_text(encoding="utf-8"))


def kit_case(case: str) -> dict[str, Any]:
    """A kit case's parameters (subject, start, asOf) and expected report."""
    import yaml

    document = yaml.safe_load((KIT / case / "case.yaml").read_text(encoding="utf-8"))
    document["assessment"] = json.loads((KIT / case / "expected-assessment.json").read_text(encoding="utf-8"))
    return document


def on_course(bundle: dict[str, Any], plan_url: str, start: str) -> dict[str, Any]:
    """The bundle with the patient on the course: an active CarePlan of the package's plan starting on `start`,
    as an EHR holds it (day 0 then comes from the record, as CDS Hooks calls carry no start)."""
    bundle = copy.deepcopy(bundle)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    if not any(e["resource"]["resourceType"] == "CarePlan" for e in bundle["entry"]):
        bundle["entry"].append({"fullUrl": f"http://ehr.test/fhir/CarePlan/course-{patient['id']}", "resource": {
            "resourceType": "CarePlan", "id": f"course-{patient['id']}", "status": "active", "intent": "plan",
            "instantiatesCanonical": [plan_url], "subject": {"reference": f"Patient/{patient['id']}"},
            "period": {"start": start}}})
    return bundle


def prefetch_of(bundle: dict[str, Any], templates: dict[str, str]) -> dict[str, Any]:
    """What a CDS Client prefetches for the templates: the Patient, and a searchset Bundle per resource type."""
    prefetch: dict[str, Any] = {}
    for key, template in templates.items():
        kind = template.split("?")[0].split("/")[0]
        found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
        if kind == "Patient":
            prefetch[key] = found[0]
        else:
            prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(found),
                             "entry": [{"resource": r, "search": {"mode": "match"}} for r in found]}
    return prefetch


def namespaced(bundle: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The bundle with every resource but the Patient renamed `<prefix>-<id>` (references follow), so the kit's
    cases, which share resource ids, can live on one FHIR server side by side."""
    renamed = {f"{e['resource']['resourceType']}/{e['resource']['id']}": f"{e['resource']['resourceType']}/{prefix}-{e['resource']['id']}"
               for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"}
    text = json.dumps(bundle)
    for old, new in renamed.items():
        text = text.replace(f'"reference": "{old}"', f'"reference": "{new}"')
    out = json.loads(text)
    for entry in out["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Patient":
            resource["id"] = f"{prefix}-{resource['id']}"
            entry["fullUrl"] = f"http://ehr.test/fhir/{resource['resourceType']}/{resource['id']}"
    return out


def transaction(bundle: dict[str, Any]) -> dict[str, Any]:
    """A kit bundle as a transaction a FHIR server stores: PUT each resource at its type and id."""
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": e["resource"], "request": {"method": "PUT", "url": f"{e['resource']['resourceType']}/{e['resource']['id']}"}}
        for e in bundle["entry"]]}


def as_of(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


def post(base: str, path: str, body: Any, token: str | None = None, **kwargs: Any) -> httpx.Response:
    """POST JSON to the service (bounded in time)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{base}{path}", json=body, headers=headers, timeout=30, **kwargs)


@contextlib.contextmanager
def loopback_http(answer: Callable[[str, dict[str, str]], tuple[int, Any]]) -> Iterator[str]:
    """A small HTTP server on 127.0.0.1 for the block: GET answers `answer(path, headers)` as JSON; its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            status, body = answer(self.path, dict(self.headers))
            text = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
