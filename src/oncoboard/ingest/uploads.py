# SPDX-License-Identifier: Apache-2.0
"""Uploaded files: safe names, size limits, stored under the upload folder."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import BinaryIO

from oncoboard.errors import InputError, PayloadTooLarge, Problem

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$")


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
