"""The FHIR client: bearer token sent, searchset pages followed, a slow or failing server refused in bounded time."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Iterator

import pytest

from call0603.service.fhirclient import FhirClient, FhirServerError
from service_support import loopback_http


@contextlib.contextmanager
def fake_server(pages: int, delay: float = 0.0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A FHIR server on 127.0.0.1 answering searches in `pages` pages of two Observations; it records each request."""
    seen: list[dict[str, Any]] = []
    base: list[str] = []

    def answer(path: str, headers: dict[str, str]) -> tuple[int, Any]:
        seen.append({"path": path, "authorization": headers.get("Authorization")})
        time.sleep(delay)
        if path.startswith("/fhir/Patient/"):
            return 200, {"resourceType": "Patient", "id": path.rsplit("/", 1)[1]}
        if path.startswith("/fhir/broken"):
            return 500, {"resourceType": "OperationOutcome"}
        page = int(path.partition("page=")[2] or 0)
        body: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": 2 * pages, "entry": [
            {"resource": {"resourceType": "Observation", "id": f"o{page}-{i}"}, "search": {"mode": "match"}}
            for i in range(2)] + [{"resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}}]}
        if page + 1 < pages:
            body["link"] = [{"relation": "next", "url": f"{base[0]}/fhir/Observation?page={page + 1}"}]
        return 200, body

    with loopback_http(answer) as url:
        base.append(url)
        yield f"{url}/fhir", seen


def test_pages_are_followed_and_the_token_sent() -> None:
    with fake_server(pages=3) as (base, seen):
        found = FhirClient(base, token="s3cret").read_all(["Patient/p1", "Observation?subject=Patient/p1"])
    assert [r["id"] for r in found] == ["p1", "o0-0", "o0-1", "o1-0", "o1-1", "o2-0", "o2-1"]
    assert [s["path"] for s in seen] == ["/fhir/Patient/p1", "/fhir/Observation?subject=Patient/p1",
                                         "/fhir/Observation?page=1", "/fhir/Observation?page=2"]
    assert {s["authorization"] for s in seen} == {"Bearer s3cret"}


def test_endless_paging_is_bounded() -> None:
    with fake_server(pages=1000) as (base, _):
        with pytest.raises(FhirServerError, match="more than 50 pages"):
            FhirClient(base).search("Observation?x=1")


def test_a_slow_server_times_out_and_an_error_status_is_refused() -> None:
    with fake_server(pages=1, delay=1.0) as (base, _):
        started = time.monotonic()
        with pytest.raises(FhirServerError, match="no answer within 0.2 s"):
            FhirClient(base, timeout=0.2).get("Patient/p1")
        assert time.monotonic() - started < 1.0
    with fake_server(pages=1) as (base, _):
        with pytest.raises(FhirServerError, match="answered 500"):
            FhirClient(base).get("broken")
    with pytest.raises(FhirServerError, match="cannot be reached"):
        FhirClient("http://127.0.0.1:9/fhir", timeout=2).get("Patient/p1")
