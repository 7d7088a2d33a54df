# SPDX-License-Identifier: Apache-2.0
"""The batch record for QA and the manufacturer: JSON (every entry's hashed body, its hash and
signature, and the public keys needed to re-verify it offline) and a PDF that shows each
signature's manifestation (21 CFR 11.10(b) readable copies, 11.50)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from oncoboard import __version__
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.traceability import reads, records, signing


def record_json(session: Session, *, access: Access, coi: str) -> dict[str, Any]:
    """The case, its timeline and the raw chain, with what a verifier needs."""
    gate.require(access, Action.EXPORT)
    detail = reads.case_detail(session, access=access, coi=coi)
    case = records.case_row(session, coi)
    rows = records.entries(session, case)
    keys = signing.public_keys(session)
    used = {e.signature.key_fingerprint for e in detail.entries if e.signature}
    return {
        "format": "oncoboard-celltherapy-batch-record/1",
        "generated_at": datetime.now(UTC).isoformat(),
        "generated_by": access.actor.username,
        "software": f"oncoboard {__version__}",
        "case": detail.model_dump(mode="json"),
        "chain": [
            {"seq": r.seq, "body": r.body, "prev_hash": r.prev_hash, "entry_hash": r.entry_hash,
             "signature": r.signature}
            for r in rows
        ],
        "public_keys": {fp: {"username": keys[fp].username, "ed25519": keys[fp].public_key_hex}
                        for fp in sorted(used) if fp in keys},
        "how_to_verify": "entry_hash = SHA-256(body as UTF-8); body.prev_hash = previous "
        "entry_hash (first: 64 zeros); signature = Ed25519 over the 32 bytes of entry_hash.",
    }  # fmt: skip


def json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def pdf_bytes(data: dict[str, Any]) -> bytes:
    """The batch record as PDF (WeasyPrint; see report.render_pdf for the system libraries)."""
    from oncoboard.report.render_pdf import PdfUnavailable, unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        raise PdfUnavailable(reason)
    from weasyprint import HTML

    html = _template().render(data=data, case=data["case"])
    rendered = HTML(string=html).write_pdf()
    assert rendered is not None
    return bytes(rendered)


def _template() -> Any:
    from oncoboard.edge.templates import templates

    return templates.env.get_template("celltherapy_record_print.html")
