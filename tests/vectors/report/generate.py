"""Sample records for the report: produced by the real carbon contract (MemoryLedger seam)
with the real ``accounting`` package, from readings to a rating (docs/results.md).

    python tests/vectors/report/generate.py           # rewrite the samples
    python tests/vectors/report/generate.py --check   # exit 1 on drift

Files: ``result.json`` (``results:get``: {"digest", "record"}), ``attestation.json``
(``attestation:get``), ``rating.json`` (the record ``rating:get`` answers for the
``rating:compute`` transaction, as ``carbontrust rating compute`` prints it), ``enterprise.json``
(``registry:get_enterprise``), ``monthly_totals.json`` ({"uscc", "period", "months"}: the
result record's ``inputs.monthly``).

The unit-test identities draw fresh keys on every run, so certificates, fingerprints,
signatures and the digests over them differ between runs; ``--check`` compares everything
else exactly (every figure, every field name) and those by their form.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.unit.chaincode.carbon import results_world as rw  # noqa: E402
from tests.unit.chaincode.carbon.conftest import E1, build_world  # noqa: E402

NAMES = ("result.json", "attestation.json", "rating.json", "enterprise.json",
         "monthly_totals.json")
_FORMS = [(re.compile(r"sha256:[0-9a-f]{64}"), "<sha256>"),
          (re.compile(r"[0-9a-f]{64}"), "<hex64>"),
          (re.compile(r"-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n?"),
           "<pem>"),
          (re.compile(r"MEU[A-Za-z0-9+/=]{90,}|MEQ[A-Za-z0-9+/=]{90,}"), "<signature>"),
          (re.compile(r"[0-9a-f]{1,40}"), "<hex>")]
_VOLATILE = {"serial", "signature"}


def samples() -> dict[str, Any]:
    w = build_world()
    try:
        rw.prepare(w)
        result = rw.compute(w)
        res = rw.attest(w, result)
        assert res.status == 200, res.message
        rated = rw.rate(w)
        assert rated.status == 200, rated.message
        record = result["record"]
        return {
            "result.json": w.ok("certifier-client", "results:get", E1, rw.START, rw.END, ""),
            "attestation.json": w.ok("bank-client", "attestation:get", E1, rw.START, rw.END,
                                     ""),
            "rating.json": rw.rating_of(w, rated.json()),
            "enterprise.json": w.ok("bank-client", "registry:get_enterprise", E1),
            "monthly_totals.json": {"uscc": E1, "period": record["period"],
                                    "months": record["inputs"]["monthly"]}}
    finally:
        w.ledger.close()


def text(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def form(value: Any, key: str = "") -> Any:
    """value with the run-dependent parts (keys, signatures, digests) replaced by their form."""
    if isinstance(value, dict):
        return {k: form(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [form(v) for v in value]
    if isinstance(value, str):
        if key in _VOLATILE:
            return f"<{key}>"
        for pattern, name in _FORMS[:4]:
            value = pattern.sub(name, value)
        if key in ("fingerprint", "certificate_fingerprint"):
            value = _FORMS[4][0].sub("<hex>", value)
    return value


def main(argv: list[str]) -> int:
    made = samples()
    if "--check" in argv:
        drift = [n for n in NAMES
                 if form(json.loads((HERE / n).read_text("utf-8"))) != form(made[n])]
        if drift:
            print("drift in " + ", ".join(drift) + ": run tests/vectors/report/generate.py",
                  file=sys.stderr)
            return 1
        return 0
    for name in NAMES:
        (HERE / name).write_text(text(made[name]), "utf-8")
    print("wrote " + ", ".join(NAMES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
