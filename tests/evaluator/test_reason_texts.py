"""Reasons as a clinician reads them, for a handful of kit scenarios, written by hand: counts as whole numbers with
thousands separators and the unit as people write it (/µL), each compared with its threshold by name, qualifiers
kept, marrow results in words, and a value that cannot be read named by resource and problem."""

from __future__ import annotations

import pytest

import kit_support

EXPECTED = {
    ("anc-499-day14", "idarubicin", "day14"):
        "counts low: ANC 499/µL (below 500/µL); platelets 90,000/µL (not below 50,000/µL); day-14 marrow not-indicated",
    ("platelets-49999-day14", "idarubicin", "day14"):
        "counts low: ANC 800/µL (not below 500/µL); platelets 49,999/µL (below 50,000/µL); day-14 marrow not-indicated",
    ("m3-override-day14", "idarubicin", "day14"):
        "counts low: ANC 400/µL (below 500/µL); platelets 90,000/µL (not below 50,000/µL); day-14 marrow M3: "
        "given regardless of counts",
    ("dq-unreadable-anc-newer", "idarubicin", "day14"):
        "counts not settled: the latest ANC in the count window (days 13-14), Observation/anc-day14, could not be read: "
        "the value is not a quantity; platelets 90,000/µL (not below 50,000/µL)",
    ("dq-anc-qualified-unsettled", "idarubicin", "day14"):
        "counts not settled: ANC <1,000/µL does not settle whether it is below 500/µL; platelets 90,000/µL "
        "(not below 50,000/µL)",
    ("bsa-units", "bsa", None): "mosteller BSA from height 140 cm and weight 35 kg",
    ("cns-negative-wbc-5", "cnsStatus", None): "CSF WBC 5/µL (not above 5/µL)",
    ("day7-blasts-25", "marrow", "day7"): "day-7 marrow: 25% blasts",
}


@pytest.mark.parametrize("where", sorted(EXPECTED, key=str), ids=lambda w: "-".join(p for p in w if p))
def test_a_reason_reads_as_written(where: tuple[str, str, str | None]) -> None:
    case, field, key = where
    report = kit_support.python_outcomes()[case].assessment
    decision = report[field] if key is None else report[field][key]
    assert decision["reason"] == EXPECTED[where]
