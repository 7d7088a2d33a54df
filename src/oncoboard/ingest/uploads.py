# SPDX-License-Identifier: Apache-2.0
"""Uploaded files: safe names, size limits, stored under the upload folder, imported once."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oncoboard.errors import InputError, PayloadTooLarge, Problem
from oncoboard.governance.gate import Access
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ImportReport, SourceFile
from oncoboard.settings import Settings

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$")
# Room for the multipart boundaries and form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
# How much of an oversized body is read and thrown away so the client sees the 413 answer
# instead of a reset connection; past this the connection is simply closed.
_DRAIN_LIMIT = 64 * 1024 * 1024


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


def save_upload(stream: BinaryIO, *, name: str, folder: Path, max_bytes: int) -> Path:
    """Copy an upload to ``folder/<uuid>/<name>``, refusing it once it passes ``max_bytes``."""
    safe = check_upload_name(name)
    target_dir = folder / str(uuid.uuid4())
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
    a rejected or unchanged upload leaves nothing in the upload folder.
    """
    name = check_upload_name(filename)
    path = save_upload(
        stream, name=name, folder=settings.upload_dir, max_bytes=settings.max_upload_bytes
    )
    try:
        report = service.import_as(
            session=session,
            access=access,
            source=SourceFile.from_path(path, name=name),
            options=options,
            batch_size=settings.import_batch_size,
        )
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    if report.status == "unchanged":
        shutil.rmtree(path.parent, ignore_errors=True)
    return report


class UploadSizeLimit:
    """ASGI middleware: answer 413 before the app parses an upload body over ``max_bytes``.

    Checks ``Content-Length`` and, for chunked bodies without one, counts what arrives.
    The body is spooled (memory, then a temporary file) and replayed to the app, so
    form parsing never sees more than the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, paths: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limit = max_bytes + MULTIPART_OVERHEAD
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
            size = await self._read(receive, spool, store=declared <= self.limit)
            if max(size, declared) > self.limit:
                await _too_large(scope, send, max(size, declared), self.max_bytes)
                return
            spool.seek(0)
            await self.app(scope, _replay(spool, size, receive), send)

    async def _read(self, receive: Receive, spool: IO[bytes], *, store: bool) -> int:
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return size
            chunk = message.get("body", b"")
            size += len(chunk)
            store = store and size <= self.limit
            if store:
                spool.write(chunk)
            if not message.get("more_body", False) or size > self.limit + _DRAIN_LIMIT:
                return size


def _content_length(scope: Scope) -> int:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    """Hand the spooled body to the app, then pass on whatever the client sends next."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = spool.read(1 << 16)
        done = spool.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


async def _too_large(scope: Scope, send: Send, size: int, limit: int) -> None:
    error = PayloadTooLarge(f"upload is {size} bytes, larger than the limit of {limit} bytes")
    body = json.dumps(
        {
            "type": "about:blank",
            "title": error.title,
            "status": 413,
            "detail": str(error),
            "instance": scope["path"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
