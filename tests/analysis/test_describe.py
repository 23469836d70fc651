"""analysis.describe against pandas and scipy on the same data (nothing hard-coded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.describe import describe_cells, table_one
from analysis.errors import InvalidSpec, UnknownColumn


@pytest.fixture
def cohort() -> pd.DataFrame:
    """Fibromyalgia-shaped data: FM/HC x HAB/MLAB, cells 52/31/22/21, some NaNs."""
    rng = np.random.default_rng(11)
    cells = {("FM", "HAB"): 52, ("FM", "MLAB"): 31, ("HC", "HAB"): 22, ("HC", "MLAB"): 21}
    rows = [key for key, n in cells.items() for _ in range(n)]
    df = pd.DataFrame(rows, columns=["group", "binder"])
    n = len(df)
    df["group"] = pd.Categorical(df["group"], categories=["HC", "FM"])   # display order
    df["binder"] = df["binder"].astype("category")
    df["fiq"] = rng.normal(50, 15, n)
    df["age"] = rng.normal(45, 9, n).round()
    df["smoker"] = rng.choice(["yes", "no"], n, p=[0.2, 0.8])
    df["site"] = pd.Categorical(rng.choice(["a", "b", "c"], n))
    df.loc[rng.choice(n, 7, replace=False), "fiq"] = np.nan
    df.loc[rng.choice(n, 2, replace=False), "group"] = np.nan
    df.loc[rng.choice(n, 4, replace=False), "smoker"] = None
    return df


def test_describe_cells_matches_pandas_groupby_and_scipy_t_interval(cohort):
    cells = describe_cells(cohort, "fiq", ["group", "binder"])
    ref = cohort.dropna(subset=["fiq", "group", "binder"])
    assert list(cells["label"]) == ["HC/HAB", "HC/MLAB", "FM/HAB", "FM/MLAB"]
    for row in cells.itertuples():
        x = ref.loc[(ref["group"] == row.group) & (ref["binder"] == row.binder), "fiq"]
        assert row.n == len(x)
        assert row.mean == pytest.approx(x.mean(), rel=1e-12)
        assert row.sd == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert row.se == pytest.approx(stats.sem(x), rel=1e-12)
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high), rel=1e-10)


def test_describe_cells_single_factor_on_text_column_sorts_levels(cohort):
    cells = describe_cells(cohort, "fiq", ["smoker"])
    assert list(cells["label"]) == ["no", "yes"]
    assert cells["n"].sum() == cohort[["fiq", "smoker"]].dropna().shape[0]


def test_describe_cells_rejects_unknown_and_non_numeric_columns(cohort):
    with pytest.raises(UnknownColumn, match="'fiqq'"):
        describe_cells(cohort, "fiqq", ["group"])
    with pytest.raises(InvalidSpec, match="'smoker'"):
        describe_cells(cohort, "smoker", ["group"])
    with pytest.raises(InvalidSpec, match="factors"):
        describe_cells(cohort, "fiq", [])


def test_table_one_numeric_rows_use_welch_for_two_groups(cohort):
    table = table_one(cohort, "group", ["fiq", "age"], {"fiq": "FIQ total"})
    row = table.set_index("variable").loc["fiq"]
    assert row["label"] == "FIQ total"
    data = cohort.dropna(subset=["fiq", "group"])
    fm, hc = (data.loc[data["group"] == g, "fiq"] for g in ("FM", "HC"))
    assert row["n_FM"] == len(fm) and row["n_HC"] == len(hc)
    assert row["mean_FM"] == pytest.approx(fm.mean()) and row["sd_HC"] == pytest.approx(hc.std())
    ref = stats.ttest_ind(fm, hc, equal_var=False)
    assert row["test"] == "welch" and row["statistic_name"] == "t"
    assert abs(row["statistic"]) == pytest.approx(abs(ref.statistic), rel=1e-10)
    assert row["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["df"] == pytest.approx(ref.df, rel=1e-10)
    assert table.columns[:4].tolist() == ["variable", "label", "level", "kind"]


def test_table_one_numeric_rows_use_one_way_anova_for_three_groups(cohort):
    row = table_one(cohort, "site", ["fiq"]).iloc[0]
    data = cohort.dropna(subset=["fiq"])
    ref = stats.f_oneway(*[data.loc[data["site"] == s, "fiq"] for s in ("a", "b", "c")])
    assert row["test"] == "anova"
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p"] == pytest.approx(ref.pvalue, rel=1e-10)


def test_table_one_categorical_rows_match_crosstab_and_uncorrected_chi_square(cohort):
    table = table_one(cohort, "group", ["smoker"])
    data = cohort.dropna(subset=["smoker", "group"])
    counts = pd.crosstab(data["smoker"], data["group"].astype(str))
    ref = stats.chi2_contingency(counts.to_numpy(), correction=False)
    assert list(table["level"]) == ["no", "yes"]
    for row in table.itertuples():
        assert row.n_FM == counts.loc[row.level, "FM"]
        assert row.percent_HC == pytest.approx(
            100 * counts.loc[row.level, "HC"] / counts["HC"].sum())
        assert row.test == "chi_square" and row.df == ref.dof
        assert row.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert row.p == pytest.approx(ref.pvalue, rel=1e-10)
        assert row.min_expected == pytest.approx(ref.expected_freq.min())


def test_table_one_reports_no_test_when_a_group_has_a_single_value(cohort):
    tiny = cohort.copy()
    tiny.loc[tiny["group"] == "HC", "fiq"] = np.nan
    tiny.loc[tiny.index[tiny["group"] == "HC"][0], "fiq"] = 40.0
    row = table_one(tiny, "group", ["fiq"]).iloc[0]
    assert row["test"] == "none" and np.isnan(row["p"]) and row["n_HC"] == 1


def test_table_one_rejects_grouping_column_as_variable_and_unknown_columns(cohort):
    with pytest.raises(InvalidSpec, match="'group'"):
        table_one(cohort, "group", ["group"])
    with pytest.raises(UnknownColumn, match="'agee'"):
        table_one(cohort, "group", ["agee"])


def test_table_one_of_a_single_group_describes_without_a_test():
    """A subgroup with one level of `by` (e.g. only HC selected): numbers, no test
    (found by the app's fuzz test: scipy's f_oneway refuses one sample)."""
    import pandas as pd

    df = pd.DataFrame({"group": pd.Categorical(["HC"] * 6, categories=["HC"]),
                       "age": [30.0, 41, 35, 52, 47, 38],
                       "sex": pd.Categorical(["f", "m", "f", "f", "m", "f"])})
    table = table_one(df, "group", ["age", "sex"])
    assert set(table["test"]) == {"none"}
    assert table.loc[table["variable"] == "age", "mean_HC"].item() == pytest.approx(40.5)
    assert table.loc[table["level"] == "f", "n_HC"].item() == 4
