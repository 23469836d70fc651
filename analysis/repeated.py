"""Repeated measures: linear mixed models with random participant effects, condition means.

Pure functions: long DataFrames in, frozen results out. No Dash, no file I/O, no rounding.
The model is fitted by statsmodels ``MixedLM`` on a design matrix built here with treatment
contrasts (reference = first level), as R's ``nlme::lme`` does by default.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from analysis._data import complete_cases, require_columns, require_numeric, require_variance
from analysis.errors import DegenerateData, InsufficientData, InvalidSpec
from analysis.repeated_data import condition_means, fixed_design, join_between
from analysis.treatment_coding import is_categorical, json_safe, levels

__all__ = ["MixedModelResult", "condition_means", "fit_mixed_model"]

Z_975 = stats.norm.ppf(0.975)


@dataclass(frozen=True, eq=False)
class MixedModelResult:
    """Fixed effects, per-term Wald tests and variance components of a linear mixed model.

    ``table`` has one row per coefficient (term, beta, se, ci_low, ci_high, z, p), like
    Table 2 of Fanton et al. (2022). statsmodels reports Wald z statistics with normal p
    values and 95% CIs; R's nlme reports t on residual df, which differ slightly in small
    samples. ``terms`` tests each model term jointly (Wald chi2 on its dummy columns), the
    analogue of an ANOVA table. ``warnings`` holds convergence messages as text.
    """

    outcome: str
    fixed: tuple[str, ...]
    interactions: tuple[tuple[str, ...], ...]
    subject: str
    random_slope: str | None
    reml: bool
    table: pd.DataFrame
    terms: pd.DataFrame
    variance_components: pd.DataFrame
    random_correlation: float | None
    n_subjects: int
    n_observations: int
    n_dropped: int
    log_likelihood: float
    converged: bool
    warnings: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-safe summary (NaN -> None)."""
        return json_safe({
            "outcome": self.outcome, "fixed": list(self.fixed),
            "interactions": [list(i) for i in self.interactions], "subject": self.subject,
            "random_slope": self.random_slope, "reml": self.reml,
            "n_subjects": self.n_subjects, "n_observations": self.n_observations,
            "n_dropped": self.n_dropped, "log_likelihood": self.log_likelihood,
            "converged": self.converged, "warnings": list(self.warnings),
            "coefficients": self.table.to_dict(orient="records"),
            "terms": self.terms.to_dict(orient="records"),
            "variance_components": self.variance_components.to_dict(orient="records"),
            "random_correlation": self.random_correlation})

    def methods_text(self) -> str:
        """Methods sentence naming the model, estimation, random effects and n."""
        terms = list(self.fixed) + [" x ".join(i) for i in self.interactions]
        random = "a random intercept" + (f" and a random slope for {self.random_slope}"
                                         if self.random_slope else "")
        return (
            f"{self.outcome} was analysed with a linear mixed model (statsmodels MixedLM, "
            f"{'REML' if self.reml else 'maximum likelihood'}; the equivalent of R "
            f"nlme::lme without a residual correlation structure) with fixed effects of "
            f"{', '.join(terms)} (treatment contrasts, first level as reference) and {random} "
            f"per participant ({self.n_subjects} participants, {self.n_observations} "
            "observations); coefficients were tested with Wald z tests.")


def fit_mixed_model(long_df: pd.DataFrame, outcome: str, *, fixed: Sequence[str],
                    interactions: Sequence[tuple[str, ...]] = (),
                    subject: str = "participant_id", between: pd.DataFrame | None = None,
                    random_slope: str | None = None, reml: bool = True,
                    reference: Mapping[str, str] | None = None) -> MixedModelResult:
    """Fit a linear mixed model with a random intercept (and slope) per participant.

    Parameters
    ----------
    long_df : pandas.DataFrame
        One row per observation, with a `subject` column.
    outcome : str
        Numeric outcome column.
    fixed : sequence of str
        Main effects; categorical columns are treatment coded against their first level.
    interactions : sequence of tuples of str
        Interaction terms, each made of columns listed in `fixed`, e.g. ``[("tspo", "cue")]``.
    subject : str
        Participant identifier; observations of one participant share random effects.
    between : pandas.DataFrame, optional
        Participants table; columns of `fixed` absent from `long_df` are joined from it on
        `subject`.
    random_slope : str, optional
        Numeric within-subject column (e.g. time) given a random slope per participant.
    reml : bool
        Restricted maximum likelihood (default, as nlme) or maximum likelihood.
    reference : mapping of str to str, optional
        Reference level of a categorical fixed effect (default: its first level), e.g.
        ``{"group": "FM"}`` to reproduce a paper whose coefficients are simple effects
        within patients (R: ``relevel(group, ref = "FM")``).

    Returns
    -------
    MixedModelResult
    """
    fixed, interactions = _check_spec(fixed, interactions, random_slope)
    data = join_between(long_df, between, subject, [*fixed, random_slope or fixed[0]])
    columns = [subject, outcome, *fixed] + ([random_slope] if random_slope else [])
    require_columns(data, [outcome], argument="outcome")
    require_columns(data, columns[2:], argument="fixed effect")
    require_columns(data, [subject], argument="subject")
    data, n_dropped = complete_cases(data, columns)
    require_numeric(data, outcome, argument="outcome")
    if random_slope:
        require_numeric(data, random_slope, argument="random_slope")
    _check_data(data, outcome, subject)
    data = _relevel(data, reference or {}, fixed)
    exog = fixed_design(data, fixed, interactions)
    _check_rank(exog)
    fit, messages = _fit(data, outcome, subject, exog, random_slope, reml)
    return MixedModelResult(
        outcome=outcome, fixed=tuple(fixed), interactions=tuple(interactions),
        subject=subject, random_slope=random_slope, reml=reml,
        table=_coefficients(fit, exog.columns), terms=_term_tests(fit, exog),
        variance_components=_variance_components(fit, random_slope),
        random_correlation=_random_correlation(fit, random_slope),
        n_subjects=int(data[subject].nunique()), n_observations=len(data),
        n_dropped=n_dropped, log_likelihood=float(fit.llf),
        converged=bool(fit.converged) and not messages, warnings=tuple(messages))


def _relevel(data: pd.DataFrame, reference: Mapping[str, str], fixed: list[str]) -> pd.DataFrame:
    """`data` with each factor of `reference` reordered so that its reference comes first."""
    data = data.copy()
    for column, level in reference.items():
        if column not in fixed or not is_categorical(data[column]):
            raise InvalidSpec(f"reference names {column!r}, which is not a categorical fixed "
                              f"effect of fixed={fixed!r}.")
        present = [str(v) for v in levels(data[column])]
        if str(level) not in present:
            raise InvalidSpec(f"reference level {level!r} of {column!r} is not among its "
                              f"levels ({', '.join(present)}).")
        order = [level] + [v for v in levels(data[column]) if str(v) != str(level)]
        data[column] = pd.Categorical(data[column].astype(str), categories=[str(v) for v in order])
    return data


def _check_spec(fixed, interactions, random_slope):
    fixed = [fixed] if isinstance(fixed, str) else list(fixed)
    if not fixed or len(set(fixed)) < len(fixed):
        raise InvalidSpec(f"fixed={fixed!r} must list at least one column, each once.")
    interactions = [tuple(i) for i in interactions]
    for term in interactions:
        if len(term) < 2 or any(c not in fixed for c in term) or len(set(term)) < len(term):
            raise InvalidSpec(
                f"interaction {term!r} must combine two or more different columns that are "
                f"also main effects in fixed={fixed!r}.")
    if random_slope is not None and not isinstance(random_slope, str):
        raise InvalidSpec(f"random_slope={random_slope!r} must be a column name or None.")
    return fixed, interactions


def _check_data(data: pd.DataFrame, outcome: str, subject: str) -> None:
    counts = data.groupby(subject, observed=True).size()
    if len(counts) < 3:
        raise InsufficientData(
            f"subject {subject!r} has {len(counts)} participant(s) with complete data; a "
            "mixed model needs at least 3. Widen the subgroup.")
    if counts.max() < 2:
        raise InsufficientData(
            f"every participant has a single observation of {outcome!r}; a random "
            "participant effect needs repeated measures. Use compare_groups instead.")
    require_variance(data[outcome], column=outcome, where="the complete observations")


def _check_rank(exog: pd.DataFrame) -> None:
    values = exog.to_numpy()
    if np.linalg.matrix_rank(values) < values.shape[1]:
        constant = [c for c in exog.columns[1:] if np.ptp(exog[c].to_numpy()) == 0]
        detail = f" (constant: {', '.join(constant)})" if constant else ""
        raise DegenerateData(
            f"the fixed effects are collinear or a level is empty{detail}; drop a term or "
            "an interaction, or widen the subgroup so every combination is observed.")


def _fit(data, outcome, subject, exog, random_slope, reml):
    """Fit MixedLM, turning convergence warnings into messages and failures into errors."""
    exog_re = np.ones((len(data), 1)) if random_slope is None else np.column_stack(
        [np.ones(len(data)), data[random_slope].to_numpy(float)])
    model = MixedLM(data[outcome].to_numpy(float), exog, groups=data[subject].to_numpy(),
                    exog_re=exog_re)
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            fit = model.fit(reml=reml)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise DegenerateData(
                f"the mixed model for {outcome!r} could not be estimated ({exc}); simplify "
                "the random effects (drop random_slope) or the fixed effects.") from exc
    messages = list(dict.fromkeys(str(w.message).strip() for w in caught
                                  if issubclass(w.category, (UserWarning, RuntimeWarning))))
    if not np.all(np.isfinite(fit.bse_fe)):
        raise DegenerateData(
            f"the mixed model for {outcome!r} gave undefined standard errors (the variance "
            "components are on the boundary); drop random_slope or simplify the model.")
    return fit, messages


def _coefficients(fit, names) -> pd.DataFrame:
    beta = np.asarray(fit.fe_params, float)
    se = np.asarray(fit.bse_fe, float)
    z = beta / se
    return pd.DataFrame({"term": list(names), "beta": beta, "se": se,
                         "ci_low": beta - Z_975 * se, "ci_high": beta + Z_975 * se,
                         "z": z, "p": 2 * stats.norm.sf(np.abs(z))})


def _term_tests(fit, exog: pd.DataFrame) -> pd.DataFrame:
    """Joint Wald chi2 test of the columns of each model term (``exog.attrs['terms']``)."""
    k = exog.shape[1]
    cov = np.asarray(fit.cov_params())[:k, :k]
    beta = np.asarray(fit.fe_params, float)
    rows = []
    for term, cols in exog.attrs["terms"].items():
        b, v = beta[cols], cov[np.ix_(cols, cols)]
        chi2 = float(b @ np.linalg.solve(v, b))
        rows.append({"term": term, "df": len(cols), "chi2": chi2,
                     "p": float(stats.chi2.sf(chi2, len(cols)))})
    return pd.DataFrame(rows)


def _variance_components(fit, random_slope) -> pd.DataFrame:
    cov_re = np.asarray(fit.cov_re, float)
    rows = [("participant intercept", cov_re[0, 0])]
    if random_slope:
        rows.append((f"participant slope of {random_slope}", cov_re[1, 1]))
    rows.append(("residual", float(fit.scale)))
    frame = pd.DataFrame(rows, columns=["component", "variance"])
    frame["sd"] = np.sqrt(frame["variance"].clip(lower=0))
    return frame


def _random_correlation(fit, random_slope) -> float | None:
    """Correlation of random intercepts and slopes (None without a slope or if undefined)."""
    if not random_slope:
        return None
    c = np.asarray(fit.cov_re, float)
    denom = np.sqrt(c[0, 0] * c[1, 1])
    return float(c[0, 1] / denom) if denom > 0 else None
