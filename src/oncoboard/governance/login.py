# SPDX-License-Identifier: Apache-2.0
"""Password login with back-off per client address and per account, instead of a lock.

Five wrong passwords used to lock the real user out for 15 minutes, which anyone could do to
anyone. Now failures are counted per key and each key answers with a growing wait (1 s, 2 s,
4 s … up to its cap) once it has used its free attempts:

- the client address (any account): 20 free, cap 15 min: one source cannot spray guesses;
- the account from that address: 5 free, cap 15 min: one source cannot guess one account;
- the account from anywhere: 20 free, cap 60 s: guessing spread over many sources is slowed to
  at most one try a minute (NIST SP 800-63B §5.2.2 asks for no more than 100 consecutive
  failures on an account), while its owner, from a clean address, waits a minute at most.

A failure counts whether or not the name exists, so the answers say nothing about which
names are real. Counts live in the database (all workers share them) and lapse after 15
minutes without a failure; a successful login clears the account's counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, case, delete, select, update
from sqlalchemy.orm import Session

from oncoboard.errors import NotAuthenticated, RateLimited
from oncoboard.governance import users
from oncoboard.governance.audit import AuditEvent
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import LoginThrottleRow
from oncoboard.store.db import insert_or_skip, unit_of_work

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    """One throttle key's allowance: ``free`` failures, then waits doubling up to ``cap_s``."""

    prefix: str
    free: int
    cap_s: int


ADDRESS = Rule("address", 20, 900)
ACCOUNT_FROM_ADDRESS = Rule("account@address", 5, 900)
ACCOUNT = Rule("account", 20, 60)


def _keys(username: str, client: str) -> list[tuple[Rule, str]]:
    return [
        (ADDRESS, f"address:{client}"),
        (ACCOUNT_FROM_ADDRESS, f"account@address:{username}@{client}"[:200]),
        (ACCOUNT, f"account:{username}"),
    ]


def delay_s(rule: Rule, failures: int) -> int:
    """Seconds to wait after ``failures`` recent failures under ``rule`` (0: go ahead)."""
    if failures < rule.free:
        return 0
    return int(min(2 ** (failures - rule.free), rule.cap_s))


def login(
    engine: Engine, *, username: str, password: str, client: str, request_id: str | None
) -> Actor:
    """Authenticate, honouring back-off; each step is its own unit of work, so a failure's
    count survives the failed login's rollback (and is written even though it raised)."""
    name = username[:64]
    keys = _keys(name, client or "unknown")
    with unit_of_work(engine) as session:
        wait = _wait(session, keys)
        if wait:
            raise RateLimited(
                f"too many failed logins: wait {wait} s before trying again",
                retry_after=wait,
                audit_event=AuditEvent(
                    actor=name,
                    roles="",
                    action="login",
                    purpose="operations",
                    object="session",
                    outcome="denied",
                    reason=f"throttled: wait {wait} s",
                    request_id=request_id,
                ),
            )
    try:
        with unit_of_work(engine) as session:
            actor = users.authenticate(
                session, username=name, password=password, request_id=request_id
            )
            _clear(session, [key for rule, key in keys if rule is not ADDRESS])
            return actor
    except NotAuthenticated:
        with unit_of_work(engine) as session:
            _fail(session, [key for _, key in keys])
        raise


def _wait(session: Session, keys: list[tuple[Rule, str]]) -> int:
    rules = dict((key, rule) for rule, key in keys)
    rows = session.execute(
        select(
            LoginThrottleRow.key, LoginThrottleRow.failures, LoginThrottleRow.last_failure_at
        ).where(LoginThrottleRow.key.in_(list(rules)))
    ).all()
    now = datetime.now(UTC)
    wait = 0
    for key, failures, last in rows:
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        if now - last > WINDOW:
            continue
        remaining = delay_s(rules[key], failures) - (now - last).total_seconds()
        wait = max(wait, int(remaining + 0.999))
    return max(wait, 0)


def _fail(session: Session, keys: list[str]) -> None:
    now = datetime.now(UTC)
    session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.last_failure_at < now - WINDOW))
    insert = insert_or_skip(session, LoginThrottleRow, ("key",))
    for key in keys:
        session.execute(insert, {"key": key, "failures": 0, "last_failure_at": now})
        session.execute(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.key == key)
            .values(
                failures=case(
                    (LoginThrottleRow.last_failure_at < now - WINDOW, 1),
                    else_=LoginThrottleRow.failures + 1,
                ),
                last_failure_at=now,
            )
        )


def _clear(session: Session, keys: list[str]) -> None:
    session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.key.in_(keys)))
