# SPDX-License-Identifier: Apache-2.0
"""Which pages a user may use, from the permission matrix: the menu and each role's start page.

One table, read by the header menu and by the start page, so that a menu never offers a page the
gate would refuse (a researcher used to land on "Permission denied" with a link back to it).
"""

from __future__ import annotations

from dataclasses import dataclass

from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role, allowed_purposes

ROLE_LABELS = {
    Role.CLINICIAN: "clinician",
    Role.TUMOR_BOARD: "tumour board",
    Role.NURSE: "nurse",
    Role.PATIENT: "patient",
    Role.RESEARCHER: "researcher",
    Role.QUALITY_OFFICER: "quality & regulatory officer",
    Role.CELL_THERAPY_COORDINATOR: "cell-therapy coordinator",
    Role.ADMIN: "site administrator",
}


@dataclass(frozen=True)
class Destination:
    """A page in the menu: who may open it is a (action, purposes) pair of the matrix."""

    label: str
    href: str
    what: str
    action: Action
    purposes: frozenset[Purpose]
    roles: frozenset[Role] = frozenset()  # a page of one role's work (empty: the matrix decides)

    def allows(self, actor: Actor) -> bool:
        if self.roles and not self.roles & set(actor.roles):
            return False
        return bool(allowed_purposes(actor.roles, self.action) & self.purposes)


_CARE = frozenset({Purpose.TREATMENT})
STAFF_PAGES = (
    Destination("Patients", "/patients", "find a patient's record", Action.VIEW_RECORD, _CARE),
    Destination(
        "Alerts",
        "/alerts",
        "work the symptom-alert queue",
        Action.TRIAGE_ALERTS,
        _CARE,
    ),
    Destination(
        "Cell therapy",
        "/celltherapy",
        "chain of identity: cases, scan-and-match at each hand-over, alerts",
        Action.EDIT_RECORD,
        _CARE,
        frozenset({Role.CELL_THERAPY_COORDINATOR}),
    ),
    Destination(
        "Trial registry",
        "/trials",
        "the clinical-trial registry and its structured criteria",
        Action.VIEW_RECORD,
        frozenset({Purpose.TREATMENT, Purpose.RESEARCH}),
    ),
    Destination(
        "Screening",
        "/screen",
        "screen consented patients for an actionable alteration (research use)",
        Action.VIEW_RECORD,
        frozenset({Purpose.RESEARCH}),
    ),
    Destination(
        "Federated research",
        "/federation",
        "count consented patients across the research network's sites (no records leave a site)",
        Action.QUERY_AGGREGATE,
        frozenset({Purpose.FEDERATED_ANALYSIS}),
    ),
    Destination(
        "Knowledge base",
        "/kb",
        "knowledge-base releases, their assertions and differences",
        Action.VIEW_RECORD,
        frozenset({Purpose.TREATMENT, Purpose.RESEARCH}),
    ),
    Destination(
        "Imports", "/imports", "the import ledger and file upload", Action.VIEW_RECORD, _CARE
    ),
    Destination(
        "Models",
        "/models",
        "learned models: registry, model cards, promotion, drift",
        Action.REVIEW_MODELS,
        frozenset({Purpose.OPERATIONS}),
    ),
    Destination(
        "Audit",
        "/audit",
        "verify the tamper-evident audit trail",
        Action.READ_AUDIT,
        frozenset({Purpose.OPERATIONS}),
    ),
)
# the knowledge base is also open to auditors (knowledge.service.READ_ACCESS)
_KB_FOR_AUDIT = Destination(
    "Knowledge base",
    "/kb",
    "knowledge-base releases, their assertions and differences",
    Action.READ_AUDIT,
    frozenset({Purpose.OPERATIONS}),
)


def pages_for(actor: Actor | None) -> list[Destination]:
    """The pages of the menu for this user, in menu order (a patient has their own home)."""
    if actor is None or actor.is_patient_only:
        return []
    found = [page for page in STAFF_PAGES if page.allows(actor)]
    if _KB_FOR_AUDIT.allows(actor) and not any(p.href == "/kb" for p in found):
        found.insert(len(found) - 1, _KB_FOR_AUDIT)
    return found


def roles_text(actor: Actor) -> str:
    """Roles as people say them ("quality & regulatory officer"), for the header."""
    return ", ".join(sorted(ROLE_LABELS.get(role, str(role)) for role in actor.roles))


def is_current(path: str, href: str) -> bool:
    """The menu entry of the page being shown (a patient's record belongs to Patients)."""
    if href == "/patients":
        return path == "/" or path.startswith("/patients")
    return path == href or path.startswith(href + "/")
