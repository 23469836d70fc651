"""Number formatting for people: the only place results are rounded."""

from __future__ import annotations

import math


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_p(p) -> str:
    """APA-style p value with three decimals: ``< .001``, ``.012``, ``.340``."""
    if is_missing(p):
        return "—"
    if p < 0.001:
        return "< .001"
    text = f"{p:.3f}"
    return text.removeprefix("0")


def fmt_p_clause(p) -> str:
    """``p = .012`` or ``p < .001`` (never ``p = < .001``)."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def fmt_num(value, digits: int = 3) -> str:
    """Number with `digits` significant digits (integers as they are)."""
    if is_missing(value):
        return "—"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        return f"{value:.0f}"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = max(digits - 1 - magnitude, 0)
    return f"{value:.{min(decimals, 6)}f}"


def fmt_ci(low, high, digits: int = 3) -> str:
    if is_missing(low) or is_missing(high):
        return "—"
    return f"[{fmt_num(low, digits)}, {fmt_num(high, digits)}]"


def fmt_cell(column: str, value) -> str:
    """Format one table cell by its column name (p values, counts, other numbers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    name = column.lower()
    if name == "p" or name.startswith("p_") or name.endswith("_p"):
        return fmt_p(value)
    if name in {"n", "df_num", "n_used", "n_dropped"} or name.startswith("n_"):
        return "—" if is_missing(value) else f"{value:.0f}" if float(value).is_integer() else fmt_num(value)
    if isinstance(value, (int, float)):
        return fmt_num(value)
    return "—" if value is None else str(value)
