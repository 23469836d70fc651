"""Loading and validating cohort folders (data/FORMAT.md).

Each invalid case starts from the valid fixture ``tests/fixtures/mini_cohort`` copied to
``tmp_path`` and breaks one thing; the test checks that the CohortError names the file,
the line (TSV header = line 1), the column and what was expected.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.cohort import Cohort, content_version, list_cohorts, load_cohort
from analysis.errors import CohortError

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "mini_cohort"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURE, target)
    return target


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Replace the cell of `column` on `line` (header = line 1) of a TSV."""
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    cells = lines[line - 1].split("\t")
    cells[header.index(column)] = value
    lines[line - 1] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")


def edit_json(path: Path, edit) -> None:
    obj = json.loads(path.read_text())
    edit(obj)
    path.write_text(json.dumps(obj, indent=2))


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CohortError) as info:
        load_cohort(folder)
    return info.value.problems


def test_load_cohort_types_columns_from_the_dictionary():
    cohort = load_cohort(FIXTURE)
    df = cohort.participants
    assert isinstance(cohort, Cohort) and cohort.id == "mini_cohort"
    assert list(df["group"].cat.categories) == ["FM", "HC"]
    assert list(df["binder"].cat.categories) == ["HAB", "MLAB"]
    assert pd.api.types.is_string_dtype(df["participant_id"])
    assert df["participant_id"].iloc[0] == "sub-01"
    assert df["age"].dtype == "float64" and df["gaba"].isna().sum() == 1
    # sub-04 (line 5) has gaba n/a in the fixture file
    assert pd.isna(df.loc[df.participant_id == "sub-04", "gaba"]).all()
    assert cohort.measures() == ["cpm", "gaba", "pain"]
    assert cohort.factors() == ["group", "binder"] and cohort.covariates() == ["age"]
    assert cohort.columns_by_modality() == {"psychophysics": ["cpm"], "MRS": ["gaba"],
                                            "clinical": ["pain"]}
    assert cohort.label("binder") == "TSPO binder" and cohort.label("age") == "age"
    assert cohort.dictionary["age"].range == (18.0, 100.0) and cohort.dictionary["age"].integer
    assert list(cohort.long_tables["ratings"]["cue"].cat.categories) == ["green", "red"]
    assert cohort.regions.loc[0, "x"] == 4 and pd.isna(cohort.regions.loc[0, "atlas_label"])
    assert cohort.findings_path is None


def test_version_is_a_content_hash_and_cache_follows_changes(folder: Path):
    first = load_cohort(folder)
    assert len(first.version) == 12 and int(first.version, 16) >= 0
    assert load_cohort(folder) is first                      # cached
    assert content_version(folder) == first.version
    set_cell(folder / "participants.tsv", 2, "cpm", "0.56")
    second = load_cohort(folder)
    assert second is not first and second.version != first.version
    assert second.participants.loc[0, "cpm"] == 0.56


def test_load_by_id_from_roots_env_var_and_unknown_id(folder: Path, tmp_path, monkeypatch):
    other = tmp_path / "other_root"
    other.mkdir()
    assert load_cohort("mini", root=[other, tmp_path]).id == "mini"
    monkeypatch.setenv("PCE_DATA_DIR", str(tmp_path))
    assert load_cohort("mini").path == folder.resolve()
    with pytest.raises(CohortError, match="available: mini") as info:
        load_cohort("nope")
    assert "nope" in str(info.value)


def test_list_cohorts_summarises_valid_and_flags_invalid(folder: Path, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE, broken)
    (broken / "participants.json").write_text("{")
    summaries = {s.id: s for s in list_cohorts(tmp_path)}
    assert summaries["mini"].n == 24 and summaries["mini"].simulated
    assert summaries["mini"].name == "Mini test cohort" and summaries["mini"].error is None
    assert summaries["broken"].n == 0 and "invalid JSON" in summaries["broken"].error


@pytest.mark.parametrize("name", ["dataset_description.json", "participants.tsv",
                                  "participants.json"])
def test_missing_required_file_is_named(folder: Path, name: str):
    (folder / name).unlink()
    assert any(p.startswith(f"{name}: required file is missing") for p in problems_of(folder))


def test_invalid_json_reports_line_and_column(folder: Path):
    text = (folder / "participants.json").read_text().splitlines()
    text[2] = text[2] + ","  # trailing comma after the Description line of participant_id
    (folder / "participants.json").write_text("\n".join(text))
    problems = problems_of(folder)
    assert any(p.startswith("participants.json line 4 column") and "invalid JSON" in p
               for p in problems), problems


def test_comma_separated_tsv_is_recognised(folder: Path):
    df = pd.read_csv(folder / "participants.tsv", sep="\t")
    df.to_csv(folder / "participants.tsv", index=False)
    problems = problems_of(folder)
    assert problems == ["participants.tsv line 1: looks comma-separated; BIDS requires tabs "
                        "between columns. Save it as tab-separated values (.tsv)."]


def test_participant_id_missing_or_not_first(folder: Path):
    df = pd.read_csv(folder / "participants.tsv", sep="\t", dtype=str, keep_default_na=False)
    df[["group", "participant_id", "binder", "age", "cpm", "gaba", "pain"]].to_csv(
        folder / "participants.tsv", sep="\t", index=False)
    assert any("'participant_id' is column 2; it must be the first column" in p
               for p in problems_of(folder))
    df.rename(columns={"participant_id": "subject"}).to_csv(
        folder / "participants.tsv", sep="\t", index=False)
    problems = problems_of(folder)
    assert any("no 'participant_id' column" in p for p in problems)
    assert any("column 'subject' is not described in participants.json" in p for p in problems)


def test_duplicate_participant_ids_name_ids_and_lines(folder: Path):
    set_cell(folder / "participants.tsv", 9, "participant_id", "sub-02")
    problems = problems_of(folder)
    assert "participants.tsv: participant_id 'sub-02' is duplicated on lines 3, 9; ids must " \
           "be unique." in problems


def test_columns_must_be_described_both_ways(folder: Path):
    edit_json(folder / "participants.json", lambda d: d.pop("pain"))
    edit_json(folder / "participants.json",
              lambda d: d.update(bmi={"Description": "BMI", "Role": "covariate"}))
    problems = problems_of(folder)
    assert any(p.startswith("participants.tsv line 1: column 'pain' is not described in "
                            "participants.json") for p in problems)
    assert any(p.startswith("participants.json: column 'bmi' is described but absent from "
                            "participants.tsv") for p in problems)


def test_unknown_role_and_factor_without_levels(folder: Path):
    def edit(d):
        d["pain"]["Role"] = "outcome"
        del d["group"]["Levels"]
    edit_json(folder / "participants.json", edit)
    problems = problems_of(folder)
    assert any("column 'pain': Role 'outcome' is unknown; use one of factor, measure, "
               "covariate" in p for p in problems)
    assert any("column 'group': a factor needs Levels" in p for p in problems)
    # the broken entries are not reported a second time as 'not described'
    assert not any("not described" in p for p in problems)


def test_value_not_in_levels(folder: Path):
    set_cell(folder / "participants.tsv", 6, "group", "CRPS")
    assert "participants.tsv line 6, column 'group': 'CRPS' is not one of the Levels " \
           "(FM, HC)." in problems_of(folder)


def test_non_numeric_value_names_value_line_and_column(folder: Path):
    set_cell(folder / "participants.tsv", 14, "cpm", "0,55")
    set_cell(folder / "participants.tsv", 15, "age", "forty")
    problems = problems_of(folder)
    assert "participants.tsv line 14, column 'cpm': '0,55' is not a number (use '.' as " \
           "decimal point)." in problems
    assert "participants.tsv line 15, column 'age': 'forty' is not a number (write n/a " \
           "for a missing value)." in problems


def test_range_and_integer_violations(folder: Path):
    set_cell(folder / "participants.tsv", 2, "pain", "11")
    set_cell(folder / "participants.tsv", 3, "age", "40.5")
    set_cell(folder / "participants.tsv", 4, "gaba", "-0.2")
    problems = problems_of(folder)
    assert "participants.tsv line 2, column 'pain': 11 is outside the documented Range " \
           "[0, 10]." in problems
    assert "participants.tsv line 3, column 'age': 40.5 is not a whole number but the " \
           "column is Integer." in problems
    assert "participants.tsv line 4, column 'gaba': -0.2 is outside the documented Range " \
           "[0, null]." in problems


def test_many_bad_values_are_listed_up_to_five_then_summarised(folder: Path):
    for line in range(2, 12):
        set_cell(folder / "participants.tsv", line, "cpm", "x")
    problems = [p for p in problems_of(folder) if "'cpm'" in p]
    assert len(problems) == 6
    assert problems[-1] == "participants.tsv column 'cpm': 5 more value(s) like these on " \
                           "lines 7, 8, 9, 10, 11."


def test_long_table_with_unknown_participant(folder: Path):
    set_cell(folder / "long" / "ratings.tsv", 3, "participant_id", "sub-99")
    assert "long/ratings.tsv line 3, column 'participant_id': participant 'sub-99' is not " \
           "in participants.tsv." in problems_of(folder)


def test_long_table_without_dictionary(folder: Path):
    (folder / "long" / "ratings.json").unlink()
    assert any(p.startswith("long/ratings.json: missing") for p in problems_of(folder))


def test_empty_file_and_unreadable_encoding(folder: Path):
    (folder / "dataset_description.json").write_text("")
    raw = (folder / "participants.tsv").read_bytes().replace(b"sub-05\tFM", b"sub-05\tF\xe9")
    (folder / "participants.tsv").write_bytes(raw)
    problems = problems_of(folder)
    assert any(p.startswith("dataset_description.json: the file is empty") for p in problems)
    assert any(p.startswith("participants.tsv line 6: byte 0xe9 is not valid UTF-8")
               for p in problems), problems


def test_row_with_wrong_number_of_fields(folder: Path):
    path = folder / "participants.tsv"
    path.write_text(path.read_text().replace("sub-07\t", "sub-07\t\t", 1))
    assert any(p.startswith("participants.tsv line 8: 8 tab-separated field(s) but the "
                            "header has 7") for p in problems_of(folder))


def test_region_must_exist_in_regions_tsv(folder: Path):
    (folder / "regions.tsv").unlink()
    assert "participants.json column 'gaba': Region 'racc' is not listed in regions.tsv " \
           "(missing)." in problems_of(folder)


def test_every_problem_is_reported_at_once(folder: Path):
    set_cell(folder / "participants.tsv", 6, "group", "CRPS")
    set_cell(folder / "participants.tsv", 14, "cpm", "abc")
    set_cell(folder / "participants.tsv", 20, "participant_id", "sub-02")  # sub-19: not in long/
    set_cell(folder / "long" / "ratings.tsv", 3, "participant_id", "sub-99")
    edit_json(folder / "participants.json", lambda d: d["pain"].update(Role="outcome"))
    with pytest.raises(CohortError) as info:
        load_cohort(folder)
    assert len(info.value.problems) == 5, info.value.problems
    assert "line numbers count the TSV header as line 1" in str(info.value)
