"""app.upload_store.receive_upload: the malformed-upload corpus, valid uploads, safety.

The corpus (tests/fixtures/uploads/cases.yaml) lists every malformed case with the message
fragment it must produce; each must leave the upload folder exactly as it was (an earlier
upload in it untouched, nothing new). Valid uploads are compared with the uploaded bytes and
with pandas reading the same TSV, not with the loader's own output.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app.upload_store as upload_module
from analysis.cohort import list_cohorts, load_cohort
from analysis.errors import InvalidSpec
from app.upload_store import UploadResult, receive_upload
from app.upload_zip import clean_path

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
MANIFEST = yaml.safe_load((HERE / "cases.yaml").read_text())
VALID = HERE / MANIFEST["base"]
LIMITS = MANIFEST["limits"]
ID_PATTERN = re.compile(r"u-[A-Za-z0-9_-]{12}")


def valid_files() -> dict[str, bytes]:
    return {p.relative_to(VALID).as_posix(): p.read_bytes()
            for p in sorted(VALID.rglob("*")) if p.is_file()}


def case_files(case: dict) -> list[tuple[str, bytes]]:
    if "zip" in case:
        return [(Path(case["zip"]).name, (HERE / case["zip"]).read_bytes())]
    files = valid_files()
    for name in case.get("drop", []):
        del files[name]
    for name, source in case.get("replace", {}).items():
        files[name] = (HERE / source).read_bytes()
    return list(files.items())


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with a hash of its bytes (folders as "dir")."""
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else
            hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))}


def zipped(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(folder + name, content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def occupied_root(tmp_path_factory) -> Path:
    """An upload folder already holding one valid upload (which must never change)."""
    root = tmp_path_factory.mktemp("uploads")
    result = receive_upload(list(valid_files().items()), dest_root=root, **LIMITS)
    assert result.ok, result.problems
    return root


# --- the corpus -------------------------------------------------------------------------

def test_corpus_is_large_and_every_file_is_used():
    ids = [case["id"] for case in MANIFEST["cases"]]
    assert len(ids) >= 25 and len(set(ids)) == len(ids)
    used = {Path(c["zip"]).name for c in MANIFEST["cases"] if "zip" in c}
    used |= {Path(s).name for c in MANIFEST["cases"] for s in c.get("replace", {}).values()
             if s.startswith("cases/")}
    on_disk = {p.name for p in (HERE / "cases").iterdir()}
    assert on_disk - used == {"valid_in_folder.zip"} - used
    assert used <= on_disk


@pytest.mark.parametrize("case", MANIFEST["cases"], ids=lambda c: c["id"])
def test_malformed_upload_is_refused_with_its_message(case, occupied_root):
    before = snapshot(occupied_root)
    limits = {**LIMITS, **case.get("limits", {})}
    result = receive_upload(case_files(case), dest_root=occupied_root, **limits)
    assert not result.ok and result.path is None
    assert any(case["expect"] in problem for problem in result.problems), result.problems
    assert snapshot(occupied_root) == before


def test_the_corpus_base_itself_is_valid(tmp_path):
    result = receive_upload(list(valid_files().items()), dest_root=tmp_path, **LIMITS)
    assert result.ok and result.problems == []


# --- valid uploads ------------------------------------------------------------------------

def test_valid_files_are_stored_verbatim_and_listed(tmp_path):
    files = valid_files()
    result = receive_upload(list(files.items()), dest_root=tmp_path, **LIMITS)
    assert ID_PATTERN.fullmatch(result.cohort_id)
    assert result.path == tmp_path / result.cohort_id
    stored = {p.relative_to(result.path).as_posix(): p.read_bytes()
              for p in result.path.rglob("*") if p.is_file()}
    description = json.loads(stored.pop("dataset_description.json"))
    assert stored == files
    assert description["Simulated"] is False and description["Name"] == "Uploaded cohort"
    [summary] = list_cohorts(tmp_path)
    assert (summary.id, summary.error, summary.simulated) == (result.cohort_id, None, False)
    expected = pd.read_csv(VALID / "participants.tsv", sep="\t")      # independent reader
    cohort = load_cohort(result.cohort_id, tmp_path)
    assert result.n == summary.n == len(expected) == 24
    assert list(cohort.participants["participant_id"]) == list(expected["participant_id"])
    pd.testing.assert_series_equal(cohort.participants["gaba"], expected["gaba"])
    assert set(cohort.long_tables) == {"ratings"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.cohort_id]   # no temp left


def test_zip_with_one_top_folder_takes_its_name(tmp_path):
    data = zipped({**valid_files(), ".DS_Store": b"\0\1", "__MACOSX/._x": b"\0"},
                  folder="Pain study 2024/")
    result = receive_upload([("upload.zip", data)], dest_root=tmp_path, **LIMITS)
    assert result.ok, result.problems
    assert result.name == "Pain study 2024"
    assert load_cohort(result.cohort_id, tmp_path).description["Name"] == "Pain study 2024"
    assert not (result.path / ".DS_Store").exists() and not (result.path / "__MACOSX").exists()
    assert [s.id for s in list_cohorts(tmp_path)] == [result.cohort_id]


def test_dropped_folder_arrives_as_paths_and_names_the_cohort(tmp_path):
    """dcc.Upload(multiple=True) sends a dropped folder as 'folder/sub/file' names."""
    files = [(f"FM lab/{name}", content) for name, content in valid_files().items()]
    result = receive_upload(files, dest_root=tmp_path, **LIMITS)
    assert result.ok and result.name == "FM lab"
    assert (result.path / "long" / "ratings.tsv").read_bytes() == \
        (VALID / "long" / "ratings.tsv").read_bytes()


def test_flat_zip_named_after_the_file_and_name_argument_wins(tmp_path):
    data = zipped(valid_files())
    flat = receive_upload([("clbp_lab.zip", data)], dest_root=tmp_path, **LIMITS)
    named = receive_upload([("clbp_lab.zip", data)], dest_root=tmp_path, name="My lab", **LIMITS)
    assert (flat.name, named.name) == ("clbp_lab", "My lab")
    assert flat.cohort_id != named.cohort_id
    assert {s.id for s in list_cohorts(tmp_path)} == {flat.cohort_id, named.cohort_id}


def test_uploaded_description_is_kept(tmp_path):
    description = {"Name": "Lab cohort", "BIDSVersion": "1.9.0", "Simulated": False,
                   "Summary": "Ours."}
    files = {**valid_files(), "dataset_description.json": json.dumps(description).encode()}
    result = receive_upload(list(files.items()), dest_root=tmp_path, **LIMITS)
    assert result.name == "Lab cohort"
    assert json.loads((result.path / "dataset_description.json").read_text()) == description


def test_an_existing_id_is_never_reused(tmp_path, monkeypatch):
    (tmp_path / "u-AAAAAAAAAAAA").mkdir()
    (tmp_path / "u-AAAAAAAAAAAA" / "keep.txt").write_text("mine")
    tokens = iter(["AAAAAAAAAAAA", "BBBBBBBBBBBB"])
    monkeypatch.setattr(upload_module.secrets, "token_urlsafe", lambda n: next(tokens))
    result = receive_upload(list(valid_files().items()), dest_root=tmp_path, **LIMITS)
    assert result.cohort_id == "u-BBBBBBBBBBBB"
    assert sorted(p.name for p in (tmp_path / "u-AAAAAAAAAAAA").iterdir()) == ["keep.txt"]


def test_work_folder_is_invisible_during_validation_and_removed_on_crash(tmp_path,
                                                                        monkeypatch):
    seen = []

    def crashing_loader(folder):
        seen.append([s.id for s in list_cohorts(tmp_path)])
        raise RuntimeError("loader bug")

    monkeypatch.setattr(upload_module, "load_cohort", crashing_loader)
    with pytest.raises(RuntimeError):
        receive_upload(list(valid_files().items()), dest_root=tmp_path, **LIMITS)
    assert seen == [[]]
    assert list(tmp_path.iterdir()) == []


# --- zip safety with limits other than the corpus's -------------------------------------

def under_declared(data: bytes, name: str, size: int) -> bytes:
    """`data` with entry `name` declaring `size` uncompressed bytes in both headers."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46: central + 46 + length] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_actual_size_counts_across_entries(tmp_path):
    """An honest entry uses most of the limit; the next, under-declared, entry is stopped
    by the running total of actual bytes (the declared total is within the limit)."""
    files = {**valid_files(), "long/a.tsv": b"x" * 5000, "long/b.tsv": b"y" * 5000}
    data = under_declared(zipped(files), "long/b.tsv", 10)
    limit = sum(map(len, valid_files().values())) + 5000 + 1000
    result = receive_upload([("c.zip", data)], dest_root=tmp_path, max_bytes=limit,
                            max_files=20)
    assert result.problems == [("c.zip: entry 'long/b.tsv' expands to more than the remaining "
                                "limit of 1000 bytes (it declares 10); the archive is damaged "
                                "or a zip bomb.")]
    assert list(tmp_path.iterdir()) == []


def test_too_many_zip_entries_refused_before_reading(tmp_path):
    data = zipped({f"long/t{i:03d}.tsv": b"" for i in range(150)})
    result = receive_upload([("c.zip", data)], dest_root=tmp_path, max_bytes=10**6, max_files=5)
    assert result.problems == ["c.zip: 150 entries, far over the limit of 5 files."]


@pytest.mark.parametrize("raw, expected", [
    ("participants.tsv", "participants.tsv"), ("./long//ratings.tsv", "long/ratings.tsv"),
    ("a\\b.tsv", "a/b.tsv"),
    ("../x", None), ("a/../../x", None), ("/etc/passwd", None), ("C:\\x.tsv", None),
    ("c:x", None), ("bad\x00name", None), ("tab\tname", None), ("", None), (".", None),
    ("x" * 300, None),
])
def test_clean_path(raw, expected):
    problems = []
    assert clean_path(raw, "here", problems) == expected
    assert len(problems) == (expected is None)


# --- arguments and result ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs, fragment", [
    ({"max_bytes": 0, "max_files": 5}, "max_bytes must be a positive integer, got 0"),
    ({"max_bytes": 10, "max_files": True}, "max_files must be a positive integer, got True"),
    ({"max_bytes": 10, "max_files": 2.5}, "max_files must be a positive integer, got 2.5"),
])
def test_bad_limits_raise(tmp_path, kwargs, fragment):
    with pytest.raises(InvalidSpec, match=re.escape(fragment)):
        receive_upload([], dest_root=tmp_path, **kwargs)


def test_bad_files_argument_raises(tmp_path):
    with pytest.raises(InvalidSpec, match="list of \\(file name, bytes\\) pairs"):
        receive_upload([("a.tsv", "text, not bytes")], dest_root=tmp_path, **LIMITS)


def test_nothing_received(tmp_path):
    result = receive_upload([], dest_root=tmp_path, **LIMITS)
    assert result.problems[0].startswith("upload: no file received")


def test_result_to_dict_is_json_safe_and_hides_the_path(tmp_path):
    result = receive_upload(list(valid_files().items()), dest_root=tmp_path, **LIMITS)
    as_dict = result.to_dict()
    assert json.loads(json.dumps(as_dict)) == {"cohort_id": result.cohort_id, "problems": [],
                                                "name": "Uploaded cohort", "n": 24}
    assert UploadResult(None, ["x"]).ok is False


# --- anything at all ----------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400), as_zip=st.booleans())
def test_random_bytes_are_refused_cleanly(tmp_path, content, as_zip):
    files = [("c.zip", content)] if as_zip else [("participants.tsv", content),
                                                ("participants.json", b"{}")]
    before = snapshot(tmp_path)
    result = receive_upload(files, dest_root=tmp_path, **LIMITS)
    assert not result.ok and result.problems
    assert all(isinstance(p, str) and p for p in result.problems)
    assert snapshot(tmp_path) == before
