# SPDX-License-Identifier: Apache-2.0
"""The audit chain detects a modified, deleted, inserted or reordered entry."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text

from oncoboard.governance import audit
from oncoboard.governance.audit import AuditEvent
from oncoboard.store.db import unit_of_work


def _fill(engine: Engine, count: int) -> None:
    with unit_of_work(engine) as session:
        for number in range(count):
            audit.append(
                session,
                AuditEvent(
                    actor=f"user{number % 3}",
                    roles="clinician",
                    action="view_record",
                    purpose="treatment",
                    object="patient record",
                    outcome="allowed",
                    patient=f"PT-{number}",
                ),
            )


def _verify(engine: Engine) -> audit.ChainReport:
    """The serial walk, checked against the two-process walk: both must give the same verdict."""
    with engine.connect() as connection:
        serial = audit.verify(connection)
    url = engine.url.render_as_string(hide_password=False)
    split = audit.verify_parallel(url, workers=2, min_entries=1)
    assert (split.ok, split.first_bad_entry) == (serial.ok, serial.first_bad_entry), (serial, split)
    return serial


def _tamper(engine: Engine, *statements: str) -> None:
    """Tamper as an attacker with table access would, bypassing PostgreSQL's refusal."""
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            connection.execute(text(statement))
        if postgres:
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


def test_intact_chain_verifies(engine: Engine) -> None:
    _fill(engine, 25)
    report = _verify(engine)
    assert report.ok and report.checked == 25 and report.first_bad_entry is None


def test_modified_value_is_named(engine: Engine) -> None:
    _fill(engine, 10)
    _tamper(engine, "UPDATE audit_log SET outcome = 'denied' WHERE id = 7")
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == 7
    assert "entry 7 was modified" in (report.problem or "")


def test_deleted_entry_is_named(engine: Engine) -> None:
    _fill(engine, 10)
    _tamper(engine, "DELETE FROM audit_log WHERE id = 4")
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == 4 and "deleted" in (report.problem or "")


def test_deleted_tail_is_detected_by_the_head(engine: Engine) -> None:
    _fill(engine, 10)
    _tamper(engine, "DELETE FROM audit_log WHERE id > 8")
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == 9


def test_swapped_entries_are_detected(engine: Engine) -> None:
    _fill(engine, 6)
    _tamper(
        engine,
        "UPDATE audit_log SET id = 100 WHERE id = 2",
        "UPDATE audit_log SET id = 2 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 100",
    )
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == 2


def test_inserted_entry_with_forged_hash_is_detected(engine: Engine) -> None:
    _fill(engine, 5)
    with engine.begin() as connection:
        row = connection.execute(
            text("SELECT prev_hash, entry_hash FROM audit_log WHERE id = 5")
        ).one()
    # a forged entry 6 claiming to follow 5 but whose own hash was not computed by the chain
    _tamper(
        engine,
        "INSERT INTO audit_log (id, at, actor, roles, action, purpose, patient, object, outcome, "
        "reason, break_glass, request_id, prev_hash, entry_hash) VALUES (6, '2026-01-01T00:00:00', "
        f"'mallory', 'clinician', 'view_record', 'treatment', 'PT-1', 'x', 'allowed', NULL, false, "
        f"NULL, '{row.entry_hash}', '{'f' * 64}')",
    )
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == 6


def test_postgres_refuses_update_and_delete(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the database-level refusal is a PostgreSQL trigger")
    _fill(engine, 2)
    for statement in (
        "UPDATE audit_log SET actor = 'x' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert _verify(engine).ok


@pytest.mark.parametrize("entry", [5, 6, 7])
def test_tampering_at_the_join_of_two_stretches_is_named(engine: Engine, entry: int) -> None:
    # 10 entries walked by two processes: stretches 1-5 and 6-10 meet between 5 and 6
    _fill(engine, 10)
    _tamper(engine, f"DELETE FROM audit_log WHERE id = {entry}")
    report = _verify(engine)
    assert not report.ok and report.first_bad_entry == entry and "deleted" in (report.problem or "")


def test_first_writers_of_a_fresh_database_race_for_the_head_without_failing(
    engine: Engine,
) -> None:
    """Several transactions append before any head exists: all land, one chain (no unique
    violation on the head row, no fork)."""
    writers = 6
    barrier = threading.Barrier(writers, timeout=30)
    failures: list[BaseException] = []

    def first_entry(number: int) -> None:
        try:
            with unit_of_work(engine) as session:
                barrier.wait()  # both transactions open before either creates the head
                audit.append(session, AuditEvent(actor=f"racer{number}", roles="nurse",
                                                 action="view_record", purpose="treatment",
                                                 object="race", outcome="allowed"))  # fmt: skip
        except BaseException as error:  # reported below, with the thread's error
            failures.append(error)

    threads = [threading.Thread(target=first_entry, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    report = _verify(engine)
    assert (report.ok, report.checked) == (True, writers)


def _event(actor: str) -> AuditEvent:
    return AuditEvent(actor=actor, roles="nurse", action="view_record", purpose="treatment",
                      object="scope test", outcome="allowed")  # fmt: skip


def _actors(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT actor FROM audit_log ORDER BY id")).scalars())


def test_entries_follow_their_transaction_and_savepoints(engine: Engine) -> None:
    """An entry recorded in a savepoint that rolls back is dropped with the savepoint's rows; one
    in a released savepoint waits for the outer commit; a rolled-back transaction leaves none."""
    with unit_of_work(engine) as session:
        audit.append(session, _event("before-savepoints"))
        with session.begin_nested():
            audit.append(session, _event("released-savepoint"))
        savepoint = session.begin_nested()
        audit.append(session, _event("rolled-back-savepoint"))
        savepoint.rollback()
        audit.append(session, _event("after-savepoints"))
        assert audit.pending_count(session) == 3
        assert _actors(engine) == []  # nothing is chained before the commit
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        audit.append(session, _event("rolled-back-transaction"))
        raise RuntimeError("the request failed")
    assert _actors(engine) == ["before-savepoints", "released-savepoint", "after-savepoints"]
    assert _verify(engine).ok


def test_an_open_request_does_not_hold_up_other_audited_requests(engine: Engine) -> None:
    """The head row is locked only while a transaction commits its entries, so a request that is
    still working after its gate check does not block others (PostgreSQL: row locks; SQLite
    serialises every writing transaction anyway)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its database write lock at BEGIN: there is no row lock to test")
    _fill(engine, 1)  # the head exists
    finished = threading.Event()

    def other_request() -> None:
        with unit_of_work(engine) as session:
            audit.append(session, _event("quick"))
        finished.set()

    with unit_of_work(engine) as session:
        audit.append(session, _event("slow"))
        session.execute(text("SELECT 1"))  # the slow request's transaction is open
        thread = threading.Thread(target=other_request)
        thread.start()
        assert finished.wait(timeout=20), "the other request waited for this one's transaction"
    thread.join()
    # the chain is in commit order: the quick request committed first
    assert _actors(engine)[1:] == ["quick", "slow"]
    assert _verify(engine).ok


def test_concurrent_writers_keep_one_unbroken_chain(engine: Engine) -> None:
    """Eight writers, 25 transactions each of one to three entries, at once: every entry lands
    exactly once, in one chain (on PostgreSQL the writers race to move the head, retry from the
    new head when they lose and lock it after three losses in a row)."""
    _fill(engine, 1)
    writers, transactions = 8, 25
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            for t in range(transactions):
                with unit_of_work(engine) as session:
                    for e in range(1 + (number + t) % 3):
                        audit.append(session, _event(f"w{number}-t{t}-e{e}"))
        except BaseException as error:  # reported below, with the thread's error
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    expected = {
        f"w{n}-t{t}-e{e}"
        for n in range(writers)
        for t in range(transactions)
        for e in range(1 + (n + t) % 3)
    }
    actors = _actors(engine)[1:]
    assert len(actors) == len(expected) and set(actors) == expected
    # each transaction's entries are contiguous and in the order they were recorded
    for n in range(writers):
        for t in range(transactions):
            positions = [actors.index(f"w{n}-t{t}-e{e}") for e in range(1 + (n + t) % 3)]
            assert positions == list(range(positions[0], positions[0] + len(positions)))
    report = _verify(engine)
    assert report.ok and report.checked == len(expected) + 1
