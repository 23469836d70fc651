"""Compare an outcome between groups: t/Mann-Whitney, ANOVA/ANCOVA, Kruskal-Wallis, post hoc.

One entry point, :func:`compare_groups`, that validates the spec, deletes incomplete rows
listwise, routes to the test (``analysis.compare_engines``) and returns a frozen
:class:`~analysis.compare_result.ComparisonResult`. Pure: no Dash, no file I/O, no rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import compare_engines as eng
from analysis._data import (
    as_factor,
    complete_cases,
    require_cell_sizes,
    require_choice,
    require_columns,
    require_levels,
    require_numeric,
    require_variance,
)
from analysis.compare_result import R_EQUIVALENTS, TEST_NAMES, ComparisonResult
from analysis.describe import summarize_cells
from analysis.errors import DegenerateData, InvalidSpec

TESTS = ("auto", "student", "welch", "mannwhitney", "anova", "ancova", "kruskal")
POSTHOCS = (None, "tukey", "dunnett", "holm", "bonferroni")
ALTERNATIVES = ("two-sided", "greater", "less")
TWO_GROUP = ("student", "welch", "mannwhitney")
SMALL_CELL = 10
"""Cells below this size get a warning (estimates and assumption checks are imprecise)."""

__all__ = ["ComparisonResult", "compare_groups"]


def _choose_test(test: str, n_levels: list[int], covariates: Sequence[str]) -> str:
    """Resolve ``"auto"`` and reject tests that do not fit the design."""
    if test == "auto":
        if covariates:
            return "ancova"
        return "student" if n_levels == [2] else "anova"
    if covariates and test != "ancova":
        raise InvalidSpec(f"test={test!r} cannot adjust for covariates; use test='ancova' "
                          "or remove the covariates.")
    if test == "ancova" and not covariates:
        raise InvalidSpec("test='ancova' needs at least one covariate; name covariates=[...] "
                          "or use test='anova'.")
    if test in TWO_GROUP and n_levels != [2]:
        raise InvalidSpec(f"test={test!r} compares one factor with exactly 2 levels, but the "
                          f"factors have {n_levels} levels; use 'anova' or 'kruskal'.")
    if test == "kruskal" and len(n_levels) != 1:
        raise InvalidSpec(f"test='kruskal' takes one factor, got {len(n_levels)}; use 'anova'.")
    return test


def _check_spec(df, outcome, factors, covariates, test, ss_type, posthoc, alternative) -> None:
    require_choice(test, TESTS, argument="test")
    require_choice(ss_type, (2, 3), argument="ss_type")
    require_choice(posthoc, POSTHOCS, argument="posthoc")
    require_choice(alternative, ALTERNATIVES, argument="alternative")
    if not factors:
        raise InvalidSpec("factors=[] is empty; name one or two grouping columns.")
    require_columns(df, [outcome], argument="outcome")
    require_columns(df, factors, argument="factor")
    require_columns(df, covariates, argument="covariate")
    names = [outcome, *factors, *covariates]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidSpec(f"column {repeated[0]!r} is named twice among outcome, factors and "
                          "covariates; use each column in one role only.")
    require_numeric(df, outcome, argument="outcome")


def _prepare(df, outcome, factors, covariates) -> tuple[pd.DataFrame, int]:
    """Complete cases with factors as categoricals; raise on degenerate designs."""
    data, n_dropped = complete_cases(df, [outcome, *factors, *covariates])
    for f in factors:
        data[f] = as_factor(data[f])
        require_levels(data[f], factor=f)
    require_cell_sizes(data, factors, outcome=outcome)
    require_variance(data[outcome], column=outcome)
    for c in covariates:
        if pd.api.types.is_numeric_dtype(data[c].dtype) and \
                not pd.api.types.is_bool_dtype(data[c].dtype):
            require_variance(data[c], column=c)
            continue
        data[c] = as_factor(data[c])
        if len(data[c].cat.categories) < 2:
            raise DegenerateData(f"covariate {c!r} has a single level "
                                 f"({data[c].cat.categories[0]!r}) left; remove it.")
    if not (eng.within_cell_residuals(data, outcome, factors) != 0).any():
        raise DegenerateData(f"{outcome!r} has zero variance within every cell of "
                             f"{', '.join(factors)}; a test needs values that differ.")
    return data, n_dropped


def _posthoc_target(factors, posthoc_factor) -> tuple[str, ...]:
    if posthoc_factor is None:
        return tuple(factors)
    if posthoc_factor not in factors:
        raise InvalidSpec(f"posthoc_factor={posthoc_factor!r} is not one of the factors "
                          f"{list(factors)}; name one of them or leave it None for all cells.")
    return (posthoc_factor,)


def _check_posthoc(test, posthoc, control, alternative, levels) -> None:
    if alternative != "two-sided" and test not in TWO_GROUP and posthoc in (None, "tukey"):
        raise InvalidSpec(f"alternative={alternative!r} applies to two-group tests and to "
                          "Dunnett/Holm/Bonferroni post hoc tests, not to "
                          f"test={test!r} with posthoc={posthoc!r}; use 'two-sided'.")
    if test == "kruskal" and posthoc in ("tukey", "dunnett"):
        raise InvalidSpec(f"posthoc={posthoc!r} needs a linear model; after 'kruskal' use "
                          "'holm' or 'bonferroni' (pairwise Mann-Whitney tests).")
    if test == "kruskal" and alternative != "two-sided":
        raise InvalidSpec("alternative must be 'two-sided' with test='kruskal'.")
    if control is not None and control not in levels:
        raise InvalidSpec(f"control={control!r} is not a level of the compared cells; use one "
                          f"of {', '.join(map(repr, levels))}.")
    if control is not None and posthoc != "dunnett":
        raise InvalidSpec(f"control={control!r} is used by posthoc='dunnett' only, got "
                          f"posthoc={posthoc!r}; drop control or use 'dunnett'.")


def _describe_method(test, outcome, factors, covariates, ss_type, alternative, levels,
                     detail=None):
    if test in TWO_GROUP:
        effect = "rank-biserial correlation" if test == "mannwhitney" \
            else "Hedges' g with 95% CI"
        return (f"{detail or TEST_NAMES[test]} of {outcome} between {factors[0]} {levels[0]} "
                f"and {levels[1]} ({alternative}); effect size {effect}.")
    if test == "kruskal":
        return (f"{TEST_NAMES[test]} of {outcome} across {factors[0]} (R: "
                f"{R_EQUIVALENTS[test]}); effect size epsilon squared.")
    way = {1: "One-way", 2: "Two-way"}.get(len(factors), f"{len(factors)}-way")
    rhs = " * ".join(factors) + "".join(f" + {c}" for c in covariates)
    r_call = R_EQUIVALENTS[test].replace("...", f"{outcome} ~ {rhs}").format(ss=ss_type)
    text = (f"{way} {TEST_NAMES[test]} of {outcome} ~ {rhs} with type {'II' * (ss_type == 2)}"
            f"{'III' * (ss_type == 3)} sums of squares (R: {r_call}); effect size partial "
            "eta squared.")
    if covariates:
        text += (" Adjusted means are estimated marginal means at the covariate means, "
                 "weighting levels of other factors equally.")
    return text


def _warnings(result_parts: dict, test: str, factors, slopes_p) -> tuple[str, ...]:
    cells, assumptions = result_parts["cells"], result_parts["assumptions"]
    out = [f"cell {row.label} has n = {row.n} (< {SMALL_CELL}); estimates and assumption "
           "checks are imprecise." for row in cells.itertuples() if row.n < SMALL_CELL]
    parametric = test not in ("mannwhitney", "kruskal")
    if parametric and assumptions.shapiro_p is not None and assumptions.shapiro_p < 0.05:
        alt = " consider 'mannwhitney' or 'kruskal'." if len(factors) == 1 else ""
        out.append(f"residuals depart from normality (Shapiro-Wilk p < .05);{alt}".rstrip(";"))
    if test in ("student", "anova", "ancova") and assumptions.levene_p < 0.05:
        alt = " consider 'welch'." if test == "student" else ""
        out.append(f"variances differ between cells (Levene p < .05);{alt}".rstrip(";"))
    if assumptions.shapiro_w is None and assumptions.shapiro_n > eng.SHAPIRO_RANGE[1]:
        out.append(f"Shapiro-Wilk test not run: n = {assumptions.shapiro_n} exceeds "
                   f"{eng.SHAPIRO_RANGE[1]}, the limit of R's shapiro.test.")
    if slopes_p is not None and slopes_p < 0.05:
        out.append("covariate slopes differ between cells (factor x covariate interaction "
                   "p < .05); the ANCOVA assumption of parallel slopes is doubtful.")
    if result_parts.get("posthoc_factor") and len(factors) > 1:
        table = result_parts["table"].set_index("term")
        crossed = [t for t in table.index if result_parts["posthoc_factor"] in t.split(":")
                   and ":" in t and table.loc[t, "p"] < 0.05]
        if crossed:
            out.append(f"{result_parts['posthoc_factor']!r} is involved in a significant "
                       f"interaction ({', '.join(crossed)}); its marginal means average over "
                       "levels of other factors and may mislead (as emmeans warns).")
    return tuple(out) + tuple(result_parts.get("notes", ()))


def _run(data, outcome, factors, covariates, test, ss_type, alternative, posthoc, control,
         target) -> dict:
    """Table, cells, residual-based assumptions and post hoc for the resolved test."""
    parts: dict = {"cells": summarize_cells(data, outcome, factors), "posthoc": None}
    if test in TWO_GROUP:
        parts["table"], parts["method"] = eng.two_group_table(data, outcome, factors[0], test,
                                                              alternative)
        residuals = eng.within_cell_residuals(data, outcome, factors)
        if posthoc is not None:
            parts["notes"] = (f"posthoc={posthoc!r} ignored: two groups need no post hoc test.",)
    elif test == "kruskal":
        parts["table"] = eng.kruskal_table(data, outcome, factors[0])
        residuals = eng.within_cell_residuals(data, outcome, factors)
        if posthoc is not None:
            parts["posthoc"] = eng.rank_posthoc(data, outcome, factors[0], posthoc)
    else:
        table, design, fit = eng.linear_model_table(data, outcome, factors, covariates, ss_type)
        parts.update(table=table, design=design, fit=fit)
        residuals = fit.residuals
        if covariates:
            parts["cells"] = parts["cells"].merge(
                eng.adjusted_cells(design, fit, factors), on="label", how="left")
        if posthoc is not None:
            parts["posthoc"] = eng.model_posthoc(design, fit, target, posthoc, control,
                                                 alternative)
    parts["assumptions"] = eng.check_assumptions(residuals, data, outcome, factors)
    return parts


def compare_groups(df: pd.DataFrame, outcome: str, factors: Sequence[str] = (), *,
                   covariates: Sequence[str] = (), test: str = "auto", ss_type: int = 2,
                   posthoc: str | None = None, control: str | None = None,
                   alternative: str = "two-sided", posthoc_factor: str | None = None
                   ) -> ComparisonResult:
    """Compare `outcome` between the cells of one or more `factors`, optionally adjusted.

    Parameters
    ----------
    df : pandas.DataFrame
        Participants table; rows missing the outcome, a factor or a covariate are dropped
        listwise (reported as ``n_dropped``).
    outcome : str
        Numeric column compared.
    factors : sequence of str
        One or two (or more) grouping columns; their level order is the display order.
    covariates : sequence of str
        Numeric or categorical adjustment variables, entered as main effects (ANCOVA).
    test : {"auto", "student", "welch", "mannwhitney", "anova", "ancova", "kruskal"}
        ``"auto"`` follows what the papers and R users do: ``"ancova"`` when covariates are
        given, else ``"student"`` for one factor with two levels, else ``"anova"``
        (full-factorial for two factors). Choose "welch", "mannwhitney" or "kruskal"
        explicitly; warnings suggest them when Levene's or Shapiro-Wilk's test fails.
    ss_type : {2, 3}
        Sums of squares of ANOVA/ANCOVA, as ``car::Anova(type=...)`` with sum-to-zero
        contrasts; default 2 (car's default). Type III is SPSS' default. They coincide in
        balanced designs. Ignored by the other tests (``ComparisonResult.ss_type`` is None).
    posthoc : {None, "tukey", "dunnett", "holm", "bonferroni"}
        Pairwise comparisons of estimated marginal means (``analysis.posthoc``) after
        ANOVA/ANCOVA; after Kruskal-Wallis, "holm"/"bonferroni" pairwise Mann-Whitney tests.
    control : str, optional
        Reference level (or cell label "FM/HAB") for Dunnett; default its first level.
    alternative : {"two-sided", "greater", "less"}
        For two-group tests ("greater": first level > second) and Dunnett/Holm/Bonferroni
        post hoc tests ("greater": ``group_a`` > ``group_b`` in each row, i.e. the later
        level > the earlier one, or the level > the control, as R orients them).
    posthoc_factor : str, optional
        Factor whose marginal means (averaged equally over the other factors, as
        ``emmeans``) are compared; default: every cell against every cell.

    Returns
    -------
    ComparisonResult
    """
    factors, covariates = list(factors), list(covariates)
    _check_spec(df, outcome, factors, covariates, test, ss_type, posthoc, alternative)
    data, n_dropped = _prepare(df, outcome, factors, covariates)
    n_levels = [len(data[f].cat.categories) for f in factors]
    test = _choose_test(test, n_levels, covariates)
    target = _posthoc_target(factors, posthoc_factor)
    levels = list(summarize_cells(data, outcome, list(target))["label"])
    _check_posthoc(test, posthoc, control, alternative, levels)
    if posthoc == "dunnett" and control is None:
        control = levels[0]
    parts = _run(data, outcome, factors, covariates, test, ss_type, alternative, posthoc,
                 control, target)
    parts["posthoc_factor"] = posthoc_factor if parts["posthoc"] is not None else None
    slopes_p = eng.slopes_homogeneity_p(parts["design"], parts["fit"], data, factors,
                                        covariates) if test == "ancova" else None
    linear = test in ("anova", "ancova")
    return ComparisonResult(
        outcome=outcome, factors=tuple(factors), covariates=tuple(covariates), test=test,
        ss_type=ss_type if linear else None, alternative=alternative, table=parts["table"],
        cells=parts["cells"], posthoc=parts["posthoc"],
        posthoc_method=posthoc if parts["posthoc"] is not None else None,
        posthoc_factor=posthoc_factor if parts["posthoc"] is not None else None,
        control=control if parts["posthoc"] is not None else None,
        n_used=len(data), n_dropped=n_dropped,
        warnings=_warnings(parts, test, factors, slopes_p), assumptions=parts["assumptions"],
        method=_describe_method(test, outcome, factors, covariates, ss_type, alternative,
                                [str(c) for c in data[factors[0]].cat.categories],
                                parts.get("method")),
    )
