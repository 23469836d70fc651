"""P values of Spearman's rho as R's ``cor.test(method = "spearman")`` computes them.

R (``src/library/stats/R/cor.test.R`` and ``src/library/stats/src/prho.c``) tests the statistic
``S = sum((rank(x) - rank(y))^2) = (n^3 - n) (1 - rho) / 6`` with

* the exact permutation distribution of ``S`` for ``n <= 9`` (``n_small`` in ``prho.c``),
* the Edgeworth series approximation of algorithm AS 89 (Best & Roberts 1975, Applied
  Statistics 24:377) for ``10 <= n <= 1290``,
* and the t approximation ``t = rho sqrt((n - 2) / (1 - rho^2))`` on ``n - 2`` df when there
  are ties or ``n > 1290`` (``n (n^2 - 1)`` would overflow a 32-bit integer).

scipy's ``spearmanr`` offers only the t approximation. Pure functions, no I/O, no rounding.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy.special import ndtr

from analysis.errors import InvalidSpec

EXACT_MAX_N = 9
"""Up to this n, ``prho.c`` enumerates every permutation (R's ``n_small``)."""

EDGEWORTH_MAX_N = 1290
"""Up to this n (inclusive), ``cor.test`` uses ``prho`` rather than the t approximation."""

# Edgeworth coefficients of AS 89, named c1..c12 as in prho.c.
_C = (0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932,
      0.0879, 0.0151, 0.0072, 0.0831, 0.0131, 4.6e-4)


@cache
def s_distribution(n: int) -> np.ndarray:
    """Number of permutations of ``1..n`` giving each value of ``S = sum (i - pi(i))^2``.

    Computed by dynamic programming over the set of ranks already placed (``2^n`` states)
    rather than R's enumeration of all ``n!`` permutations; the counts are identical.
    Index ``s`` of the returned integer array holds the count of ``S == s``.
    """
    if not 1 <= n <= EXACT_MAX_N:
        raise InvalidSpec(f"n={n} is outside 1..{EXACT_MAX_N} for the exact distribution.")
    top = n * (n * n - 1) // 3
    counts = np.zeros((1 << n, top + 1), dtype=np.int64)
    counts[0, 0] = 1
    for mask in range(1 << n):
        position = (mask).bit_count()
        if position == n:
            continue
        row = counts[mask]
        for rank in range(n):
            bit = 1 << rank
            if mask & bit:
                continue
            step = (position - rank) ** 2
            counts[mask | bit, step:] += row[:top + 1 - step]
    return counts[(1 << n) - 1]


def _edgeworth(n: int, s: float, lower_tail: bool) -> float:
    """AS 89 Edgeworth series for ``Pr[S >= s]`` (or ``Pr[S < s]``), as in ``prho.c``."""
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _C
    b = 1.0 / n
    x = (6.0 * (s - 1) * b / (n * n - 1.0) - 1.0) * math.sqrt(n - 1.0)
    y = x * x
    u = x * b * (c1 + b * (c2 + c3 * b)
                 + y * (-c4 + b * (c5 + c6 * b)
                        - y * b * (c7 + c8 * b
                                   - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))))
    correction = u / math.exp(y / 2.0)
    normal = float(ndtr(x)) if lower_tail else float(ndtr(-x))
    pv = normal - correction if lower_tail else normal + correction
    return min(max(pv, 0.0), 1.0)


def prho(n: int, s: float, lower_tail: bool) -> float:
    """``Pr[S >= s]`` (upper) or ``Pr[S < s]`` (lower) under independence, R's ``prho``.

    Parameters
    ----------
    n : int
        Number of pairs, 2 or more.
    s : float
        Value of the statistic, already rounded by the caller as ``cor.test`` does.
    lower_tail : bool
        Which tail; see above.
    """
    if n <= 1:
        raise InvalidSpec(f"n={n}: Spearman's test needs at least 2 pairs.")
    pv = 0.0 if lower_tail else 1.0
    if s <= 0:
        return pv
    n3 = n * (n * n - 1.0) / 3.0  # largest possible S
    if s > n3:
        return 1.0 - pv
    if n > EXACT_MAX_N:
        return _edgeworth(n, s, lower_tail)
    counts = s_distribution(n)
    nfac = math.factorial(n)
    at_least = 1 if s == n3 else int(counts[math.ceil(s):].sum())  # #{S >= s}
    return (nfac - at_least) / nfac if lower_tail else at_least / nfac


def _pspearman(q: float, n: int, lower_tail: bool) -> float:
    """R's closure ``pspearman``: ``prho(n, round(q) + 2 * lower.tail, lower.tail)``."""
    return prho(n, float(np.round(q)) + 2.0 * lower_tail, lower_tail)


def spearman_exact_pvalue(rho: float, n: int, alternative: str = "two-sided") -> float:
    """P value of Spearman's rho without ties, exactly as R's ``cor.test`` (n <= 1290).

    Parameters
    ----------
    rho : float
        Spearman's rho of ``n`` untied pairs.
    n : int
        Number of pairs, 2..1290.
    alternative : {"two-sided", "greater", "less"}
        "greater" means a positive association (small S).

    Returns
    -------
    float
        The p value: exact enumeration for n <= 9, AS 89 Edgeworth series above.
    """
    if not 2 <= n <= EDGEWORTH_MAX_N:
        raise InvalidSpec(f"n={n} is outside 2..{EDGEWORTH_MAX_N}; use the t approximation.")
    q = (n ** 3 - n) * (1.0 - rho) / 6.0
    if alternative == "greater":
        return _pspearman(q, n, lower_tail=True)
    if alternative == "less":
        return _pspearman(q, n, lower_tail=False)
    if alternative != "two-sided":
        raise InvalidSpec(f"alternative={alternative!r} is not supported; use "
                          "'two-sided', 'greater' or 'less'.")
    upper = q > (n ** 3 - n) / 6.0
    return min(2.0 * _pspearman(q, n, lower_tail=not upper), 1.0)
