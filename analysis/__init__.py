"""Pure statistics and brain-map computation for Pain Cohort Explorer.

Nothing in this package imports Dash or touches the browser: DataFrames in, frozen
dataclass results out. See ``../README.md`` for the public API.
"""
