# SPDX-License-Identifier: Apache-2.0
"""Genotype-guided starting doses: the dose proposals' pharmacogenomic side.

A label table says how to modify a dose after toxicity; before the first dose, DPYD, TPMT/NUDT15
and UGT1A1 say where to start (CPIC; irinotecan from its US label, provisional). This module
joins the patient's PGx guidance (``pharmacogenomics``) with the drugs on the record and the
label's level-0 doses, so the patient page, the API, the CLI and an AE-driven proposal all say
the same thing — including "genotype unknown" with the label's testing advice.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from oncoboard.dosing import engine
from oncoboard.governance.gate import Access
from oncoboard.pharmacogenomics import guidance
from oncoboard.pharmacogenomics import service as pgx_service
from oncoboard.pharmacogenomics.schemas import DrugAdvice
from oncoboard.record import service as record_service

_LEADING_DOSE = re.compile(r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<rest>[^()]*?)\s*(?:\(\d+ ?%\))?$")


class LabelStartingDose(BaseModel):
    """A label starting dose (level 0 of an indication) and what the genotype makes of it."""

    model_config = ConfigDict(frozen=True)
    indication: str
    label_dose: str
    genotype_dose: str | None


class StartingDose(BaseModel):
    """One drug with a pharmacogenomic rule: the advice, and whether the patient is on it."""

    model_config = ConfigDict(frozen=True)
    drug: str
    on_record: bool
    treatments: tuple[str, ...]
    advice: DrugAdvice
    label_doses: tuple[LabelStartingDose, ...] = ()

    @property
    def needs_attention(self) -> bool:
        """A change from the label dose, or a missing/incomplete result, for a drug given."""
        return self.on_record and self.advice.actionable


def scaled_dose(dose: str, percent: tuple[int, int] | None) -> str | None:
    """A label dose text scaled to the genotype's percentage, when it starts with a number.

    Examples
    --------
    >>> scaled_dose("1250 mg/m² twice daily (100%)", (50, 50))
    '625 mg/m² twice daily (50 %)'
    >>> scaled_dose("75 mg/m2/day", (30, 80))
    '22.5-60 mg/m2/day (30-80 %)'
    >>> scaled_dose("as per protocol", (50, 50)) is None
    True
    """
    found = _LEADING_DOSE.match(dose.strip())
    if found is None or percent is None:
        return None
    value, rest = float(found["value"]), found["rest"].strip()
    low, high = (round(value * p / 100, 2) for p in percent)
    amount = f"{low:g}" if percent[0] == percent[1] else f"{low:g}-{high:g}"
    share = f"{percent[0]}" if percent[0] == percent[1] else f"{percent[0]}-{percent[1]}"
    return f"{amount} {rest} ({share} %)".replace("  ", " ")


def _label_doses(drug: str, advice: DrugAdvice) -> tuple[LabelStartingDose, ...]:
    """Level-0 doses of the drug's label table (only drugs that have one, e.g. capecitabine)."""
    if drug not in engine.DRUGS:
        return ()
    table = engine.drug_rules(drug)
    out = []
    for indication in table.indications:
        dose = indication.dose(0).dose
        scaled = None
        if advice.action == "reduce":
            scaled = scaled_dose(dose, advice.percent)
        elif advice.action == "avoid":
            scaled = "avoid (no starting dose)"
        out.append(
            LabelStartingDose(indication=indication.id, label_dose=dose, genotype_dose=scaled)
        )
    return tuple(out)


def starting_doses(session: Session, *, access: Access) -> list[StartingDose]:
    """Every drug with a PGx rule, the ones on the patient's record first.

    The gate's proof may be for viewing or editing the record (a proposal form reads it too)."""
    profile = pgx_service.profile(session=session, access=access)
    recorded = record_service.treatments(session=session, access=access)
    names = [str(getattr(t.fact, "name", "") or "") for t in recorded]
    out = []
    for advice in profile.advice:
        given = tuple(n for n in names if _is_drug(n, advice.drug))
        out.append(
            StartingDose(
                drug=advice.drug,
                on_record=bool(given),
                treatments=given,
                advice=advice,
                label_doses=_label_doses(advice.drug, advice),
            )
        )
    return sorted(out, key=lambda s: (not s.on_record, -guidance.severity(s.advice)))


def _is_drug(treatment_name: str, drug: str) -> bool:
    """A treatment line (a single agent or a regimen such as 'CAPOX') names the drug."""
    for part in re.split(r"[+/,;]| and | with ", treatment_name):
        found = guidance.find_drug(part)
        if found is not None and found[1] == drug:
            return True
    return False


def advice_for_drug(session: Session, *, access: Access, drug: str) -> DrugAdvice | None:
    """The genotype advice behind an AE-driven proposal for ``drug`` (None: no PGx rule)."""
    return pgx_service.advice_for(session=session, access=access, drug=drug)


def proposal_note(advice: DrugAdvice | None) -> str | None:
    """A sentence an AE-driven proposal carries when the genotype changes the dosing picture."""
    if advice is None or not advice.actionable:
        return None
    genes = "; ".join(
        f"{g.gene} {g.diplotype or ''} {g.phenotype}".replace("  ", " ") for g in advice.genes
    )
    return (
        f"Pharmacogenomics ({genes}): {advice.text} Check that the current dose already "
        f"reflects this ({advice.guideline})."
    )
