# SPDX-License-Identifier: Apache-2.0
"""Administrative criteria: consent, willingness, compliance, logistics and commitments.

They are met at enrolment by the patient and the site, not read from a record, so they are shown
apart and never counted as undecided. A criterion that names a clinical condition as well
("mental disorders that may affect compliance") stays clinical.
"""

from __future__ import annotations

import re

_ADMINISTRATIVE = re.compile(
    r"informed consent|\bICF\b|consent (?:form|document)|\bsign(?:ed|s|ing)? (?:a |the )?"
    r"(?:written )?(?:informed )?consent|HIPAA authori|\bwilling(?:ness)? to (?:sign|participate|comply|practi[cs]e|use|undergo|"
    r"follow|provide|cooperate)|\bunwilling or unable to follow|voluntar\w+ (?:participat|sign)|"
    r"\bcomply\b|\bcompliance\b|study (?:schedule|procedures|visits)|follow[- ]up (?:plan|visits)|"
    r"\badhere\b|power of attorney|co-?enrolled|\b(?:agree|use|practi[cs]e|follow)\b[^.;]{0,60}"
    r"(?:contracepti|birth control)|contracepti\w+ (?:use|guidelines|measures)|birth control|"
    r"tissue block|\bFFPE\b|sufficient (?:and accessible )?tissue|amenable to (?:repeated )?"
    r"biopsy|acceptance to have a (?:tumou?r )?biopsy|Laboratory of Pathology|central sample",
    re.IGNORECASE,
)
_CLINICAL = re.compile(
    r"disorder|disease|illness|history of|infection|allerg|abuse|psychiatric|mental|impair|"
    r"medical condition|toxicit|pregnan|lactat|breast-?feed",
    re.IGNORECASE,
)
_PREGNANCY_PROCEDURE = re.compile(r"pregnancy test|contracepti|birth control", re.IGNORECASE)


def is_administrative(text: str) -> bool:
    """True for consent, willingness, compliance, logistics and contraception commitments.

    Examples
    --------
    >>> is_administrative("Ability to understand and the willingness to sign a written informed consent document.")
    True
    >>> is_administrative("A history of mental disorders, which may affect compliance with this protocol")
    False
    """
    if not _ADMINISTRATIVE.search(text):
        return False
    clinical = _CLINICAL.search(text)
    if (
        clinical
        and _PREGNANCY_PROCEDURE.search(text)
        and not re.search(
            r"\b(?:are|is|who are) (?:pregnant|breast-?feeding|lactating)\b", text, re.IGNORECASE
        )
    ):
        return True  # "negative pregnancy test and contraception": screening procedure + commitment
    return not clinical
