"""up and down delete the run directory: only one of ours (marker), an empty or a new one."""

from pathlib import Path

import pytest

from network import Network, NetworkError
from network._rundir import MARKER, chaincode_digest


def test_up_and_down_refuse_a_directory_holding_a_users_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    thesis = home / "thesis.tex"
    thesis.write_text("years of work")
    net = Network(run_dir=home, log=lambda *_: None)
    with pytest.raises(NetworkError, match=r"not a run directory .*thesis.tex"):
        net.down()
    with pytest.raises(NetworkError, match="refusing to delete"):
        net.up()
    assert thesis.read_text() == "years of work"
    assert sorted(p.name for p in home.iterdir()) == ["thesis.tex"]


def test_down_accepts_missing_empty_and_marked_directories(tmp_path: Path) -> None:
    for d in (tmp_path / "new", tmp_path / "empty"):
        if d.name == "empty":
            d.mkdir()
        Network(run_dir=d, log=lambda *_: None).down()
        assert not d.exists()
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / MARKER).write_text("")
    (marked / "logs").mkdir()
    Network(run_dir=marked, log=lambda *_: None).down()
    assert not marked.exists()


def test_a_run_directory_from_before_the_marker_is_recognised(tmp_path: Path) -> None:
    old = tmp_path / "old"
    for d in ("crypto", "pids"):
        (old / d).mkdir(parents=True)
    (old / "state.json").write_text('{"package_ids": {}, "deployed": true}')
    Network(run_dir=old, log=lambda *_: None).down(keep_data=True)
    assert (old / MARKER).is_file()


def test_chaincode_digest_follows_the_sources(tmp_path: Path) -> None:
    pkg = tmp_path / "cc"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "contract.py").write_text("def f():\n    return 1\n")
    before = chaincode_digest([pkg])
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "x.py").write_text("ignored")
    assert chaincode_digest([pkg]) == before
    (pkg / "sub" / "contract.py").write_text("def f():\n    return 2\n")
    assert chaincode_digest([pkg]) != before


def test_chaincode_digest_follows_data_files(tmp_path: Path) -> None:
    """The contract reads data shipped beside its code (accounting's factor and rule sets,
    whose digests governance compares): a changed data file is a changed contract."""
    pkg = tmp_path / "lib"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "factors.json").write_text('{"coal": "1.9"}')
    before = chaincode_digest([pkg])
    (pkg / "data" / "factors.json").write_text('{"coal": "2.9"}')
    assert chaincode_digest([pkg]) != before


def test_contract_sources_include_the_project_packages_it_imports(tmp_path: Path) -> None:
    """chaincode.carbon imports accounting (shipped versions, denominator validation): an
    edited accounting must make the running servers stale too."""
    root = tmp_path / "repo"
    for name, body in (("cc", "import json\nfrom lib import x\n"), ("lib", "from .b import y\n"
                                                                   "import other\n"),
                       ("other", ""), ("unused", "")):
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text(body)
    from network._rundir import contract_packages
    assert contract_packages(root / "cc", [root]) == [root / "cc", root / "lib",
                                                      root / "other"]
    net = Network(run_dir=tmp_path / "run", log=lambda *_: None)
    names = [p.name for p in net.cc_sources]
    assert names[0] == "chaincode" and "accounting" in names, names
