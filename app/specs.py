"""Analysis specs of each view: what a user chose, as small frozen dataclasses.

Each spec knows its URL prefix and the rule of each field (a column of some role, or one
of a set of choices, or a bounded integer), so :mod:`app.state` can encode, decode and
validate any spec with one generic mechanism instead of one parser per view.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

NUMERIC_ROLES = ("measure", "covariate")


@dataclass(frozen=True)
class Rule:
    """How a field is validated: ``kind`` is "column", "columns", "choice" or "int"."""

    kind: str
    roles: tuple[str, ...] = ()          # column roles accepted ("factor", "measure", ...)
    numeric: bool | None = None          # column must be numeric (True) / categorical (False)
    choices: tuple[Any, ...] = ()
    low: int = 0
    high: int = 0
    max_items: int = 10


def column(*roles: str, numeric: bool | None = None) -> Rule:
    return Rule("column", roles=roles, numeric=numeric)


def columns(*roles: str, numeric: bool | None = None, max_items: int = 10) -> Rule:
    return Rule("columns", roles=roles, numeric=numeric, max_items=max_items)


def choice(*options: Any) -> Rule:
    return Rule("choice", choices=options)


def integer(low: int, high: int) -> Rule:
    return Rule("int", low=low, high=high)


@dataclass(frozen=True)
class OverviewSpec:
    """Table 1: demographics and measures by one factor."""

    prefix: ClassVar[str] = "overview"
    rules: ClassVar[dict[str, Rule]] = {"by": column("factor", numeric=False)}
    by: str | None = None


@dataclass(frozen=True)
class CompareSpec:
    """Group comparison (t / Mann-Whitney / ANOVA / ANCOVA / Kruskal-Wallis)."""

    prefix: ClassVar[str] = "compare"
    rules: ClassVar[dict[str, Rule]] = {
        "outcome": column("measure", "covariate", numeric=True),
        "factors": columns("factor", "covariate", numeric=False, max_items=2),
        "covariates": columns("covariate", "measure", "factor", max_items=5),
        "test": choice("auto", "student", "welch", "mannwhitney", "anova", "ancova", "kruskal"),
        "ss_type": choice(2, 3),
        "posthoc": choice("none", "tukey", "dunnett", "holm", "bonferroni"),
        "control": Rule("level"),
        "alternative": choice("two-sided", "greater", "less"),
    }
    outcome: str | None = None
    factors: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    test: str = "auto"
    ss_type: int = 3
    posthoc: str = "none"
    control: str | None = None
    alternative: str = "two-sided"


@dataclass(frozen=True)
class CorrelateSpec:
    """Correlation of two variables per subgroup, or a correlation matrix."""

    prefix: ClassVar[str] = "correlate"
    rules: ClassVar[dict[str, Rule]] = {
        "mode": choice("pair", "matrix"),
        "x": column("measure", "covariate", numeric=True),
        "y": column("measure", "covariate", numeric=True),
        "columns": columns("measure", "covariate", numeric=True, max_items=12),
        "method": choice("pearson", "spearman"),
        "covariates": columns("covariate", "measure", "factor", max_items=5),
        "by": columns("factor", "covariate", numeric=False, max_items=2),
        "correction": choice("holm", "bonferroni", "bh", "none"),
    }
    mode: str = "pair"
    x: str | None = None
    y: str | None = None
    columns: tuple[str, ...] = ()
    method: str = "spearman"
    covariates: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    correction: str = "holm"


@dataclass(frozen=True)
class MediateSpec:
    """Simple mediation X -> M -> Y with bootstrap CI of the indirect effect."""

    prefix: ClassVar[str] = "mediate"
    rules: ClassVar[dict[str, Rule]] = {
        "x": column("measure", "covariate", numeric=True),
        "m": column("measure", "covariate", numeric=True),
        "y": column("measure", "covariate", numeric=True),
        "covariates": columns("covariate", "measure", "factor", max_items=5),
        "n_boot": choice(1000, 2000, 5000, 10000),
        "ci": choice("bc", "percentile"),
        "seed": integer(0, 2**31 - 1),
        "all_orders": choice(False, True),
    }
    x: str | None = None
    m: str | None = None
    y: str | None = None
    covariates: tuple[str, ...] = ()
    n_boot: int = 5000
    ci: str = "bc"
    seed: int = 0
    all_orders: bool = False


@dataclass(frozen=True)
class RepeatedSpec:
    """Linear mixed model on a long table (random intercept per participant)."""

    prefix: ClassVar[str] = "repeated"
    rules: ClassVar[dict[str, Rule]] = {
        "table": Rule("long_table"),
        "outcome": Rule("long_column"),
        "fixed": Rule("long_columns"),
        "over": Rule("long_column"),
    }
    table: str | None = None
    outcome: str | None = None
    fixed: tuple[str, ...] = ()
    over: str | None = None


@dataclass(frozen=True)
class BrainSpec:
    """Brain maps: every regional measure analysed like the current outcome ("regions"),
    or a voxelwise GLM on per-participant maps ("voxelwise")."""

    prefix: ClassVar[str] = "brain"
    rules: ClassVar[dict[str, Rule]] = {
        "mode": choice("regions", "voxelwise"),
        "source": choice("compare", "correlate"),
        "effect": column("factor", "covariate", "measure"),
        "covariates": columns("covariate", "measure", "factor", max_items=5),
        "threshold": choice(2.0, 2.5, 3.0, 3.5, 4.0, 5.0),
        "coords": Rule("coords"),
    }
    mode: str = "regions"
    source: str = "compare"
    effect: str | None = None
    covariates: tuple[str, ...] = ()
    threshold: float = 3.0
    coords: str | None = None


SPEC_TYPES = (OverviewSpec, CompareSpec, CorrelateSpec, MediateSpec, RepeatedSpec, BrainSpec)
VIEWS = ("overview", "compare", "correlate", "mediate", "repeated", "brain", "paper")


def control_levels(cohort, factors) -> list[str]:
    """Levels a Dunnett control may take: the levels of one factor, or the cells
    ("FM/HAB") of two, as compare_groups labels them."""
    levels = [list(cohort.dictionary[f].levels) for f in factors if f in cohort.dictionary]
    if len(levels) == 1:
        return [str(v) for v in levels[0]]
    if len(levels) == 2:
        return [f"{a}/{b}" for a in levels[0] for b in levels[1]]
    return []


def offered(view: str, cohort) -> bool:
    """Whether `cohort` offers `view` (repeated measures need a long table, brain maps
    need regional measures)."""
    if view == "repeated":
        return bool(cohort.long_tables)
    if view == "brain":
        return any(info.region for info in cohort.dictionary.values())
    return True


def field_names(spec_type: type) -> list[str]:
    """Names of the user-settable fields of a spec type, in declaration order."""
    return [f.name for f in fields(spec_type)]
