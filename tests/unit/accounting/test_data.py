"""Shipped data: found as package resources, sourced, and never changed once released."""

from __future__ import annotations

import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

import accounting
from accounting import DataFileError, _data

KINDS = ("factors", "rules", "benchmarks")


def shipped(kind: str) -> list[str]:
    folder = resources.files("accounting").joinpath("data").joinpath(kind)
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def test_manifest_lists_every_shipped_file_and_nothing_else():
    manifest = _data.read_manifest()
    assert sorted(manifest) == sorted(KINDS)
    for kind in KINDS:
        assert sorted(manifest[kind]) == shipped(kind), kind


@pytest.mark.parametrize("kind", KINDS)
def test_released_digests_have_not_changed(kind):
    """A released set never changes: a correction is a new version with a new entry."""
    manifest = _data.read_manifest()[kind]
    for version in shipped(kind):
        raw = resources.files("accounting").joinpath("data").joinpath(kind).joinpath(
            f"{version}.toml").read_bytes()
        doc = _data.parse_document(kind, version, raw)
        if doc.content["status"] == "released":
            assert doc.digest == manifest[version], (
                f"{kind}/{version}.toml changed after release; publish a new version")


def test_loading_a_changed_released_file_fails(tmp_path, monkeypatch):
    src = Path(str(resources.files("accounting").joinpath("data")))
    shutil.copytree(src, tmp_path / "data")
    target = tmp_path / "data" / "factors" / "cn-2022.toml"
    target.write_text(target.read_text().replace('value = "0.3869"', 'value = "0.3870"'))
    monkeypatch.setattr(_data, "_data_dir", lambda kind: tmp_path / "data" / kind)
    with pytest.raises(DataFileError) as caught:
        _data.load_document("factors", "cn-2022")
    assert "MANIFEST" in caught.value.field and "new version" in caught.value.detail
    # comments and layout are not content: reformatting keeps the digest
    target.write_text("# a new comment\n" + (src / "factors" / "cn-2022.toml").read_text())
    assert _data.load_document("factors", "cn-2022").digest == \
        _data.read_manifest()["factors"]["cn-2022"]


def test_binary_floats_are_refused_in_data_files():
    with pytest.raises(DataFileError) as caught:
        _data.parse_document("factors", "x", b'version = "x"\nstatus = "draft"\nv = 0.5\n')
    assert caught.value.value == "0.5"


def test_version_inside_file_must_match_its_name():
    with pytest.raises(DataFileError):
        _data.parse_document("rules", "a", b'version = "b"\nstatus = "released"\n')


@pytest.mark.parametrize("version", accounting.factor_set_versions())
def test_every_factor_carries_unit_year_region_and_source(version):
    fs = accounting.load_factor_set(version)
    rows = fs.factor_rows()
    assert len(rows) >= 1 + 8 + 3 * 7
    for row in rows:
        assert row["unit"] and row["region"] and row["source"] and row["data_year"]
        assert row["rank"] in ("primary", "secondary")
    year = int(version.split("-")[1].split(".")[0])  # cn-2023, cn-2023.1: data year 2023
    assert fs.grid_data_year == year
    assert all(f.data_year == year for f in fs.grid.values())
    assert {"national", "north", "northeast", "east", "central", "northwest", "southern",
            "southwest"} <= set(fs.grid)
    secondary = {r for r, f in fs.grid.items() if f.rank == "secondary"}
    if "." not in version:  # the first releases: only Guangdong is marked secondary
        assert secondary <= {"guangdong"}
        assert all("SECONDARY" in fs.grid[r].source for r in secondary)
    else:  # revisions: every secondary factor says why (test_sources holds the detail)
        assert all(("SECOND-HAND" in row["source"] or "UNCONFIRMED" in row["source"])
                   for row in rows if row["rank"] == "secondary")


def test_heat_factor_and_combined_fuel_factor():
    fs = accounting.load_factor_set("cn-2023")
    assert (str(fs.heat.value), fs.heat.unit) == ("0.11", "tCO2/GJ")
    # precomputed per unit: 12 x tCO2e per t = NCV x CC x OF x 44 (exact, not rounded),
    # with diesel's published defaults written out, not read back from the set under test
    assert fs.flat["diesel"]["t"].k12 == Decimal("43.33") * Decimal("0.0202") \
        * Decimal("0.98") * 44 == Decimal("37.74146992")
    assert fs.flat["diesel"]["kg"].k12 * 1000 == fs.flat["diesel"]["t"].k12
    # by energy: 1 tce = 29.3076 GJ (GB/T 2589-2020); CC x OF x 44 per GJ, no NCV
    assert fs.flat["diesel"]["tce"].k12 == Decimal("29.3076") * Decimal("0.0202") \
        * Decimal("0.98") * 44
    assert fs.flat["heat"]["tce"].k12 == Decimal("29.3076") * Decimal("0.11") * 12


def test_rule_sets_and_benchmarks_load():
    for version in accounting.rule_set_versions():
        rs = accounting.load_rule_set(version)
        assert rs.bands[-1].upper is None and rs.digest.startswith("sha256:")
    bs = accounting.load_benchmark_set("cn-illustrative-1")
    assert "C38" in bs.industries and bs.industries["C38"]["value_added"].unit == \
        "tCO2e/10^4 CNY"
