"""One exception family for everything a user can get wrong.

Every message names the argument, column, cell or file concerned, the value received and
what would be accepted, so that the app can show it verbatim.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class: a problem with the input that the user can fix."""


class InvalidSpec(AnalysisError, ValueError):
    """An analysis parameter is unknown, of the wrong type or out of range."""


class UnknownColumn(InvalidSpec, KeyError):
    """A column named in a spec does not exist in the data."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class InsufficientData(AnalysisError):
    """Too few participants (overall, in a cell, or after removing missing values)."""


class DegenerateData(AnalysisError):
    """The data cannot identify the model: zero variance, collinearity, a single level."""


class CohortError(AnalysisError):
    """A cohort folder or file is invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{listing}")
