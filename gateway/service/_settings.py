"""A service's settings: pydantic-settings, from the environment or a file.

Every field can be set as ``CARBONTRUST_SERVICE_<FIELD>`` (nested values as JSON, e.g.
``CARBONTRUST_SERVICE_USERS='{"ana": {"password_hash": "scrypt$...", "roles": ["operator"]}}'``)
or in a dotenv file named by ``CARBONTRUST_SERVICE_ENV_FILE`` (or ``--env-file``). The role
decides the organisation: a service talks only to its own organisation's peer, with that
organisation's identities from the network's ``connection.json`` (docs/services.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ORG_OF_ROLE", "ROLES", "Role", "ServiceSettings", "UserConfig", "load_settings"]

Role = Literal["power", "certifier", "bank", "regulator"]
ROLES: tuple[Role, ...] = ("power", "certifier", "bank", "regulator")
ORG_OF_ROLE: dict[str, str] = {"power": "PowerMSP", "certifier": "CertifierMSP",
                               "bank": "BankMSP", "regulator": "RegulatorMSP"}
#: what each service's users may be granted (docs/services.md, "Who may call what")
USER_ROLES: dict[str, tuple[str, ...]] = {
    "power": ("operator", "viewer"),
    "certifier": ("attester", "viewer"),
    "bank": ("analyst",),
    "regulator": ("registrar", "auditor"),
}
MIN_KEY_BYTES = 32


class UserConfig(BaseModel):
    """A person (or program) allowed to sign in to this service."""

    password_hash: str = Field(description="scrypt$N$r$p$salt$hash, from `python -m "
                                           "gateway.service hash-password`")
    roles: list[str] = Field(default_factory=list)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARBONTRUST_SERVICE_", extra="forbid",
                                      env_nested_delimiter=None)

    role: Role
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    profile: Path | None = Field(default=None, description="connection.json (default: "
                                 "$CARBONTRUST_RUN_DIR/connection.json)")
    user: str = Field(default="User1", description="the organisation's user the service "
                      "signs as")
    admin_user: str = Field(default="Admin", description="the organisation's admin the "
                            "governance routes sign as (the contract: admins only)")
    ingest_user: str = Field(default="Meter1", description="power: the meter gateway that "
                             "signs readings batches")
    data_dir: Path | None = Field(default=None, description="uploads, journals, the SQLite "
                                  "store (default: <run dir>/services/<role>)")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL (default: "
                                     "SQLite in data_dir); postgresql+psycopg://... in "
                                     "production")
    token_key: SecretStr = Field(description="HS256 key signing this service's tokens "
                                 f"(at least {MIN_KEY_BYTES} bytes)")
    token_ttl: int = Field(default=900, ge=30, le=3600, description="seconds")
    users: dict[str, UserConfig] = Field(default_factory=dict)
    max_page: int = Field(default=200, ge=1, le=1000)
    max_upload_bytes: int = Field(default=1 << 30, ge=1)
    batch_size: int = Field(default=5000, ge=1, le=20000)
    in_flight: int = Field(default=8, ge=1, le=64)
    max_wait: float = Field(default=2.0, gt=0)
    project_events: bool = Field(default=True, description="follow the chaincode events "
                                 "into the store")
    ledger_timeout: float = Field(default=30.0, gt=0)
    max_check_bytes: int = Field(default=256 << 20, ge=1, description="regulator: the "
                                 "largest audit export POST /v1/audit/checks reads (checked "
                                 "in memory)")
    msp_roots: Path | None = Field(default=None, description="bank, regulator: the "
                                   "channel's MSP root certificates the verifier trusts, one "
                                   "<MSP id>.pem each (`carbontrust audit roots --out DIR`); "
                                   "default: <data dir>/msp-roots")
    audit_store: Path | str | None = Field(default=None, description="where the organisation's "
                                    "notary log is (its follower writes it; the bank checks "
                                    "every bundle against it): a database URL, or the path "
                                    "of a follower's own audit.db (default: this service's "
                                    "store, database_url, where `make up` has the follower "
                                    "write it)")

    @field_validator("token_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode("utf-8")) < MIN_KEY_BYTES:
            raise ValueError(f"token_key must be at least {MIN_KEY_BYTES} bytes")
        return value

    def model_post_init(self, _context: Any) -> None:
        allowed = USER_ROLES[self.role]
        for name, user in self.users.items():
            unknown = sorted(set(user.roles) - set(allowed))
            if unknown:
                raise ValueError(f"user {name!r}: roles {unknown} are not roles of the "
                                 f"{self.role} service (it has {list(allowed)})")
            if not user.password_hash.startswith("scrypt$"):
                raise ValueError(f"user {name!r}: password_hash is not an scrypt hash")

    @property
    def msp_id(self) -> str:
        return ORG_OF_ROLE[self.role]

    def profile_path(self) -> Path:
        if self.profile is not None:
            return self.profile
        from gateway.cli._profile import default_profile_path

        return default_profile_path()

    def data_path(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        return self.profile_path().parent / "services" / self.role

    def msp_roots_path(self) -> Path:
        return self.msp_roots if self.msp_roots is not None else self.data_path() / "msp-roots"

    def audit_store_path(self) -> Path | str:
        """What to give ``gateway.audit.AuditStore.open``: a URL (default: this service's own
        store, :meth:`db_url`), or a ``Path`` when ``audit_store`` names a file."""
        if self.audit_store is None:
            return self.db_url()
        if isinstance(self.audit_store, str) and "://" in self.audit_store:
            return self.audit_store
        return Path(self.audit_store)

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_path() / 'store.sqlite'}"


def load_settings(env_file: str | Path | None = None, **overrides: Any) -> ServiceSettings:
    """Settings from the environment, then ``env_file`` (or $CARBONTRUST_SERVICE_ENV_FILE),
    then ``overrides`` (highest)."""
    file = env_file or os.environ.get("CARBONTRUST_SERVICE_ENV_FILE") or None
    kwargs: dict[str, Any] = dict(overrides)
    if file is not None:
        kwargs["_env_file"] = str(file)
    return ServiceSettings(**kwargs)
