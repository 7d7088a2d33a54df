# SPDX-License-Identifier: Apache-2.0
"""Typed configuration, built once at the edge and passed in (never read at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"
DATABASE_FILE = "oncoboard.sqlite3"


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/oncoboard`` on Linux, honouring
    ``XDG_DATA_HOME``): the same database whichever folder a command runs from."""
    from platformdirs import user_data_path

    return user_data_path("oncoboard", appauthor=False)


class Settings(BaseSettings):
    """OncoBoard settings; every field can be set as ``ONCOBOARD_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ONCOBOARD_", extra="ignore")

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
    secret_key: str = DEV_SECRET
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

    @model_validator(mode="after")
    def _refuse_dev_secret_in_prod(self) -> Settings:
        if self.env == "prod" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "ONCOBOARD_SECRET_KEY is the development default; set a real secret when "
                "ONCOBOARD_ENV=prod"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
