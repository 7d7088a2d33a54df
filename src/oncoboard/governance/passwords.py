# SPDX-License-Identifier: Apache-2.0
"""Password policy: long, not common, not guessable, checked against a maintained list.

NIST SP 800-63B §5.1.1.2 asks verifiers to refuse passwords from breach corpuses, dictionary
words, repetitive or sequential characters and context words such as the user name. The
list and the guess estimate come from the ``zxcvbn`` package (MIT; its ``passwords`` list is
the 30,000 most frequent passwords of a public breach corpus), not a list written here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from oncoboard.errors import InputError

# zxcvbn 4.5.0 time_estimates.guesses_to_score: score 3 starts at 10^8 guesses ("modest
# protection from offline attacks ... assuming a salted, slow hash function"); below it (score
# 0-2, at best "modest protection from unthrottled online attacks") a password is refused.
MIN_GUESSES_LOG10 = 8.0
# characters a password must keep once the user name is taken out of it
MIN_BESIDE_NAME = 8


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words: Any = FREQUENCY_LISTS["passwords"]
    if isinstance(words, str):  # the package stores each list as one comma-separated text
        words = words.split(",")
    return frozenset(w.lower() for w in words)


def check_password_policy(password: str, *, username: str | None = None) -> None:
    """Raise ``InputError`` naming the rule a new password breaks (the password is never shown)."""
    if len(set(password)) == 1:
        raise InputError("password: every character is the same; choose a passphrase")
    if password.lower() in _common():
        raise InputError("password: it is in a list of the 30,000 most common passwords")
    if username and len(username) >= 3:
        rest = password.lower().replace(username.lower(), "")
        if len(rest) < MIN_BESIDE_NAME:
            raise InputError("password: it is mostly the user name")
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:100], user_inputs=[username] if username else [])
    if float(estimate["guesses_log10"]) < MIN_GUESSES_LOG10:
        warning = str(estimate.get("feedback", {}).get("warning") or "").strip()
        hint = f" ({warning.rstrip('.')})" if warning else ""
        raise InputError(
            f"password: too easy to guess{hint}; use four or more unrelated words or a "
            "password manager"
        )
