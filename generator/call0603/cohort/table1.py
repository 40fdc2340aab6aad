"""The paper's Table 1 for a population: counts and CR2 rates by factor, with the chi-square P value the paper computes.

The paper used "a chi-square test to identify factors associated with CR" (SPSS): Pearson's chi-square on the
factor-level x CR table, without Yates' continuity correction. Its printed P values are the uncorrected ones
(relapse timing 13/24 vs 19/20 gives 0.002 uncorrected, 0.007 corrected; risk group 14/17 vs 18/27 gives
0.255 uncorrected, 0.43 corrected), so the report follows it. Patients whose CR is unknown (pending,
indeterminate) and levels that are unknown are left out of the test and shown on their own line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .intervals import wilson
from .rows import UNKNOWN, Row


@dataclass(frozen=True)
class Factor:
    """One factor of Table 1: its levels as shown, how a row maps to a level, and the levels the test compares."""

    key: str
    title: str
    levels: tuple[tuple[str, str], ...]  # (value, label) in display order
    of: Callable[[Row], str]
    tested: Callable[[str], str | None] = lambda level: level  # level -> tested group (None: not tested)
    chi_square: bool = True


def _site_group(level: str) -> str | None:
    return "isolated" if level == "isolated-bm" else "combined" if level != UNKNOWN else None


def _dose_group(level: str) -> str | None:
    return "<=20" if level == "20" else ">=30" if level in ("30", "40") else None


FACTORS: tuple[Factor, ...] = (
    Factor("sex", "Sex", (("male", "Male"), ("female", "Female"), ("other", "Other")), lambda r: r.sex),
    Factor("age", "Age at relapse, yr", (("<5", "< 5"), ("5-10", "≥ 5 and < 10"), (">=10", "≥ 10")), lambda r: r.age_band),
    Factor("timing", "Time point of relapse", (("early", "Early (< 24 months)"), ("late", "Late (≥ 24 months)")), lambda r: r.timing),
    Factor("site", "Site of relapse", (("isolated-bm", "Isolated BM"), ("bm-cns", "BM + CNS"), ("bm-cns-testis", "BM + CNS + testis"),
                                       ("bm-testis", "BM + testis"), ("bm-other", "BM + other site")), lambda r: r.site, _site_group),
    Factor("immunophenotype", "Immunophenotype", (("b-precursor", "Precursor B-cell"), ("t-cell", "T-cell")), lambda r: r.immunophenotype),
    Factor("risk", "Risk group at initial diagnosis", (("standard", "Standard"), ("high", "High-risk")), lambda r: r.risk),
    Factor("cytogenetics", "Cytogenetics", (("favorable", "Favorable"), ("unfavorable", "Unfavorable"), ("others/normal", "Others/normal")),
           lambda r: r.cytogenetics),
    Factor("dose", "Dose of idarubicin, mg/m2", (("20", "20"), ("30", "30"), ("40", "40")), lambda r: r.dose, _dose_group),
    Factor("response", "Early response", (("RER", "RER"), ("SER", "SER"), ("induction-failure", "Induction failure"),
                                          ("induction-death", "Induction death"), ("not-evaluable", "NA"),
                                          ("pending", "Pending"), ("indeterminate", "Indeterminate")),
           lambda r: r.response, chi_square=False),
)


@dataclass(frozen=True)
class LevelCount:
    """One line of the table: patients at this level, those whose CR is known, and those in CR."""

    level: str
    label: str
    patients: int
    cr_known: int
    cr: int

    @property
    def cr_percent(self) -> float | None:
        """CR2 rate among patients whose CR is known, in percent."""
        return round(100 * self.cr / self.cr_known, 1) if self.cr_known else None

    @property
    def cr_ci95(self) -> tuple[float, float] | None:
        """The CR2 rate's 95% Wilson interval, in percent."""
        return wilson(self.cr, self.cr_known)


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's chi-square of CR by the factor's tested groups, or why it could not be computed."""

    statistic: float | None
    dof: int | None
    p: float | None
    small_expected: bool
    note: str | None


def count_levels(factor: Factor, rows: Sequence[Row]) -> list[LevelCount]:
    """The factor's lines: each level shown (empty ones too, as the paper lists them) and unknown when present."""
    out = []
    for level, label in (*factor.levels, (UNKNOWN, "Unknown")):
        mine = [r for r in rows if factor.of(r) == level]
        if level == UNKNOWN and not mine or (not mine and level in ("other", "pending", "indeterminate")):
            continue
        known = [r for r in mine if r.cr is not None]
        out.append(LevelCount(level, label, len(mine), len(known), sum(1 for r in known if r.cr)))
    return out


def chi_square(factor: Factor, rows: Sequence[Row]) -> ChiSquare:
    """Pearson's chi-square (no continuity correction, as the paper) of CR by the factor's tested groups."""
    from scipy.stats import chi2_contingency

    if not factor.chi_square:
        return ChiSquare(None, None, None, False, "early response is defined by CR; no test (as the paper)")
    table: dict[str, list[int]] = {}
    for row in rows:
        group = factor.tested(factor.of(row)) if factor.of(row) != UNKNOWN else None
        if group is not None and row.cr is not None:
            table.setdefault(group, [0, 0])[0 if row.cr else 1] += 1
    cells = [counts for _, counts in sorted(table.items())]
    if len(cells) < 2:
        return ChiSquare(None, None, None, False, "fewer than two groups with a known CR")
    if sum(c[0] for c in cells) == 0 or sum(c[1] for c in cells) == 0:
        return ChiSquare(None, None, None, False, "every patient with a known CR has the same outcome")
    result = chi2_contingency(cells, correction=False)
    small = bool((result.expected_freq < 5).any())
    return ChiSquare(float(result.statistic), int(result.dof), float(result.pvalue), small,
                     "an expected count is below 5: the chi-square approximation is rough" if small else None)
