"""CDS Client JWTs: a hook call is served only with a token signed by an allowed issuer's key, for this service's
URL, not expired and never replayed; the keys may come from a JWKS URL."""

from __future__ import annotations

import time
from typing import Any, Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from call0603.service.app import Settings
from call0603.service.auth import Issuer, JwtVerifier
from service_support import ISSUER, Signer, loopback_http, as_of, kit_bundle, kit_case, on_course, post, prefetch_of, running, verifier_for

PATH = "/cds-services/call0603-reinduction-patient-view"


def request(package: Any) -> dict[str, Any]:
    bundle = on_course(kit_bundle("anc-499-day14"), "http://fhir.call0603.org/PlanDefinition/call0603-reinduction",
                       kit_case("anc-499-day14")["start"])
    return {"hook": "patient-view", "hookInstance": "h1", "context": {"userId": "Practitioner/dr", "patientId": "anc-499-day14"},
            "prefetch": prefetch_of(bundle, package.templates)}


@pytest.fixture(scope="module")
def base(package, signer: Signer) -> Iterator[str]:  # noqa: ANN001
    with running(package, Settings(verifier=verifier_for(signer), as_of=as_of("2024-03-20"))) as url:
        yield url


def test_a_signed_call_is_served_and_its_token_not_replayed(base: str, signer: Signer, package) -> None:  # noqa: ANN001
    token = signer.token(base + PATH)
    answer = post(base, PATH, request(package), token)
    assert answer.status_code == 200 and len(answer.json()["cards"]) == 3
    replay = post(base, PATH, request(package), token)
    assert replay.status_code == 401 and "jti" in replay.json()["issue"][0]["details"]["text"]


def _refused(base: str, package: Any, token: str | None) -> str:
    answer = post(base, PATH, request(package), token)
    assert answer.status_code == 401, answer.text[:200]
    assert "cards" not in answer.json()
    return answer.json()["issue"][0]["details"]["text"]


def test_unsigned_and_badly_signed_calls_are_refused(base: str, signer: Signer, package) -> None:  # noqa: ANN001
    aud = base + PATH
    assert "no bearer token" in _refused(base, package, None)
    assert "not a JWT" in _refused(base, package, "not-a-token")
    stranger = Signer(ec.generate_private_key(ec.SECP384R1()), signer.kid)
    assert "does not verify" in _refused(base, package, stranger.token(aud))
    assert "expired" in _refused(base, package, signer.token(aud, exp=int(time.time()) - 3600, iat=int(time.time()) - 3900))
    assert "aud" in _refused(base, package, signer.token(base + "/cds-services/other"))
    assert "issuer" in _refused(base, package, signer.token(aud, iss="https://other.test"))
    assert "does not verify" in _refused(base, package, signer.token(aud, jti=None))
    unsigned = jwt.encode({"iss": ISSUER, "aud": aud, "exp": int(time.time()) + 60, "jti": "x"}, None, algorithm="none")
    assert "algorithm" in _refused(base, package, unsigned)
    hmac = jwt.encode({"iss": ISSUER, "aud": aud, "exp": int(time.time()) + 60, "jti": "y"}, "secret" * 6, algorithm="HS256")
    assert "algorithm" in _refused(base, package, hmac)


def test_feedback_needs_a_token_too(base: str, signer: Signer) -> None:
    body = {"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2024-03-18T10:00:00Z"}]}
    assert post(base, PATH + "/feedback", body).status_code == 401
    assert post(base, PATH + "/feedback", body, signer.token(base + PATH + "/feedback")).status_code == 200


def test_discovery_and_fhir_metadata_need_no_token(base: str) -> None:
    import httpx

    assert httpx.get(base + "/cds-services", timeout=30).status_code == 200


def test_keys_from_a_jwks_url(package, signer: Signer) -> None:  # noqa: ANN001
    with loopback_http(lambda path, headers: (200, signer.jwks())) as url:
        verifier = JwtVerifier({ISSUER: Issuer(ISSUER, jwks_url=f"{url}/jwks.json")})
        with running(package, Settings(verifier=verifier, as_of=as_of("2024-03-20"))) as base:
            assert post(base, PATH, request(package), signer.token(base + PATH)).status_code == 200
            other = Signer(ec.generate_private_key(ec.SECP384R1()), "k2")
            assert post(base, PATH, request(package), other.token(base + PATH)).status_code == 401
