"""Reading INPUT: each document the contract refuses is refused with its file and reason; a usable one is read whole."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from call0603.evaluator.reading import prepare
from call0603.evaluator.inputs import InputRefused, load_patient, parse_date


def _bundle(*resources: dict, kind: str = "collection", full_urls: list[str] | None = None) -> dict:
    entries = []
    for i, r in enumerate(resources):
        entry = {"resource": r}
        if full_urls and i < len(full_urls):
            entry["fullUrl"] = full_urls[i]
        entries.append(entry)
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def _obs(oid: str, patient_ref: str) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final", "subject": {"reference": patient_ref}}


P1 = {"resourceType": "Patient", "id": "p1", "birthDate": "2015-01-01"}
P2 = {"resourceType": "Patient", "id": "p2", "birthDate": "2016-01-01"}


def _write(tmp_path: Path, doc: object, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ("{not json", "not JSON"),
        ({"resourceType": "Patient", "id": "p1"}, "not a FHIR Bundle"),
        ([1, 2], "not a FHIR Bundle"),
        (_bundle(P1, kind="document"), "Bundle type 'document'"),
        (_bundle(_obs("o1", "Patient/p1")), "no Patient resource"),
        (_bundle(P1, P2), "2 Patients and no --subject"),
        (_bundle({"resourceType": "Patient"}), "the Patient has no id"),
        ({"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "x"}]}, "Bundle.entry[0] has no resource"),
    ],
)
def test_unusable_documents_are_refused_with_file_and_reason(tmp_path: Path, doc: object, reason: str) -> None:
    path = _write(tmp_path, doc)
    with pytest.raises(InputRefused) as refused:
        load_patient(path)
    assert reason in refused.value.reason
    assert refused.value.source == str(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputRefused, match="no such file"):
        load_patient(tmp_path / "absent.json")


def test_subject_chooses_one_of_two_patients_and_keeps_only_their_resources(tmp_path: Path) -> None:
    path = _write(tmp_path, _bundle(P1, P2, _obs("a", "Patient/p1"), _obs("b", "Patient/p2")))
    chosen = load_patient(path, "Patient/p2")
    assert chosen.subject == "Patient/p2"
    assert [r["id"] for r in chosen.resources] == ["p2", "b"]
    with pytest.raises(InputRefused, match="no Patient with id 'p9'"):
        load_patient(path, "p9")


def test_urn_uuid_references_resolve_through_the_bundle_full_url(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _bundle(P1, _obs("a", "urn:uuid:0f1e"), _obs("b", "urn:uuid:other"), full_urls=["urn:uuid:0f1e"]),
    )
    patient = load_patient(path)
    assert [r["id"] for r in patient.resources] == ["p1", "a", "b"]
    assert patient.resources[1]["subject"] == {"reference": "Patient/p1"}
    # in a one-Patient document, a result naming no one is kept, so the rules see it as an error in the data
    prepared, _ = prepare(patient.resources, "p1", "http://fhir.call0603.org/StructureDefinition/data-problem")
    flagged = {r["id"]: r.get("extension") for r in prepared}
    assert flagged["a"] is None
    assert flagged["b"][0]["valueString"] == "subject 'urn:uuid:other' resolves to no Patient in the data"


def test_ndjson_folder_plain_and_gzip_is_grouped_by_patient(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text("\n".join(json.dumps(p) for p in (P1, P2)) + "\n\n")
    with gzip.open(folder / "Observation.ndjson.gz", "wt") as f:
        f.write("\n".join(json.dumps(o) for o in (_obs("a", "Patient/p1"), _obs("b", "Patient/p2"))))
    (folder / "README.txt").write_text("not data")
    assert [r["id"] for r in load_patient(folder, "p1").resources] == ["p1", "a"]
    with pytest.raises(InputRefused, match="2 Patients"):
        load_patient(folder)


def test_bad_ndjson_line_is_refused_with_its_line_number(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(json.dumps(P1) + "\n{oops\n")
    with pytest.raises(InputRefused) as refused:
        load_patient(folder)
    assert refused.value.source.endswith("Patient.ndjson:2")


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputRefused, match="no .ndjson"):
        load_patient(tmp_path)


@pytest.mark.parametrize("text", ["2024-02-30", "2024-2-3", "yesterday", "2024-03-04T00:00", ""])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(InputRefused, match="--as-of"):
        parse_date(text, "--as-of", "cli")


def test_good_date_parses() -> None:
    assert parse_date("2024-02-29", "--start", "cli").isoformat() == "2024-02-29"
