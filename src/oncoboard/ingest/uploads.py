# SPDX-License-Identifier: Apache-2.0
"""Uploaded files: safe names, size limits, stored under the upload folder, imported once."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, SessionTransaction

from oncoboard.errors import InputError, PayloadTooLarge, Problem
from oncoboard.governance.gate import Access
from oncoboard.ingest import service
from oncoboard.ingest.models import ImportRow
from oncoboard.ingest.schemas import ImportOptions, ImportReport, SourceFile
from oncoboard.settings import Settings

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$")
_UPLOAD_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def check_upload_name(name: str | None) -> str:
    """Refuse names that could escape the upload folder rather than silently rewriting them."""
    if not name or not _SAFE_NAME.match(name) or ".." in name:
        raise InputError(
            f"upload file name {name!r} is not allowed",
            [
                Problem(
                    "upload",
                    "filename",
                    "filename",
                    str(name),
                    "a plain file name (letters, digits, . _ + -), no folders or '..'",
                )
            ],
        )
    return name


def save_upload(
    stream: BinaryIO, *, name: str, folder: Path, max_bytes: int, import_id: str | None = None
) -> Path:
    """Copy an upload to ``folder/<import id>/<name>``, refusing it once it passes ``max_bytes``.

    The folder is named by the import it is for, so at start-up a folder whose import was
    never committed (a crash mid-import) is known for an orphan and removed."""
    safe = check_upload_name(name)
    target_dir = folder / (import_id or str(uuid.uuid4()))
    target_dir.mkdir(parents=True, exist_ok=False)
    target = target_dir / safe
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                target.unlink()
                target_dir.rmdir()
                raise PayloadTooLarge(
                    f"upload {safe!r} is larger than the limit of {max_bytes} bytes"
                )
            out.write(chunk)
    return target


def import_upload(
    *,
    session: Session,
    access: Access,
    settings: Settings,
    stream: BinaryIO,
    filename: str | None,
    options: ImportOptions,
) -> ImportReport:
    """Store an uploaded file and import it inside the caller's unit of work.

    API and web form both come here. The stored copy is kept only when it was imported:
    a rejected or unchanged upload leaves nothing in the upload folder. The copy is locked
    until the caller's transaction ends, so another worker starting meanwhile leaves it be.
    """
    name = check_upload_name(filename)
    import_id = str(uuid.uuid4())
    path = save_upload(
        stream,
        name=name,
        folder=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
        import_id=import_id,
    )
    _lock_until_transaction_ends(session, path)
    try:
        report = service.import_as(
            session=session,
            access=access,
            source=SourceFile.from_path(path, name=name),
            options=options,
            batch_size=settings.import_batch_size,
            import_id=import_id,
            limits=settings.ingest_limits(),
        )
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    if report.status == "unchanged":
        shutil.rmtree(path.parent, ignore_errors=True)
    return report


def _lock_until_transaction_ends(session: Session, path: Path) -> None:
    """Hold an exclusive ``flock`` on the stored copy until the unit of work commits or rolls
    back (the kernel drops it if the process dies), marking the upload as in progress."""
    descriptor = os.open(path, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    held = [descriptor]

    def release(_session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and held:
            os.close(held.pop())

    event.listen(session, "after_transaction_end", release)


def remove_orphaned_uploads(*, engine: Engine, folder: Path) -> list[str]:
    """Remove stored uploads whose import was never committed (the server stopped mid-import);
    return their folder names. Uploads another process is importing right now are locked and
    left alone; folders that are not upload folders are never touched."""
    if not folder.is_dir():
        return []
    candidates = [p for p in folder.iterdir() if p.is_dir() and _UPLOAD_FOLDER.match(p.name)]
    if not candidates:
        return []
    with engine.connect() as connection:
        kept = set(
            connection.scalars(
                select(ImportRow.id).where(ImportRow.id.in_([p.name for p in candidates]))
            )
        )
    removed = []
    for candidate in candidates:
        if candidate.name in kept or _in_progress(candidate):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate.name)
    return removed


def _in_progress(folder: Path) -> bool:
    for file in folder.iterdir():
        try:
            descriptor = os.open(file, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
    return False
