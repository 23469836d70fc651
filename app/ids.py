"""Component ids, one StrEnum per page area (the only place ids are spelled)."""

from __future__ import annotations

from enum import StrEnum


class Page(StrEnum):
    URL = "url"
    STATE = "view-state"          # dcc.Store: canonical query string of the rendered view
    CONTENT = "page-content"
    NOTICES = "page-notices"
    COPY_LINK = "copy-link"
    LINK_TEXT = "share-link-text"
    VIEW_NAV = "view-nav"


class Filters(StrEnum):
    LEVELS = "filter-levels"      # pattern-matching type: {"type": LEVELS, "column": name}
    RANGE_LOW = "filter-range-low"
    RANGE_HIGH = "filter-range-high"
    MISSING = "filter-missing"
    RESET = "filter-reset"
    N_SELECTED = "filter-n-selected"


class Overview(StrEnum):
    BY = "overview-by"
    TABLE = "overview-table"
    METHODS = "overview-methods"
    DOWNLOAD = "overview-download"
    EXPORT = "overview-export"


class Compare(StrEnum):
    OUTCOME = "compare-outcome"
    FACTORS = "compare-factors"
    COVARIATES = "compare-covariates"
    TEST = "compare-test"
    SS_TYPE = "compare-ss-type"
    POSTHOC = "compare-posthoc"
    CONTROL = "compare-control"
    ALTERNATIVE = "compare-alternative"
    CELL_COUNTS = "compare-cell-counts"
    REGION = "compare-region"
    FIGURE = "compare-figure"
    INTERACTION = "compare-interaction"
    RESULTS = "compare-results"
    METHODS = "compare-methods"
    DOWNLOAD = "compare-download"
    EXPORT = "compare-export"


class Correlate(StrEnum):
    MODE = "correlate-mode"
    X = "correlate-x"
    Y = "correlate-y"
    COLUMNS = "correlate-columns"
    METHOD = "correlate-method"
    COVARIATES = "correlate-covariates"
    BY = "correlate-by"
    CORRECTION = "correlate-correction"
    FIGURE = "correlate-figure"
    REGION = "correlate-region"
    RESULTS = "correlate-results"
    METHODS = "correlate-methods"
    DOWNLOAD = "correlate-download"
    EXPORT = "correlate-export"


class Mediate(StrEnum):
    X = "mediate-x"
    M = "mediate-m"
    Y = "mediate-y"
    COVARIATES = "mediate-covariates"
    N_BOOT = "mediate-n-boot"
    CI = "mediate-ci"
    SEED = "mediate-seed"
    ALL_ORDERS = "mediate-all-orders"
    DIAGRAM = "mediate-diagram"
    BOOT_FIGURE = "mediate-boot-figure"
    RESULTS = "mediate-results"
    METHODS = "mediate-methods"
    DOWNLOAD = "mediate-download"
    EXPORT = "mediate-export"


class Repeated(StrEnum):
    TABLE = "repeated-table"
    OUTCOME = "repeated-outcome"
    FIXED = "repeated-fixed"
    OVER = "repeated-over"
    FIGURE = "repeated-figure"
    RESULTS = "repeated-results"
    METHODS = "repeated-methods"
    DOWNLOAD = "repeated-download"
    EXPORT = "repeated-export"


class Paper(StrEnum):
    RESULTS = "paper-results"
    METHODS = "paper-methods"
    DOWNLOAD = "paper-download"
    EXPORT = "paper-export"


class Brain(StrEnum):
    MODE = "brain-mode"
    SOURCE = "brain-source"
    EFFECT = "brain-effect"
    COVARIATES = "brain-covariates"
    THRESHOLD = "brain-threshold"
    COORDS = "brain-coords"
    FIGURE = "brain-figure"
    LOCATION = "brain-location"
    RESULTS = "brain-results"
    METHODS = "brain-methods"
    DOWNLOAD = "brain-download"
    EXPORT = "brain-export"
    NIFTI = "brain-nifti"
    NIFTI_DOWNLOAD = "brain-nifti-download"
    FWE_RUN = "brain-fwe-run"
    FWE_CANCEL = "brain-fwe-cancel"
    FWE_PROGRESS = "brain-fwe-progress"
    FWE_RESULT = "brain-fwe-result"
