# SPDX-License-Identifier: Apache-2.0
"""The batch record as a hash chain per case, and its verification (pure; no database).

Each entry's body is canonical JSON (sorted keys, compact, UTF-8) that holds the previous entry's
hash; the entry hash is SHA-256 of that body, so an entry that is modified, removed, inserted or
reordered breaks the chain. A signed entry also carries an Ed25519 signature over its entry hash,
and the signature's manifestation (printed name, time, meaning) is inside the hashed body, so the
signature cannot be moved to another record (21 CFR 11.50, 11.70).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
FORMAT_VERSION = 1


def canonical(body: Mapping[str, Any]) -> str:
    """The exact text that is hashed and stored."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back: indexed columns, the body text, hashes and the signature."""

    seq: int
    kind: str
    step: str | None
    actor: str
    body: str
    prev_hash: str
    entry_hash: str
    signature: str | None


@dataclass(frozen=True)
class SigningKey:
    fingerprint: str
    username: str
    public_key_hex: str


def fingerprint(public_key_hex: str) -> str:
    """SHA-256 of the raw 32-byte public key, hex (what a signature names as its key)."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def verify_signature(public_key_hex: str, entry_hash: str, signature_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(base64.b64decode(signature_b64, validate=True), bytes.fromhex(entry_hash))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def verify_entries(
    coi: str,
    entries: Sequence[StoredEntry],
    *,
    head: tuple[int, str],
    keys: Mapping[str, SigningKey],
    signed_steps: Iterable[str],
) -> list[str]:
    """Every problem found in one case's chain, in order (empty: intact and every signature
    valid). ``head`` is what the case row says the last entry is; ``keys`` by fingerprint."""
    problems: list[str] = []
    must_sign = set(signed_steps)
    previous = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        where = f"{coi} entry {entry.seq}"
        if entry.seq != expected_seq:
            kind = "missing" if entry.seq > expected_seq else "inserted or repeated"
            problems.append(f"{coi} entry {expected_seq} {kind} (found entry {entry.seq})")
            return problems
        body = _body(entry.body)
        if body is None:
            problems.append(f"{where}: body is not valid JSON")
        elif digest(entry.body) != entry.entry_hash:
            problems.append(f"{where}: modified after it was written (hash does not match body)")
        else:
            problems += _consistent(where, coi, entry, body, previous)
            problems += _signed(where, entry, body, keys, must_sign)
        previous = entry.entry_hash
    last_seq = entries[-1].seq if entries else 0
    if head != (last_seq, previous):
        problems.append(
            f"{coi}: the case records entry {head[0]} as the last one, but the chain ends at "
            f"entry {last_seq} (entries removed or the head altered)"
        )
    return problems


def _body(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _consistent(
    where: str, coi: str, entry: StoredEntry, body: Mapping[str, Any], previous: str
) -> list[str]:
    found = []
    if body.get("prev_hash") != previous or entry.prev_hash != previous:
        found.append(f"{where}: does not link to the entry before it (an entry was changed, "
                     "removed or inserted before it)")  # fmt: skip
    stored = (body.get("coi"), body.get("seq"), body.get("kind"), body.get("step"),
              body.get("actor"))  # fmt: skip
    if stored != (coi, entry.seq, entry.kind, entry.step, entry.actor):
        found.append(f"{where}: indexed columns differ from the hashed body (altered outside "
                     "the record)")  # fmt: skip
    return found


def _signed(
    where: str,
    entry: StoredEntry,
    body: Mapping[str, Any],
    keys: Mapping[str, SigningKey],
    must_sign: set[str],
) -> list[str]:
    manifest = body.get("signature")
    needs = body.get("outcome") == "recorded" and entry.step in must_sign
    if manifest is None:
        return [f"{where}: {entry.step} is recorded without a signature"] if needs else []
    if not isinstance(manifest, dict) or not entry.signature:
        return [f"{where}: signature missing"]
    key = keys.get(str(manifest.get("key_fingerprint")))
    if key is None:
        return [f"{where}: signed with an unknown key {manifest.get('key_fingerprint')}"]
    if key.username != manifest.get("username") or key.username != entry.actor:
        return [f"{where}: key belongs to {key.username}, not the signer {entry.actor}"]
    if not verify_signature(key.public_key_hex, entry.entry_hash, entry.signature):
        return [f"{where}: signature does not verify"]
    return []
