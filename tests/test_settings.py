# SPDX-License-Identifier: Apache-2.0
"""Settings from ``ONCOBOARD_*`` variables, as pydantic-settings read them before (#17 dropped it
from the settings for start-up time): keywords win, then the environment, then the defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from oncoboard.settings import Settings


def test_environment_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ONCOBOARD_PORT", "9001")
    monkeypatch.setenv("oncoboard_user", "dr-lower")
    monkeypatch.setenv("ONCOBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ONCOBOARD_SECRET_KEY", "k" * 8)
    settings = Settings()
    assert settings.port == 9001  # converted from the variable's text
    assert settings.user == "dr-lower"
    assert settings.data_dir == tmp_path
    # defaults computed from the environment's values, as before
    assert settings.database_url == f"sqlite:///{tmp_path / 'oncoboard.sqlite3'}"
    assert settings.upload_dir == tmp_path / "uploads"
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "k" * 8
    assert "kkkkkkkk" not in repr(settings)


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCOBOARD_DATABASE_URL", "sqlite:///from-env.sqlite3")
    monkeypatch.setenv("ONCOBOARD_ENV", "test")
    settings = Settings(database_url="sqlite:///given.sqlite3")
    assert settings.database_url == "sqlite:///given.sqlite3"
    assert settings.env == "test"


def test_unset_means_the_default_and_unknown_names_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ONCOBOARD_PORT", "ONCOBOARD_HOST", "ONCOBOARD_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ONCOBOARD_NO_SUCH_SETTING", "x")
    monkeypatch.setenv("OTHER_PORT", "1")
    settings = Settings()
    assert (settings.port, settings.host, settings.env) == (8000, "127.0.0.1", "dev")
    assert not hasattr(settings, "no_such_setting")


def test_a_bad_variable_names_the_field_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCOBOARD_PORT", "0")
    monkeypatch.setenv("ONCOBOARD_ENV", "staging")
    with pytest.raises(ValidationError) as refused:
        Settings()
    text = str(refused.value)
    assert "port" in text and "'0'" in text
    assert "env" in text and "'staging'" in text


def test_prod_still_refuses_a_weak_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONCOBOARD_ENV", "prod")
    monkeypatch.setenv("ONCOBOARD_SECRET_KEY", "changeme")
    with pytest.raises(ValidationError, match="ONCOBOARD_SECRET_KEY is a published default"):
        Settings()


def test_settings_load_without_pydantic_settings() -> None:
    script = (
        "import sys\n"
        "from oncoboard.settings import Settings\n"
        "Settings()\n"
        "print('pydantic_settings' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"


def test_monitoring_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ONCOBOARD_PRO_*`` (any case) for symptom monitoring, through the same reader; a
    monitoring name does not leak into the main settings, nor the reverse."""
    from oncoboard.monitoring.config import MonitoringSettings

    monkeypatch.setenv("ONCOBOARD_PRO_SLA_HOURS_HIGH", "12")
    monkeypatch.setenv("oncoboard_pro_site_phone", "+41 00 000 00 00")
    monkeypatch.setenv("ONCOBOARD_PORT", "9002")
    pro = MonitoringSettings()
    assert (pro.sla_hours_high, pro.site_phone, pro.sla_hours_normal) == (
        12,
        "+41 00 000 00 00",
        72,
    )
    assert MonitoringSettings(sla_hours_high=6).sla_hours_high == 6  # keywords win
    assert not hasattr(pro, "port")
    assert Settings().port == 9002
    monkeypatch.setenv("ONCOBOARD_PRO_SLA_HOURS_NORMAL", "0")
    with pytest.raises(ValidationError, match="sla_hours_normal"):
        MonitoringSettings()
