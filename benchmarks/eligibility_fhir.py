# SPDX-License-Identifier: Apache-2.0
"""Builders of the FHIR R4 / mCODE resources the eligibility patients are written in.

Every resource carries a note saying that it is authored (not a real patient's data) and which
public example it is modelled on; codes are only those read in the public material named in
``benchmarks/data/trial_eligibility/patients/SOURCES.md`` (mCODE STU4 and Synthea examples in
``shared/data/interop``, NCIt codes from MOAlmanac's therapy list), otherwise a concept is text
only. The importer reads these bundles like any other FHIR file.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
ONCOTREE = "http://oncotree.mskcc.org"
UCUM = "http://unitsofmeasure.org"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
# resource types that name their patient in ``patient`` (FHIR R4), not ``subject``
_PATIENT_ELEMENT = ("AllergyIntolerance", "Immunization")
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


class Patient:
    """Collects one patient's resources; ``bundle()`` gives the collection Bundle."""

    def __init__(self, pid: str) -> None:
        self.pid = pid
        self.entries: list[Json] = []
        self._n = 0

    def _add(self, resource: Json, note: str) -> str:
        self._n += 1
        rid = f"{self.pid.lower()}-{self._n}"
        resource = {"resourceType": resource.pop("resourceType"), "id": rid, **resource}
        if resource["resourceType"] != "Patient":
            # AllergyIntolerance names its patient in ``patient``, every other type in ``subject``
            own = "patient" if resource["resourceType"] in _PATIENT_ELEMENT else "subject"
            resource[own] = {"reference": f"Patient/{self.pid}"}
            resource["note"] = [{"text": f"Authored, not a real patient's data. {note}"}]
        self.entries.append(resource)
        return f"{resource['resourceType']}/{rid}"

    def bundle(self) -> Json:
        return {
            "resourceType": "Bundle",
            "id": f"eligibility-{self.pid.lower()}",
            "type": "collection",
            "entry": [
                {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                for r in self.entries
            ],
        }

    # -- people and conditions -------------------------------------------------------------
    def person(self, name: str, sex: str, birth: str, note: str) -> None:
        given, family = name.split(" ", 1)
        self.entries.append({
            "resourceType": "Patient", "id": self.pid,
            "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">'
                     f"Authored, not a real patient. {note}</div>"},
            "name": [{"use": "official", "family": family, "given": [given]}],
            "gender": sex, "birthDate": birth,
        })  # fmt: skip

    def cancer(self, text: str, *, onset: str, note: str, oncotree: str | None = None,
               snomed: str | None = None, stage: str | None = None, status: str = "active",
               body_site: str | None = None) -> str:  # fmt: skip
        coding = []
        if snomed:
            coding.append({"system": SNOMED, "code": snomed})
        if oncotree:
            coding.append({"system": ONCOTREE, "code": oncotree})
        resource: Json = {
            "resourceType": "Condition",
            "clinicalStatus": _code(_CLINICAL, status),
            "verificationStatus": _code(_VERIFICATION, "confirmed"),
            "code": {"coding": coding, "text": text},
            "onsetDateTime": onset,
        }
        if body_site:
            resource["bodySite"] = [{"text": body_site}]
        if stage:
            resource["stage"] = [{"summary": {"text": stage}}]
        return self._add(resource, note)

    def condition(self, text: str, *, note: str, present: bool = True, onset: str | None = None,
                  recorded: str | None = None, status: str = "active",
                  abated: str | None = None) -> str:  # fmt: skip
        """A non-cancer condition, or (``present=False``) one ruled out: refuted."""
        resource: Json = {
            "resourceType": "Condition",
            "verificationStatus": _code(_VERIFICATION, "confirmed" if present else "refuted"),
            "code": {"text": text},
        }
        if present:
            resource["clinicalStatus"] = _code(_CLINICAL, status)
        if onset:
            resource["onsetDateTime"] = onset
        if abated:
            resource["abatementDateTime"] = abated
        if recorded:
            resource["recordedDate"] = recorded
        return self._add(resource, note)

    def comorbidities(self, *, present: list[str], absent: list[str], date: str, note: str) -> None:
        """mCODE comorbidities: present ones reference their Condition, absent ones are named."""
        ext = [{"url": _MCODE + "mcode-related-condition", "valueReference": {"reference": ref}}
               for ref in present]  # fmt: skip
        ext += [{"url": _MCODE + "mcode-related-condition-absent",
                 "valueCodeableConcept": {"text": name}} for name in absent]  # fmt: skip
        self._add({
            "resourceType": "Observation", "status": "final", "extension": ext,
            "category": [_code(_CATEGORY, "social-history")],
            "code": {"coding": [{"system": SNOMED, "code": "398192003"}],
                     "text": "Co-morbid conditions"},
            "effectiveDateTime": date,
        }, note)  # fmt: skip

    # -- observations ----------------------------------------------------------------------
    def lab(self, display: str, value: float, unit: str, date: str, note: str, *,
            loinc: str | None = None, low: float | None = None, high: float | None = None,
            category: str = "laboratory", components: list[Json] | None = None) -> None:  # fmt: skip
        resource = _observation(display, loinc, date, category)
        resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        if components:
            resource["component"] = components
        if low is not None or high is not None:
            bounds: Json = {}
            if low is not None:
                bounds["low"] = {"value": low, "unit": unit, "system": UCUM, "code": unit}
            if high is not None:
                bounds["high"] = {"value": high, "unit": unit, "system": UCUM, "code": unit}
            resource["referenceRange"] = [bounds]
        self._add(resource, note)

    def result(self, display: str, text: str, date: str, note: str,
               loinc: str | None = None) -> None:  # fmt: skip
        resource = _observation(display, loinc, date, "laboratory")
        resource["valueCodeableConcept"] = {"text": text}
        self._add(resource, note)

    def ecog(self, score: int, date: str, note: str) -> None:
        resource = _observation("ECOG performance status", "89247-1", date, "survey")
        resource["valueInteger"] = score
        self._add(resource, note)

    def m_category(self, value: str, date: str, note: str) -> None:
        resource = _observation("Clinical distant metastases category", None, date, "survey")
        resource["code"] = {"coding": [{"system": SNOMED, "code": "399387003"}]}
        resource["valueCodeableConcept"] = {"text": value}
        self._add(resource, note)

    def marker(self, loinc: str, display: str, date: str, note: str, *, text: str | None = None,
               value: float | None = None, unit: str | None = None) -> None:  # fmt: skip
        resource = _observation(display, loinc, date, "laboratory")
        if text is not None:
            resource["valueCodeableConcept"] = {"text": text}
        else:
            resource["valueQuantity"] = {"value": value, "unit": unit}
        self._add(resource, note)

    def variant(self, gene: str, protein: str, vaf: float, date: str, note: str) -> None:
        resource = _observation("Genetic variant assessment", "69548-6", date, "laboratory")
        resource["valueCodeableConcept"] = {
            "coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]
        }
        resource["component"] = [
            _component("48018-6", {"text": gene}),
            _component("48005-3", {"text": protein}),
            _component("48002-0", {"coding": [{"system": LOINC, "code": "LA6684-0"}]}),
            _component("62374-4", {"coding": [{"system": LOINC, "code": "LA26806-2"}]}),
            {"code": {"coding": [{"system": LOINC, "code": "81258-6"}]},
             "valueQuantity": {"value": vaf, "unit": "1"}},
        ]  # fmt: skip
        self._add(resource, note)

    def genes_studied(self, test: str, genes: list[str], date: str, note: str) -> None:
        resource = _observation(test, "53041-0", date, "laboratory")
        resource["method"] = {"text": test}
        resource["component"] = [_component("48018-6", {"coding": [{"display": g}]}) for g in genes]
        self._add(resource, note)

    def status(self, loinc: str, display: str, answer: Json, date: str, note: str) -> None:
        """Pregnancy (82810-3), breastfeeding (63895-7), cancer disease status (97509-4)."""
        resource = _observation(display, loinc, date, "social-history")
        resource["valueCodeableConcept"] = answer
        self._add(resource, note)

    # -- treatments ------------------------------------------------------------------------
    def medication(self, name: str, *, start: str, note: str, end: str | None = None,
                   ncit: str | None = None, status: str = "completed",
                   reason: str | None = None, treats: str | None = None) -> None:  # fmt: skip
        """A medication course; ``treats``: the Condition it was given for (reasonReference)."""
        coding = [{"system": NCIT, "code": ncit, "display": name}] if ncit else []
        bounds = {"start": start, **({"end": end} if end else {})}
        resource: Json = {
            "resourceType": "MedicationRequest", "status": status, "intent": "order",
            "medicationCodeableConcept": {"coding": coding, "text": name},
            "authoredOn": start,
            "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": bounds}}}],
        }  # fmt: skip
        if reason:
            resource["statusReason"] = {"text": reason}
        if treats:
            resource["reasonReference"] = [{"reference": treats}]
        self._add(resource, note)

    def allergy(self, *, recorded: str, note: str, substance: Json | None = None,
                category: str = "medication", none_known: str | None = None) -> None:  # fmt: skip
        """A recorded allergy (``substance``), or an IPS "known absent" statement
        (``none_known``: ``no-known-medication-allergies``, ``no-known-allergies``)."""
        resource: Json = {"resourceType": "AllergyIntolerance", "recordedDate": recorded}
        if none_known:
            resource["code"] = {"coding": [{"system": IPS_ABSENT, "code": none_known}]}
        else:
            resource["clinicalStatus"] = _code(_ALLERGY_CLINICAL, "active")
            resource["verificationStatus"] = _code(_ALLERGY_VERIFICATION, "confirmed")
            resource["type"] = "allergy"
            resource["category"] = [category]
            resource["code"] = substance
        self._add(resource, note)

    def blood_pressure(self, systolic: float, diastolic: float, date: str, note: str) -> None:
        """A blood-pressure panel (LOINC 85354-9) with systolic 8480-6 and diastolic 8462-4
        components in mm[Hg], as the FHIR vital-signs profile and Synthea write it."""
        resource = _observation("Blood pressure panel", "85354-9", date, "vital-signs")
        resource["component"] = [
            {"code": {"coding": [{"system": LOINC, "code": code}], "text": name},
             "valueQuantity": {"value": value, "unit": "mm[Hg]", "system": UCUM,
                               "code": "mm[Hg]"}}
            for code, name, value in (("8480-6", "Systolic blood pressure", systolic),
                                      ("8462-4", "Diastolic blood pressure", diastolic))
        ]  # fmt: skip
        self._add(resource, note)

    def immunization(self, cvx: str, display: str, *, date: str, note: str) -> None:
        resource: Json = {
            "resourceType": "Immunization", "status": "completed",
            "vaccineCode": {"coding": [{"system": CVX, "code": cvx, "display": display}],
                            "text": display},
            "occurrenceDateTime": date, "primarySource": True,
        }  # fmt: skip
        self._add(resource, note)

    def procedure(self, name: str, *, start: str, note: str, end: str | None = None,
                  radiotherapy: bool = False) -> None:  # fmt: skip
        code: Json = {"text": name}
        if radiotherapy:  # mCODE RadiotherapyCourseSummary.code (fixed SNOMED 1217123003)
            code = {"coding": [{"system": SNOMED, "code": "1217123003"}], "text": name}
        resource: Json = {"resourceType": "Procedure", "status": "completed", "code": code}
        if end:
            resource["performedPeriod"] = {"start": start, "end": end}
        else:
            resource["performedDateTime"] = start
        self._add(resource, note)


def _code(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}]}


def _component(loinc: str, value: Json) -> Json:
    return {"code": {"coding": [{"system": LOINC, "code": loinc}]}, "valueCodeableConcept": value}


def _observation(display: str, loinc: str | None, date: str, category: str) -> Json:
    code: Json = {"text": display}
    if loinc:
        code = {"coding": [{"system": LOINC, "code": loinc, "display": display}], "text": display}
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [_code(_CATEGORY, category)],
        "code": code,
        "effectiveDateTime": date,
    }
