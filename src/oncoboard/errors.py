# SPDX-License-Identifier: Apache-2.0
"""One exception tree; mapped to HTTP in ``api/problems.py`` and to exit codes in ``cli/main.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located defect in an input: where, which field, what was given, what was expected."""

    source: str
    locator: str
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return (
            f"{self.source}: {self.locator}: {self.field}: expected {self.expected}, got {value!r}"
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "locator": self.locator,
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
        }


class OncoBoardError(Exception):
    """Root of every error OncoBoard raises on purpose."""

    title = "OncoBoard error"


class InputError(OncoBoardError, ValueError):
    """The input is malformed; carries every problem found, not just the first."""

    title = "Invalid input"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  (+{len(self.problems) - 50} more)" if len(self.problems) > 50 else ""
        return f"{head}\n{shown}{more}"


class PayloadTooLarge(InputError):
    """An upload exceeded the configured size limit."""

    title = "Payload too large"


class NotFound(OncoBoardError):
    title = "Not found"

    def __init__(self, message: str, *, audit_event: object | None = None) -> None:
        super().__init__(message)
        self.audit_event = audit_event


class Conflict(OncoBoardError):
    """The request contradicts what is stored (e.g. a genome build mismatch)."""

    title = "Conflict"


class AccessError(OncoBoardError):
    """A refused access; carries the audit entry the unit of work writes after rolling back."""

    def __init__(self, message: str, *, audit_event: object | None = None) -> None:
        super().__init__(message)
        self.audit_event = audit_event


class NotAuthenticated(AccessError):
    title = "Not authenticated"


class PermissionDenied(AccessError):
    title = "Permission denied"


class ConsentDenied(AccessError):
    title = "Consent denied"


class RateLimited(OncoBoardError):
    """Too many failed attempts: wait ``retry_after`` seconds (sent as ``Retry-After``)."""

    title = "Too many attempts"

    def __init__(
        self, message: str, *, retry_after: int | None = None, audit_event: object | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.audit_event = audit_event


class FeatureUnavailable(OncoBoardError):
    """An optional part this request needs is not installed (e.g. the PDF stack)."""

    title = "Feature unavailable"


class KnowledgeUnavailable(OncoBoardError):
    title = "Knowledge unavailable"
