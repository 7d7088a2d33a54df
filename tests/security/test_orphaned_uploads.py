# SPDX-License-Identifier: Apache-2.0
"""Item 14: uploads a crash left on disk are removed at start-up; nothing else is touched."""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path

from sqlalchemy import Engine

from oncoboard.api.app import create_app
from oncoboard.settings import Settings
from tests.conftest import LiveServer
from tests.security.conftest import HEADER


def _stored(folder: Path, name: str = "x.maf") -> Path:
    folder.mkdir(parents=True)
    (folder / name).write_text(HEADER)
    return folder


def test_start_up_removes_uploads_whose_import_never_committed(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    maf = HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-U\n"
    imported = live_server.client().post("/api/v1/imports", files={"file": ("u.maf", maf)})
    assert imported.status_code == 201
    kept = settings.upload_dir / imported.json()["import_id"]
    assert (kept / "u.maf").exists()  # the stored copy of an import is named by its id
    orphan = _stored(settings.upload_dir / str(uuid.uuid4()))  # the server died mid-import
    busy = _stored(settings.upload_dir / str(uuid.uuid4()))  # another worker importing now
    other = _stored(settings.upload_dir / "not-an-upload")
    descriptor = os.open(busy / "x.maf", os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        create_app(settings, engine=engine)  # a (re)start
    finally:
        os.close(descriptor)
    assert not orphan.exists()
    assert (kept / "u.maf").exists() and busy.exists() and other.exists()
    create_app(settings, engine=engine)  # unlocked now: the next start removes it
    assert not busy.exists() and other.exists()
