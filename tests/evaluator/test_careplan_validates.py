"""Every kit scenario's `$apply` CarePlan (with its contained RequestGroup and requests) validates against the FHIR
R4 base definitions with @medplum/core: 0 errors, all CarePlans in one node batch."""

from __future__ import annotations

import kit_support
from call0603.authoring.validate import check_medplum


def test_every_scenario_careplan_validates_in_medplum() -> None:
    careplans = [o.careplan for o in kit_support.python_outcomes().values()]
    assert len(careplans) == len(kit_support.cases()) and all(careplans)
    findings = check_medplum(careplans, None)
    assert findings == [], findings[:5]


def test_medplum_reports_an_invalid_careplan() -> None:
    broken = dict(kit_support.python_outcomes()["baseline-rer"].careplan, status="not-a-status")
    findings = check_medplum([broken], None)
    assert any(f.path.endswith("status") or "status" in f.message for f in findings), findings
