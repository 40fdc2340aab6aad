"""Reading patients from a real FHIR server (medplum on loopback, loaded with kit bundles): the service and the
command line give the same answers as with the data in the request or the prefetch."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Iterator

import pytest

from call0603.service.app import Settings
from call0603.testkit.write import read_kit
from call0603.service.fhirclient import FhirClient, FhirServerError
from service_support import as_of, kit_bundle, kit_case, namespaced, on_course, post, prefetch_of, running, transaction

PLAN_URL = "http://fhir.call0603.org/PlanDefinition/call0603-reinduction"
PATIENT_VIEW = "/cds-services/call0603-reinduction-patient-view"
CASES = ("anc-499-day14", "anc-missing", "anc-500-day14", "start-from-careplan", "anc-entered-in-error")


def case_bundle(case: str) -> dict[str, Any]:
    """A kit case's patient on the course, with resource ids of its own."""
    return namespaced(on_course(kit_bundle(case), PLAN_URL, kit_case(case)["start"] or "2024-03-04"), case)


@pytest.fixture(scope="module")
def loaded(fhir_server) -> Any:  # noqa: ANN001
    """The FHIR server holding the cases' patients, each on the course (a CarePlan of the package's plan)."""
    for case in CASES:
        status, answer = fhir_server.request("POST", "", transaction(case_bundle(case)))
        assert status == 200, answer
    return fhir_server


@pytest.fixture(scope="module")
def base(package) -> Iterator[str]:  # noqa: ANN001
    with running(package, Settings(verifier=None, as_of=as_of("2024-03-20"))) as url:
        yield url


def test_a_search_cut_short_is_refused_not_dropped(loaded) -> None:  # noqa: ANN001
    client = FhirClient(loaded.base)
    everything = client.search("Observation?subject=Patient/anc-499-day14")
    assert len(everything) == sum(1 for e in case_bundle("anc-499-day14")["entry"]
                                  if e["resource"]["resourceType"] == "Observation")
    with pytest.raises(FhirServerError, match="matched 17 resources but gave 5"):
        client.search("Observation?subject=Patient/anc-499-day14&_count=5")


def test_patient_view_from_the_fhir_server_equals_prefetch(loaded, base: str, package) -> None:  # noqa: ANN001
    for case in ("anc-499-day14", "anc-missing", "anc-500-day14"):
        patient_id = kit_case(case)["subject"].removeprefix("Patient/")
        bundle = case_bundle(case)
        call = {"hook": "patient-view", "hookInstance": f"h-{case}", "context": {"userId": "Practitioner/dr", "patientId": patient_id}}
        with_prefetch = post(base, PATIENT_VIEW, {**call, "prefetch": prefetch_of(bundle, package.templates)}).json()
        from_server = post(base, PATIENT_VIEW, {**call, "fhirServer": loaded.base, "fhirAuthorization": {
            "access_token": "t0k3n", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "client"}}).json()
        assert from_server == with_prefetch and from_server["cards"], case
        assert not any(c["summary"].endswith("not assessed") for c in from_server["cards"]), case
        partial = prefetch_of(bundle, package.templates)
        del partial["observation"]
        mixed = post(base, PATIENT_VIEW, {**call, "prefetch": partial, "fhirServer": loaded.base}).json()
        assert mixed == with_prefetch, case


def test_apply_with_a_data_endpoint_equals_apply_with_data(loaded, base: str) -> None:  # noqa: ANN001
    for case in (c for c in read_kit() if c.name in CASES):
        cql = [{"name": "asOf", "valueDate": case.as_of.isoformat()}]
        if case.start:
            cql.append({"name": "start", "valueDate": case.start.isoformat()})
        common = [{"name": "subject", "valueString": case.subject},
                  {"name": "parameters", "resource": {"resourceType": "Parameters", "parameter": cql}}]
        endpoint = {"resourceType": "Endpoint", "status": "active", "address": loaded.base,
                    "connectionType": {"code": "hl7-fhir-rest"}, "payloadType": [{"text": "FHIR"}],
                    "header": ["Authorization: Bearer t0k3n"]}
        by_endpoint = post(base, "/fhir/PlanDefinition/call0603-reinduction/$apply", {"resourceType": "Parameters",
                           "parameter": [*common, {"name": "dataEndpoint", "resource": endpoint}]})
        bundle = case_bundle(case.name)
        by_data = post(base, "/fhir/PlanDefinition/call0603-reinduction/$apply", {"resourceType": "Parameters",
                       "parameter": [*common, {"name": "data", "resource": bundle}]})
        assert by_endpoint.status_code == 200, by_endpoint.text[:300]
        assert by_endpoint.json() == by_data.json(), case.name


def test_an_unreachable_data_endpoint_is_refused(base: str) -> None:
    endpoint = {"resourceType": "Endpoint", "status": "active", "address": "http://127.0.0.1:9/fhir",
                "connectionType": {"code": "hl7-fhir-rest"}, "payloadType": [{"text": "FHIR"}]}
    answer = post(base, "/fhir/PlanDefinition/call0603-reinduction/$apply", {"resourceType": "Parameters", "parameter": [
        {"name": "subject", "valueString": "Patient/p"}, {"name": "dataEndpoint", "resource": endpoint}]})
    assert answer.status_code == 400
    assert answer.json()["issue"][0]["details"]["text"].startswith(
        "call0603: http://127.0.0.1:9/fhir/: the FHIR server cannot be read: ")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "call0603", *args], capture_output=True, text=True, timeout=120)


def test_assess_reads_a_patient_from_the_fhir_server(loaded, tmp_path) -> None:  # noqa: ANN001
    case = kit_case("anc-499-day14")
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(case_bundle("anc-499-day14")), encoding="utf-8")
    from_file = _cli("assess", str(bundle), "--as-of", case["asOf"], "--json")
    from_server = _cli("assess", "--fhir-server", loaded.base, "--subject", case["subject"], "--token", "t",
                       "--as-of", case["asOf"], "--json")
    assert from_file.returncode == 0 and from_server.returncode == 0, from_server.stderr
    assert json.loads(from_server.stdout) == json.loads(from_file.stdout)
    missing = _cli("apply", "--fhir-server", loaded.base, "--subject", "Patient/nobody", "--as-of", case["asOf"])
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip() == f"call0603: {loaded.base}/: no Patient with id 'nobody'"
