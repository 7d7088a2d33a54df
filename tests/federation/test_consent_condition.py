# SPDX-License-Identifier: Apache-2.0
"""The set-based consent condition federated counts use selects exactly the patients the gate's
per-patient condition does, over grant/withdraw/re-grant histories, on both backends."""

from __future__ import annotations

import random

from sqlalchemy import Engine, insert, select

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
