# SPDX-License-Identifier: Apache-2.0
"""Readers for prior-therapy, timing and prior-line phrases in one eligibility item.

A therapy phrase names a class (``drugs.CLASSES`` after MOAlmanac, the cited KRAS/EGFR/CDK
classes of ``vocabulary.py``, corticosteroids, radiotherapy) or one drug. Words around it set
what is asked: a window ("within 21 days", "4 weeks prior to the first dose"), an ongoing
therapy ("concurrent", "receiving"), all of it finished ("completed any prior systemic therapy":
none ongoing), or a reaction to it ("side effects with prior immunotherapy").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from oncoboard.trials import drugs
from oncoboard.trials.regimens import DURATION
from oncoboard.trials.schemas import Found, PriorLinesConstraint, PriorTherapyConstraint
from oncoboard.trials.vocabulary import DRUG_CLASS_PATTERNS, DRUG_CLASSES

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_N = r"(?P<n>one|two|three|four|\d)"

_LINES_MIN = re.compile(
    rf"\bat least {_N} (?:prior )?(?:lines? of )?(?:standard )?(?:systemic )?(?:chemotherapy )?"
    r"(?:therap(?:y|ies)|regimens?|lines?)",
    re.IGNORECASE,
)
_LINES_MAX = re.compile(
    rf"\bno more than {_N} (?:prior )?(?:lines? of systemic|systemic (?:therap|regimen))", re.I
)
_RECEIVED_AND_PROGRESSED = re.compile(
    r"\bpreviously received (?:standard )?systemic therapy\b[^.;]{0,60}?\b(?:non-?responders|"
    r"recurred|progressed|refractory)(?:\s+or\s+(?:have\s+)?(?:recurred|progressed|relapsed))?",
    re.IGNORECASE,
)
# "who have failed [standard-of-care]", "must be refractory [to standard treatment]"
_FAILED = re.compile(
    r"\b(?:failed|refractory)\b(?:\s+(?:to\s+)?(?:prior\s+|previous\s+)?(?:standard(?:-of-care)?"
    r"(?:\s*\(SOC\))?|SOC)(?:\s+(?:treatment|therapy|therapies))?)?",
    re.IGNORECASE,
)
_PROGRESSED_BEFORE = re.compile(
    r"\b(?:failed|progressed (?:on|after)|been refractory to|relapsed after)\s*$", re.IGNORECASE
)
_PROGRESSION = re.compile(r"\b(?:failed|progressed|refractory|recurred|non-?responders)\b", re.I)

# phrase → class; longer phrases first so "platinum-based chemotherapy" wins over "chemotherapy"
_CLASS_PHRASES: tuple[tuple[str, str], ...] = (
    (r"(?:systemic\s+)?anti-?\s*(?:cancer|tumou?r|neoplastic)\s+(?:therap\w*|treatments?|drugs?|"
     r"agents?)|\bsystemic\s+(?:anti-?cancer\s+)?(?:therap(?:y|ies)|treatments?)|"
     r"\b(?:previous|prior)\s+treatments?\s+for\s+cancer", "systemic anticancer therapy"),
    (r"\bplatinum[- ]based\s+(?:chemotherap\w*|doublets?|regimens?)|\bplatinum\b",
     "platinum-based chemotherapy"),
    (r"\bchemotherap(?:y|ies)\b", "chemotherapy"),
    (r"\bimmunotherap(?:y|ies)\b", "immunotherapy"),
    (r"\banti-?angiogeni\w+(?:\s+(?:therap\w*|drugs?|agents?))?", "anti-angiogenic therapy"),
    (r"(?<!exogenous )\b(?:endocrine|hormonal)\s+(?:therap\w*|treatments?)", "endocrine therapy"),
    (r"\b(?:systemic\s+)?(?:cortico)?steroids?(?:\s+(?:therapy|hormones?|treatment))?|"
     r"\bglucocorticoids?\b|\b(?:systemic\s+)?hormone therapy at immunosuppressive doses?"
     r"(?:\s+levels)?", "corticosteroid"),
    (r"\bfilgrastim\b|\bG(?:M)?-?CSF\b|\b(?:ha?ematopoietic\s+)?growth factors?\b|"
     r"\b(?:granulocyte(?:[- ]macrophage)?[- ])?colony[- ]stimulating factors?\b",
     "haematopoietic growth factor"),
    (r"\bleucovorin\b|\bfolinic acid\b", "leucovorin"),
    (r"\bantiretroviral(?:\s+(?:therapy|treatment|drugs?|agents?))?|\bHAART\b|\bART\b",
     "antiretroviral therapy"),
    (r"\bfluoropyrimidine(?:-based)?(?:\s+agents?)?", "fluoropyrimidine"),
    (r"\b(?:(?:experimental|investigational)\s+)?(?:agents?|drugs?|therap(?:y|ies)|inhibitors?)"
     r"\s+(?:that\s+)?target(?:s|ing)?\s+(?:the\s+)?K?RAS(?:\s*/\s*(?:BRAF|RAF|MEK|ERK|MAPK))+"
     r"\s+pathway\b|\b(?:RAS[/-])?MAPK[- ]pathway inhibitors?\b", "RAS-MAPK pathway inhibitor"),
    (r"\bB-?RAF inhibitors?\b", "BRAF inhibitor"),
    (r"\bMEK(?:1/2)? inhibitors?\b", "MEK inhibitor"),
    (r"\b(?:(?:autologous|allogeneic)\s+)?(?:gene therap(?:y|ies)|(?:other\s+)?(?:adoptive\s+)?"
     r"cell(?:ular)?[- ]therap(?:y|ies)|CAR[- ]T(?:[- ]cell)?(?:\s+therap(?:y|ies))?)"
     r"(?:\s+or\s+(?:other\s+)?(?:gene|cell(?:ular)?)[- ]therap(?:y|ies))?", "cell or gene therapy"),
)  # fmt: skip
# filgrastim and the other G-CSFs: prescribing information of Neupogen / Neulasta (not verified
# offline); leucovorin: a modulator of fluorouracil (drugs.SUPPORTIVE)
_FIXED_MEMBERS = {
    # antiretrovirals by generic name (HIV treatment guidelines, recalled; not verified offline)
    "antiretroviral therapy": (
        "abacavir",
        "atazanavir",
        "bictegravir",
        "cabotegravir",
        "darunavir",
        "dolutegravir",
        "doravirine",
        "efavirenz",
        "elvitegravir",
        "emtricitabine",
        "etravirine",
        "lamivudine",
        "lopinavir",
        "nevirapine",
        "raltegravir",
        "rilpivirine",
        "ritonavir",
        "tenofovir",
        "zidovudine",
    ),
    "haematopoietic growth factor": ("filgrastim", "pegfilgrastim", "lenograstim", "sargramostim"),
    "leucovorin": ("leucovorin", "levoleucovorin", "folinic acid"),
}
# BRAF / MEK members: MOAlmanac strategies "B-RAF inhibition" / "MEK inhibition" (drugs.CLASSES);
# the RAS-MAPK pathway adds the KRAS G12C/G12D inhibitors of vocabulary.DRUG_CLASSES. Cell and
# gene therapies: the CAR-T and gene-therapy products by generic name (FDA approved cellular and
# gene therapy products list, recalled; not verified offline, docs/trials.md)
_FIXED_MEMBERS["RAS-MAPK pathway inhibitor"] = tuple(
    sorted(
        {
            *drugs.members()["BRAF inhibitor"], *drugs.members()["MEK inhibitor"],
            *DRUG_CLASSES["KRAS G12C inhibitor"], *DRUG_CLASSES["KRAS G12D inhibitor"],
        }
    )
)  # fmt: skip
_FIXED_MEMBERS["cell or gene therapy"] = (
    "tisagenlecleucel", "axicabtagene ciloleucel", "brexucabtagene autoleucel",
    "lisocabtagene maraleucel", "idecabtagene vicleucel", "ciltacabtagene autoleucel",
    "obecabtagene autoleucel", "afamitresgene autoleucel", "lifileucel", "sipuleucel-t",
    "talimogene laherparepvec", "nadofaragene firadenovec",
)  # fmt: skip
_DRUG_ALIASES = {"5fu": "fluorouracil", "5-fu": "fluorouracil", "5-fluorouracil": "fluorouracil"}
# surgery of a named site ("adequate breast surgery", "mastectomy")
_SURGERY = re.compile(
    r"\bbreast (?:surgery|resection)|(?<!post-)(?<!post )\b(?:mastectomy|lumpectomy|breast[- ]"
    r"conserving surgery)\b",
    re.IGNORECASE,
)
# "(Major) surgery within 4 weeks": any operation in the window may be one that counts (major,
# not an excepted minor procedure: a judgement); none recorded in the window decides
_MAJOR_SURGERY = re.compile(
    r"\b(?P<major>major\s+)?(?:surg(?:ery|ical procedures?|eries)|operations?|operative "
    r"procedures?)\b",
    re.IGNORECASE,
)
# "adequate (definitive) breast surgery": the operation that treated the cancer
_DEFINITIVE = re.compile(
    r"(?:\bunderg\w+\s+)?(?:\b(?:adequate|definitive|curative)\s*(?:\(\s*(?:definitive|curative)"
    r"\s*\)\s*)?)*$",
    re.IGNORECASE,
)
_FOR_CURRENT = re.compile(
    r"\s*(?:for|of)\s+(?:the\s+|this\s+|their\s+)?(?:current|present|index|primary)\s+"
    r"(?:malignancy|cancer|tumou?r|disease)\b",
    re.IGNORECASE,
)
# "within 5 years prior to diagnosis of the current malignancy"
_BEFORE_DIAGNOSIS = re.compile(
    r"\s*within\s+(?:the\s+)?(?:past\s+|last\s+)?(?P<n>\d+|one|two|three|four|five|six)\s*"
    r"(?P<unit>years?|months?)\s+(?:prior to|before)\s+(?:the\s+)?diagnosis of (?:the\s+)?"
    r"(?:current\s+)?(?:malignancy|cancer)\b",
    re.IGNORECASE,
)
_SITES = {"breast": ("breast", "mastectomy", "lumpectomy", "quadrantectomy")}
_RADIOTHERAPY = re.compile(
    r"\b(?:radical\s+|palliative\s+|curative\s+)?(?:radiation(?:\s+therapy)?|radiotherapy)\b", re.I
)
_TIMING = re.compile(
    r"\bwithin\s+(?:the\s+)?(?:past\s+|last\s+|prior\s+)?(?P<a>\d+|one|two|three|four|six)\s*"
    r"(?P<ua>days?|weeks?|months?)|\b(?P<b>\d+|one|two|three|four|six)\s*(?P<ub>days?|weeks?)\s+"
    r"(?:prior to|before)\b",
    re.IGNORECASE,
)
_CURRENT = re.compile(
    r"\b(?:concurrent|concomitant|currently\s+(?:receiving|on)|ongoing|receiving|"
    r"(?<!prior )(?<!previous )use of|"
    r"requiring|support of)\s+"
    r"(?:\w+\s+){0,3}$",
    re.IGNORECASE,
)
_COMPLETED = re.compile(
    r"\b(?:completed|discontinued|stopped|finished)\s+(?:all\s+|any\s+)?(?:prior\s+|previous\s+)?"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_REACTION = re.compile(
    r"(?:(?:experienced|had|history of)\s+)?(?:(?:certain|serious|severe|significant|"
    r"immune-related|any)\s+)*(?:side effects?|toxicit\w+|adverse (?:events?|reactions?)|intolerance|hypersensitivity|"
    r"allergic reactions?)\s+(?:\w+\s+){0,3}?(?:with|to|from|of|caused by|related to|after|due "
    r"to)\s+(?:the\s+)?(?:any\s+)?(?:prior\s+|previous\s+)?(?:[\w]+-?\s+){0,2}$",
    re.IGNORECASE,
)
_ABOUT_THERAPY = re.compile(
    r"\b(?:prior|previous(?:ly)?|received|receiving|treatment with|therapy with|treated with|"
    r"concurrent|concomitant|completed|discontinued|within|ongoing|side effects|toxicit|"
    r"history of|use of|weeks|days|requir\w*|support|without|had|regimens?|includ\w*|"
    r"underg\w+)\b",
    re.IGNORECASE,
)
_HALF_LIVES = re.compile(
    r"\bor\s+\d+\s+half-?lives\b(?:,?\s*if known)?(?:\s*\([^)]*\))?(?:,?\s*\(?whichever is "
    r"(?:shorter|longer)[^;.)]*\)?)?",
    re.IGNORECASE,
)
# "within 5 years prior to diagnosis of the current malignancy": the whole anchor is timing
_TIMING_PHRASE = re.compile(
    r"\s*within\s+\d+\s+(?:days?|weeks?|months?|years?)\s+(?:prior to|before|of)\s+(?:the\s+)?"
    r"(?:\w+\s+){0,5}?(?:dosing of (?:the )?(?:investigational|study) (?:agent|product|drug|"
    r"treatment)s?|dose|diagnosis of (?:the )?(?:current )?(?:malignancy|cancer)|"
    r"enrol\w*|randomi[sz]ation|registration|study drug|study treatment|leukapheresis|"
    r"apheresis)",
    re.IGNORECASE,
)
_INVESTIGATIONAL = re.compile(r"(?:experimental|investigational)\b", re.IGNORECASE)
_DOSE = re.compile(r"[<>≥≤]\s*\d+(?:\.\d+)?\s*mg", re.IGNORECASE)
# "contraindication to the use of chemotherapy" is not about having received it
_NOT_RECEIVING = re.compile(r"contra-?\s*indicat\w*[^.;]{0,40}$", re.IGNORECASE)
# "infection requiring systemic therapy": a bare "systemic therapy" that is not anticancer
_OTHER_SYSTEMIC = re.compile(
    r"infect|autoimmun|steroid|immunosuppress|disease|illness|syndrome", re.IGNORECASE
)
_HORMONE_FOR_IMMUNOSUPPRESSION = re.compile(r"immunosuppress|prednisone|steroid", re.IGNORECASE)


def _n(raw: str) -> int:
    return _NUMBERS.get(raw.lower()) or int(raw)


def lines(text: str) -> Iterator[Found]:
    progressed = bool(_PROGRESSION.search(text))
    for m in _LINES_MIN.finditer(text):
        constraint = PriorLinesConstraint(min_lines=_n(m["n"]), progressed=progressed)
        yield m.start(), m.end(), constraint
        # "has failed at least one …": the progression word is read with it (a repeat, deduped)
        verb = _PROGRESSED_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
        if verb is not None:
            yield max(0, m.start() - 30) + verb.start(), m.start(), constraint
    for m in _LINES_MAX.finditer(text):
        yield m.start(), m.end(), PriorLinesConstraint(max_lines=_n(m["n"]))
    received = list(_RECEIVED_AND_PROGRESSED.finditer(text))
    for m in received:
        yield m.start(), m.end(), PriorLinesConstraint(min_lines=1, progressed=True)
    if received or _LINES_MIN.search(text):
        return
    for m in _FAILED.finditer(text):
        yield m.start(), m.end(), PriorLinesConstraint(min_lines=1, progressed=True)


def _class_spans(text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, class, members) of every therapy phrase."""
    spans: list[tuple[int, int, str, tuple[str, ...]]] = []
    classes = drugs.members()
    for pattern, name in DRUG_CLASS_PATTERNS:
        spans += [(m.start(), m.end(), name, DRUG_CLASSES[name]) for m in pattern.finditer(text)]
    for phrase, name in _CLASS_PHRASES:
        for m in re.finditer(phrase, text, re.IGNORECASE):
            if name == "endocrine therapy" and _HORMONE_FOR_IMMUNOSUPPRESSION.search(
                text[m.end() : m.end() + 60]
            ):
                continue
            members = _FIXED_MEMBERS.get(name) or tuple(sorted(classes.get(name, frozenset())))
            spans.append((m.start(), m.end(), name, members))
    for drug, _, _, _ in drugs.MOALMANAC:
        for m in re.finditer(rf"\b{re.escape(drug)}\b", text, re.IGNORECASE):
            spans.append((m.start(), m.end(), drug, (drug,)))
    for alias, drug in _DRUG_ALIASES.items():
        for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}\b", text, re.IGNORECASE):
            spans.append((m.start(), m.end(), drug, (drug,)))
    return _outermost(spans)


def _outermost(
    spans: list[tuple[int, int, str, tuple[str, ...]]],
) -> list[tuple[int, int, str, tuple[str, ...]]]:
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str, tuple[str, ...]]] = []
    for span in spans:
        if not any(k[0] <= span[0] and span[1] <= k[1] for k in kept):
            kept.append(span)
    return kept


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(";", 0, start), text.rfind(". ", 0, start)) + 1
    ends = [i for i in (text.find(";", end), text.find(". ", end)) if i != -1]
    return left, min(ends) if ends else len(text)


_ANY_TIME = re.compile(
    r"\bwithin\b|\bprior to\b|\bbefore\b|\bafter\b|\bsince\b|\b(?:last|past)\s+\d|\byears?\b",
    re.IGNORECASE,
)
# a window counts back from the study start (screening); other anchors are not read
_OTHER_ANCHOR = re.compile(r"\bdiagnosis\b|\bsurgery\b|\bprogression\b", re.IGNORECASE)


def _window(clause: str) -> tuple[int | None, bool]:
    """(days, unread): the window in days, and whether a time qualifier was left unread."""
    found = _TIMING.search(clause)
    if not found or _OTHER_ANCHOR.search(clause[found.end() : found.end() + 40]):
        return None, bool(_ANY_TIME.search(clause))
    n = _n(found["a"] or found["b"])
    unit = (found["ua"] or found["ub"]).lower()
    return n * {"d": 1, "w": 7, "m": 30}[unit[0]], False


# "must have progressed or been intolerant to prior …", "who have progression after prior …"
# (a bare "progression within 6 months of …" is a timing, not this)
_INTOLERANT = (
    r"\s*(?:,|or|and/or)\s*(?:have\s+|has\s+)?(?:been\s+|were\s+|was\s+|are\s+|is\s+)?"
    r"intoleran(?:t|ce)(?:\s+(?:to|of))?"
)
_PROGRESSED_ON = re.compile(
    r"\b(?:have\s+|has\s+|had\s+)?(?:progressed|(?:disease\s+)?progression|relapsed|recurred|"
    r"been refractory|refractory)(?:\s+(?:on|after|during|following|to|with)\b"
    r"(?:\s+or\s+(?:after|following)\b)?(?:" + _INTOLERANT + r")?|" + _INTOLERANT + r")"
    r"(?:\s+(?:the|a|any))?(?:\s+(?:prior|previous))?\s+",
    re.IGNORECASE,
)


def progressed_on(text: str, found: list[Found]) -> list[Found]:
    """Therapies named after "progressed on …" in the same sentence need progression after them;
    the first one's span starts at the progression words (read with it)."""
    out = sorted(found, key=lambda f: f[0])
    for m in _PROGRESSED_ON.finditer(text):
        stop = re.search(r"[.;]", text[m.end() :])
        end = m.end() + stop.start() if stop else len(text)
        first = True
        for i, (s, e, c) in enumerate(out):
            if not (m.end() <= s < end and _received_therapy(c)):
                continue
            flagged = c.model_copy(update={"progressed": True})
            out[i] = (m.start() if first else s, e, flagged)
            first = False
    return out


def _received_therapy(c: object) -> bool:
    return isinstance(c, PriorTherapyConstraint) and c.modality == "medicine" and not c.current


def _before_diagnosis(text: str, end: int) -> int | None:
    """Days of "within 5 years prior to diagnosis of the current malignancy" after a therapy."""
    anchored = _BEFORE_DIAGNOSIS.match(text, end)
    if anchored is None:
        return None
    return _n(anchored["n"]) * (365 if anchored["unit"].lower().startswith("y") else 30)


def prior_therapies(text: str, section: str) -> Iterator[Found]:
    del section  # negation ("no prior …") is read by ``negation`` for every constraint
    if not _ABOUT_THERAPY.search(text):
        return
    for start, end, name, members in _class_spans(text):
        left, right = _clause(text, start, end)
        before = text[left:start]
        if _NOT_RECEIVING.search(before):
            continue
        bare = re.fullmatch(r"systemic\s+(?:therap(?:y|ies)|treatments?)", text[start:end], re.I)
        if bare and _OTHER_SYSTEMIC.search(text[left:right]):
            continue
        completed = _COMPLETED.search(before)
        reaction = _REACTION.search(before)
        clause = text[left:right]
        window, unread = _window(clause)
        half_lives = _HALF_LIVES.search(text, end, right)
        timing = _TIMING_PHRASE.match(text, end)
        tail = max(end, half_lives.end() if half_lives else 0, timing.end() if timing else 0)
        before_diagnosis = _before_diagnosis(text, end)
        unread = unread and before_diagnosis is None
        lead = reaction or completed or _CURRENT.search(before)
        yield (
            left + lead.start() if lead else start,
            tail,
            PriorTherapyConstraint(
                drug_class=name,
                drugs=members,
                within_days=window,
                timing_unread=(unread and not completed)
                or bool(_DOSE.search(clause))
                or bool(DURATION.search(text[max(0, start - 60) : start])),
                current=bool(completed) or bool(_CURRENT.search(before)),
                negated=bool(completed),
                presupposed=reaction is not None,
                half_lives=half_lives is not None and window is not None,
                investigational_only=bool(_INVESTIGATIONAL.match(text, start)),
                before_diagnosis_days=before_diagnosis,
            ),
        )
    for m in _MAJOR_SURGERY.finditer(text):
        left, right = _clause(text, m.start(), m.end())
        window, unread = _window(text[left:right])
        if window is None or m["major"] or _SURGERY.search(text, max(0, m.start() - 20), m.end()):
            # no window ("history of major surgery"); "major surgery within N" is a recent event
            # (read_screening, which names the last operation); or a named site (below)
            continue
        timing = _TIMING_PHRASE.match(text, m.end())
        yield (
            m.start(),
            timing.end() if timing else m.end(),
            PriorTherapyConstraint(
                drug_class="surgery", drugs=(), modality="surgery", within_days=window
            ),
        )
    for m in _SURGERY.finditer(text):
        qualified = _DEFINITIVE.search(text[max(0, m.start() - 40) : m.start()])
        current = _FOR_CURRENT.match(text, m.end())
        yield (
            max(0, m.start() - 40) + qualified.start() if qualified else m.start(),
            current.end() if current else m.end(),
            PriorTherapyConstraint(
                drug_class="breast surgery", drugs=_SITES["breast"], modality="surgery",
                for_current_cancer=current is not None,
            ),
        )  # fmt: skip
    for m in _RADIOTHERAPY.finditer(text):
        left, right = _clause(text, m.start(), m.end())
        window, unread = _window(text[left:right])
        prior = re.search(
            r"\b(?:prior|previous|received|receiving|underg\w+|had)\b[^.;]{0,60}$",
            text[left : m.start()],
        )
        current = _CURRENT.search(text[left : m.start()])  # "ongoing radiation therapy"
        if unread or (window is None and not prior and not current):
            continue  # "treated with radiotherapy" describes something else
        yield (
            left + current.start() if current else m.start(),
            m.end(),
            PriorTherapyConstraint(
                drug_class="radiotherapy", drugs=(), within_days=window, modality="radiotherapy",
                current=current is not None,
            ),
        )  # fmt: skip
