"""Spearman p values as R's cor.test computes them (exact n <= 9, AS 89 Edgeworth above).

Independent references: full enumeration of all n! permutations (n <= 8), R's documented
example output, and a seeded Monte Carlo permutation test for n = 10..20.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from analysis.correlate_spearman_exact import prho, s_distribution, spearman_exact_pvalue
from analysis.errors import InvalidSpec


def _enumerated_s(n: int) -> np.ndarray:
    """S = sum (i - pi(i))^2 of every permutation of 1..n, by brute force."""
    ranks = np.arange(1, n + 1)
    return np.array([int(np.sum((ranks - np.array(p)) ** 2))
                     for p in itertools.permutations(ranks)])


@pytest.mark.parametrize("n", range(2, 9))
def test_s_distribution_matches_brute_force_enumeration(n):
    s_all = _enumerated_s(n)
    expected = np.bincount(s_all, minlength=n * (n * n - 1) // 3 + 1)
    assert np.array_equal(s_distribution(n), expected)


@pytest.mark.parametrize("n", range(3, 9))
def test_exact_p_values_match_enumeration_for_every_attainable_s(n):
    s_all = _enumerated_s(n)
    mean = (n ** 3 - n) / 6
    for s in np.unique(s_all):
        rho = 1 - 6 * s / (n ** 3 - n)
        upper, lower = np.mean(s_all >= s), np.mean(s_all <= s)
        # "greater" = positive association = small S; two-sided doubles the nearer tail
        assert spearman_exact_pvalue(rho, n, "greater") == pytest.approx(lower, abs=1e-12)
        assert spearman_exact_pvalue(rho, n, "less") == pytest.approx(upper, abs=1e-12)
        two = min(1.0, 2 * (upper if s > mean else lower))
        assert spearman_exact_pvalue(rho, n, "two-sided") == pytest.approx(two, abs=1e-12)


def test_r_documentation_example_hollander_wolfe():
    # R ?cor.test example (Hollander & Wolfe 1973, p. 187):
    #   x <- c(44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1)
    #   y <- c( 2.6,  3.1,  2.5,  5.0,  3.6,  4.0,  5.2,  2.8,  3.8)
    #   cor.test(x, y, method = "spearman")  ->  S = 48, p-value = 0.0968, rho 0.6
    x = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1]
    y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]
    rho = stats.spearmanr(x, y).statistic
    assert rho == pytest.approx(0.6)
    assert spearman_exact_pvalue(rho, 9) == pytest.approx(0.0968, abs=5e-5)
    assert spearman_exact_pvalue(rho, 9, "greater") == pytest.approx(0.0968 / 2, abs=5e-5)


def test_n9_distribution_matches_enumeration_of_all_362880_permutations():
    ranks = np.arange(1, 10, dtype=np.int16)
    perms = np.array(list(itertools.permutations(range(1, 10))), dtype=np.int16)
    s_all = np.sum((perms - ranks) ** 2, axis=1)
    assert len(s_all) == math.factorial(9)
    assert np.array_equal(s_distribution(9), np.bincount(s_all, minlength=241))
    # R example above: p = 2 * #{S <= 48} / 9!
    assert spearman_exact_pvalue(0.6, 9) == pytest.approx(2 * np.mean(s_all <= 48), abs=1e-12)


def _monte_carlo_p(rho: float, n: int, alternative: str, draws: int, seed: int) -> float:
    """Permutation p of rho (ranks 1..n against a random permutation), seeded."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, n + 1, dtype=float)
    perms = rng.permuted(np.tile(ranks, (draws, 1)), axis=1)
    s_perm = np.sum((perms - ranks) ** 2, axis=1)
    s_obs = round((n ** 3 - n) * (1 - rho) / 6)
    if alternative == "greater":
        return float(np.mean(s_perm <= s_obs))
    if alternative == "less":
        return float(np.mean(s_perm >= s_obs))
    tail = s_perm >= s_obs if s_obs > (n ** 3 - n) / 6 else s_perm <= s_obs
    return min(1.0, 2 * float(np.mean(tail)))


@pytest.mark.parametrize("n,rho,alternative", [
    (10, 0.60, "two-sided"), (12, -0.55, "two-sided"), (15, 0.45, "greater"),
    (17, -0.30, "less"), (20, 0.40, "two-sided"), (20, 0.62, "greater"),
])
def test_edgeworth_p_agrees_with_permutation_test_within_monte_carlo_error(n, rho, alternative):
    # rho on the grid of attainable values for n
    s = 2 * round((n ** 3 - n) * (1 - rho) / 12)
    rho = 1 - 6 * s / (n ** 3 - n)
    draws = 200_000
    mc = _monte_carlo_p(rho, n, alternative, draws, seed=n)
    p = spearman_exact_pvalue(rho, n, alternative)
    se = math.sqrt(mc * (1 - mc) / draws) * (2 if alternative == "two-sided" else 1)
    # AS 89 is accurate to about 0.002 for n >= 10 (Best & Roberts 1975); plus 4 MC SEs
    assert abs(p - mc) < 4 * se + 0.002
    # and it is not the t approximation scipy uses
    t = rho * math.sqrt((n - 2) / (1 - rho ** 2))
    p_t = {"greater": stats.t.sf(t, n - 2), "less": stats.t.cdf(t, n - 2)}.get(
        alternative, 2 * stats.t.sf(abs(t), n - 2))
    assert p != pytest.approx(p_t, rel=1e-6)


def test_prho_limits_follow_r():
    assert prho(10, 0, lower_tail=False) == 1.0 and prho(10, 0, lower_tail=True) == 0.0
    top = 10 * 99 / 3
    assert prho(10, top + 1, lower_tail=False) == 0.0
    assert prho(10, top + 1, lower_tail=True) == 1.0
    assert prho(5, 40, lower_tail=False) == pytest.approx(1 / 120)   # max S: one permutation
    with pytest.raises(InvalidSpec):
        prho(1, 3, lower_tail=False)


def test_perfect_correlation_exact_p_is_one_over_n_factorial_doubled():
    assert spearman_exact_pvalue(1.0, 6) == pytest.approx(2 / 720)
    assert spearman_exact_pvalue(-1.0, 6, "less") == pytest.approx(1 / 720)


def test_out_of_range_arguments_are_refused():
    with pytest.raises(InvalidSpec, match="1291"):
        spearman_exact_pvalue(0.1, 1291)
    with pytest.raises(InvalidSpec, match="alternative"):
        spearman_exact_pvalue(0.1, 20, "two.sided")
