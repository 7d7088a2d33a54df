# SPDX-License-Identifier: Apache-2.0
"""Eligibility items → typed constraints, rule-based and deliberately narrow.

A phrase is structured only when a rule reads it exactly; everything else stays a criterion for
review. Conditional items ("Patients with X must …", "For some parts of the study, …") are read
with their subject apart and marked conditional (``scope``); permissions and subgroup
alternatives are set aside as exceptions; items only a clinician can judge get their own
category.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from oncoboard.trials import (
    administrative,
    alternatives,
    branches,
    cohorts,
    labs,
    narrowing,
    negation,
    read_allergy,
    read_disease,
    read_history,
    read_medication,
    read_molecular,
    read_person,
    read_screening,
    read_therapy,
    read_vitals,
    regimens,
    scope,
)
from oncoboard.trials.criteria import Item, split
from oncoboard.trials.schemas import (
    AgeConstraint,
    CancerTypeConstraint,
    Constraint,
    Criterion,
    DiseaseExtentConstraint,
    Eligibility,
    Found,
    SexConstraint,
    StageConstraint,
    Structured,
)

_ECOG_LONG = re.compile(r"Eastern Cooperative Oncology Group\s*\(\s*ECOG\s*\)\s*", re.IGNORECASE)

_ANY_OF_TYPES = ("cancer_type", "gene_alteration")
_LISTED = frozenset({
    "infection", "condition_history", "brain_metastases", "prior_malignancy", "drug_allergy",
    "recent_event",
})  # fmt: skip

_EXCEPTION = re.compile(r"\b(?:except|unless|excluding|other than|allowed|permitted)\b", re.I)

_STOP = frozenset((
    "a", "an", "the", "and", "or", "of", "to", "in", "at", "on", "for", "with", "by", "as", "be",
    "is", "are", "was", "were", "must", "should", "have", "has", "had", "who", "which", "that",
    "this", "these", "those", "any", "all", "least", "patients", "patient", "subjects", "subject",
    "participants", "participant", "women", "men", "males", "females", "female", "male", "pre",
    "postmenopausal", "histologically", "cytologically", "confirmed", "proven", "documented",
    "diagnosis", "disease", "evidence", "known", "history", "current", "currently", "positive",
    "negative", "status", "performance", "years", "year", "old", "age", "aged", "eligible", "not",
    "ineligible", "inclusive", "serum", "total", "score", "eastern", "cooperative", "oncology",
    "group", "ecog", "level", "count", "absolute", "prior", "previous", "previously", "received",
    "receive", "treatment", "therapy", "also", "only", "locally", "advanced", "metastatic",
    "unresectable", "recurrent", "mutation", "mutations", "tumor", "tumors", "tumour", "tumours",
    "cancer", "confirmed", "either", "following", "first", "dose", "doses", "study", "drug",
    "days", "weeks", "months", "week", "month", "day", "initiation", "enrollment", "enrolment",
    "randomization", "randomisation", "screening", "start", "time", "within", "since", "before",
    "after", "past", "last", "diseases", "virus", "infection", "infections", "antibody",
    "antigen", "seropositive", "seronegative", "active", "current", "concurrent", "ongoing",
    "such", "including", "etc", "following", "those", "participants", "can", "per", "criteria",
    "version", "recist", "response", "evaluation", "solid", "defined", "one", "lesion",
    "lesions", "measurable", "who", "with", "their", "from", "have", "has", "been", "clinical",
    # no requirement in these: specimens and assays, the subject of a pregnancy item, fillers
    "specifically", "harboring", "harbouring", "tissue", "circulating", "deoxyribonucleic",
    "acid", "dna", "ctdna", "child", "bearing",
    "childbearing", "potential", "wocbp", "form", "mean", "calculated", "electrocardiograms",
    "electrocardiogram", "ecg", "ecgs", "triplicate", "long", "term", "equivalent", "drugs",
    "include", "including", "includes", "dose", "levels", "serum", "institutional",
    "containing", "regimen", "regimens", "part", "coagulation", "function", "normalised",
    "normalized", "receipt", "use", "pathologically", "histopathologically", "leukapheresis",
    "entry",
    # the noun a read phrase qualifies ("any condition requiring systemic steroids")
    "condition", "conditions", "syndrome", "syndromes", "radiological",
    "radiographic", "radiologic",
    # when and how a measure is taken ("prior to signing the ICF", "QTc interval using
    # Fridericia's formula")
    "signing", "icf", "using", "interval", "fridericia", "formula",
    "histology", "cytology", "malignancy", "malignancies", "expressing",
))  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{3,}")
# phrases in these families can sit under a negation ("no prior …", "without …")
_NEGATABLE = frozenset({
    "prior_therapy", "brain_metastases", "condition_history", "infection", "prior_malignancy",
    "pregnancy", "gene_alteration", "measurable_disease", "drug_allergy", "current_antiretroviral",
})  # fmt: skip
_TRIGGER = re.compile(
    r"\b(?:except(?: for)?|excluding|other than|with the exception of|unless|no|not|without|"
    r"never|free of|absence of|negative for)\b(?:\s+(?:the|any|a))?[\s(:,]*$",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(
    r"\bbecause\b[^;]*|\(\s*(?:The|This|These|i\.e\.|e\.g\.|eg|such as|for example|"
    r"including but not limited to|including,?)"
    r"[^)]*\)|\bdue to the\b[^;]*|"
    r"at the time of (?:signing )?(?:the )?(?:informed consent|ICF)|"
    # how a measure is taken: "(QTc interval calculated using the Fridericia formula)"
    r"\([^()]*\b(?:calculated|measured) (?:using|by|with|according to)\b[^()]*\)|"
    r"\bduring (?:the )?screening\b|"
    r"(?:^|(?<=[.;] ))(?:Subjects|Patients|Participants) may be transfused[^.;]*|"
    # "Examples of live vaccines include measles, …": an illustration, not a requirement
    r"(?:^|(?<=[.;] ))Examples?\b[^.;:]{0,60}?\b(?:include|includes|are|is)\b[^.;]*|"
    # the assay ("as assessed by RT-PCR … or any CLIA-certified test"), up to a timing or source
    r"\bas (?:assessed|determined|detected|documented|confirmed|identified|tested)\s+(?:by|using|"
    r"via|with|in)\b(?:(?!\b(?:within|obtained|collected|after|prior|before|must)\b)[^.;])*",
    re.IGNORECASE,
)


def structure(eligibility: Eligibility) -> tuple[Criterion, ...]:
    """The module's own age/sex fields, then every item of the free text."""
    out: list[Criterion] = list(_module_criteria(eligibility))
    counters = {"inclusion": 0, "exclusion": 0}
    for item in split(eligibility.criteria_text):
        counters[item.section] += 1
        prefix = "I" if item.section == "inclusion" else "E"
        out.append(_criterion(item, f"{prefix}{counters[item.section]}"))
    return read_history.with_study_cancers(tuple(out))


def _module_criteria(eligibility: Eligibility) -> Iterator[Criterion]:
    low, high = eligibility.minimum_age_years, eligibility.maximum_age_years
    if low is not None or high is not None:
        text = f"minimumAge {eligibility.minimum_age_text or 'none'}, maximumAge {eligibility.maximum_age_text or 'none'}"
        age = AgeConstraint(min_years=low, max_years=high)
        yield Criterion(
            id="M-age", section="inclusion", text=text, source_field="eligibilityModule",
            constraints=(Structured(constraint=age, evidence=text),),
        )  # fmt: skip
    if eligibility.sex in ("FEMALE", "MALE"):
        sex = SexConstraint(sex="female" if eligibility.sex == "FEMALE" else "male")
        yield Criterion(
            id="M-sex", section="inclusion", text=f"sex {eligibility.sex}",
            source_field="eligibilityModule",
            constraints=(Structured(constraint=sex, evidence=eligibility.sex),),
        )  # fmt: skip


def _criterion(item: Item, criterion_id: str) -> Criterion:
    text = item.text
    base = {
        "id": criterion_id,
        "section": item.section,
        "text": text,
        "start": item.start,
        "end": item.end,
        "depth": item.depth,
    }
    cohort = cohorts.label(text, item.section)
    if cohort is not None:
        base["cohort"] = cohort[0]
    elif (branched := _branched(base, text, item.section)) is not None:
        return branched
    elif scope.unreadable(text, item.context):
        return Criterion(**base, not_structured_because="applies to one cohort or condition only")
    shaped = scope.shape(text, item.context)
    if cohort is not None:
        shaped = cohorts.defined(shaped, cohort[1])
    work = _ECOG_LONG.sub(lambda m: "ECOG".ljust(len(m.group(0))), shaped.work)
    body, subject_text = _split_subject(work, shaped)
    found = extract(body, item.section)
    subject = _subject(subject_text) if shaped.subject else []
    if not found and not subject:
        return _unread(base, text, shaped)
    spans = [(s, e) for s, e, _ in found]
    scoped = _scoped(body, _dedupe(found), item.section)
    kept = [(s, e, c, negated) for s, e, c, negated, excepted in scoped if not excepted]
    if not kept and not subject:
        return Criterion(**base, not_structured_because="only exceptions were read")
    kept = _linked(kept)
    extra = _consumed_triggers(body, scoped) + _qualifier_spans(body, kept)
    residual = _residual(body, spans, extra)
    exceptions = bool(_EXCEPTION.search(" ".join(residual))) or shaped.loosened
    # words after an exception trigger only loosen an inclusion / narrow an exclusion: the
    # engine treats the exception itself; only words before it can add requirements
    trigger = _EXCEPTION.search(body)
    before = residual
    if exceptions and trigger is not None:
        cut = trigger.start()
        clipped = [(s, min(e, cut)) for s, e in [*spans, *extra] if s < cut]
        before = _residual(body[:cut], clipped, [])
    subject_residual = _residual(subject_text, [(s, e) for s, e, _, _ in subject], [])
    narrowed = item.section == "exclusion" and bool(before) and not exceptions
    narrowed = narrowed and not _residual(body, spans, extra + narrowing.spans(body))
    return Criterion(
        **base,
        constraints=(
            *_grouped(body, kept, item.section),
            *_grouped(subject_text, subject, "inclusion", subject=True),
        ),
        partial=bool(before),
        has_exceptions=exceptions,
        open_alternatives=alternatives.open_alternatives(body, residual, [*spans, *extra]),
        unread=" ".join(residual) or None,
        conditional=shaped.conditional,
        subject_partial=bool(subject_residual) or (shaped.subject is not None and not subject),
        widened=shaped.widened,
        narrowed=narrowed,
    )


def _branched(base: dict[str, object], text: str, section: str) -> Criterion | None:
    """An item branching by tumour type, each branch read on its own (``branches``)."""
    found = branches.split(text)
    read = branches.read(text, found, lambda t, s: _read_part(t, section, s)) if found else None
    if read is None:
        return None
    constraints, before = read
    words = [w for w in before if w != _WIDENED_MARK]
    return Criterion(
        **base, constraints=constraints, partial=bool(words), unread=" ".join(words) or None,
        widened=_WIDENED_MARK in before,
    )  # fmt: skip


# a branch that widens its requirement ("or are intolerant to …") is left for review; the
# common part before the branches carries it as the item's ``widened`` flag
_WIDENED_MARK = "(widened)"


def _read_part(text: str, section: str, subject: bool) -> tuple[list[Structured], list[str]]:
    """One branch's body (or its tumour-type subject) read like an item of its own."""
    shaped = scope.shape(text, "")
    work = shaped.work
    found = extract(work, "inclusion" if subject else section)
    scoped = _scoped(work, _dedupe(found), section)
    kept = _linked([(s, e, c, negated) for s, e, c, negated, excepted in scoped if not excepted])
    extra = _consumed_triggers(work, scoped) + _qualifier_spans(work, kept)
    residual = _residual(work, [(s, e) for s, e, _ in found], extra)
    if shaped.loosened:
        residual.append("(exceptions)")
    if shaped.widened:
        residual.append(_WIDENED_MARK)
    read = _grouped(work, kept, "inclusion" if subject else section, subject=subject)
    return list(read), residual


def _split_subject(work: str, shaped: scope.Shape) -> tuple[str, str]:
    """(the body with the subject clause blanked, the subject clause alone)."""
    if shaped.subject is None:
        return work, ""
    start, end = shaped.subject
    blank = list(work)
    for s, e in (shaped.subject, *shaped.consumed):
        blank[s:e] = " " * (e - s)
    subject = " " * start + work[start:end] + " " * (len(work) - end)
    return "".join(blank), subject


def _subject(subject_text: str) -> list[Kept]:
    """The readable phrases of a subject clause ("with metastatic colorectal cancer")."""
    found = _dedupe(extract(subject_text, "inclusion"))
    scoped = _scoped(subject_text, found, "inclusion")
    return _linked([(s, e, c, negated) for s, e, c, negated, excepted in scoped if not excepted])


def _unread(base: dict[str, object], text: str, shaped: scope.Shape) -> Criterion:
    if shaped.judgement:
        return Criterion(
            **base, category="clinician_judgement",
            not_structured_because="clinician judgement: no record decides it",
        )  # fmt: skip
    if administrative.is_administrative(text):
        return Criterion(
            **base, category="administrative",
            not_structured_because="administrative (consent, willingness, logistics)",
        )  # fmt: skip
    return Criterion(**base, not_structured_because="no rule reads this text")


def extract(text: str, section: str) -> list[Found]:
    """Every constraint found in one cleaned item, ordered by position."""
    masked = text
    found: list[Found] = []
    # "hypersensitivity to cyclophosphamide or fludarabine": an allergy, not a prior therapy
    # … and "on antiretroviral therapy" is today's medicines, read one by one
    allergy = list(read_allergy.drug_allergy(text)) + list(read_medication.antiretroviral(text))
    for start, end, _ in allergy:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    found += allergy
    therapy = list(read_therapy.prior_therapies(masked, section))
    therapy += list(read_therapy.lines(masked))
    therapy += list(regimens.read(masked))
    therapy = read_therapy.progressed_on(masked, regimens.merged_based(masked, therapy))
    for start, end, _ in therapy:  # "KRAS G12C inhibitor" is a drug class, not a biomarker
        masked = masked[:start] + " " * (end - start) + masked[end:]
    found += therapy
    malignancy = list(read_history.prior_malignancy(masked))
    for start, end, _ in malignancy:  # "other malignancy except DCIS": not a breast cancer type
        masked = masked[:start] + " " * (end - start) + masked[end:]
    found += malignancy
    readers: list[Callable[[str], Iterator[Found]]] = [
        read_person.age, read_person.ecog, read_molecular.genes, read_molecular.gene_lists,
        read_molecular.families, read_molecular.mek,
        read_molecular.markers, read_disease.cancer_types, read_disease.stages,
        read_disease.extents, read_disease.measurable, read_disease.brain,
        read_person.pregnancy, read_history.infections, read_history.conditions,
        read_history.swallowing,
        read_screening.recent_events, read_vitals.blood_pressure,
    ]  # fmt: skip
    for reader in readers:
        found += list(reader(masked))
    found += labs.find(masked)
    if section == "exclusion":
        found = read_molecular.known(text, found)
    return sorted(found, key=lambda f: f[0])


Kept = tuple[int, int, Constraint, bool]


def _linked(found: list[Kept]) -> list[Kept]:
    """A stage or extent in the same item as a tumour type is that tumour's stage ("Stage I or
    IV breast cancer")."""
    codes = tuple(
        code
        for _, _, c, _ in found
        if isinstance(c, CancerTypeConstraint) and not c.any_solid_tumour
        for code in c.oncotree_codes
    )
    if not codes:
        return found
    return [
        (s, e, c.model_copy(update={"oncotree_codes": codes}), n)
        if isinstance(c, StageConstraint | DiseaseExtentConstraint)
        else (s, e, c, n)
        for s, e, c, n in found
    ]


_TREATED_WITH = re.compile(r"\btreated\s+with\s*(?:an?\s+|the\s+)?$", re.IGNORECASE)


def _qualifier_spans(text: str, kept: list[Kept]) -> list[tuple[int, int]]:
    """Words a reader took into account without a span of their own: the time window and the
    judgement words of a comorbidity, "active" of an infection."""
    kinds = {c.type for _, _, c, _ in kept}
    spans: list[tuple[int, int]] = []
    for start, _, c, _ in kept:  # "previously treated with platinum-based chemotherapy"
        treated = _TREATED_WITH.search(text[max(0, start - 30) : start])
        if c.type == "prior_therapy" and treated is not None:
            spans.append((max(0, start - 30) + treated.start(), start))
    if kinds & {"condition_history", "prior_malignancy", "infection"}:
        for pattern in (read_history.WITHIN, read_history.QUALIFIED):
            spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    return spans


def _scoped(
    text: str, found: list[Found], section: str
) -> list[tuple[int, int, Constraint, bool, bool]]:
    """Each constraint with its negation and exception scope; tumour types in an exception
    ("solid tumors (excluding NSCLC and CRC)") become carve-outs of the tumour type before.
    No protocol requires pregnancy: a pregnancy phrase in an inclusion is always a negation."""
    scopes = negation.scopes(text, [(s, e) for s, e, _ in found])
    out: list[tuple[int, int, Constraint, bool, bool]] = []
    for (start, end, constraint), where in zip(found, scopes, strict=True):
        negated = where.negated and constraint.type in _NEGATABLE
        if constraint.type == "pregnancy" and section == "inclusion":
            negated = True
        if where.excepted and isinstance(constraint, CancerTypeConstraint):
            _carve_out(out, constraint)
        out.append((start, end, constraint, negated, where.excepted))
    return out


def _carve_out(
    out: list[tuple[int, int, Constraint, bool, bool]], excepted: CancerTypeConstraint
) -> None:
    for i in range(len(out) - 1, -1, -1):
        s, e, c, negated, is_excepted = out[i]
        if isinstance(c, CancerTypeConstraint) and not is_excepted:
            codes = (*c.excluded_codes, *excepted.oncotree_codes)
            out[i] = (s, e, c.model_copy(update={"excluded_codes": codes}), negated, False)
            return


def _consumed_triggers(
    text: str, scoped: list[tuple[int, int, Constraint, bool, bool]]
) -> list[tuple[int, int]]:
    """The "except"/"excluding" word before read exceptions, and negation words before negated
    phrases, count as read."""
    spans = []
    for start, _, _, negated, excepted in scoped:
        if excepted or negated:
            before = text[max(0, start - 45) : start]
            trigger = _TRIGGER.search(before)
            if trigger:
                offset = start - len(before)
                spans.append((offset + trigger.start(), offset + trigger.end()))
    return spans


def _dedupe(found: list[Found]) -> list[Found]:
    """Drop repeats and a constraint inside a longer one of the same kind ("breast cancer" in
    "early invasive breast cancer"); two analytes sharing one threshold are both kept."""

    def kind(c: Constraint) -> tuple[str, str]:
        return c.type, str(getattr(c, "analyte", ""))

    kept: list[Found] = []
    for start, end, constraint in found:
        inside = any(
            s <= start and end <= e and (s, e) != (start, end) and kind(c) == kind(constraint)
            for s, e, c in found
        )
        if not inside and all(c != constraint for _, _, c in kept):
            kept.append((start, end, constraint))
    return kept


def _grouped(
    text: str, found: list[Kept], section: str, subject: bool = False
) -> tuple[Structured, ...]:
    """Neighbours joined only by "or" / "and/or" form one any-of group; others are AND-ed. The
    comorbidities an exclusion lists ("HIV, hepatitis B, or hepatitis C positive") are any-of."""
    out: list[Structured] = []
    group, previous_end = 0, None
    shared: dict[str, int] = {}
    for start, end, constraint, negated in found:
        gap = text[previous_end:start] if previous_end is not None else ""
        joined = re.fullmatch(r"[\s,\-–]*(?:and/)?or[\s,]*", gap) or (
            out and regimens.joined(out[-1].constraint, constraint, gap)
        )
        if previous_end is not None and not joined:
            group += 1
        mine = group
        if constraint.type in _ANY_OF_TYPES:
            mine = shared.setdefault(constraint.type, group)
        elif section == "exclusion" and not negated and constraint.type in _LISTED:
            mine = shared.setdefault("listed", group)
        out.append(
            Structured(
                constraint=constraint,
                evidence=text[start:end],
                group=mine + 1000 * subject,
                negated=negated,
                subject=subject,
            )
        )
        previous_end = max(end, previous_end or 0)
    return tuple(out)


def _residual(
    text: str, spans: list[tuple[int, int]], triggers: list[tuple[int, int]]
) -> list[str]:
    """Words no rule read, stop words and explanations ("because …", "(The … )") left out."""
    chars = list(_EXPLANATION.sub(lambda m: " " * len(m.group(0)), text))
    for start, end in [*spans, *triggers]:
        chars[start:end] = " " * (end - start)
    return [w for w in _WORD.findall("".join(chars)) if w.lower() not in _STOP]
