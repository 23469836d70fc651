"""Bootstrap mediation (X -> M -> Y) with covariates: Hayes' PROCESS model 4.

Pure functions: DataFrames in, frozen results out. No Dash, no file I/O, no rounding.
The regressions and the vectorised bootstrap live in :mod:`analysis.bootstrap`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analysis import bootstrap as bs
from analysis._data import (
    complete_cases,
    require_choice,
    require_columns,
    require_numeric,
    require_variance,
)
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec
from analysis.treatment_coding import covariate_matrix, json_safe

PATHS = ("a", "b", "c", "c_prime")
PATH_COLUMNS = ("estimate", "se", "t", "df", "p", "ci_low", "ci_high")
CI_LABELS = {"bc": "bias-corrected percentile", "percentile": "percentile"}
N_BOOT_RANGE = (100, 100_000)


@dataclass(frozen=True, eq=False)
class MediationResult:
    """Paths, indirect effect and its bootstrap CI for one X -> M -> Y model.

    ``paths`` has rows a (X -> M | covariates), b (M -> Y | X, covariates), c (total effect,
    X -> Y | covariates) and c_prime (direct effect, X -> Y | M, covariates), each an OLS
    slope with t inference. The indirect effect ``a * b`` is judged by its bootstrap CI
    (``significant``); the Sobel test and the proportion mediated are information only,
    because the sampling distribution of ``a * b`` is skewed (Hayes 2018, ch. 4).
    ``boot_distribution`` holds the resampled indirect effects for a histogram; it is left
    out of :meth:`to_dict` to keep share links and exports small.
    """

    x: str
    m: str
    y: str
    covariates: tuple[str, ...]
    n: int
    n_dropped: int
    paths: pd.DataFrame
    indirect: float
    boot_se: float
    ci_low: float
    ci_high: float
    ci: Literal["bc", "percentile"]
    level: float
    n_boot: int
    n_boot_valid: int
    seed: int
    sobel_z: float
    sobel_p: float
    proportion_mediated: float | None
    boot_distribution: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        """True when the bootstrap CI of the indirect effect excludes zero."""
        return not (self.ci_low <= 0.0 <= self.ci_high)

    @property
    def table(self) -> pd.DataFrame:
        """The four paths plus an ``indirect`` row (bootstrap SE and CI; t, df, p empty)."""
        row = pd.DataFrame([{"estimate": self.indirect, "se": self.boot_se, "t": np.nan,
                             "df": np.nan, "p": np.nan, "ci_low": self.ci_low,
                             "ci_high": self.ci_high}], index=["indirect"])
        out = pd.concat([self.paths, row])
        out.index.name = "path"
        return out.reset_index()

    def to_dict(self) -> dict:
        """JSON-safe summary (NaN -> None); ``boot_distribution`` is omitted."""
        scalars = {k: getattr(self, k) for k in (
            "x", "m", "y", "n", "n_dropped", "indirect", "boot_se", "ci_low", "ci_high", "ci",
            "level", "n_boot", "n_boot_valid", "seed", "sobel_z", "sobel_p",
            "proportion_mediated", "significant")}
        scalars["covariates"] = list(self.covariates)
        scalars["warnings"] = list(self.warnings)
        scalars["paths"] = self.paths.reset_index(names="path").to_dict(orient="records")
        return json_safe(scalars)

    def methods_text(self) -> str:
        """One methods-paragraph sentence naming the model, n, resampling and interval."""
        cov = (f", adjusting for {', '.join(self.covariates)}" if self.covariates else "")
        return (
            f"The indirect effect of {self.x} on {self.y} through {self.m} was estimated with "
            f"ordinary least squares path models (Hayes' PROCESS model 4{cov}; n = {self.n}, "
            f"listwise deletion of {self.n_dropped}) and tested with a "
            f"{self.level:.0%} {CI_LABELS[self.ci]} bootstrap confidence interval from "
            f"{self.n_boot} case resamples (seed {self.seed}), equivalent to PROCESS for "
            "SPSS/R and pingouin.mediation_analysis; the Sobel test is given for reference."
        )


def mediate(df: pd.DataFrame, x: str, m: str, y: str, *, covariates: Sequence[str] = (),
            n_boot: int = 5000, ci: Literal["bc", "percentile"] = "bc", seed: int = 0,
            level: float = 0.95) -> MediationResult:
    """Estimate the indirect effect of `x` on `y` through `m` (Hayes' model 4).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per participant.
    x, m, y : str
        Numeric predictor, mediator and outcome columns (all different).
    covariates : sequence of str
        Entered in both regressions; categorical columns are dummy coded against their
        first level.
    n_boot : int
        Bootstrap resamples, 100 to 100000 (PROCESS default 5000).
    ci : {"bc", "percentile"}
        Bias-corrected (PROCESS default, as pingouin) or plain percentile interval.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same interval.
    level : float
        Confidence level of every interval, in (0, 1).

    Returns
    -------
    MediationResult
    """
    covariates = _check_spec(df, x, m, y, covariates, n_boot, ci, seed, level)
    data, n_dropped = complete_cases(df, [x, m, y, *covariates])
    cov = covariate_matrix(data, covariates)
    _check_data(data, x, m, y, cov)
    xv, mv, yv = (data[c].to_numpy(dtype=float) for c in (x, m, y))
    paths = _paths(xv, mv, yv, cov, level)
    boot = bs.bootstrap_indirect(xv, mv, yv, cov, n_boot=n_boot,
                                 rng=np.random.default_rng(seed))
    interval, warnings = _interval(paths, boot, ci, level, x, m)
    indirect = paths.at["a", "estimate"] * paths.at["b", "estimate"]
    z, p = bs.sobel(*paths.loc["a", ["estimate", "se"]], *paths.loc["b", ["estimate", "se"]])
    c = paths.at["c", "estimate"]
    valid = interval[2]
    return MediationResult(
        x=x, m=m, y=y, covariates=tuple(covariates), n=len(data), n_dropped=n_dropped,
        paths=paths, indirect=float(indirect), boot_se=float(np.std(valid, ddof=1)),
        ci_low=interval[0], ci_high=interval[1], ci=ci, level=level, n_boot=n_boot,
        n_boot_valid=len(valid), seed=seed, sobel_z=z, sobel_p=p,
        proportion_mediated=float(indirect / c) if c != 0 else None,
        boot_distribution=valid, warnings=warnings)


def _interval(paths, boot, ci, level, x, m):
    """(low, high, valid resamples) of the indirect effect, and warnings about dropped ones."""
    valid = boot[~np.isnan(boot)]
    if len(valid) < 2:
        raise DegenerateData(f"no bootstrap resample could identify a and b for {x!r} -> "
                             f"{m!r}; the sample is too small or has too few distinct values.")
    indirect = paths.at["a", "estimate"] * paths.at["b", "estimate"]
    low, high = (bs.bias_corrected_ci(valid, indirect, level) if ci == "bc"
                 else bs.percentile_ci(valid, level))
    dropped = len(boot) - len(valid)
    warnings = (f"{dropped} of {len(boot)} resamples could not identify a or b ({x!r} or "
                f"{m!r} constant or collinear with the covariates in the resample) and were "
                "left out of the interval.",) if dropped else ()
    return (low, high, valid), warnings


def _paths(x, m, y, cov, level) -> pd.DataFrame:
    """a, b, c, c' as OLS slopes; design column order [1, X, covariates, (M)]."""
    one = np.ones((len(x), 1))
    with_x = np.column_stack([one, x, cov])
    full = np.column_stack([with_x, m])
    fits = {"a": (bs.ols(with_x, m, level=level), 1),
            "b": (bs.ols(full, y, level=level), full.shape[1] - 1),
            "c": (bs.ols(with_x, y, level=level), 1)}
    fits["c_prime"] = (fits["b"][0], 1)
    for name, (fit, _) in fits.items():
        if fit["rss"] <= 1e-20 * max(1.0, float(np.sum(m**2 if name == "a" else y**2))):
            target = "M" if name == "a" else "Y"
            raise DegenerateData(f"{target} is an exact linear function of the predictors "
                                 f"of path {name}; mediation needs residual variation.")
    rows = {name: {col: float(fit[col][j]) for col in PATH_COLUMNS}
            for name, (fit, j) in fits.items()}
    return pd.DataFrame.from_dict(rows, orient="index").loc[list(PATHS)]


def _check_spec(df, x, m, y, covariates, n_boot, ci, seed, level) -> list[str]:
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    require_columns(df, [x, m, y], argument="variable")
    require_columns(df, covariates, argument="covariate")
    if len({x, m, y}) < 3:
        raise InvalidSpec(f"x, m and y must be three different columns; received x={x!r}, "
                          f"m={m!r}, y={y!r}.")
    overlap = [c for c in covariates if c in (x, m, y)]
    if overlap or len(set(covariates)) < len(covariates):
        raise InvalidSpec(f"covariates={covariates!r} repeat a column or name x, m or y; "
                          "list each adjustment variable once and not among x, m, y.")
    for arg, col in (("x", x), ("m", m), ("y", y)):
        require_numeric(df, col, argument=arg)
    require_choice(ci, tuple(CI_LABELS), argument="ci")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) \
            or not N_BOOT_RANGE[0] <= n_boot <= N_BOOT_RANGE[1]:
        raise InvalidSpec(f"n_boot={n_boot!r} is not supported; use a whole number from "
                          f"{N_BOOT_RANGE[0]} to {N_BOOT_RANGE[1]} (5000 is usual).")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidSpec(f"seed={seed!r} is not supported; use a non-negative whole number.")
    if not isinstance(level, float | int) or not 0 < level < 1:
        raise InvalidSpec(f"level={level!r} is not supported; use a number between 0 and 1, "
                          "e.g. 0.95.")
    return covariates


def _check_data(data: pd.DataFrame, x, m, y, cov: np.ndarray) -> None:
    needed = cov.shape[1] + 4
    if len(data) < needed:
        raise InsufficientData(
            f"mediation of {x!r} -> {m!r} -> {y!r} has {len(data)} complete case(s); with "
            f"{cov.shape[1]} covariate column(s) at least {needed} are needed. Widen the "
            "subgroup or drop covariates.")
    for col in (x, m, y):
        require_variance(data[col], column=col, where="the complete cases")
    design = np.column_stack([np.ones(len(data)), data[x].to_numpy(float), cov,
                              data[m].to_numpy(float)])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise DegenerateData(
            f"{x!r}, {m!r} and the covariates are collinear in the complete cases (one is a "
            "linear combination of the others); drop a covariate or choose other variables.")


@dataclass(frozen=True, eq=False)
class MediationPermutationResult:
    """All six X/M/Y orderings of three variables, as in the cLBP PET mediation papers.

    Each ordering is a full :class:`MediationResult` (same participants, seed and settings);
    ``table`` puts them side by side so a reader can see which direction carries an
    indirect effect. Orderings are not a causal test: the data cannot tell them apart.
    """

    variables: tuple[str, str, str]
    covariates: tuple[str, ...]
    results: tuple[MediationResult, ...]

    @property
    def table(self) -> pd.DataFrame:
        """One row per ordering: x, m, y, path estimates and p, indirect effect and CI."""
        rows = []
        for r in self.results:
            row = {"x": r.x, "m": r.m, "y": r.y}
            for path in PATHS:
                row[path] = r.paths.at[path, "estimate"]
                row[f"{path}_p"] = r.paths.at[path, "p"]
            row.update(indirect=r.indirect, ci_low=r.ci_low, ci_high=r.ci_high,
                       significant=r.significant)
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-safe: the variables, covariates and one record per ordering."""
        return json_safe({"variables": list(self.variables),
                          "covariates": list(self.covariates),
                          "models": self.table.to_dict(orient="records")})

    def methods_text(self) -> str:
        """The shared methods sentence of the six models."""
        first = self.results[0]
        return (f"All six orderings of {', '.join(self.variables)} as predictor, mediator and "
                f"outcome were tested. " + first.methods_text())


def mediation_permutations(df: pd.DataFrame, variables: Sequence[str], *,
                           covariates: Sequence[str] = (), n_boot: int = 5000,
                           ci: Literal["bc", "percentile"] = "bc",
                           seed: int = 0) -> MediationPermutationResult:
    """Run :func:`mediate` for all six orderings of three variables.

    Parameters are those of :func:`mediate`; `variables` lists exactly three distinct
    columns. Every model uses the participants complete on all three and the covariates.
    """
    variables = list(variables)
    if len(variables) != 3 or len(set(variables)) != 3:
        raise InvalidSpec(f"variables={variables!r} must name exactly three different columns.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    require_columns(df, variables + covariates, argument="variable")
    data = df.dropna(subset=variables + covariates)
    results = tuple(mediate(data, xi, mi, yi, covariates=covariates, n_boot=n_boot, ci=ci,
                            seed=seed) for xi, mi, yi in itertools.permutations(variables))
    dropped = len(df) - len(data)
    results = tuple(_with_dropped(r, dropped) for r in results)
    return MediationPermutationResult(tuple(variables), tuple(covariates), results)


def _with_dropped(result: MediationResult, dropped: int) -> MediationResult:
    from dataclasses import replace
    return replace(result, n_dropped=result.n_dropped + dropped)
