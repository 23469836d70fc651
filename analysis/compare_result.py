"""Result types of :func:`analysis.compare.compare_groups` and how they describe themselves.

Pure data: frozen dataclasses, a JSON-safe ``to_dict`` and a methods sentence. No statistics,
no Dash, no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from analysis._json import json_safe as jsonable

R_EQUIVALENTS: dict[str, str] = {
    "student": "t.test(var.equal = TRUE)",
    "welch": "t.test() (Welch)",
    "mannwhitney": "wilcox.test()",
    "kruskal": "kruskal.test()",
    "anova": "car::Anova(lm(...), type = {ss}) with contr.sum",
    "ancova": "car::Anova(lm(...), type = {ss}) with contr.sum; emmeans::emmeans()",
}

TEST_NAMES: dict[str, str] = {
    "student": "Student's independent-samples t test",
    "welch": "Welch's unequal-variances t test",
    "mannwhitney": "Mann-Whitney U test",
    "kruskal": "Kruskal-Wallis rank-sum test (tie-corrected)",
    "anova": "ANOVA",
    "ancova": "ANCOVA",
}

POSTHOC_NAMES: dict[str, str] = {
    "tukey": "Tukey(-Kramer) HSD",
    "dunnett": "Dunnett's many-to-one comparisons",
    "holm": "pairwise comparisons with Holm-Bonferroni correction",
    "bonferroni": "pairwise comparisons with Bonferroni correction",
}


@dataclass(frozen=True)
class Assumptions:
    """Normality of residuals and homogeneity of variance across cells.

    Shapiro-Wilk (R's ``shapiro.test``) is run on the model residuals (deviations from the
    cell means for tests without a linear model) when 3 <= n <= 5000, the range R accepts;
    otherwise its fields are None. Levene's test uses deviations from the cell medians
    (Brown-Forsythe), the default of ``car::leveneTest``, on the outcome across all cells.
    """

    shapiro_w: float | None
    shapiro_p: float | None
    shapiro_n: int
    levene_f: float
    levene_df_num: int
    levene_df_den: int
    levene_p: float

    def to_dict(self) -> dict:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class ComparisonResult:
    """Outcome compared across the cells of one or two factors, with cells and post hoc tests.

    ``table`` has one row per model term: ``term``, ``df_num``, ``df_den``, ``statistic``,
    ``statistic_name`` ("F", "t", "U" or "H"), ``p``, ``effect_size``, ``effect_size_name``
    and, for linear models, ``ss``; two-group tests add ``effect_ci_low``/``effect_ci_high``
    (CI of Hedges' g), ``mean_difference`` and its CI. A column that does not apply to a test
    (``df_num`` of a t test, the g interval of a Mann-Whitney test) is NaN, None in JSON.
    ``cells`` has one row per cell (factor columns, ``label``, ``n``, ``mean``, ``sd``,
    ``se``, ``ci_low``, ``ci_high`` and, with covariates, ``adjusted_mean``,
    ``adjusted_se``, ``adjusted_ci_low``, ``adjusted_ci_high``).
    """

    outcome: str
    factors: tuple[str, ...]
    covariates: tuple[str, ...]
    test: str
    ss_type: int | None
    alternative: str
    table: pd.DataFrame
    cells: pd.DataFrame
    posthoc: pd.DataFrame | None
    posthoc_method: str | None
    posthoc_factor: str | None
    control: str | None
    n_used: int
    n_dropped: int
    warnings: tuple[str, ...]
    assumptions: Assumptions
    method: str

    def to_dict(self) -> dict:
        """Every field as JSON-safe Python types (DataFrames as lists of records)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, Assumptions) else jsonable(value)
        out["methods_text"] = self.methods_text()
        return out

    def methods_text(self) -> str:
        """A sentence or two for a methods paragraph: test, R equivalent, n, corrections."""
        dropped = (f" ({self.n_dropped} excluded for missing values)"
                   if self.n_dropped else "")
        text = f"{self.method} n = {self.n_used}{dropped}."
        if self.posthoc is not None and self.posthoc_method is not None:
            target = f" of {self.posthoc_factor}" if self.posthoc_factor else " between cells"
            vs = f" against {self.control}" if self.control else ""
            name = POSTHOC_NAMES[self.posthoc_method]
            if self.test == "kruskal":
                name = (f"pairwise Mann-Whitney tests (R: pairwise.wilcox.test) with "
                        f"{self.posthoc_method.capitalize()} correction")
            text += f" Post hoc: {name}{target}{vs}"
            text += "" if self.alternative == "two-sided" else f" ({self.alternative})"
            text += "."
        return text
