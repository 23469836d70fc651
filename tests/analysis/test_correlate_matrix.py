"""Correlation matrix mode (analysis.correlate_matrix) against scipy, pingouin, statsmodels
and the single-pair engine."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.correlate import correlate, correlation_matrix
from analysis.errors import InsufficientData, InvalidSpec, UnknownColumn

COLUMNS = ["tspo_suv", "fiqr", "pain_vas", "bdi"]


def measures(n: int = 126, seed: int = 0, missing: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.normal(45, 11, n).round(1),
                       "site": pd.Categorical(rng.choice(["A", "B", "C"], n))})
    df["tspo_suv"] = 1 + 0.01 * df["age"] + rng.normal(0, 0.3, n)
    df["fiqr"] = 20 + 25 * df["tspo_suv"] + rng.normal(0, 12, n)
    df["pain_vas"] = df["fiqr"] / 10 + rng.normal(0, 1.5, n)
    df["bdi"] = rng.integers(0, 40, n).astype(float)           # ties
    if missing:
        for column, k in (("fiqr", 7), ("tspo_suv", 4), ("bdi", 3)):
            df.loc[rng.choice(n, k, replace=False), column] = np.nan
    return df


@pytest.mark.parametrize("missing", [False, True])
def test_pearson_matrix_matches_scipy_on_pairwise_complete_data(missing):
    df = measures(missing=missing)
    result = correlation_matrix(df, COLUMNS)
    assert len(result.table) == 6
    for a in COLUMNS:
        for b in COLUMNS:
            if a == b:
                continue
            pair = df[[a, b]].dropna()
            ref = stats.pearsonr(pair[a], pair[b])
            assert result.r.loc[a, b] == pytest.approx(ref.statistic, abs=1e-12)
            assert result.p.loc[a, b] == pytest.approx(ref.pvalue, rel=1e-9)
            assert result.n.loc[a, b] == len(pair)
    expected = multipletests(result.table["p"].to_numpy(), method="holm")[1]
    assert result.table["p_adjusted"].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert np.allclose(np.diag(result.r), 1.0)
    assert np.allclose(result.r, result.r.T)


@pytest.mark.parametrize("covariates", [[], ["age"], ["age", "site"]])
@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_every_cell_equals_the_single_pair_engine(method, covariates):
    df = measures(seed=3)
    result = correlation_matrix(df, COLUMNS, method=method, covariates=covariates,
                                correction="bh")
    for row in result.table.itertuples():
        single = correlate(df, row.x, row.y, method=method, covariates=covariates).table.iloc[0]
        assert row.r == pytest.approx(single["r"], abs=1e-12)
        assert row.p == pytest.approx(single["p"], rel=1e-9)
        assert (row.n, row.df, row.p_method) == (single["n"], single["df"], single["p_method"])
        assert (row.ci_low, row.ci_high) == pytest.approx((single["ci_low"], single["ci_high"]))
    expected = multipletests(result.table["p"].to_numpy(), method="fdr_bh")[1]
    assert result.table["p_adjusted"].to_numpy() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_vectorised_path_matches_pingouin_partial_corr(method):
    df = measures(missing=False, seed=4)
    result = correlation_matrix(df, ["tspo_suv", "fiqr", "pain_vas"], method=method,
                                covariates=["age"])
    for row in result.table.itertuples():
        ref = pg.partial_corr(df, x=row.x, y=row.y, covar=["age"], method=method)
        assert row.r == pytest.approx(ref["r"].iloc[0], abs=1e-10)
        assert row.p == pytest.approx(ref["p_val"].iloc[0], rel=1e-7)


def test_spearman_without_ties_or_missing_uses_edgeworth_and_ties_use_t():
    df = measures(missing=False, seed=5)
    result = correlation_matrix(df, COLUMNS, method="spearman")
    table = result.table.set_index(["x", "y"])
    assert table.loc[("tspo_suv", "fiqr"), "p_method"] == "edgeworth"
    assert table.loc[("tspo_suv", "bdi"), "p_method"] == "t"
    ref = stats.spearmanr(df["tspo_suv"], df["bdi"])
    assert table.loc[("tspo_suv", "bdi"), "p"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_constant_column_is_reported_and_other_pairs_kept():
    df = measures(seed=6)
    df["flat"] = 1.0
    result = correlation_matrix(df, ["tspo_suv", "fiqr", "flat"])
    assert len(result.table) == 1
    assert any("'flat' has zero variance" in w for w in result.warnings)
    assert np.isnan(result.r.loc["flat", "fiqr"])
    with pytest.raises(InsufficientData, match="flat"):
        correlation_matrix(df.assign(other=2.0), ["flat", "other"])


def test_to_dict_and_methods_text():
    result = correlation_matrix(measures(), COLUMNS, method="spearman", covariates=["age"])
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert len(payload["table"]) == 6 and payload["covariates"] == ["age"]
    text = result.methods_text()
    assert "Spearman" in text and "6 unique pairs" in text and "age" in text


@pytest.mark.parametrize("kwargs,error,pattern", [
    ({"columns": ["fiqr"]}, InvalidSpec, "at least 2"),
    ({"columns": ["fiqr", "fiqr"]}, InvalidSpec, "distinct"),
    ({"columns": ["fiqr", "site"]}, InvalidSpec, "'site' must be numeric"),
    ({"columns": ["fiqr", "nope"]}, UnknownColumn, "'nope'"),
    ({"columns": ["fiqr", "age"], "covariates": ["age"]}, InvalidSpec, "also a covariate"),
    ({"columns": ["fiqr", "age"], "method": "kendall"}, InvalidSpec, "method"),
])
def test_bad_specifications_are_refused(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        correlation_matrix(measures(), **kwargs)
