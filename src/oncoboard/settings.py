# SPDX-License-Identifier: Apache-2.0
"""Typed configuration, built once at the edge and passed in (never read at import time)."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from sqlalchemy import make_url

# The secret earlier releases shipped as their default: published, so never accepted in prod.
DEV_SECRET = "dev-insecure-secret-change-me"
KNOWN_SECRETS = frozenset({DEV_SECRET, "changeme", "change-me", "secret", "oncoboard"})
# Session cookies and audit anchors are HMAC-SHA256: a key of 32 random bytes (256 bits).
MIN_SECRET_BITS = 256
SECRET_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


@dataclass(frozen=True)
class IngestLimits:
    """Caps applied to every imported or validated file (``ingest/limits.py``)."""

    max_inflated_bytes: int = 32 << 30
    max_line_bytes: int = 4 << 20
    max_document_bytes: int = 256 << 20


DATABASE_FILE = "oncoboard.sqlite3"


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/oncoboard`` on Linux, honouring
    ``XDG_DATA_HOME``): the same database whichever folder a command runs from."""
    from platformdirs import user_data_path

    return user_data_path("oncoboard", appauthor=False)


ENV_PREFIX = "ONCOBOARD_"


class EnvironmentSettings(BaseModel):
    """Settings read from ``<PREFIX><NAME>`` variables (any case): keyword arguments win over
    the environment, which wins over the defaults. pydantic-settings did this before; importing
    it and building its sources cost ~30 ms of every database command's start-up
    (docs/benchmarks.md, CLI start-up) for plain strings read from the environment."""

    # as pydantic-settings configured it: defaults validated too, unknown names ignored
    model_config = ConfigDict(extra="ignore", validate_default=True)
    env_prefix: ClassVar[str] = ENV_PREFIX

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        prefix = cls.env_prefix.lower()
        environment = {
            key.lower()[len(prefix) :]: value
            for key, value in os.environ.items()
            if key.lower().startswith(prefix)
        }
        found = {name: environment[name] for name in cls.model_fields if name in environment}
        return {**found, **data}


class Settings(EnvironmentSettings):
    """OncoBoard settings; every field can be set as ``ONCOBOARD_<NAME>``."""

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the default SQLite database and uploads live (per user).",
    )
    database_url: str = Field(
        default_factory=lambda data: f"sqlite:///{data['data_dir'] / DATABASE_FILE}",
        description="SQLAlchemy URL; default SQLite in data_dir, postgresql+psycopg://… in "
        "production.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs session cookies and audit anchors. Required in prod (32 random "
        "bytes); in dev a random one is generated per database and kept in secret_key_file.",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="Where dev keeps its generated secret (mode 0600); default beside the "
        "SQLite database, else in the upload folder's parent.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    upload_dir: Path = Field(
        default_factory=lambda data: data["data_dir"] / "uploads",
        description="Uploaded files; default data_dir/uploads.",
    )
    import_batch_size: int = Field(default=5000, ge=1)
    user: str = Field(default="site-admin", description="The named user the CLI acts as.")
    session_max_age_s: int = Field(default=8 * 3600, ge=60)
    max_active_requests: int = Field(
        default=3,
        ge=0,
        description="Requests one server process works on at once; the rest wait their turn "
        "(0: no limit). See docs/benchmarks.md, symptom monitoring load.",
    )

    celltherapy_config: Path | None = Field(
        default=None,
        description="JSON with the site's cell-therapy transit limits and ICCBBA product table "
        "(docs/traceability.md).",
    )

    # Request bodies (api/bodies.py): read only after authentication, bounded in size and time,
    # and before admission, so slow senders never hold a slot.
    max_request_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest body of a non-upload request."
    )
    max_login_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Largest body the anonymous login routes take."
    )
    body_timeout_s: float = Field(
        default=30.0, gt=0, description="Time a whole request body may take to arrive."
    )
    body_idle_s: float = Field(
        default=10.0, gt=0, description="Longest pause allowed while a body arrives."
    )
    min_upload_bytes_per_s: int = Field(
        default=64 * 1024, ge=1, description="Uploads get body_timeout_s plus size / this rate."
    )
    health_stall_s: float = Field(
        default=10.0,
        gt=0,
        description="The health check answers 503 once a request has waited this long for a "
        "slot: the server is up but not serving.",
    )

    audit_anchor_file: Path | None = Field(
        default=None,
        description="Where the signed audit head is appended (governance/anchor.py); default "
        "beside a SQLite database (not under env=test). Put it where a database writer "
        "cannot write, or ship it off the machine.",
    )
    # Import bombs (ingest/limits.py): defaults fit a whole-genome VCF; see docs/security.md.
    max_inflated_bytes: int = Field(default=32 << 30, ge=1 << 20)
    max_line_bytes: int = Field(default=4 << 20, ge=1 << 20)
    max_document_bytes: int = Field(default=256 << 20, ge=1 << 20)

    # EHR integration (#21, docs/pharmacogenomics.md)
    public_url: str | None = Field(
        default=None,
        description="OncoBoard's external base URL (CDS Hooks audience, SMART redirect, card "
        "links); default: the URL the request came in on.",
    )
    cds_clients: Path | None = Field(
        default=None,
        description="JSON allow-list of EHRs that may call the CDS services: issuer and its JWKS "
        "(inline, file, or a jwks_url fetched only when configured).",
    )
    smart_clients: Path | None = Field(
        default=None,
        description="JSON list of EHR FHIR servers OncoBoard may be launched from as a SMART app "
        "(issuer, client_id, scopes).",
    )

    _ephemeral_secret: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _refuse_weak_secret_in_prod(self) -> Settings:
        if self.env == "prod":
            given = self.secret_key.get_secret_value() if self.secret_key else ""
            problem = weak_secret(given)
            if problem:
                raise ValueError(
                    f"ONCOBOARD_SECRET_KEY {problem}; ONCOBOARD_ENV=prod needs 32 random bytes, "
                    f"e.g. {SECRET_HINT}"
                )
        return self

    def signing_secret(self) -> str:
        """The secret that signs cookies and audit anchors.

        prod: ``ONCOBOARD_SECRET_KEY`` (checked at start-up). dev: that, else a random secret
        made on first use and kept per database in ``secret_key_file`` (mode 0600), so no
        published default ever signs a cookie. test, or an in-memory SQLite database: a random one
        per settings object.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        in_memory = self.is_sqlite and self.sqlite_file() is None and self.secret_key_file is None
        if self.env == "test" or in_memory:  # an in-memory database's secret dies with it
            if self._ephemeral_secret is None:
                self._ephemeral_secret = secrets.token_urlsafe(32)
            return self._ephemeral_secret
        return load_or_create_secret(self.secret_path())

    def ingest_limits(self) -> IngestLimits:
        return IngestLimits(
            max_inflated_bytes=self.max_inflated_bytes,
            max_line_bytes=self.max_line_bytes,
            max_document_bytes=self.max_document_bytes,
        )

    def anchor_path(self) -> Path | None:
        if self.audit_anchor_file is not None:
            return self.audit_anchor_file
        if self.env == "test" or not self.is_sqlite:
            return None
        database = self.sqlite_file()
        return None if database is None else Path(database + ".audit-anchor")

    def secret_path(self) -> Path:
        if self.secret_key_file is not None:
            return self.secret_key_file
        database = self.sqlite_file()
        if database is not None:
            return Path(database + ".secret-key")
        digest = hashlib.sha256(self.database_url.encode()).hexdigest()[:16]
        return self.upload_dir.parent / f"secret-key-{digest}"

    def sqlite_file(self) -> str | None:
        """The SQLite database's file, None for an in-memory one (``sqlite://``, ``:memory:``)."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        return None if not database or database == ":memory:" else database

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def weak_secret(value: str) -> str | None:
    """Why ``value`` cannot sign production cookies, or None. A key of 32 random bytes written
    as hex is 64 characters, as base64 43: the estimate is length × bits per character of the
    smallest alphabet that holds it; a repeated character or a known default is refused."""
    if not value:
        return "is not set"
    if value.strip().lower() in KNOWN_SECRETS:
        return "is a published default"
    hexdigits = set("0123456789abcdefABCDEF")
    urlsafe = hexdigits | set("ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ-_+/=")
    per_char = 4.0 if set(value) <= hexdigits else 6.0 if set(value) <= urlsafe else 6.5
    bits = len(value) * per_char
    most = Counter(value).most_common(1)[0][1]
    if bits < MIN_SECRET_BITS:
        return f"is too short: {len(value)} characters ≈ {math.floor(bits)} bits"
    if most > max(4, len(value) // 4) or len(set(value)) < 10:
        return "repeats characters: it does not look random"
    return None


def load_or_create_secret(path: Path) -> str:
    """Read the per-database secret, creating it (0600, never group/world-readable) once."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = ""
    if text:
        return text
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(fresh + "\n")
    return fresh
