# SPDX-License-Identifier: Apache-2.0
"""Cohort screening on a small hand-built cohort and KB release, on SQLite and PostgreSQL.

The KB is a MOAlmanac-format file written here (rows like ``tests.knowledge.test_moalmanac.ROW``)
and published through the KB service; the patients are MAF files imported through the import
service (with ``--tumor-type``), and one copy-number call written with the importers' writer.
Expected matches follow from those rows and variants; tiers from AMP/ASCO/CAP 2017 (Li et al.,
J Mol Diagn 2017, table 2: an FDA-approved therapy for the patient's tumour type is level A,
Tier I; one approved for another tumour type is level C, Tier II).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from oncoboard.actionability.cohort import screening
from oncoboard.actionability.cohort.schemas import ScreenQuery, ScreenResult
from oncoboard.actionability.service import assess_patient
from oncoboard.cli.main import app as cli_app
from oncoboard.errors import InputError, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance import service as governance_service
from oncoboard.governance.consent import ConsentIn
from oncoboard.governance.models import AuditRow
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.ingest.models import ImportRow
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.ingest.writer import FactWriter
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources import reader_for
from oncoboard.record.schemas import CancerCondition, CopyNumberChange
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.knowledge.test_moalmanac import ROW
from tests.support import import_file, reidentified, research_names

ADMIN, RESEARCHER, CLINICIAN = "screen-admin", "screen-researcher", "screen-clinician"
MAF_HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tHGVSp_Short\tVariant_Classification\n"
)
# GRCh38 positions of the hotspots (ClinVar): BRAF c.1799T>A, KRAS c.34G>T, NRAS c.181C>A
BRAF_V600E = ("BRAF", "7", 140753336, "A", "T", "p.V600E")
KRAS_G12C = ("KRAS", "12", 25245351, "C", "A", "p.G12C")
NRAS_Q61K = ("NRAS", "1", 114713909, "G", "T", "p.Q61K")
TP53_R175H = ("TP53", "17", 7675088, "C", "T", "p.R175H")


def kb_row(number: int, **changes: Any) -> dict[str, Any]:
    return {**ROW, "assertion_id": number, "feature_id": number, "source_id": number, **changes}


VEMURAFENIB = kb_row(1)  # ROW: BRAF p.V600E, Vemurafenib, FDA-Approved, MEL, sensitivity
SOTORASIB = kb_row(2, gene="KRAS", protein_change="p.G12C", therapy_name="Sotorasib",
                   disease="Non-Small Cell Lung Cancer", oncotree_term="Non-Small Cell Lung "
                   "Cancer", oncotree_code="NSCLC", chromosome="", start_position="",
                   end_position="", reference_allele="", alternate_allele="")  # fmt: skip
NRAS_RESISTANCE = kb_row(3, gene="NRAS", protein_change="p.Q61K", therapy_sensitivity="",
                         therapy_resistance=1, predictive_implication="Clinical evidence",
                         chromosome="", start_position="", end_position="",
                         reference_allele="", alternate_allele="")  # fmt: skip
COMBINATION = kb_row(4, therapy_name="Cobimetinib + Vemurafenib",
                     predictive_implication="Guideline")  # fmt: skip
TRASTUZUMAB = kb_row(5, feature_type="Copy Number", gene="ERBB2", direction="Amplification",
                     protein_change="", chromosome="", start_position="", end_position="",
                     reference_allele="", alternate_allele="", therapy_name="Trastuzumab",
                     disease="Breast Cancer", oncotree_term="Breast", oncotree_code="BREAST")  # fmt: skip
RELEASE = "moalmanac@2024-01-02"  # the newest last_updated of the rows (ROW: 2024-01-02)


def publish(engine: Engine, path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text(json.dumps(rows), encoding="utf-8")
    with unit_of_work(engine) as session:
        actor = actor_for(session, ADMIN)
        report = kb.publish(session=session, access=kb.authorize_import(session, actor, "test"),
                            reader=reader_for("moalmanac"), path=path, reader_name="moalmanac")  # fmt: skip
    return report.release.release_id


def import_maf(engine: Engine, folder: Path, patient: str, tumour: str, *variants: tuple) -> None:
    lines = [
        "\t".join([gene, "GRCh38", chrom, str(pos), ref, alt, patient, change, "Missense_Mutation"])
        for gene, chrom, pos, ref, alt, change in variants
    ]
    path = folder / f"{patient}.maf"
    path.write_text(MAF_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    import_file(engine, path, tumor_type=tumour)


def write_cna(engine: Engine, patient: str, tumour: str, gene: str, change: str) -> None:
    """A copy-number call and diagnosis through the importers' writer (as cBioPortal writes)."""
    with unit_of_work(engine) as session:
        import_id = str(uuid.uuid4())
        session.add(ImportRow(id=import_id, source_name=f"{patient}.cna.txt",
                              source_sha256=import_id.replace("-", "").ljust(64, "0"),
                              source_format="cbioportal", importer="test", importer_version="1"))  # fmt: skip
        session.flush()
        writer = FactWriter(session=session, import_id=import_id, batch_size=10,
                            patient_override=None)  # fmt: skip
        for locator, fact in (
            ("clinical", CancerCondition(oncotree_code=tumour, display=tumour)),
            ("cna 1", CopyNumberChange(genome_build="GRCh38", gene=gene, change=change)),
        ):
            writer.add(ParsedFact(patient_key=patient, locator=locator, fact=fact))
        writer.flush()


def set_consent(engine: Engine, patient: str, purpose: Purpose, status: str) -> None:
    with unit_of_work(engine) as session:
        access = gate.authorize(session, actor=actor_for(session, ADMIN),
                                action=Action.MANAGE_CONSENT, purpose=Purpose.TREATMENT,
                                obj="consent", patient_id=patient)  # fmt: skip
        governance_service.change_consent(session, access=access, consent_in=ConsentIn(
            purpose=purpose, status=status, source="form 7"))  # type: ignore[arg-type]  # fmt: skip


CONSENTED = ("PT-MEL-1", "PT-MEL-2", "PT-LUNG", "PT-BREAST")


@pytest.fixture
def cohort(engine: Engine, tmp_path: Path) -> Engine:
    make_user(engine, ADMIN, [Role.ADMIN])
    make_user(engine, RESEARCHER, [Role.RESEARCHER])
    make_user(engine, CLINICIAN, [Role.CLINICIAN])
    rows = [VEMURAFENIB, SOTORASIB, NRAS_RESISTANCE, COMBINATION, TRASTUZUMAB]
    assert publish(engine, tmp_path / "kb.json", rows) == RELEASE
    import_maf(engine, tmp_path, "PT-MEL-1", "SKCM", BRAF_V600E, TP53_R175H)
    import_maf(engine, tmp_path, "PT-MEL-2", "SKCM", NRAS_Q61K)
    import_maf(engine, tmp_path, "PT-LUNG", "LUAD", KRAS_G12C, BRAF_V600E)
    import_maf(engine, tmp_path, "PT-NO-CONSENT", "SKCM", BRAF_V600E)
    write_cna(engine, "PT-BREAST", "BRCA", "ERBB2", "amplification")
    for patient in CONSENTED:
        set_consent(engine, patient, Purpose.RESEARCH, "granted")
    return engine


def run_screen(engine: Engine, user: str = RESEARCHER, **query: Any) -> ScreenResult:
    with unit_of_work(engine) as session:
        wanted = ScreenQuery(**query)
        access = screening.authorize(session, actor_for(session, user), wanted)
        result = screening.screen(session=session, access=access, query=wanted)
    return reidentified(engine, result)  # research answers carry pseudonyms


def matches(result: ScreenResult) -> dict[str, set[tuple[str, str]]]:
    return {p.patient_id: {(m.assertion_id, m.bucket) for m in p.matches} for p in result.patients}


def test_drug_screen_finds_options_and_resistance_of_consented_patients(cohort: Engine) -> None:
    result = run_screen(cohort, drug="vemurafenib")
    assert matches(result) == {
        "PT-MEL-1": {("moalmanac:1", "option"), ("moalmanac:4", "option")},
        "PT-MEL-2": {("moalmanac:3", "resistance")},
        "PT-LUNG": {("moalmanac:1", "option"), ("moalmanac:4", "option")},
    }  # PT-NO-CONSENT carries BRAF V600E too, but has no research consent
    assert result.patients_screened == len(CONSENTED) and result.assertions == 3
    assert (result.patients_matched, result.patients_with_option) == (3, 2)
    first = {m.assertion_id: m for m in result.patients[1].matches}  # PT-MEL-1 (sorted ids)
    label = first["moalmanac:1"]
    assert (label.amp, label.on_label, label.match_level) == ("Tier I (level A)", True,
                                                              "protein change")  # fmt: skip
    assert (label.therapy, label.source_level, label.alteration) == (
        "Vemurafenib",
        "FDA-Approved",
        "BRAF p.V600E present",
    )
    lung = {m.assertion_id: m for m in result.patients[0].matches}["moalmanac:1"]  # LUAD
    assert (lung.amp, lung.on_label) == ("Tier II (level C)", False)
    assert result.releases[0].notice and "research use only" in result.releases[0].notice


def test_gene_alteration_and_tumour_type_filters(cohort: Engine) -> None:
    assert set(matches(run_screen(cohort, gene="BRAF"))) == {"PT-MEL-1", "PT-LUNG"}
    melanoma = run_screen(cohort, gene="braf", alteration="p.Val600Glu", tumor_type="MEL")
    assert set(matches(melanoma)) == {"PT-MEL-1"}  # SKCM is under MEL; LUAD is not
    assert melanoma.patients_screened == 2  # PT-MEL-1, PT-MEL-2 (PT-NO-CONSENT not consented)
    assert matches(run_screen(cohort, gene="KRAS")) == {"PT-LUNG": {("moalmanac:2", "option")}}
    erbb2 = run_screen(cohort, gene="ERBB2", alteration="amplification")
    assert matches(erbb2) == {"PT-BREAST": {("moalmanac:5", "option")}}
    assert erbb2.patients[0].matches[0].match_level == "copy number"
    assert run_screen(cohort, gene="BRAF", alteration="V600K").patients == []


def test_whole_kb_screen_equals_each_patients_full_record_assessment(cohort: Engine) -> None:
    """The SQL pre-filter must not change a result: compare with the report's own path."""
    screened = matches(run_screen(cohort))
    for patient in CONSENTED:
        with unit_of_work(cohort) as session:
            access = gate.authorize(session, actor=actor_for(session, CLINICIAN),
                                    action=Action.VIEW_RECORD, purpose=Purpose.TREATMENT,
                                    obj="report", patient_id=patient)  # fmt: skip
            full = assess_patient(session, access=access).assessment
        expected = {(f.assertion.assertion_id, bucket) for bucket, found in (
            ("option", full.options), ("resistance", full.resistance), ("other", full.other))
            for f in found}  # fmt: skip
        assert screened.get(patient, set()) == expected, patient


def test_withdrawing_research_consent_removes_the_patient_at_once(cohort: Engine) -> None:
    assert "PT-MEL-1" in matches(run_screen(cohort, drug="Vemurafenib"))
    set_consent(cohort, "PT-MEL-1", Purpose.RESEARCH, "withdrawn")
    after = run_screen(cohort, drug="Vemurafenib")
    assert "PT-MEL-1" not in matches(after) and after.patients_screened == len(CONSENTED) - 1
    set_consent(cohort, "PT-NO-CONSENT", Purpose.TREATMENT, "granted")  # care, not research
    assert "PT-NO-CONSENT" not in matches(run_screen(cohort, gene="BRAF"))


def test_every_screen_is_audited_and_clinicians_are_refused(cohort: Engine) -> None:
    run_screen(cohort, drug="Vemurafenib", tumor_type="MEL")
    with pytest.raises(PermissionDenied, match="may not view_record for purpose research"):
        run_screen(cohort, user=CLINICIAN, gene="BRAF")
    with unit_of_work(cohort) as session:
        entries = session.scalars(
            select(AuditRow).where(AuditRow.object.like("cohort screen:%")).order_by(AuditRow.id)
        ).all()
    assert [(e.actor, e.purpose, e.outcome, e.patient) for e in entries] == [
        (RESEARCHER, "research", "allowed", None),
        (CLINICIAN, "research", "denied", None),
    ]
    assert entries[0].object == "cohort screen: drug=Vemurafenib tumor_type=MEL"


def test_bad_queries_are_located_input_errors(cohort: Engine) -> None:
    with pytest.raises(InputError, match="an alteration needs its gene"):
        run_screen(cohort, alteration="V600E")
    with pytest.raises(InputError, match="'XYZQ' is not an OncoTree code"):
        run_screen(cohort, tumor_type="XYZQ")


def test_cli_and_api(cohort: Engine, live_server: LiveServer) -> None:
    url = cohort.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(cli_app, ["--database-url", url, "--user", RESEARCHER,
                                       "actionability", "screen", "--drug", "Vemurafenib",
                                       "--tumor-type", "MEL", "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    names = research_names(cohort)  # research answers carry pseudonyms
    assert {names[p["patient_id"]] for p in json.loads(out.output)["patients"]} == {"PT-MEL-1",
                                                                                     "PT-MEL-2"}  # fmt: skip
    text = CliRunner().invoke(cli_app, ["--database-url", url, "--user", RESEARCHER,
                                        "actionability", "screen", "--gene", "KRAS"])  # fmt: skip
    lung = next(p for p, patient in names.items() if patient == "PT-LUNG")
    assert f"{lung} (LUAD)" in text.output and "Sotorasib" in text.output
    token = make_user(cohort, "api-researcher", [Role.RESEARCHER])
    answer = live_server.client(token).get("/api/v1/screen", params={"gene": "ERBB2"})
    assert answer.status_code == 200, answer.text
    assert [names[p["patient_id"]] for p in answer.json()["patients"]] == ["PT-BREAST"]
    refused = live_server.client().get("/api/v1/screen", params={"gene": "ERBB2"})  # clinician
    assert refused.status_code == 403
