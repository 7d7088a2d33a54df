# SPDX-License-Identifier: Apache-2.0
"""Named demo accounts, one per role, so a pilot can try every view (refused when env=prod)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.governance import users
from oncoboard.governance.models import UserRow
from oncoboard.governance.vocabulary import Role

DEMO_PASSWORD = "oncoboard-demo"

# (username, display name, roles, linked patient)
DEMO_USERS: tuple[tuple[str, str, tuple[Role, ...], str | None], ...] = (
    ("oncologist", "Dr Elena Marsh", (Role.CLINICIAN,), None),
    ("board", "Dr Samir Haddad", (Role.TUMOR_BOARD,), None),
    ("nurse", "Nurse Ines Novak", (Role.NURSE,), None),
    ("researcher", "Dr Yuki Tanaka", (Role.RESEARCHER,), None),
    ("quality", "Marta Ruiz", (Role.QUALITY_OFFICER,), None),
    ("celltherapy", "Tom Becker", (Role.CELL_THERAPY_COORDINATOR,), None),
    ("admin", "Sam Okafor", (Role.ADMIN,), None),
    ("ana", "Ana Rivera", (Role.PATIENT,), "demo-001"),
)


def ensure_demo_users(session: Session) -> list[str]:
    """Create the demo accounts that do not exist yet; return their user names."""
    created = []
    for username, name, roles, patient in DEMO_USERS:
        if session.scalar(select(UserRow.id).where(UserRow.username == username)) is None:
            users.create_user(
                session,
                username=username,
                display_name=name,
                roles=list(roles),
                granted_by=users.DEMO_GRANTOR,
                password=DEMO_PASSWORD,
                patient_id=patient,
            )
            created.append(username)
    return created


def login_help() -> list[str]:
    lines = [f"demo: log in with password '{DEMO_PASSWORD}' as one of:"]
    for username, name, roles, patient in DEMO_USERS:
        extra = f", record {patient}" if patient else ""
        lines.append(f"  {username:<12} {name} ({', '.join(r.value for r in roles)}{extra})")
    return lines
