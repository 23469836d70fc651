"""scan_regions: every regional measure analysed like one outcome, FDR across regions.

Each row is checked against scipy on the same data, and the correction against
statsmodels' multipletests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.cohort import load_cohort
from analysis.errors import InsufficientData
from analysis.region_scan import regional_measures, scan_regions

ROOT = Path(__file__).resolve().parents[2] / "data" / "cohorts"


@pytest.fixture(scope="module")
def subtypes():
    return load_cohort("alshelh2022_clbp_subtypes", ROOT)


def test_two_group_scan_matches_scipy_t_tests_and_bh(subtypes):
    df = subtypes.participants
    measures = regional_measures(subtypes.dictionary)
    assert len(measures) >= 3
    result = scan_regions(df, measures, analysis="compare",
                          spec={"factors": ["pain_subtype"], "test": "student"})
    levels = list(df["pain_subtype"].cat.categories)
    for _, row in result.table.iterrows():
        a = df.loc[df["pain_subtype"] == levels[0], row["measure"]].dropna()
        b = df.loc[df["pain_subtype"] == levels[1], row["measure"]].dropna()
        ref = stats.ttest_ind(a, b)
        assert abs(row["statistic"]) == pytest.approx(abs(ref.statistic), rel=1e-9)
        assert row["p"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert row["region"] == measures[row["measure"]]
    expected = multipletests(result.table["p"], method="fdr_bh")[1]
    np.testing.assert_allclose(result.table["p_adjusted"], expected, rtol=1e-12)
    assert set(result.values()) == set(result.table["region"])


def test_correlation_scan_matches_scipy_spearman(subtypes):
    df = subtypes.participants
    measures = regional_measures(subtypes.dictionary)
    x = "paindetect"
    result = scan_regions(df, measures, analysis="correlate",
                          spec={"x": x, "method": "spearman"}, correction="holm")
    for _, row in result.table.iterrows():
        pair = df[[x, row["measure"]]].dropna()
        ref = stats.spearmanr(pair[x], pair[row["measure"]])
        assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-9)
    np.testing.assert_allclose(result.table["p_adjusted"],
                               multipletests(result.table["p"], method="holm")[1])


def test_refused_measures_are_listed_not_painted(subtypes):
    df = subtypes.participants.copy()
    measures = regional_measures(subtypes.dictionary)
    empty = next(iter(measures))
    df[empty] = np.nan
    result = scan_regions(df, measures, analysis="compare",
                          spec={"factors": ["pain_subtype"]})
    assert empty not in set(result.table["measure"])
    assert [m for m, _ in result.skipped] == [empty]
    with pytest.raises(InsufficientData, match="No regional measure"):
        scan_regions(df.iloc[:2], measures, analysis="compare",
                     spec={"factors": ["pain_subtype"]})


def test_regional_measures_are_the_numeric_measures_with_a_region(subtypes):
    measures = regional_measures(subtypes.dictionary)
    for name, region in measures.items():
        info = subtypes.dictionary[name]
        assert info.role == "measure" and info.region == region and not info.levels


def test_a_region_with_several_measures_is_painted_with_the_smallest_p():
    """MRS voxels carry several metabolites (Fanton 2022: rACC glutamate and GABA, absolute
    and relative); the map shows the strongest, the table all of them."""
    cohort = load_cohort("fanton2022_fm_tspo", ROOT)
    measures = regional_measures(cohort.dictionary)
    result = scan_regions(cohort.participants, measures, analysis="compare",
                          spec={"factors": ["tspo_binder"]})
    assert "racc" in result.shared_regions
    racc = result.table[result.table["region"] == "racc"]
    assert len(racc) >= 4
    best = racc.loc[racc["p"].idxmin(), "statistic"]
    assert result.values()["racc"] == pytest.approx(best)
    assert "smallest p" in result.methods_text()
