"""Results and ratings computed on the ledger over HTTP (certifier and regulator services).

The same submission as ``carbontrust results compute`` and ``rating compute``
(:func:`gateway.cli.results.compute_private`): a fresh random salt in transient data,
endorsed by CertifierMSP and RegulatorMSP (the organisations holding both private
collections), the transaction's public answer (version, digest, transaction id: what every
peer's block holds) and the private record read back with an evaluation on the caller's own
peer and checked against that answer (``gateway.cli._read_back``). Endorsers that disagree
are a 409 naming the first field where they differ; nothing was written.
"""


from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gateway.cli._read_back import rating_record, result_record
from gateway.cli.results import compute_private, salt, version_text
from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, check_period, port
from gateway.service._ledger import LedgerPort, as_problem
from gateway.service._problems import problem_responses

__all__ = ["compute_router"]

_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_USCC = "^[0-9A-Z]{18}$"


class ResultIn(BaseModel):
    uscc: str = Field(pattern=_USCC)
    from_date: str = Field(alias="from", pattern=_DATE)
    to_date: str = Field(alias="to", pattern=_DATE)
    factor_set: str | None = Field(default=None, pattern="^[a-z0-9][a-z0-9._-]{0,63}$",
                                   description="a governance-activated factor set "
                                   "(default: the one in force)")


class RatingIn(BaseModel):
    uscc: str = Field(pattern=_USCC)
    from_date: str = Field(alias="from", pattern=_DATE)
    to_date: str = Field(alias="to", pattern=_DATE)
    version: int | None = Field(default=None, ge=1, le=999_999,
                                description="result version (default: the latest)")


class Computed(BaseModel):
    receipt: dict[str, Any] = Field(description="the transaction's public answer")
    record: dict[str, Any] = Field(description="the private record read back, checked "
                                   "against the receipt")
    transaction_id: str
    block_number: int | None


def _compute(ledger: LedgerPort, function: str, args: list[str], explain: str | None,
             read_back: Any) -> Computed:
    try:
        answer, read, done = compute_private(ledger.ledger(), ledger.settings.msp_id,
                                             function, args, salt(), explain, read_back)
    except Exception as exc:
        problem = as_problem(exc)
        if problem is None:
            raise
        raise problem from None
    return Computed(receipt=answer, record=read, transaction_id=done.transaction_id,
                    block_number=done.block_number)


def _result_only(*args: Any) -> Any:
    """The result record alone (``result_record`` answers ``{"digest", "record"}``; the
    digest is the receipt's)."""
    return result_record(*args)["record"]


def compute_router(writers: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["results"])

    @router.post("/v1/results", response_model=Computed, status_code=201,
                 responses=problem_responses(*LEDGER_ERRORS))
    def compute_result(body: ResultIn, ledger: Annotated[LedgerPort, Depends(port)],
                       _caller: Annotated[Any, requires(*writers)]) -> Computed:
        """Compute and record an enterprise's result for a period (``results:compute``)."""
        check_period(body.uscc, body.from_date, body.to_date)
        return _compute(ledger, "results:compute",
                        [body.uscc, body.from_date, body.to_date, body.factor_set or ""],
                        "results:preview", _result_only)

    @router.post("/v1/ratings", response_model=Computed, status_code=201,
                 responses=problem_responses(*LEDGER_ERRORS))
    def compute_rating(body: RatingIn, ledger: Annotated[LedgerPort, Depends(port)],
                       _caller: Annotated[Any, requires(*writers)]) -> Computed:
        """Rate an attested result with the rule set in force (``rating:compute``)."""
        check_period(body.uscc, body.from_date, body.to_date)
        return _compute(ledger, "rating:compute",
                        [body.uscc, body.from_date, body.to_date, version_text(body.version)],
                        None, rating_record)

    return router
