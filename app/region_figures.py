"""Small brain figures shown beside the numbers of other views."""

from __future__ import annotations

from analysis.brainmaps import region_map
from components.brain_view import region_value_slices
from components.figures.common import empty_figure


def region_thumbnail(cohort, column: str | None):
    """Small slices of the region an imaging outcome is measured in (or a note)."""
    info = cohort.dictionary.get(column or "")
    if info is None or not info.region or cohort.regions is None:
        return empty_figure("No brain region for this variable.", height=60)
    image = region_map({info.region: 1.0}, cohort.regions)
    label = dict(zip(cohort.regions["region_id"], cohort.regions["label"])).get(info.region)
    return region_value_slices(image, title=f"Region: {label or info.region}", height=220,
                               colorbar_title="")
