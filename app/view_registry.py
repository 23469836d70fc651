"""Every view of the page: its panel builder and its label (one place to add a view)."""

from __future__ import annotations

from app.brain_panel import brain_panel
from app.panels import (
                        compare_panel,
                        correlate_panel,
                        mediate_panel,
                        overview_panel,
                        paper_panel,
                        repeated_panel,
)
from app.specs import offered  # noqa: F401 - re-exported for the layout

PANELS = {"overview": overview_panel, "compare": compare_panel, "correlate": correlate_panel,
          "mediate": mediate_panel, "repeated": repeated_panel, "brain": brain_panel,
          "paper": paper_panel}
VIEW_LABELS = {"overview": "Overview", "compare": "Compare", "correlate": "Correlate",
               "mediate": "Mediate", "repeated": "Repeated measures", "brain": "Brain",
               "paper": "Paper"}

