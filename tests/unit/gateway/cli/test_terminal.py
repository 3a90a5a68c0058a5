"""The terminal: verbosity gates, colour, and the spinner only where a person watches."""

from __future__ import annotations

import io
import json

from gateway.cli._terminal import Terminal


def test_levels():
    err = io.StringIO()
    t = Terminal(verbosity=-1, color=False, stderr=err)
    t.info("i")
    t.success("s")
    t.warning("w")
    t.debug("d")
    t.error("e")
    assert err.getvalue().splitlines() == ["warning: w", "error: e"]
    t.verbosity = 2
    t.debug("d2", 2)
    assert err.getvalue().splitlines()[-1] == "d2"


def test_colour_on_demand_and_markup_literal():
    err = io.StringIO()
    Terminal(color=True, stderr=err).error("[red]x[/red] \udcff")
    text = err.getvalue()
    assert "\x1b[" in text and "[red]x[/red]" in text and "\\udcff" in text
    err = io.StringIO()
    Terminal(color=False, stderr=err).error("plain")
    assert err.getvalue() == "error: plain\n"


def test_status_spinner_only_on_a_terminal():
    err = io.StringIO()
    with Terminal(color=False, stderr=err).status("waiting"):
        pass
    assert err.getvalue() == ""  # not a terminal: nothing
    err = io.StringIO()
    with Terminal(color=True, stderr=err).status("waiting for commit"):
        pass
    assert "waiting for commit" in err.getvalue()
    err = io.StringIO()
    with Terminal(verbosity=-1, color=True, stderr=err).status("quiet"):
        pass
    assert err.getvalue() == ""


def test_json_is_plain_when_not_a_terminal():
    out = io.StringIO()
    Terminal(stdout=out).json({"b": "名", "a": [1]})
    assert out.getvalue() == json.dumps({"a": [1], "b": "名"}, indent=2, ensure_ascii=False) + "\n"
