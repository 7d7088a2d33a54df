# SPDX-License-Identifier: Apache-2.0
"""``kb diff A B``: which stored patients' results change, on two small hand-built releases.

Release A (rows dated 2024-01-02): 1 BRAF V600E → vemurafenib (FDA-Approved, melanoma),
2 KRAS G12C → sotorasib (FDA-Approved, NSCLC), 3 NRAS Q61K → vemurafenib resistance.
Release B (newest row 2024-06-01): 1 downgraded to "Clinical trial", 2 removed, 3 unchanged,
5 ERBB2 amplification → trastuzumab (breast) added, 6 ALK fusion → alectinib added.
Expected per patient from those rows and the variants written (tests/actionability/test_screening).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.governance.models import AuditRow
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Purpose, Role
from oncoboard.knowledge import service
from oncoboard.knowledge.schemas import KbDiff
from oncoboard.store.db import unit_of_work
from tests.actionability.test_screening import (
    ADMIN,
    BRAF_V600E,
    KRAS_G12C,
    NRAS_RESISTANCE,
    SOTORASIB,
    TRASTUZUMAB,
    VEMURAFENIB,
    import_maf,
    kb_row,
    publish,
    set_consent,
    write_cna,
)
from tests.conftest import make_user
from tests.support import research_names

ALECTINIB = kb_row(6, feature_type="Rearrangement", gene="ALK", gene1="EML4", gene2="ALK",
                   rearrangement_type="Fusion", protein_change="", chromosome="",
                   start_position="", end_position="", reference_allele="", alternate_allele="",
                   therapy_name="Alectinib", oncotree_code="NSCLC",
                   last_updated="2024-06-01")  # fmt: skip
DOWNGRADED = {**VEMURAFENIB, "predictive_implication": "Clinical trial"}


@pytest.fixture
def releases(engine: Engine, tmp_path: Path) -> tuple[str, str]:
    make_user(engine, ADMIN, [Role.ADMIN])
    a = publish(engine, tmp_path / "a.json", [VEMURAFENIB, SOTORASIB, NRAS_RESISTANCE])
    b = publish(engine, tmp_path / "b.json", [DOWNGRADED, NRAS_RESISTANCE, TRASTUZUMAB, ALECTINIB])
    assert (a, b) == ("moalmanac@2024-01-02", "moalmanac@2024-06-01")
    import_maf(engine, tmp_path, "PT-MEL", "SKCM", BRAF_V600E)
    import_maf(engine, tmp_path, "PT-LUNG", "LUAD", KRAS_G12C)
    import_maf(engine, tmp_path, "PT-OBJECTED", "SKCM", BRAF_V600E)
    write_cna(engine, "PT-BREAST", "BRCA", "ERBB2", "amplification")
    set_consent(engine, "PT-OBJECTED", Purpose.TREATMENT, "withdrawn")  # objected to care use
    return a, b


def diff(engine: Engine, user: str, a: str, b: str) -> KbDiff:
    with unit_of_work(engine) as session:
        access = service.authorize_read(session, actor_for(session, user), "diff")
        return service.diff(session=session, access=access, a=a, b=b)


def test_diff_lists_each_patient_whose_result_changes_and_how(
    engine: Engine, releases: tuple[str, str]
) -> None:
    result = diff(engine, ADMIN, *releases)
    assert [x.assertion_id for x in result.added] == ["moalmanac:5", "moalmanac:6"]
    assert [x.assertion_id for x in result.removed] == ["moalmanac:2"]
    impact = result.patients_affected
    assert impact.evaluated and impact.patients_evaluated == 3  # PT-OBJECTED excluded
    found = {(c.patient_id, c.assertion_id): c for c in impact.changes}
    assert set(found) == {
        ("PT-MEL", "moalmanac:1"),  # downgraded
        ("PT-LUNG", "moalmanac:2"),  # removed
        ("PT-BREAST", "moalmanac:5"),  # added
    }  # nobody has an ALK fusion; NRAS row unchanged
    assert impact.patients == ["PT-BREAST", "PT-LUNG", "PT-MEL"]
    melanoma = found[("PT-MEL", "moalmanac:1")]
    assert melanoma.change == "tier changed" and melanoma.therapy == "Vemurafenib"
    assert melanoma.before is not None and melanoma.before.startswith("option: Tier I (level A)")
    assert melanoma.after is not None and "level A" not in melanoma.after
    lost = found[("PT-LUNG", "moalmanac:2")]
    assert (lost.change, lost.therapy, lost.after) == ("option lost", "Sotorasib", None)
    gained = found[("PT-BREAST", "moalmanac:5")]
    assert (gained.change, gained.before, gained.alteration) == (
        "new option",
        None,
        "ERBB2 amplification",
    )
    with unit_of_work(engine) as session:
        entry = session.scalars(
            select(AuditRow).where(AuditRow.object.like("%patients affected"))
        ).one()
    assert (entry.purpose, entry.outcome, entry.patient) == ("treatment", "allowed", None)


def test_a_researcher_sees_only_research_consented_patients(
    engine: Engine, releases: tuple[str, str]
) -> None:
    make_user(engine, "kb-researcher", [Role.RESEARCHER])
    assert diff(engine, "kb-researcher", *releases).patients_affected.patients == []
    set_consent(engine, "PT-LUNG", Purpose.RESEARCH, "granted")
    impact = diff(engine, "kb-researcher", *releases).patients_affected
    names = research_names(engine)  # research answers carry pseudonyms
    assert ([names[p] for p in impact.patients], impact.patients_evaluated) == (["PT-LUNG"], 1)


def test_a_role_without_record_access_gets_the_diff_without_patients(
    engine: Engine, releases: tuple[str, str]
) -> None:
    make_user(engine, "kb-quality", [Role.QUALITY_OFFICER])
    impact = diff(engine, "kb-quality", *releases).patients_affected
    assert not impact.evaluated and impact.changes == []
    assert impact.note == "not evaluated: role(s) quality_officer may not view patient records"


def test_cli_shows_the_patient_impact(engine: Engine, releases: tuple[str, str]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(cli_app, ["--database-url", url, "--user", ADMIN, "kb", "diff",
                                       *releases])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "patients affected: 3 of 3 patients" in out.output
    words = " ".join(out.output.split())  # the console expands tabs
    assert "PT-LUNG option lost Sotorasib KRAS p.G12C present" in words
    data = json.loads(CliRunner().invoke(cli_app, ["--database-url", url, "--user", ADMIN, "kb",
                                                   "diff", *releases, "--json"]).output)  # fmt: skip
    assert len(data["patients_affected"]["changes"]) == 3
