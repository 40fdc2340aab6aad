"""Which define of the package library decides each field of the assessment report (read by the evaluator, the
test kit and the build, so the evaluator needs none of the build to know it)."""

from __future__ import annotations

from .model import Guideline


def report_defines(guideline: Guideline) -> dict[str, str]:
    """Each field of the assessment report (dotted path) → the define of the package library that decides it.

    Decision defines return a Tuple {value, reason, evidence, …} with the report's extra fields: `reasons`
    (eligibility), `monthsFromDiagnosis`, `blastPercent`, `dose`, `unit`/`formula` (BSA), and for toxicity one
    Tuple {grade, evidence} per kind.
    """
    d = guideline.package.defines
    fields = {
        "start": d["day0"],
        "asOf": d["as_of"],
        "studyDay": d["study_day"],
        "eligibility": d["eligibility"],
        "relapseTiming": "Relapse Timing",
        "riskGroup": "Risk Group",
        "cytogeneticGroup": "Cytogenetic Group",
        "cnsStatus": "CNS Status",
        "bsa": "Body Surface Area",
    }
    fields.update({f"marrow.{m.window_name}": m.status_define for m in guideline.regimen.marrow_exams})
    fields.update({f"idarubicin.day{e.day}": e.decision_define for e in guideline.regimen.withholding.decisions})
    fields.update({"cr2": "CR2", "response": "Response", "toxicity": "Toxicity"})
    return fields
