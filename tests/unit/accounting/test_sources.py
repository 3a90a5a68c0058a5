"""Every shipped factor equals its published value, transcribed separately.

The published tables live in tests/vectors/accounting/sources/*.csv, typed in once
from the publications (or the reports quoting them; see the README there) and never
generated from the factor sets.  A value changed in a shipped set fails here even if
the manifest digest was updated with it.  Sets after the first releases must also
cite, in each factor's source, the publication, table and row of its CSV line, and
say SECOND-HAND or UNCONFIRMED when the CSV says so.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

import accounting
from accounting import _data
from accounting._factors import Factor, FactorSet

from .util import REPO

SOURCES = REPO / "tests" / "vectors" / "accounting" / "sources"
#: the first releases cite the design notes; they are immutable, so only their values
#: are held to the sources (cn-YYYY.1 restates them with citations)
UNCITED = {"cn-2021", "cn-2022", "cn-2023"}
STATUS_WORD = {"reported": None, "reported-once": None, "second-hand": "SECOND-HAND",
               "unconfirmed": "UNCONFIRMED"}


def published() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted(SOURCES.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["factor"], row["data_year"])
                assert key not in rows, f"{path.name}: {key} transcribed twice"
                assert row["status"] in STATUS_WORD, row
                assert row["publication"] and row["table"] and row["row"], row
                rows[key] = dict(row, file=path.name)
    return rows


def factors_of(fs: FactorSet) -> list[Factor]:
    out = [fs.heat, *fs.grid.values()]
    for _name, _state, ncv, cc, of in fs.fuels.values():
        out += [ncv, cc, of]
    return out


def differences(fs: FactorSet, table: dict[tuple[str, str], dict[str, str]]) -> list[str]:
    """Each way the set departs from the published table (empty when it matches)."""
    found = []
    for f in factors_of(fs):
        row = table.get((f.id, str(f.data_year)))
        if row is None:
            found.append(f"{fs.version}:{f.id} ({f.data_year}) has no published row")
            continue
        if Decimal(row["value"]) != f.value or row["unit"] != f.unit:
            found.append(f"{fs.version}:{f.id} is {f.value} {f.unit}, published "
                         f"{row['value']} {row['unit']} ({row['file']})")
        if fs.version in UNCITED:
            continue
        for part in ("publication", "table", "row"):
            if row[part] not in f.source:
                found.append(f"{fs.version}:{f.id} source does not cite its {part} "
                             f"{row[part]!r}")
        word = STATUS_WORD[row["status"]]
        if word and word not in f.source:
            found.append(f"{fs.version}:{f.id} source does not say {word}")
        if word and f.rank == "primary":
            found.append(f"{fs.version}:{f.id} is {row['status']} but ranked primary")
    return found


@pytest.mark.parametrize("version", accounting.factor_set_versions())
def test_shipped_set_matches_the_published_tables(version):
    assert differences(accounting.load_factor_set(version), published()) == []


def test_no_factor_cites_the_project_design_notes_as_its_publication():
    for version in sorted(set(accounting.factor_set_versions()) - UNCITED):
        for f in factors_of(accounting.load_factor_set(version)):
            publication = f.source.split(";")[0]
            assert "DESIGN" not in publication and "project" not in publication, f.id


@pytest.mark.parametrize(("old", "new"), [
    ('value = "0.4042"', 'value = "0.4043"'),      # a 2023 regional grid factor
    ('ncv = "389.31"', 'ncv = "389.30"'),          # a fuel NCV
    ('value = "0.6096"', 'value = "0.6069"'),      # the 2023 residual-mix factor
    ("row Southern China (南方)", "row Southwest China (西南)"),  # a wrong citation
])
def test_a_changed_value_fails_even_with_the_manifest_updated(tmp_path, monkeypatch, old,
                                                              new):
    src = Path(str(resources.files("accounting").joinpath("data")))
    shutil.copytree(src, tmp_path / "data")
    target = tmp_path / "data" / "factors" / "cn-2023.1.toml"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    doc = _data.parse_document("factors", "cn-2023.1", target.read_bytes())
    manifest = _data.read_manifest()
    manifest["factors"]["cn-2023.1"] = doc.digest  # the manifest "updated" with the change
    monkeypatch.setattr(_data, "_data_dir", lambda kind: tmp_path / "data" / kind)
    monkeypatch.setattr(_data, "read_manifest", lambda: manifest)
    changed = FactorSet(_data.load_document("factors", "cn-2023.1"))  # loads: digest agrees
    assert differences(changed, published()) != []


def test_green_power_factors_are_the_published_ones():
    # MEE/NBS: national average excluding market-traded non-fossil power, and the
    # national fossil-fuel electricity factor (2022: 0.5856, 0.8325; 2023: 0.6096, 0.8273)
    for version, residual, fossil in (("cn-2022.1", "0.5856", "0.8325"),
                                      ("cn-2023.1", "0.6096", "0.8273")):
        fs = accounting.load_factor_set(version)
        assert fs.grid["national_residual"].value == Decimal(residual)
        assert fs.grid["national_fossil"].value == Decimal(fossil)
