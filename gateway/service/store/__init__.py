"""A service's store: SQLAlchemy 2 models, the engine (SQLite default, PostgreSQL in
production) and the Alembic migrations that create and upgrade the schema."""

from gateway.service.store._db import Store, make_engine, migrate
from gateway.service.store._models import (
    BankLoan,
    BankReport,
    Base,
    Job,
    JobRefusal,
    LedgerEvent,
    ProjectionCheckpoint,
)
from gateway.service.store._report_models import ReportJob

__all__ = ["BankLoan", "BankReport", "Base", "Job", "JobRefusal", "LedgerEvent",
           "ProjectionCheckpoint", "ReportJob", "Store", "make_engine", "migrate"]
