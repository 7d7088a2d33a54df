# SPDX-License-Identifier: Apache-2.0
"""The set-based consent condition federated counts use selects exactly the patients the gate's
per-patient condition does, over grant/withdraw/re-grant histories, on both backends."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import Engine, insert, select, text

from oncoboard.federation import query
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.models import (
    IndexedDiagnosisRow,
    IndexedIndividualRow,
    IndexedVariantRow,
)
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.vocabulary import Purpose, Role
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work


def test_set_based_consent_selects_what_the_gate_selects(engine: Engine) -> None:
    rng = random.Random(5)
    with unit_of_work(engine) as session:
        session.execute(insert(PatientRow), [{"external_id": f"C{i}"} for i in range(300)])
        keys = list(session.scalars(select(PatientRow.id)))
        events = []
        for key in keys:
            for _ in range(rng.randint(0, 4)):
                purpose = rng.choice([Purpose.FEDERATED_ANALYSIS, Purpose.RESEARCH])
                events.append({"patient_id": key, "purpose": purpose.value, "recorded_by": "t",
                               "status": rng.choice(["granted", "withdrawn"]), "source": "t"})  # fmt: skip
        session.execute(insert(ConsentEventRow), events)
    actor = Actor(username="r", display_name="r", roles=frozenset({Role.RESEARCHER}))
    with unit_of_work(engine) as session:
        for purpose in (Purpose.FEDERATED_ANALYSIS, Purpose.RESEARCH, Purpose.TREATMENT):
            by_gate = set(
                session.scalars(select(PatientRow.id).where(gate.visible_patients(actor, purpose)))
            )
            by_set = set(
                session.scalars(
                    select(PatientRow.id).where(gate.consented_patients(actor, purpose))
                )
            )
            assert by_gate == by_set, purpose
            if purpose != Purpose.TREATMENT:  # opt-in: some granted, some never or withdrawn
                assert 0 < len(by_set) < len(keys)


def _history(engine: Engine, patients: int, seed: int) -> list[int]:
    """Patients with random grant/withdraw/re-grant histories and a research-index row each."""
    rng = random.Random(seed)
    with unit_of_work(engine) as session:
        session.execute(insert(PatientRow), [{"external_id": f"C{i}"} for i in range(patients)])
        keys = sorted(session.scalars(select(PatientRow.id)))
        events = [
            {"patient_id": key, "purpose": rng.choice(["federated_analysis", "research"]),
             "status": rng.choice(["granted", "withdrawn"]), "recorded_by": "t", "source": "t"}
            for key in keys
            for _ in range(rng.randint(0, 4))
        ]  # fmt: skip
        session.execute(insert(ConsentEventRow), events)
        session.execute(
            insert(IndexedIndividualRow),
            [{"patient_id": k, "sex": rng.choice(["female", "male"])} for k in keys],
        )
        session.execute(
            insert(IndexedDiagnosisRow),
            [{"patient_id": k, "oncotree_code": rng.choice(["LUAD", "BRCA"])} for k in keys],
        )
    return keys


def test_the_set_form_on_the_index_key_and_for_a_patient_selects_what_the_gate_selects(
    engine: Engine,
) -> None:
    keys = _history(engine, 200, seed=11)
    researcher = Actor(username="r", display_name="r", roles=frozenset({Role.RESEARCHER}))
    with unit_of_work(engine) as session:
        by_gate = set(
            session.scalars(
                select(PatientRow.id).where(
                    gate.visible_patients(researcher, Purpose.FEDERATED_ANALYSIS)
                )
            )
        )
        on_index = set(
            session.scalars(
                select(IndexedIndividualRow.patient_id).where(
                    gate.consented_patients(
                        researcher, Purpose.FEDERATED_ANALYSIS, IndexedIndividualRow.patient_id
                    )
                )
            )
        )
        assert on_index == by_gate and 0 < len(by_gate) < len(keys)
        # a patient-only caller sees at most their own record, in both forms
        mine = next(k for k in keys if k in by_gate)
        others = next(k for k in keys if k not in by_gate)
        for key, expected in ((mine, {mine}), (others, set())):
            patient = Actor(
                username="p",
                display_name="p",
                roles=frozenset({Role.PATIENT}),
                patient_external_id=session.get(PatientRow, key).external_id,  # type: ignore[union-attr]
            )
            found = set(
                session.scalars(
                    select(IndexedIndividualRow.patient_id).where(
                        gate.consented_patients(
                            patient, Purpose.FEDERATED_ANALYSIS, IndexedIndividualRow.patient_id
                        )
                    )
                )
            )
            assert found == expected


def test_both_forms_of_a_count_select_the_same_individuals(engine: Engine) -> None:
    """``query.individuals`` picks the set form on PostgreSQL (always) and on SQLite (no
    filter at all); both forms run on both databases here and must agree."""
    _history(engine, 200, seed=12)
    researcher = Actor(username="r", display_name="r", roles=frozenset({Role.RESEARCHER}))
    today = date(2026, 12, 6)
    with unit_of_work(engine) as session:
        for words in ([], ["sex:female"], ["oncotree:NSCLC"], ["oncotree:NSCLC", "sex:male"]):
            cohort = query_from_words(words)
            sets = [
                sorted(session.scalars(query.individuals(researcher, cohort, today, dialect=d)))
                for d in ("postgresql", "sqlite")
            ]
            assert sets[0] == sets[1], words
            assert sets[0], words


def test_a_count_leaves_the_planner_settings_as_it_found_them(engine: Engine) -> None:
    """PostgreSQL counts switch off nested loops and JIT for their own statement only."""
    _history(engine, 50, seed=13)
    researcher = Actor(username="r", display_name="r", roles=frozenset({Role.RESEARCHER}))
    with unit_of_work(engine) as session:
        if engine.dialect.name == "postgresql":
            before = session.execute(text("SHOW enable_nestloop")).scalar()
            assert before == "on"
        members = query.individual_members(
            session, researcher, query_from_words(["sex:female"]), date(2026, 12, 6)
        )
        assert members == sorted(members) and members
        assert query.count_individuals(
            session, researcher, query_from_words(["sex:female"]), date(2026, 12, 6)
        ) == len(members)
        if engine.dialect.name == "postgresql":
            assert session.execute(text("SHOW enable_nestloop")).scalar() == "on"
            assert (
                session.execute(text("SHOW jit")).scalar()
                == session.execute(
                    text("SELECT reset_val FROM pg_settings WHERE name = 'jit'")
                ).scalar()
            )


def test_variants_and_their_carriers_are_counted_over_consented_individuals_only(
    engine: Engine,
) -> None:
    """``g_variants``: distinct variants and their carriers, among the consented individuals
    the other filters select, equal to the truth computed here row by row."""
    keys = _history(engine, 120, seed=14)
    rng = random.Random(14)
    rows = [
        {"patient_id": k, "genome_build": "GRCh38", "chrom": "17", "pos": pos, "ref": "C",
         "alt": "T", "gene": "TP53", "protein": protein, "origin": "somatic"}
        for k in keys
        for protein, pos in rng.sample([("p.R175H", 7675088), ("p.R248Q", 7674220),
                                        ("p.R273H", 7673802)], rng.randint(0, 2))
    ] + [
        {"patient_id": k, "genome_build": "GRCh38", "chrom": "7", "pos": 55191822, "ref": "T",
         "alt": "G", "gene": "EGFR", "protein": "p.L858R", "origin": "somatic"}
        for k in keys[::7]
    ]  # fmt: skip
    researcher = Actor(username="r", display_name="r", roles=frozenset({Role.RESEARCHER}))
    with unit_of_work(engine) as session:
        session.execute(insert(IndexedVariantRow), rows)
    with unit_of_work(engine) as session:
        consented = set(
            session.scalars(
                select(PatientRow.id).where(
                    gate.visible_patients(researcher, Purpose.FEDERATED_ANALYSIS)
                )
            )
        )
        women = set(
            session.scalars(
                select(IndexedIndividualRow.patient_id).where(IndexedIndividualRow.sex == "female")
            )
        )
        for words, people in ((["gene:TP53"], consented), (["gene:TP53", "sex:female"],
                              consented & women), (["gene:EGFR:L858R"], consented)):  # fmt: skip
            gene = words[0].split(":")[1]
            matching = [r for r in rows if r["gene"] == gene and r["patient_id"] in people]
            variants, carriers = query.variants_and_carriers(
                session, researcher, query_from_words(words), date(2026, 12, 6)
            )
            assert variants == len({r["protein"] for r in matching}), words
            assert carriers == sorted({r["patient_id"] for r in matching}), words
            assert carriers, words
