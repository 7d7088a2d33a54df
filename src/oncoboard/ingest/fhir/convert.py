# SPDX-License-Identifier: Apache-2.0
"""One validated resource → zero or more parsed facts, with its patient and its locator."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from oncoboard.ingest.fhir import (
    allergies,
    clinical,
    genotypes,
    history,
    immunizations,
    observations,
    variants,
    vitals,
)
from oncoboard.ingest.fhir.classify import Kind, classify
from oncoboard.ingest.fhir.references import ResourceIndex
from oncoboard.ingest.fhir.validated_parts import ValidatedParts
from oncoboard.ingest.fhir.values import Json, code_keys
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog
from oncoboard.record.schemas import AnyFact

_HISTORY = (
    Kind.FINDING, Kind.COMORBIDITIES, Kind.PREGNANCY, Kind.BREASTFEEDING, Kind.DISEASE_STATUS,
    Kind.GENES_STUDIED, Kind.LAB, Kind.ALLERGY, Kind.IMMUNIZATION, Kind.BLOOD_PRESSURE,
)  # fmt: skip


# resources read for trial eligibility's person families: allergies, immunizations, blood pressure
_PERSON: dict[Kind, Callable[[Json], Sequence[AnyFact | None]]] = {
    Kind.ALLERGY: lambda resource: [allergies.finding(resource)],
    Kind.IMMUNIZATION: lambda resource: [immunizations.finding(resource)],
    Kind.BLOOD_PRESSURE: vitals.blood_pressure,
}


@dataclass
class Converter:
    """Maps resources of one file; counts what it skipped so the notes can say so."""

    options: ImportOptions
    log: ProblemLog
    skipped: Counter[str] = field(default_factory=Counter)
    unmapped_codes: Counter[str] = field(default_factory=Counter)
    # resources of types OncoBoard never reads: indexed for references, not validated
    unchecked: dict[str, int] = field(default_factory=dict)
    # complex parts the R4B models accepted already in this file (validated_parts.py)
    parts: ValidatedParts = field(default_factory=ValidatedParts)
    reports: int = 0
    resources: int = 0

    def convert(self, resource: Json, locator: str, index: ResourceIndex) -> Iterator[ParsedFact]:
        self.resources += 1
        kind, reason = classify(resource)
        if kind is Kind.SKIP:
            self._skip(resource, reason)
            return
        if kind is Kind.REPORT:
            self.reports += 1
            return
        if kind is Kind.VARIANT:
            why = variants.skip_reason(resource)
            if why and variants.is_pertinent_negative(resource):
                kind = Kind.GENES_STUDIED  # "no variant found" in the genes it names
            elif why:
                self.skipped[why] += 1
                return
        if kind is Kind.PGX_GENOTYPE and not genotypes.names_a_gene(resource):
            # a GR genotype about derived variants (no gene studied): not a pharmacogene result
            self.skipped["genotype Observation without a gene studied"] += 1
            return
        patient = self.patient_key(resource, kind, locator, index)
        if patient is None:
            return
        raw = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
        for fact in self._facts(resource, kind, locator, index):
            yield ParsedFact(patient_key=patient, locator=locator, fact=fact, raw=raw)

    def _skip(self, resource: Json, reason: str) -> None:
        if reason.startswith("Observation without"):
            codes = [c for _, c in code_keys(resource.get("code"))][:1]
            self.unmapped_codes[codes[0] if codes else "uncoded"] += 1
            reason = "Observation without an oncology mapping"
        self.skipped[reason] += 1

    def _facts(
        self, resource: Json, kind: Kind, locator: str, index: ResourceIndex
    ) -> list[AnyFact]:
        fact: AnyFact | None
        if kind in _HISTORY:
            return self._history(resource, kind, index)
        if kind is Kind.PATIENT:
            fact = clinical.demographics(resource)
        elif kind is Kind.CANCER_CONDITION:
            fact = clinical.cancer_condition(resource, index)
        elif kind is Kind.SPECIMEN:
            fact = clinical.specimen(resource)
        elif kind is Kind.MEDICATION:
            fact = self._named(clinical.medication(resource, index), resource, locator)
        elif kind in (Kind.PROCEDURE, Kind.RADIOTHERAPY):
            treatment = clinical.procedure(resource, radiotherapy=kind is Kind.RADIOTHERAPY)
            fact = self._named(treatment, resource, locator)
        else:
            fact = self._observation(resource, kind, locator)
        return [fact] if fact is not None else []

    def _observation(self, resource: Json, kind: Kind, locator: str) -> AnyFact | None:
        if kind is Kind.PERFORMANCE:
            return observations.performance(resource, locator, self.log)
        if kind is Kind.TMB:
            return observations.biomarker(resource, "TMB")
        if kind is Kind.MSI:
            return observations.biomarker(resource, "MSI")
        if kind is Kind.TUMOR_MARKER:
            return observations.biomarker(resource, observations.marker_name(resource))
        if kind is Kind.STAGING:
            return observations.staging(resource)
        if kind is Kind.PGX_GENOTYPE:
            return genotypes.genotype_fact(resource, locator, self.log)
        build = variants.genome_build(resource, self.options.genome_build, locator, self.log)
        if build is None:
            return None
        return variants.genomic_fact(resource, build, locator, self.log)

    def _history(self, resource: Json, kind: Kind, index: ResourceIndex) -> list[AnyFact]:
        """Eligibility facts: non-cancer conditions, comorbidities, pregnancy, labs, genes."""
        found: list[AnyFact | None]
        if kind is Kind.COMORBIDITIES:
            found = list(history.comorbidities(resource, index))
        elif kind is Kind.FINDING:
            found = [history.finding(resource)]
        elif kind in _PERSON:
            found = list(_PERSON[kind](resource))
        elif kind is Kind.PREGNANCY:
            found = [history.pregnancy_status(resource)]
        elif kind is Kind.BREASTFEEDING:
            found = [history.breastfeeding_status(resource)]
        elif kind is Kind.DISEASE_STATUS:
            found = [history.disease_status(resource)]
        elif kind is Kind.GENES_STUDIED:
            absent = resource.get(
                "resourceType"
            ) == "Observation" and variants.is_pertinent_negative(resource)
            found = [history.genes_studied(resource, absent=absent)]
        else:
            found = [history.lab_result(resource), *vitals.inhaled_oxygen(resource)]
        facts = [f for f in found if f is not None]
        if not facts:
            self.skipped[f"{kind.value} without a usable value"] += 1
        return facts

    def _named(self, fact: AnyFact | None, resource: Json, locator: str) -> AnyFact | None:
        if fact is None:
            element = "medication[x]" if "Medication" in resource["resourceType"] else "code"
            self.log.add(
                locator, f"{resource['resourceType']}.{element}", "", "a code or text naming it"
            )
        return fact

    def patient_key(
        self, resource: Json, kind: Kind, locator: str, index: ResourceIndex
    ) -> str | None:
        """Whose fact: ``--patient``, the Patient itself, or its resolved ``subject``."""
        if kind is Kind.PATIENT:
            own = index.key_of(resource)
            if own is None and self.options.patient is None:
                self.log.add(locator, "Patient.id", "", "an id or fullUrl, or pass --patient")
            return self.options.patient or own
        element = "subject" if "subject" in resource else "patient"
        ref = resource.get(element)
        if not isinstance(ref, dict) or not ref.get("reference"):
            if self.options.patient is None:
                self.log.add(
                    locator,
                    f"{resource['resourceType']}.subject",
                    "",
                    "a reference to the Patient, or pass --patient",
                )
            return self.options.patient
        return self._subject(resource, ref, element, locator, index)

    def _subject(
        self, resource: Json, ref: Json, element: str, locator: str, index: ResourceIndex
    ) -> str | None:
        target = index.resolve(ref, resource)
        field_name = f"{resource['resourceType']}.{element}"
        text = str(ref["reference"])
        if target.status == "resolved" and target.resource_type != "Patient":
            self.log.add(locator, field_name, text, f"a Patient (it is a {target.resource_type})")
            return None
        if target.status == "resolved":
            return self.options.patient or target.id
        if index.closed:
            self.log.add(
                locator, field_name, text, "a Patient entry of this bundle (not in the bundle)"
            )
            return None
        if target.status == "external" and target.resource_type in (None, "Patient") and target.id:
            return self.options.patient or target.id
        if self.options.patient is None:
            self.log.add(locator, field_name, text, "Patient/<id>, or pass --patient")
        return self.options.patient

    def notes(self) -> list[str]:
        out = []
        if self.skipped:
            shown = ", ".join(f"{name} ×{n}" for name, n in sorted(self.skipped.items()))
            out.append(
                f"skipped {sum(self.skipped.values())} resource(s) not held in the record: {shown}"
            )
        if self.unmapped_codes:
            top = self.unmapped_codes.most_common(10)
            more = len(self.unmapped_codes) - len(top)
            listed = ", ".join(f"{code} ×{n}" for code, n in top)
            out.append(
                f"unmapped Observation codes: {listed}" + (f" (+{more} more)" if more else "")
            )
        if self.reports:
            out.append(
                f"{self.reports} DiagnosticReport(s) not stored as facts; their results are "
                "imported as the Observations they reference"
            )
        return out
