"""95% confidence intervals of the report's rates: Wilson's score interval for a proportion.

Wilson's interval stays inside 0-100% and keeps its coverage for small groups and for rates near 0 or 100%, where
the normal approximation (p ± 1.96 SE) does not: the paper's subgroups have 6 to 35 patients.
"""

from __future__ import annotations

import math

#: The standard normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The 95% Wilson score interval of `successes` in `n`, in percent (1 decimal); None when `n` is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1)
