# SPDX-License-Identifier: Apache-2.0
"""Drugs → therapy type and classes, for prior-therapy criteria.

Each row is a fact as MOAlmanac's therapy list gives it (``referenced/therapies.json`` of
vanallenlab/moalmanac-db, release "draft" of 2026-05-07; Reardon B. et al., Nat Cancer 2021,
doi:10.1038/s43018-021-00243-3): drug name, NCIt code, therapy type (cancer.gov types) and
therapy strategy (mechanism). OncoBoard's classes are defined on those values (``CLASSES``);
the KRAS G12C/G12D and EGFR-TKI members come from the prescribing information named in
``vocabulary.py``. MOAlmanac lists two HER2 antibodies with a hormone-therapy type or an ER
strategy (margetuximab, zanidatamab); they are kept out of the endocrine class.

Corticosteroids: MOAlmanac has prednisone and prednisolone (strategy "Corticosteroid"); the
other systemic corticosteroids below and the INN stems ``-cort-``, ``-olone``, ``-onide``,
``-methasone``/``-metasone`` are from the WHO INN stem list as recalled, **not verified
offline** (docs/trials.md). A drug is matched by its generic name; brand names are not mapped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

# (name, NCIt code, therapy type, therapy strategy) as MOAlmanac lists them
MOALMANAC: tuple[tuple[str, str, str, str], ...] = (
    ("brentuximab vedotin", "C66944", "Targeted therapy", "target CD30 antigens"),
    ("dacarbazine", "C411", "Chemotherapy", "Nonclassical alkylating chemotherapy"),
    ("doxorubicin", "C456", "Chemotherapy", "Topoisomerase inhibition"),
    ("vinblastine", "C930", "Targeted therapy", "Vinca alkaloid chemotherapy"),
    ("everolimus", "C48387", "Targeted therapy", "PI3K/AKT/mTOR inhibition"),
    ("exemestane", "C1097", "Hormone therapy", "Aromatase inhibition"),
    ("niraparib", "C80059", "Targeted therapy", "PARP inhibition"),
    ("abiraterone acetate", "C68845", "Hormone therapy", "Antiandrogen"),
    ("prednisolone", "C769", "Chemotherapy", "Corticosteroid"),
    ("alectinib", "C101790", "Targeted therapy", "ALK inhibition"),
    ("brigatinib", "C98831", "Targeted therapy", "ALK inhibition"),
    ("bevacizumab", "C2039", "Targeted therapy", "VEGF inhibition"),
    ("erlotinib", "C65530", "Targeted therapy", "EGFR inhibition"),
    ("avapritinib", "C123827", "Targeted therapy", "KIT inhibition"),
    ("inotuzumab ozogamicin", "C71542", "Targeted therapy", "BCR-ABL inhibition"),
    ("blinatumomab", "C62528", "Immunotherapy", "CD19 inhibition"),
    ("bosutinib", "C60809", "Targeted therapy", "BCR-ABL inhibition"),
    ("binimetinib", "C84865", "Targeted therapy", "MEK inhibition"),
    ("encorafenib", "C98283", "Targeted therapy", "B-RAF inhibition"),
    ("cetuximab", "C1723", "Targeted therapy", "EGFR inhibition"),
    ("vandetanib", "C2737", "Targeted therapy", "RET inhibition"),
    ("cobimetinib", "C68923", "Targeted therapy", "MEK inhibition"),
    ("vemurafenib", "C64768", "Targeted therapy", "B-RAF inhibition"),
    ("ramucirumab", "C70792", "Targeted therapy", "VEGF/VEGFR inhibition"),
    ("docetaxel", "C1526", "Chemotherapy", "Taxane-based chemotherapy"),
    ("trastuzumab", "C1647", "Targeted therapy", "HER2 inhibition"),
    ("trastuzumab deruxtecan", "C128799", "Targeted therapy", "HER2 inhibition"),
    ("irinotecan", "C62040", "Chemotherapy", "Topoisomerase I inhibition"),
    ("oxaliplatin", "C1181", "Chemotherapy", "Platinum-based chemotherapy"),
    ("fluorouracil", "C505", "Chemotherapy", "Thymidylate synthase inhibition"),
    ("fulvestrant", "C1379", "Hormone therapy", "Estrogen receptor inhibition"),
    ("palbociclib", "C49176", "Targeted therapy", "CDK4/6 inhibition"),
    ("pralsetinib", "C132295", "Targeted therapy", "RET inhibition"),
    ("gefitinib", "C1855", "Targeted therapy", "EGFR inhibition"),
    ("afatinib", "C66940", "Targeted therapy", "EGFR inhibition"),
    ("paclitaxel", "C1411", "Chemotherapy", "Taxane-based chemotherapy"),
    ("anastrozole", "C1607", "Hormone therapy", "Aromatase inhibition"),
    ("carboplatin", "C1282", "Chemotherapy", "Platinum-based chemotherapy"),
    ("capecitabine", "C1794", "Chemotherapy", "Thymidylate synthase inhibition"),
    ("cisplatin", "C376", "Chemotherapy", "Platinum-based chemotherapy"),
    ("letrozole", "C1527", "Hormone therapy", "Aromatase inhibition"),
    ("imatinib", "C62035", "Targeted therapy", "Bcr-Abl inhibition; c-Kit inhibition; PDGF-R inhibition"),
    ("ponatinib", "C95777", "Targeted therapy", "BCR-ABL inhibition"),
    ("durvalumab", "C103194", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("tremelimumab", "C49085", "Immunotherapy", "CTLA-4 inhibition"),
    ("olaparib", "C71721", "Targeted therapy", "PARP inhibition"),
    ("dostarlimab", "C126799", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("pembrolizumab", "C106432", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("pemetrexed", "C61614", "Chemotherapy", "Antifolate"),
    ("gemcitabine", "C66876", "Chemotherapy", "Antimetabolite"),
    ("nab-paclitaxel", "C2688", "Chemotherapy", "Taxane-based chemotherapy"),
    ("trastuzumab emtansine", "C82492", "Targeted therapy", "HER2 inhibition"),
    ("ribociclib", "C95701", "Targeted therapy", "CDK4/6 inhibition"),
    ("adagrasib", "C157493", "Targeted therapy", "RAS inhibition"),
    ("cemiplimab", "C121540", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("lorlatinib", "C113655", "Targeted therapy", "ALK inhibition"),
    ("sotorasib", "C154287", "Targeted therapy", "RAS inhibition"),
    ("futibatinib", "C114283", "Targeted therapy", "FGFR inhibition"),
    ("cyclophosphamide", "C405", "Chemotherapy", "Alkylating chemotherapy"),
    ("rituximab", "C1702", "Immunotherapy", "CD20 inhibition"),
    ("vincristine", "C933", "Chemotherapy", "Vinca alkaloid chemotherapy"),
    ("corticosteroid", "C2322", "Hormone therapy", "Anti-inflammatory"),
    ("cytarabine", "C408", "Chemotherapy", "DNA Polymerase inhibition"),
    ("etoposide", "C491", "Chemotherapy", "Topoisomerase inhibition"),
    ("methotrexate", "C642", "Chemotherapy", "Antifolate"),
    ("trametinib", "C77908", "Targeted therapy", "MEK inhibition"),
    ("dabrafenib", "C82386", "Targeted therapy", "B-RAF inhibition"),
    ("daunorubicin", "C62091", "Chemotherapy", "Topoisomerase inhibition"),
    ("gemtuzumab ozogamicin", "C1806", "Immunotherapy", "CD33 inhibition"),
    ("neratinib", "C49094", "Targeted therapy", "HER2 inhibition"),
    ("ipilimumab", "C2654", "Immunotherapy", "CTLA-4 inhibition"),
    ("nivolumab", "C68814", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("relatlimab", "C111999", "Immunotherapy", "LAG-3 inhibition"),
    ("elacestrant", "C120211", "Hormone therapy", "ER signaling inhibition"),
    ("pertuzumab", "C38692", "Targeted therapy", "HER2 inhibition"),
    ("epirubicin", "C62028", "Chemotherapy", "Topoisomerase inhibition"),
    ("alpelisib", "C94214", "Targeted therapy", "PI3K/AKT/mTOR inhibition"),
    ("selpercatinib", "C134987", "Targeted therapy", "RET inhibition"),
    ("lenalidomide", "C2668", "Chemotherapy", "Angiogenesis inhibition"),
    ("entrectinib", "C114984", "Targeted therapy", "ALK inhibition; ROS1 inhibition; NTRK inhibition"),
    ("midostaurin", "C1872", "Targeted therapy", "FLT3 inhibition"),
    ("asciminib", "C114494", "Targeted therapy", "BCR-ABL inhibition"),
    ("dasatinib", "C38713", "Targeted therapy", "BCR-ABL inhibition"),
    ("capmatinib", "C90564", "Targeted therapy", "MET inhibition"),
    ("osimertinib", "C116377", "Targeted therapy", "EGFR inhibition"),
    ("talazoparib", "C95733", "Targeted therapy", "PARP inhibition"),
    ("nilotinib", "C48375", "Targeted therapy", "BCR-ABL inhibition"),
    ("atezolizumab", "C106250", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("tepotinib", "C88314", "Targeted therapy", "MET inhibition"),
    ("azacitidine", "C288", "Chemotherapy", "Hypomethylating agent chemotherapy"),
    ("ivosidenib", "C114383", "Targeted therapy", "IDH1 inhibition"),
    ("arsenic trioxide", "C1005", "Targeted therapy", "PML::RARA inhibition"),
    ("sacituzumab govitecan", "C102783", "Targeted therapy", "Topoisomerase inhibition"),
    ("tucatinib", "C77896", "Targeted therapy", "HER2 inhibition"),
    ("lapatinib", "C26653", "Targeted therapy", "HER2 inhibition"),
    ("panitumumab", "C1857", "Targeted therapy", "EGFR inhibition"),
    ("venetoclax", "C103147", "Targeted therapy", "BCL2 inhibition"),
    ("abemaciclib", "C97660", "Targeted therapy", "CDK4/6 inhibition"),
    ("larotrectinib", "C115977", "Targeted therapy", "NTRK inhibition"),
    ("dacomitinib", "C53398", "Targeted therapy", "EGFR inhibition"),
    ("crizotinib", "C74061", "Targeted therapy", "ALK inhibition; MET inhibition; ROS1 inhibition"),
    ("gilteritinib", "C116722", "Targeted therapy", "FLT3 inhibition"),
    ("idelalisib", "C78825", "Targeted therapy", "PI3K/AKT/mTOR inhibition"),
    ("ceritinib", "C115112", "Targeted therapy", "ALK inhibition"),
    ("tislelizumab", "C121775", "Immunotherapy", "PD-1/PD-L1 inhibition"),
    ("amivantamab", "C124993", "Targeted therapy", "EGFR inhibition"),
    ("capivasertib", "C102564", "Targeted therapy", "PI3K/AKT/mTOR inhibition"),
    ("erdafitinib", "C103273", "Targeted therapy", "FGFR inhibition"),
    ("zolbetuximab", "C85475", "Immunotherapy", "CLDN18.2 inhibition"),
    ("zanubrutinib", "C141428", "Targeted therapy", "BTK inhibition"),
    ("acalabrutinib", "C113442", "Targeted therapy", "BTK inhibition"),
    ("ibrutinib", "C81934", "Targeted therapy", "BTK inhibition"),
    ("ifosfamide", "C564", "Chemotherapy", "Alkylating chemotherapy"),
    ("vinorelbine", "C1275", "Chemotherapy", "Vinca alkaloid chemotherapy"),
    ("tamoxifen", "C62078", "Hormone therapy", "Estrogen receptor inhibition"),
    ("ofatumumab", "C66952", "Immunotherapy", "CD20 inhibition"),
    ("bendamustine", "C73261", "Chemotherapy", "Alkylating chemotherapy"),
    ("prednisone", "C770", "Chemotherapy", "Corticosteroid"),
    ("chlorambucil", "C362", "Chemotherapy", "Alkylating chemotherapy"),
    ("mitoxantrone", "C62050", "Chemotherapy", "Topoisomerase inhibition"),
    ("interferon alpha", "C20494", "Immunotherapy", "Cytokine stimulation"),
    ("enasidenib", "C111573", "Targeted therapy", "IDH2 inhibition"),
    ("infigratinib", "C88302", "Targeted therapy", "FGFR2 inhibition"),
    ("margetuximab", "C91733", "Hormone therapy", "HER2 inhibition"),
    ("eribulin", "C96748", "Chemotherapy", "Tubulin polymerization inhibition"),
    ("mobocertinib", "C126752", "Targeted therapy", "EGFR inhibition"),
    ("olutasidenib", "C129687", "Targeted therapy", "IDH1 inhibition"),
    ("lenvatinib", "C95124", "Targeted therapy", "VEGFR inhibition"),
    ("pemigatinib", "C121553", "Targeted therapy", "FGFR inhibition"),
    ("repotrectinib", "C133821", "Targeted therapy", "ROS inhibition"),
    ("fludarabine", "C1094", "Chemotherapy", "Antimetabolite"),
    ("rucaparib", "C137800", "Targeted therapy", "PARP inhibition"),
    ("tazemetostat", "C107506", "Targeted therapy", "EZH2 inhibition"),
    ("enzalutamide", "C71744", "Hormone therapy", "Antiandrogen"),
    ("lazertinib", "C148147", "Targeted therapy", "EGFR inhibition"),
    ("mirvetuximab soravtansine", "C102566", "Chemotherapy", "Folate receptor-alpha inhibition"),
    ("tovorafenib", "C106254", "Targeted therapy", "B-RAF inhibition"),
    ("vorasidenib", "C152914", "Targeted therapy", "IDH1/2 inhibition"),
    ("goserelin", "C1374", "Hormone therapy", "Gonadotropin-releasing hormone (GnRH) agonist"),
    ("inavolisib", "C132166", "Targeted therapy", "PI3K/AKT/mTOR inhibition"),
    ("zanidatamab", "C130010", "Targeted therapy", "ER signaling inhibition"),
    ("zenocutuzumab", "C152948", "Targeted therapy", "NRG1 inhibition"),
    ("ensartinib", "C102754", "Targeted therapy", "ALK inhibition"),
    ("revumenib", "C165776", "Targeted therapy", "Menin inhibition"),
    ("taletrectinib", "C118948", "Targeted therapy", "NTRK inhibition; ROS1 inhibition"),
    ("telisotuzumab vedotin", "C118571", "Targeted therapy", "MET inhibition"),
    ("avutometinib", "C80060", "Targeted therapy", "MEK inhibition; RAF inhibition"),
    ("defactinib", "C79809", "Targeted therapy", "FAK inhibition"),
    ("datopotamab deruxtecan", "C151967", "Targeted therapy", "Topoisomerase inhibition; Trop-2 directed antibody"),
    ("sunvozertinib", "C167205", "Targeted therapy", "EGFR inhibition; HER2 inhibition"),
    ("zongertinib", "C199022", "Targeted therapy", "HER2 inhibition"),
    ("dordaviprone", "C113792", "Targeted therapy", "Protease activation"),
    ("imlunestrant", "C174042", "Targeted therapy", "Estrogen receptor inhibition"),
    ("quizartinib", "C68936", "Targeted therapy", "FLT3 inhibition"),
    ("idarubicin", "C562", "Chemotherapy", "Topoisomerase inhibition"),
    ("ziftomenib", "C164227", "Targeted therapy", "Menin inhibition"),
    ("sevabertinib", "C185187", "Targeted therapy", "EGFR inhibition; HER2 inhibition"),
    ("belzutifan", "C135627", "Targeted therapy", "HIF-2a inhibition"),
)  # fmt: skip

_Rule = Callable[[str, str, str], bool]
_NOT_ENDOCRINE = ("margetuximab", "zanidatamab")
_STEROID_STRATEGIES = ("Corticosteroid", "Anti-inflammatory")


def _systemic(name: str, kind: str, strategy: str) -> bool:
    return strategy not in _STEROID_STRATEGIES and name != "corticosteroid"


def _strategy(*patterns: str) -> _Rule:
    found = re.compile("|".join(patterns))
    return lambda name, kind, strategy: bool(found.search(strategy))


def _endocrine(name: str, kind: str, strategy: str) -> bool:
    if name in _NOT_ENDOCRINE or strategy in _STEROID_STRATEGIES:
        return False
    return kind == "Hormone therapy" or "Estrogen receptor" in strategy


CLASSES: dict[str, _Rule] = {
    "systemic anticancer therapy": _systemic,
    "chemotherapy": lambda n, k, s: k == "Chemotherapy" and s not in _STEROID_STRATEGIES,
    "platinum-based chemotherapy": _strategy("Platinum-based"),
    "taxane": _strategy("Taxane"),
    "fluoropyrimidine": _strategy("Thymidylate synthase"),
    "topoisomerase inhibitor": _strategy("Topoisomerase"),
    "immunotherapy": lambda n, k, s: k == "Immunotherapy",
    "immune checkpoint inhibitor": _strategy("PD-1/PD-L1", "CTLA-4", "LAG-3"),
    "anti-angiogenic therapy": _strategy("VEGF", "Angiogenesis"),
    "EGFR inhibitor": _strategy(r"(?<!V)EGFR inhibition"),
    "CDK4/6 inhibitor": _strategy("CDK4/6"),
    "BRAF inhibitor": _strategy("B-RAF inhibition", r"(?<!-)RAF inhibition"),
    "MEK inhibitor": _strategy("MEK inhibition"),
    "endocrine therapy": _endocrine,
    "targeted therapy": lambda n, k, s: k == "Targeted therapy",
}
# systemic corticosteroids beyond MOAlmanac's two (see the module docstring: unverified)
_STEROIDS = frozenset({
    "prednisone", "prednisolone", "methylprednisolone", "dexamethasone", "hydrocortisone",
    "betamethasone", "budesonide", "triamcinolone", "fludrocortisone", "cortisone",
    "deflazacort",
})  # fmt: skip
# given with fluorouracil as a modulator, not itself of any class here (leucovorin calcium
# prescribing information; not verified offline, docs/trials.md)
SUPPORTIVE = frozenset({"leucovorin", "levoleucovorin", "folinic acid", "calcium folinate"})
_STEROID_STEM = re.compile(r"cort|olone$|onide$|m[e]?thasone$|metasone$", re.IGNORECASE)


@lru_cache(maxsize=1)
def members() -> dict[str, frozenset[str]]:
    """Class name → the MOAlmanac drug names in it (lower case)."""
    out: dict[str, set[str]] = {name: set() for name in CLASSES}
    for drug, _, kind, strategy in MOALMANAC:
        for name, rule in CLASSES.items():
            if rule(drug, kind, strategy):
                out[name].add(drug)
    return {name: frozenset(drugs) for name, drugs in out.items()}


def ncit(drug: str) -> str | None:
    """The NCIt code MOAlmanac gives a drug (lower-case name)."""
    return next((code for name, code, _, _ in MOALMANAC if name == drug), None)


def is_corticosteroid(name: str) -> bool | None:
    """True for a listed corticosteroid, None for a name with a steroid INN stem, else False."""
    words = re.findall(r"[a-z]+", name.lower())
    if any(w in _STEROIDS for w in words):
        return True
    if any(_STEROID_STEM.search(w) for w in words):
        return None
    return False
