# SPDX-License-Identifier: Apache-2.0
"""The audit chain anchored outside its table: a signed head written to a separate file.

The hash chain proves that no entry was changed, inserted or removed *between* entries, but
not that the newest ones still exist: on SQLite (no triggers refuse a DELETE) someone who can
write the database can delete the tail and move ``audit_head`` back, and the shorter chain
verifies. Here every commit that chains entries appends its new head — sequence number, hash,
time — to an anchor file, signed with HMAC-SHA256 under the server secret (which is not in
the database). ``audit verify`` checks every line's signature and that the chain still holds
the newest anchored entry with the same hash. What this cannot prove is in docs/security.md
("What SQLite can and cannot prove").
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session

from oncoboard.governance.models import AuditRow
from oncoboard.settings import Settings

NEW_HEAD = "oncoboard_audit_new_head"
_COMPACT_BYTES = 1 << 20  # past this the file is rewritten with its newest line only


@dataclass(frozen=True)
class Anchor:
    """One signed head: entry ``seq`` had hash ``entry_hash`` when it was written."""

    seq: int
    entry_hash: str
    at: str


class AnchorFile:
    """Appends signed heads (one JSON line each) and reads the newest one back."""

    def __init__(self, path: Path, secret: str) -> None:
        self.path = path
        self._key = hashlib.sha256(b"oncoboard audit anchor\0" + secret.encode()).digest()
        self._descriptor: int | None = None
        self._inode: int | None = None

    def sign(self, seq: int, entry_hash: str, at: str) -> str:
        message = f"{seq}:{entry_hash}:{at}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def append(self, seq: int, entry_hash: str, at: str) -> None:
        line = json.dumps(
            {"seq": seq, "hash": entry_hash, "at": at, "mac": self.sign(seq, entry_hash, at)}
        )
        descriptor = self._open()
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            os.write(descriptor, (line + "\n").encode())
            if os.fstat(descriptor).st_size > _COMPACT_BYTES:
                self._compact()
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    def newest(self) -> Anchor | None:
        """The anchor with the highest sequence number; raises ``ValueError`` naming the first
        line whose signature does not match (the file was edited)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        best: Anchor | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                anchor = Anchor(int(data["seq"]), str(data["hash"]), str(data["at"]))
                mac = str(data["mac"])
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{self.path.name}: line {number} is not an anchor") from error
            if not hmac.compare_digest(mac, self.sign(anchor.seq, anchor.entry_hash, anchor.at)):
                raise ValueError(f"{self.path.name}: line {number} has a wrong signature")
            if best is None or anchor.seq > best.seq:
                best = anchor
        return best

    def _open(self) -> int:
        """The append descriptor, reopened when another process compacted the file."""
        try:
            inode = self.path.stat().st_ino
        except FileNotFoundError:
            inode = None
        if self._descriptor is None or inode != self._inode:
            if self._descriptor is not None:
                os.close(self._descriptor)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
            self._descriptor = os.open(self.path, flags, 0o600)
            self._inode = os.fstat(self._descriptor).st_ino
        return self._descriptor

    def _compact(self) -> None:
        newest = self.newest()
        if newest is None:
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        line = json.dumps(
            {
                "seq": newest.seq,
                "hash": newest.entry_hash,
                "at": newest.at,
                "mac": self.sign(newest.seq, newest.entry_hash, newest.at),
            }
        )
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(line + "\n")
        os.replace(temporary, self.path)


_ANCHORS: weakref.WeakKeyDictionary[Engine, AnchorFile] = weakref.WeakKeyDictionary()


def configure(engine: Engine, anchor: AnchorFile | None) -> None:
    """Anchor every chain commit made through ``engine`` (None: stop anchoring)."""
    if anchor is None:
        _ANCHORS.pop(engine, None)
    else:
        _ANCHORS[engine] = anchor


def anchor_audit(engine: Engine, settings: Settings) -> None:
    """Anchor ``engine``'s chain where the settings say (nothing when they name no file)."""
    path = settings.anchor_path()
    configure(engine, AnchorFile(path, settings.signing_secret()) if path else None)


def configured(engine: Engine) -> AnchorFile | None:
    return _ANCHORS.get(engine)


@orm_events.listens_for(Session, "after_commit")
def _write_anchor(session: Session) -> None:
    head = session.info.pop(NEW_HEAD, None)
    if head is None:
        return
    bind = session.get_bind()
    anchor = _ANCHORS.get(bind.engine if isinstance(bind, Connection) else bind)
    if anchor is not None:
        anchor.append(*head)


@orm_events.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop(NEW_HEAD, None)


def check(connection: Connection, anchor: AnchorFile, chain_last: int) -> tuple[int, str] | None:
    """(first bad entry, problem) when the chain no longer holds what the anchor signed."""
    try:
        newest = anchor.newest()
    except ValueError as error:
        return chain_last + 1, f"the anchor file was edited: {error}"
    if newest is None:
        return None
    if newest.seq > chain_last:
        return (
            chain_last + 1,
            f"entries after {chain_last} were deleted (the anchor outside the database, "
            f"{anchor.path.name}, records entry {newest.seq} written at {newest.at})",
        )
    stored = connection.execute(
        select(AuditRow.entry_hash).where(AuditRow.id == newest.seq)
    ).scalar()
    if stored != newest.entry_hash:
        return newest.seq, f"entry {newest.seq} does not match the hash anchored at {newest.at}"
    return None
