# SPDX-License-Identifier: Apache-2.0
"""Reader for "on antiretroviral therapy" items (an infection-family exclusion: the medicines
a person living with HIV takes, or pre-exposure prophylaxis)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials.schemas import CurrentAntiretroviralConstraint, Found

# now, not ever: "prior antiretroviral therapy" is a prior therapy (``read_therapy``)
_ANTIRETROVIRAL = re.compile(
    r"\b(?:currently\s+)?(?:on|receiving|taking|requiring|treated with|current use of)\s+"
    r"(?:(?:highly active|combination|concurrent|active)\s+)?anti-?retrovirals?"
    r"(?:\s+(?:therapy|therapies|treatment|drugs?|medications?|agents?|regimens?))?"
    r"(?:\s*\((?:c?ART|HAART)\))?|\b(?:on|receiving|taking)\s+(?:HAART|cART)\b",
    re.IGNORECASE,
)


def antiretroviral(text: str) -> Iterator[Found]:
    """ "Patients on antiretroviral therapy", "receiving HAART"."""
    for m in _ANTIRETROVIRAL.finditer(text):
        yield m.start(), m.end(), CurrentAntiretroviralConstraint()
