"""adjust_pvalues against statsmodels' multipletests (the reference implementation)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.errors import InvalidSpec
from analysis.multiplicity import adjust_pvalues

P_FAMILIES = [
    np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.04]),          # ties, unsorted
    np.array([0.0001]),                                      # family of one
    np.random.default_rng(3).uniform(0, 0.2, 37),            # many rows (matrix mode)
    np.array([0.5, 0.5, 0.9, 1.0]),                          # capped at 1
]


@pytest.mark.parametrize("p", P_FAMILIES)
@pytest.mark.parametrize("method, reference", [("holm", "holm"), ("bonferroni", "bonferroni"),
                                               ("bh", "fdr_bh"), ("fdr_bh", "fdr_bh")])
def test_adjusted_p_values_equal_statsmodels_multipletests(p, method, reference):
    expected = multipletests(p, method=reference)[1]
    np.testing.assert_allclose(adjust_pvalues(p, method), expected, rtol=1e-12, atol=0)


def test_missing_p_values_stay_missing_and_are_not_counted_in_the_family():
    p = np.array([0.01, np.nan, 0.02, np.nan, 0.04])
    out = adjust_pvalues(p, "bonferroni")
    assert np.isnan(out[[1, 3]]).all()
    np.testing.assert_allclose(out[[0, 2, 4]], [0.03, 0.06, 0.12])   # family of 3, not 5


def test_none_returns_the_p_values_unchanged():
    p = np.array([0.01, 0.2])
    np.testing.assert_array_equal(adjust_pvalues(p, "none"), p)


def test_unknown_correction_names_the_accepted_ones():
    with pytest.raises(InvalidSpec, match="correction='sidak'.*'holm'"):
        adjust_pvalues([0.1], "sidak")
