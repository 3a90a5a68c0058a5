"""The application factory: one FastAPI application per organisation role.

``create_app(settings)`` assembles what every service has (request ids, problem details,
sign-in, the store, the projection of the ledger's events, health) and the routes of its
role. What each role's routes may do is what the contract lets that organisation do:

- power: readings uploads as jobs (``_power``), batches and totals;
- certifier: results, attestations and withdrawals (``_certifier``);
- regulator: the enterprise registry; audit of the projected events (``_regulator``);
- bank: enterprises' records and attestations (what the contract lets any organisation
  read), the consents naming it and its access under one (``_consents``), reports handed
  over by enterprises checked under their consent, and loan decisions (``_bank``).
- regulator also lists consents.

Seams for tests: ``ledger_factory`` (the ledger), ``event_source`` (the projection's events)
and ``sink_factory`` (the readings submitter's sink); by default all go to the
organisation's own peer named by ``connection.json``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from gateway.service._auth import token_router
from gateway.service._common import common_router
from gateway.service._ledger import LedgerFactory, LedgerPort
from gateway.service._problems import Problem, install_problem_handlers
from gateway.service._projection import EventSource, GatewayEventSource, Projector
from gateway.service._requestid import RequestIdMiddleware
from gateway.service._settings import ServiceSettings
from gateway.service.store import Store

__all__ = ["READ_ROLES", "create_app"]

log = logging.getLogger("gateway.service")

#: who may read the shared routes (events, an enterprise's record, attestations)
READ_ROLES: dict[str, tuple[str, ...]] = {
    "power": ("operator", "viewer"),
    "certifier": ("attester", "viewer"),
    "bank": ("analyst",),
    "regulator": ("auditor",),
}
ENTERPRISE_ROLES = {"regulator": ("registrar", "auditor")}
ATTESTATION_ROLES: dict[str, tuple[str, ...]] = {
    "certifier": ("attester", "viewer"),
    "bank": ("analyst",),
    "regulator": ("registrar", "auditor"),
}
#: (who may list an enterprise's consents, who may record the bank's access)
CONSENT_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bank": (("analyst",), ("analyst",)),
    "regulator": (("registrar", "auditor"), ()),
}
#: governance: (who may read what is in force, approve as the admin, propose/activate as it)
GOVERNANCE_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "power": (("operator", "viewer"), ("operator",), ()),
    "certifier": (("attester", "viewer"), ("attester",), ()),
    "bank": (("analyst",), ("analyst",), ()),
    "regulator": (("registrar", "auditor"), (), ("registrar",)),
}
#: who may read the organisation's notary log (READ_ROLES otherwise); the regulator's
#: auditors also export and check (docs/services.md, "Audit routes")
AUDIT_ROLES = {"regulator": ("auditor",)}
#: who may compute results and ratings (CertifierMSP and RegulatorMSP endorse them)
COMPUTE_ROLES = {"certifier": ("attester",), "regulator": ("registrar",)}
#: report jobs: (who may issue, who may read jobs and download) (report.issue's orgs)
REPORT_JOB_ROLES = {"certifier": (("attester",), ("attester", "viewer")),
                    "regulator": (("registrar",), ("registrar", "auditor"))}
TITLES = {"power": "power company", "certifier": "certification centre", "bank": "bank",
          "regulator": "regulator"}


def _role_router(role: str) -> Any:
    if role == "power":
        from gateway.service._power import power_router

        return power_router()
    if role == "certifier":
        from gateway.service._certifier import certifier_router

        return certifier_router()
    if role == "regulator":
        from gateway.service._regulator import regulator_router

        return regulator_router()
    if role == "bank":
        from gateway.service._bank import bank_router

        return bank_router(("analyst",))
    return None


def _sink_factory(settings: ServiceSettings, port: LedgerPort) -> Any:
    def make() -> Any:
        from gateway.cli._ingest_sink import LedgerSink

        return LedgerSink(port.ledger(settings.ingest_user), settings.in_flight)

    return make


def create_app(settings: ServiceSettings, *, ledger_factory: LedgerFactory | None = None,
               event_source: EventSource | None = None, sink_factory: Any = None,
               report_steps: Any = None) -> FastAPI:
    role = settings.role

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        data = settings.data_path()
        data.mkdir(parents=True, exist_ok=True)
        store = Store(settings.db_url())
        port = LedgerPort(settings, ledger_factory)
        app.state.store, app.state.ledger = store, port
        workers: list[Any] = []
        if role == "power":
            from gateway.ingest import Settings as IngestSettings
            from gateway.service._jobs import IngestJobs

            jobs = IngestJobs(store, data, sink_factory or _sink_factory(settings, port),
                              IngestSettings(settings.batch_size, settings.max_wait,
                                             settings.in_flight),
                              settings.max_upload_bytes)
            app.state.jobs = jobs
            jobs.start()
            workers.append(jobs)
        if role in REPORT_JOB_ROLES:   # report issuance jobs (docs/services.md)
            from gateway.service._report_jobs import ReportJobs
            from gateway.service._report_steps import LedgerReportSteps

            report_jobs = ReportJobs(store, report_steps or (lambda: LedgerReportSteps(
                port, settings.audit_store_path())))
            app.state.report_jobs = report_jobs
            report_jobs.start()
            workers.append(report_jobs)
        app.state.projector = None
        if settings.project_events:
            projector = Projector(store, event_source or GatewayEventSource(port))
            app.state.projector = projector
            projector.start()
            workers.append(projector)
        log.info("%s service ready (%s, store %s)", role, settings.msp_id,
                 store.engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            for worker in reversed(workers):
                worker.stop()
            port.close()
            store.close()

    app = FastAPI(title=f"carbontrust {TITLES[role]} service", version="1.0.0",
                  description=f"The {TITLES[role]}'s service in front of its own peer "
                              f"({settings.msp_id}). Sign in at POST /v1/token; every other "
                              "route takes a bearer token. Errors are RFC 9457 problem "
                              "details. See docs/services.md.",
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.add_middleware(RequestIdMiddleware)
    install_problem_handlers(app)
    app.include_router(token_router())
    app.include_router(common_router(READ_ROLES[role],
                                     ENTERPRISE_ROLES.get(role, READ_ROLES[role]),
                                     ATTESTATION_ROLES.get(role, ())))
    router = _role_router(role)
    if router is not None:
        app.include_router(router)
    if role in COMPUTE_ROLES:
        from gateway.service._compute import compute_router

        app.include_router(compute_router(COMPUTE_ROLES[role]))
    from gateway.service._governance import governance_router

    app.include_router(governance_router(settings.admin_user, *GOVERNANCE_ROLES[role]))
    if role in CONSENT_ROLES:
        from gateway.service._consents import consents_router

        app.include_router(consents_router(*CONSENT_ROLES[role]))
    if role in REPORT_JOB_ROLES:
        from gateway.service._report_routes import report_jobs_router

        app.include_router(report_jobs_router(*REPORT_JOB_ROLES[role]))
    if role == "regulator":   # enterprises' own transactions, signed on their side
        from gateway.service._relay import relay_router

        app.include_router(relay_router(("registrar",)))
    from gateway.service._audit import audit_router  # its own notary log (docs/services.md)

    app.include_router(audit_router(AUDIT_ROLES.get(role, READ_ROLES[role])))
    if role == "regulator":
        from gateway.service._audit_export import audit_export_router

        app.include_router(audit_export_router(AUDIT_ROLES[role]))
    _publish_problem_schema(app)
    return app


def _publish_problem_schema(app: FastAPI) -> None:
    """Put the Problem schema under components (the routes' problem+json responses refer to
    it by name)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = \
                Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schema["components"]["securitySchemes"] = {"bearer": {
                "type": "oauth2", "flows": {"password": {"tokenUrl": "/v1/token",
                                                         "scopes": {}}}}}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
