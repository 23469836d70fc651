"""Tests of analysis.repeated against statsmodels' formula interface and pingouin's ANOVAs.

Data are simulated like the P30 pain ratings of Fanton et al. (2022, PAIN 163:274): two
cue colours x 10 repetitions per participant, group (FM/HC) and TSPO binder class
(HAB/MLAB) as between-subject variables in a separate participants table, unequal cells,
missing ratings. No number is hard-coded; expected values come from statsmodels/pingouin.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from analysis.errors import InsufficientData, InvalidSpec, UnknownColumn
from analysis.repeated import condition_means, fit_mixed_model


def p30_study(n_subjects: int = 36, seed: int = 0, missing: int = 15):
    rng = np.random.default_rng(seed)
    part = pd.DataFrame({"participant_id": [f"sub-{i:03d}" for i in range(n_subjects)],
                         "group": rng.choice(["FM", "HC"], n_subjects, p=[0.65, 0.35]),
                         "tspo": pd.Categorical(rng.choice(["HAB", "MLAB"], n_subjects),
                                                categories=["HAB", "MLAB"])})
    rows = []
    for p in part.itertuples():
        u, slope = rng.normal(0, 8), rng.normal(0, 0.6)
        for cue in ("green", "red"):
            for t in range(1, 11):
                pain = (40 + u + (t - 5) * slope + 28 * (cue == "red") + 9 * (p.tspo == "HAB")
                        - 4 * (p.tspo == "HAB") * (cue == "red") + rng.normal(0, 6))
                rows.append((p.participant_id, cue, t, np.round(pain)))
    long = pd.DataFrame(rows, columns=["participant_id", "cue", "time", "pain"])
    long.loc[rng.choice(len(long), missing, replace=False), "pain"] = np.nan
    return long, part


def patsy_name(name: str) -> str:
    return name.replace("[T.", "[")


def test_mixed_model_matches_statsmodels_formula_interface():
    long, part = p30_study()
    ours = fit_mixed_model(long, "pain", fixed=["tspo", "group", "cue", "time"],
                           interactions=[("tspo", "cue"), ("time", "cue"), ("group", "time")],
                           between=part, random_slope="time")
    data = long.merge(part, on="participant_id").dropna()
    ref = smf.mixedlm("pain ~ tspo + group + cue + time + tspo:cue + time:cue + group:time",
                      data, groups=data.participant_id, re_formula="~time").fit(reml=True)
    table = ours.table.set_index("term")
    params = ref.fe_params.rename(index=patsy_name)
    assert set(table.index) == set(params.index)
    # patsy orders the columns differently, so the optimiser path differs by round-off only
    np.testing.assert_allclose(table.beta, params[table.index], rtol=1e-6)
    np.testing.assert_allclose(table.se, ref.bse_fe.rename(index=patsy_name)[table.index],
                               rtol=1e-5)
    np.testing.assert_allclose(table.p, ref.pvalues.rename(index=patsy_name)[table.index],
                               rtol=1e-4)
    ci = ref.conf_int().rename(index=patsy_name).loc[table.index]
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], ci, rtol=1e-5)
    assert ours.variance_components.variance.iloc[-1] == pytest.approx(ref.scale, rel=1e-6)
    assert ours.log_likelihood == pytest.approx(ref.llf, rel=1e-9)
    assert (ours.n_subjects, ours.n_observations, ours.n_dropped) == (36, len(data), 15)
    assert ours.converged and ours.warnings == ()


def test_random_intercept_ml_fit_matches_statsmodels_exactly_with_same_column_order():
    long, part = p30_study(seed=4)
    ours = fit_mixed_model(long, "pain", fixed=["cue", "tspo"], between=part, reml=False)
    data = long.merge(part, on="participant_id").dropna()
    ref = smf.mixedlm("pain ~ cue + tspo", data, groups=data.participant_id).fit(reml=False)
    np.testing.assert_allclose(ours.table.beta, ref.fe_params, rtol=1e-10)
    np.testing.assert_allclose(ours.table.z, ref.tvalues[:3], rtol=1e-8)
    assert list(ours.table.term) == [patsy_name(t) for t in ref.fe_params.index]


def balanced(seed: int, levels=("green", "red")):
    """Complete balanced data: one mean per participant x condition, compound symmetry."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(24):
        group, u = ("FM" if i < 12 else "HC"), rng.normal(0, 6)
        for j, cond in enumerate(levels):
            rows.append((f"sub-{i:02d}", group, cond,
                         40 + u + 8 * j + 3 * j * (group == "FM") + rng.normal(0, 4)))
    return pd.DataFrame(rows, columns=["participant_id", "group", "cond", "pain"])


def test_within_factor_wald_test_equals_repeated_measures_anova_on_balanced_data():
    """Balanced, complete data with a positive subject variance: the REML random-intercept
    model estimates the same variance components as the ANOVA mean squares (compound
    symmetry), so the Wald chi2 / df of a within term equals the RM-ANOVA F."""
    data = balanced(1, levels=("low", "mid", "high"))
    ours = fit_mixed_model(data, "pain", fixed=["cond"])
    aov = pg.rm_anova(data, dv="pain", within="cond", subject="participant_id")
    term = ours.terms.set_index("term").loc["cond"]
    assert term.df == 2
    assert term.chi2 / term.df == pytest.approx(aov.loc[0, "F"], rel=2e-4)  # as below


def test_interaction_z_squared_equals_mixed_anova_f_on_balanced_data():
    data = balanced(2)
    ours = fit_mixed_model(data, "pain", fixed=["group", "cond"],
                           interactions=[("group", "cond")])
    aov = pg.mixed_anova(data, dv="pain", within="cond", subject="participant_id",
                         between="group").set_index("Source")
    z = ours.table.set_index("term").at["group[HC]:cond[red]", "z"]
    # tolerance: the REML optimum is found iteratively (lbfgs, default tolerance), ~1e-5
    assert z**2 == pytest.approx(aov.at["Interaction", "F"], rel=2e-4)


def test_condition_means_average_within_participant_first():
    long, part = p30_study()
    table = condition_means(long, "pain", ["tspo"], "cue", between=part)
    subj = (long.merge(part).dropna().groupby(["tspo", "cue", "participant_id"],
                                              observed=True).pain.mean())
    cell = subj.loc[("MLAB", "red")]
    row = table[(table.tspo == "MLAB") & (table.cue == "red")].iloc[0]
    assert row.n == len(cell) == (part.tspo == "MLAB").sum()
    assert row["mean"] == pytest.approx(cell.mean())
    assert row.sd == pytest.approx(cell.std(ddof=1))
    lo, hi = stats.t.interval(0.95, len(cell) - 1, loc=cell.mean(), scale=stats.sem(cell))
    assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi))
    assert len(table) == 4


def test_result_describes_itself():
    long, part = p30_study()
    r = fit_mixed_model(long, "pain", fixed=["cue", "time"], between=part,
                        random_slope="time")
    json.dumps(r.to_dict(), allow_nan=False)
    text = r.methods_text()
    assert "random slope for time" in text and "36 participants" in text and "REML" in text
    assert list(r.table.columns) == ["term", "beta", "se", "ci_low", "ci_high", "z", "p"]
    assert r.random_correlation is not None and -1 <= r.random_correlation <= 1


def test_mixed_model_rejects_unknown_column():
    long, part = p30_study()
    with pytest.raises(UnknownColumn, match="tspoo"):
        fit_mixed_model(long, "pain", fixed=["tspoo", "cue"], between=part)


def test_mixed_model_rejects_participant_missing_from_between():
    long, part = p30_study()
    with pytest.raises(InvalidSpec, match="sub-003"):
        fit_mixed_model(long, "pain", fixed=["tspo", "cue"], between=part.drop(index=3))


def test_mixed_model_rejects_one_observation_per_subject():
    long, part = p30_study()
    single = long.dropna().groupby("participant_id").head(1)
    with pytest.raises(InsufficientData, match="single observation"):
        fit_mixed_model(single, "pain", fixed=["tspo"], between=part)


def test_mixed_model_rejects_interaction_of_terms_not_in_fixed():
    long, part = p30_study()
    with pytest.raises(InvalidSpec, match="interaction"):
        fit_mixed_model(long, "pain", fixed=["cue"], interactions=[("cue", "tspo")],
                        between=part)


def test_convergence_warning_becomes_a_message_and_clears_converged(monkeypatch):
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    original = MixedLM.fit

    def fit_with_warning(self, *args, **kwargs):
        import warnings
        warnings.warn("Gradient optimization failed, |grad| = 0.5", ConvergenceWarning)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MixedLM, "fit", fit_with_warning)
    long, part = p30_study()
    r = fit_mixed_model(long, "pain", fixed=["cue"], between=part)
    assert r.warnings == ("Gradient optimization failed, |grad| = 0.5",)
    assert not r.converged


def test_reference_levels_match_statsmodels_treatment_reference():
    """Paper-style coding (FM and MLAB as references, as in Fanton et al. Table 2) equals
    statsmodels' C(x, Treatment(reference=...)) on the same data."""
    long, part = p30_study(seed=9)
    ours = fit_mixed_model(long, "pain", fixed=["cue", "tspo", "group"],
                           interactions=[("tspo", "cue")], between=part, reml=False,
                           reference={"group": "FM", "tspo": "MLAB", "cue": "red"})
    data = long.merge(part, on="participant_id").dropna()
    data["tspo"] = data["tspo"].astype(str)
    ref = smf.mixedlm("pain ~ C(cue, Treatment('red')) * C(tspo, Treatment('MLAB'))"
                      " + C(group, Treatment('FM'))", data,
                      groups=data.participant_id).fit(reml=False)
    table = ours.table.set_index("term")
    assert "group[HC]" in table.index and "tspo[HAB]:cue[green]" in table.index
    by_name = {"Intercept": "Intercept",
               "cue[green]": "C(cue, Treatment('red'))[T.green]",
               "tspo[HAB]": "C(tspo, Treatment('MLAB'))[T.HAB]",
               "group[HC]": "C(group, Treatment('FM'))[T.HC]",
               "tspo[HAB]:cue[green]":
                   "C(cue, Treatment('red'))[T.green]:C(tspo, Treatment('MLAB'))[T.HAB]"}
    for ours_name, ref_name in by_name.items():
        assert table.loc[ours_name, "beta"] == pytest.approx(ref.fe_params[ref_name], rel=1e-6)
        assert table.loc[ours_name, "p"] == pytest.approx(ref.pvalues[ref_name], rel=1e-4)


def test_reference_level_must_exist():
    long, part = p30_study()
    with pytest.raises(InvalidSpec, match="'XX' of 'group'"):
        fit_mixed_model(long, "pain", fixed=["group"], between=part, reference={"group": "XX"})
    with pytest.raises(InvalidSpec, match="not a categorical fixed effect"):
        fit_mixed_model(long, "pain", fixed=["group"], between=part, reference={"time": "1"})
