# SPDX-License-Identifier: Apache-2.0
"""Laboratory and cardiac thresholds in eligibility text, in one canonical unit per analyte.

Counts: 1/µL = 1/mm³ = 10⁶/L, so 1,500/µL = 1.5 × 10⁹/L. Haemoglobin and albumin 90 g/L =
9.0 g/dL. Creatinine and bilirubin in µmol/L convert to mg/dL by 88.4 and 17.1 (SI conversion
factors, AMA Manual of Style, 11th ed., table 18.6). QTc in ms, LVEF in %, INR as a ratio,
aPTT/PT in seconds, oxygen saturation (SpO2, pulse oximetry) in %, blood pressure in mmHg. Thresholds relative to the
upper limit of normal stay "× ULN" (the patient's own lab reference range decides).
"""

from __future__ import annotations

import re

from oncoboard.trials.schemas import LabConstraint, Op

_ANALYTES: tuple[tuple[str, str], ...] = (
    ("anc", r"absolute neutrophil count|\bANC\b|\bneutrophils\b"),
    ("lymphocytes", r"absolute lymphocyte count|\bALC\b"),
    ("platelets", r"\bplatelets?(?: count)?(?! poor)"),
    ("hemoglobin", r"\bha?emoglobin\b|\bHgb\b"),
    ("wbc", r"\bWBC\b|white blood cell count"),
    ("creatinine_clearance", r"creatinine clearance|\bCrCl\b"),
    ("creatinine", r"\bcreatinine(?! clearance)"),
    ("bilirubin", r"\bbilirubin\b"),
    ("alt", r"alanine amino ?transferase|\bALT\b"),
    ("ast", r"aspartate amino ?transferase|\bAST\b"),
    ("albumin", r"(?<!human )(?<!serum )\balbumin\b|(?<=serum )albumin"),
    ("inr", r"\bINR\b|international normali[sz]ed ratio"),
    ("aptt", r"\ba?PTT\b|(?:activated )?partial thromboplastin time"),
    ("pt", r"\bPT\b|prothrombin time"),
    ("qtc", r"\bQTc[FB]?\b(?:\s*interval)?|\bQT interval corrected(?: for heart rate)?(?: (?:using|by) "
     r"\w+'?s? formula)?(?:\s*\(QTc[FB]?\))?|\bcorrected QT(?: interval)?"),
    ("lvef", r"\bLVEF\b|(?:left ventricular )?ejection fraction(?:\s*\(LVEF\))?"),
    ("systolic_bp", r"\bsystolic (?:blood )?pressure(?:\s*\(SBP\))?|\bSBP\b"),
    ("diastolic_bp", r"\bdiastolic (?:blood )?pressure(?:\s*\(DBP\))?|\bDBP\b|\bdiastolic\b"),
    ("spo2", r"(?:(?:blood |peripheral |resting )?oxygen saturation|\bSp[Oo]2\b|\bSaO2\b|"
     r"pulse oximetry)(?:\s*\((?:Sp[Oo]2|SaO2)\))?(?:\s*(?:on|at) room air|\s*\(on room air\))?"),
)  # fmt: skip
_OPS: dict[str, Op] = {
    "≥": ">=", ">=": ">=", "greater than or equal to": ">=", "at least": ">=",
    ">": ">", "greater than": ">", "more than": ">",
    "≤": "<=", "<=": "<=", "less than or equal to": "<=", "no more than": "<=",
    "<": "<", "less than": "<", "below": "<",
}  # fmt: skip
_OP = "|".join(sorted((re.escape(k) for k in _OPS), key=len, reverse=True))
OPS = _OPS  # the comparison words, shared with the blood-pressure reader
_FILLER = (
    r"(?:\s*\([^)]{0,40}\))?(?:\s*(?:count|level|value|is|of|must be|should be|:))*"
    r"(?:\s*\([^)]{0,40}\))?(?:\s*(?:calculated from \d+ \w+|on \w+))?\s*"
)
_VALUE = r"(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_UNITS: tuple[tuple[str, str], ...] = (
    ("per_1e9_l", r"[x×]\s*10\s*\^?\s*(?:9|⁹)\s*/\s*L"),
    ("per_ul", r"/\s*(?:mm\s*\^?\s*3|mm³|µL|μL|uL|mcL)"),
    ("g_dl", r"g\s*/\s*dL"),
    ("g_l", r"g\s*/\s*L"),
    ("mg_dl", r"mg\s*/\s*dL"),
    ("umol_l", r"[µμu]mol\s*/\s*L"),
    ("ml_min_bsa", r"mL\s*/\s*min\s*/\s*1\.73\s*m\s*(?:2|²)"),
    ("ml_min", r"mL\s*/\s*min"),
    (
        "uln",
        r"(?:[x×]|times)\s*(?:the\s*)?(?:institutional\s*)?(?:ULN|upper limit of (?:the\s*)?"
        r"(?:institutional\s*)?normal(?:\s*(?:range|value|limit))?(?:\s*\((?:ULN)?\))?)",
    ),
    ("ms", r"m(?:illi)?sec(?:onds?)?\b|ms\b"),
    ("seconds", r"s(?:ec(?:onds?)?)?\b"),
    ("percent", r"%"),
    ("mmhg", r"mm\s*\[?Hg\]?"),
)
_UNIT = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _UNITS)
_UNITLESS = frozenset({"inr"})  # "INR ≤ 1.5": a ratio without a unit
_PATTERNS = tuple(
    (
        analyte,
        re.compile(
            rf"(?:{names}){_FILLER}(?P<op>{_OP})\s*{_VALUE}\s*(?:{_UNIT})"
            + ("?" if analyte in _UNITLESS else ""),
            re.IGNORECASE,
        ),
    )
    for analyte, names in _ANALYTES
)
_RELATIVE = ("bilirubin", "creatinine", "alt", "ast", "aptt", "pt")
_BARE_ULN = tuple(
    (
        analyte,
        re.compile(
            rf"(?:{names}){_FILLER}(?P<op>{_OP}|under)\s*(?:the\s*)?(?:institutional\s*)?"
            r"(?:ULN|upper limit of (?:the\s*)?(?:institutional\s*)?normal(?: range)?"
            r"(?:\s*\(ULN\))?)",
            re.IGNORECASE,
        ),
    )
    for analyte, names in _ANALYTES
    if analyte in _RELATIVE
)
# "AST and ALT ≤ 1.5 × ULN": the other transaminase named just before shares the threshold
_SHARED = {
    "alt": re.compile(
        r"(?:\bAST\b|aspartate amino ?transferase)(?:\s*\([^)]{0,30}\))?\s*(?:and/or|and|or|/|,)"
        r"\s*(?:serum\s*)?$",
        re.IGNORECASE,
    ),
    "ast": re.compile(
        r"(?:\bALT\b|alanine amino ?transferase)(?:\s*\([^)]{0,30}\))?\s*(?:and/or|and|or|/|,)"
        r"\s*(?:serum\s*)?$",
        re.IGNORECASE,
    ),
}
_COUNTS = {"anc", "lymphocytes", "platelets", "wbc"}
_MG_DL_PER_UMOL_L = {"creatinine": 1 / 88.4, "bilirubin": 1 / 17.1}
# Above this a haemoglobin "g/dL" threshold is not physiological (typo for g/L): not structured.
_MAX_HB_G_DL = 25.0
_SIMPLE: dict[tuple[str, str], str] = {
    ("qtc", "ms"): "ms", ("lvef", "percent"): "%", ("inr", ""): "ratio", ("spo2", "percent"): "%",
    ("systolic_bp", "mmhg"): "mmHg", ("diastolic_bp", "mmhg"): "mmHg",
    ("aptt", "seconds"): "s", ("pt", "seconds"): "s",
    ("creatinine_clearance", "ml_min"): "mL/min",
    ("creatinine_clearance", "ml_min_bsa"): "mL/min/1.73m2",
}  # fmt: skip


def convert(analyte: str, value: float, unit: str) -> tuple[float, str] | None:
    """(value, canonical unit), or None when the unit does not fit the analyte.

    Examples
    --------
    >>> convert("anc", 1500, "per_ul"), convert("hemoglobin", 90, "g_l")
    ((1.5, '10^9/L'), (9.0, 'g/dL'))
    >>> convert("qtc", 470, "ms"), convert("inr", 1.5, "")
    ((470, 'ms'), (1.5, 'ratio'))
    """
    if analyte in _COUNTS:
        if unit == "per_ul":
            return round(value / 1000, 6), "10^9/L"
        return (value, "10^9/L") if unit == "per_1e9_l" else None
    if analyte in ("hemoglobin", "albumin"):
        grams = {"g_dl": value, "g_l": value / 10}.get(unit)
        return None if grams is None or grams > _MAX_HB_G_DL else (round(grams, 6), "g/dL")
    if (analyte, unit) in _SIMPLE:
        return value, _SIMPLE[(analyte, unit)]
    if analyte in ("qtc", "lvef", "inr", "creatinine_clearance", "spo2", "systolic_bp",
                   "diastolic_bp"):  # fmt: skip
        return None
    if unit == "uln":
        return value, "x ULN"
    if unit == "mg_dl" and analyte in _MG_DL_PER_UMOL_L:
        return value, "mg/dL"
    if unit == "umol_l" and analyte in _MG_DL_PER_UMOL_L:
        return round(value * _MG_DL_PER_UMOL_L[analyte], 4), "mg/dL"
    return None


# "… < 95% on room air", "(at rest, on room air)", "without supplemental oxygen"
_ROOM_AIR = re.compile(
    r"\s*,?\s*\(?\s*(?:at rest\s*,?\s*)?(?:on|at|in|while breathing|breathing)\s+(?:ambient\s+)?"
    r"room air\s*\)?|\s*,?\s*\(?\s*without (?:supplemental|supplementary) oxygen\s*\)?",
    re.IGNORECASE,
)


def find(text: str) -> list[tuple[int, int, LabConstraint]]:
    """Every threshold in ``text`` with its span; "ALT/AST ≤ 5 × ULN" gives both."""
    found: list[tuple[int, int, LabConstraint]] = []
    for analyte, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            unit = next((name for name, _ in _UNITS if match.group(name)), "")
            value = float(match.group("value").replace(",", ""))
            converted = convert(analyte, value, unit)
            if converted is None:
                continue
            constraint = LabConstraint(
                analyte=analyte,
                op=_OPS[match.group("op").lower()],
                value=converted[0],
                unit=converted[1],
                as_written=match.group(0),
            )
            end = match.end()
            air = _ROOM_AIR.match(text, end) if analyte == "spo2" else None
            if air:
                constraint = constraint.model_copy(update={"on_room_air": True})
                end = air.end()
            found.append((match.start(), end, constraint))
    found += _bare_uln(text, found)
    found += _shared(text, found)
    return sorted(found, key=lambda f: (f[0], f[2].analyte))


def _shared(
    text: str, found: list[tuple[int, int, LabConstraint]]
) -> list[tuple[int, int, LabConstraint]]:
    out = []
    for start, end, constraint in found:
        pattern = _SHARED.get(constraint.analyte)
        if pattern is None:
            continue
        before = pattern.search(text[max(0, start - 70) : start])
        if before is None:
            continue
        other = "ast" if constraint.analyte == "alt" else "alt"
        if any(c.analyte == other and s <= start < e for s, e, c in found):
            continue
        shift = max(0, start - 70) + before.start()
        out.append((shift, end, constraint.model_copy(update={"analyte": other})))
    return out


def _bare_uln(
    text: str, found: list[tuple[int, int, LabConstraint]]
) -> list[tuple[int, int, LabConstraint]]:
    """ "bilirubin ≤ ULN", "creatinine below the upper limit of normal" mean ≤/< 1 × ULN."""
    out = []
    for analyte, pattern in _BARE_ULN:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e, _ in found):
                continue
            op = match.group("op").lower()
            constraint = LabConstraint(
                analyte=analyte,
                op="<" if op == "under" else _OPS[op],
                value=1.0,
                unit="x ULN",
                as_written=match.group(0),
            )
            out.append((match.start(), match.end(), constraint))
    return out
