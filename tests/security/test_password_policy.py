# SPDX-License-Identifier: Apache-2.0
"""Item 15: common, repeated and guessable passwords are refused (zxcvbn's maintained list)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from oncoboard.errors import InputError
from oncoboard.governance import users
from oncoboard.governance.passwords import check_password_policy
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work

REFUSED = [
    ("aaaaaaaaaaaaaaaa", "every character is the same"),
    ("password1234", "most common passwords"),
    ("qwertyuiop12", "most common passwords"),
    ("1qaz2wsx3edc", "most common passwords"),
    ("Password1234!", "too easy to guess"),
    ("abcdefghijklmnop", "too easy to guess"),
    ("dr-lee-2026!", "mostly the user name"),
    ("Dr-Lee-dr-lee", "mostly the user name"),
]


@pytest.mark.parametrize(("password", "reason"), REFUSED, ids=[p for p, _ in REFUSED])
def test_weak_passwords_are_refused_with_the_rule_they_break(password: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as refused:
        check_password_policy(password, username="dr-lee")
    assert password not in str(refused.value)


def test_the_policy_guards_account_creation_and_password_changes(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(InputError, match="most common"):
        users.create_user(
            session, username="dr-lee", display_name="Dr Lee", roles=[Role.CLINICIAN],
            granted_by="tests", password="qwertyuiop123",
        )  # fmt: skip
    with unit_of_work(engine) as session:
        users.create_user(
            session, username="dr-lee", display_name="Dr Lee", roles=[Role.CLINICIAN],
            granted_by="tests", password="copper kettle on the moor",
        )  # fmt: skip
    with unit_of_work(engine) as session, pytest.raises(InputError, match="same"):
        users.set_password(session, username="dr-lee", password="zzzzzzzzzzzzzzzz")
    with unit_of_work(engine) as session:
        users.authenticate(session, username="dr-lee", password="copper kettle on the moor")
