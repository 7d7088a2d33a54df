# SPDX-License-Identifier: Apache-2.0
"""The model pages and the patient page's prediction section over HTTP: who sees what, the
quality officer's promotion and alert queue, drift with plots, every plot with alt text and its
data as a table, no inline style or script."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import Engine, select

from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Role
from oncoboard.prediction import datasets
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.prediction.test_routes import COLUMNS, JENNY, _spec, _train
from tests.support import import_file, shared_file

SVG = re.compile(r"<svg[^>]*>.*?</svg>", re.S)


def _plots_are_accessible(page: str, count: int) -> None:
    """Every plot has a title and a description (alt text); no inline style or script."""
    svgs = SVG.findall(page)
    assert len(svgs) == count
    for svg in svgs:
        assert re.search(r"<title id=\"[^\"]+\">[^<]{5,}</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+\">[^<]{20,}</desc>", svg)
        assert 'role="img"' in svg
    assert " style=" not in page and "<style" not in page and "<script" not in page


def _gbsg2_windows() -> bytes:
    """GBSG2 (lifelines, real) in two windows by entry order, with outcomes: a labelled set."""
    cohort = datasets.load("gbsg2")
    x = cohort.features[list(_spec().features)].to_numpy(float)
    lines = [f"{COLUMNS},time_years,event,window"]
    for i, row in enumerate(x):
        values = ",".join(f"{v:g}" for v in row)
        window = "2026-Q1" if i < len(x) // 2 else "2026-Q2"
        lines.append(f"{values},{cohort.time[i]:.4f},{int(cohort.event[i])},{window}")
    return "\n".join(lines).encode()


def test_model_pages_promotion_and_drift(engine: Engine, live_server: LiveServer) -> None:
    model = _train(engine)
    outside = _train_outside(engine)
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    researcher = live_server.client(make_user(engine, "res", [Role.RESEARCHER]))
    nurse = live_server.client(make_user(engine, "nurse", [Role.NURSE]))

    anonymous = httpx.get(live_server.url + "/models", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=%2Fmodels"
    assert nurse.get("/models").status_code == 403
    listing = researcher.get("/models").text
    assert f'href="/models/{model}"' in listing and "1 clause(s) failed" in listing
    assert 'id="model-alerts-none"' in listing

    # the card page: two plots, each beside its table; the researcher cannot promote
    page = researcher.get(f"/models/{model}").text
    _plots_are_accessible(page, 2)
    assert page.count('class="plot-with-table"') == 2
    assert 'id="card-calibration"' in page and 'id="card-subgroups"' in page
    assert 'id="card-subgroup-summary"' in page and "Largest drop below overall" in page
    assert "too few events" in page and 'id="promote-form"' not in page
    assert "Only a quality officer can release it" in page
    refused = quality.get(f"/models/{outside}").text
    assert 'id="failed-clauses"' in refused and "1.3 feature set fixed" in refused
    assert 'id="promote-form"' not in refused

    # the quality officer promotes from the page; a missing reason is a readable refusal
    assert 'id="promote-form"' in quality.get(f"/models/{model}").text
    short = quality.post(f"/models/{model}/promote", data={"reason": "ok"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert researcher.post(f"/models/{model}/promote",
                           data={"reason": "a long enough reason"}).status_code == 403  # fmt: skip
    done = quality.post(f"/models/{model}/promote", data={"reason": "card and plan reviewed"},
                        follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert "Released by qo" in quality.get(f"/models/{model}").text

    # drift page: nothing yet; a labelled upload gives two plots, each with its data table
    assert 'id="drift-none"' in researcher.get(f"/models/{model}/drift").text
    files = {"file": ("gbsg2-windows.csv", _gbsg2_windows(), "text/csv")}
    uploaded = researcher.post(f"/models/{model}/drift", files=files, follow_redirects=False)
    assert uploaded.status_code == 303
    drift = researcher.get(f"/models/{model}/drift").text
    _plots_are_accessible(drift, 2)
    assert drift.count('class="plot-with-table"') == 2
    rows = re.findall(r'<tr><th scope="row">(2026-Q[12])</th><td class="n">(\d+)</td>', drift)
    assert rows == [("2026-Q1", "343"), ("2026-Q2", "343")]
    assert re.search(r"0\.\d{3} \(0\.\d{3}–0\.\d{3}\)", drift)  # C with its interval
    empty = researcher.post(f"/models/{model}/drift", files={"file": ("x.csv", b"", "text/csv")})
    assert empty.status_code == 422

    # a shifted population: alerts in the queue; the quality officer acknowledges one
    shifted = [COLUMNS] + [f"{80 + i % 9},{60 + i % 40},3,{10 + i % 5},0,0" for i in range(200)]
    files = {"file": ("shifted.csv", "\n".join(shifted).encode(), "text/csv")}
    researcher.post(f"/models/{model}/drift", files=files)
    queue = quality.get("/models").text
    ids = re.findall(r'id="model-alert-(\d+)"', queue)
    assert ids and "feature age_years: PSI" in queue
    assert 'action="/models/alerts/' not in researcher.get("/models").text
    quality.post(f"/models/alerts/{ids[0]}/acknowledge")
    assert f'id="model-alert-{ids[0]}"' not in quality.get("/models").text


def _train_outside(engine: Engine) -> str:
    from oncoboard.governance import gate
    from oncoboard.governance.vocabulary import Action, Purpose
    from oncoboard.prediction import service
    from tests.prediction.test_routes import RESEARCHER

    spec = _spec().model_copy(update={"features": (*_spec().features, "t_stage")})
    with unit_of_work(engine) as session:
        access = gate.authorize(session, actor=RESEARCHER, action=Action.TRAIN_MODELS,
                                purpose=Purpose.OPERATIONS, obj="test")  # fmt: skip
        return service.train_model(session, access=access, spec=spec).id


@pytest.mark.shared
def test_patient_page_prediction_section(engine: Engine, live_server: LiveServer) -> None:
    patient_id = import_file(engine, shared_file(*JENNY), genome_build="GRCh37").patients[0]
    clinician = live_server.client()
    nurse = live_server.client(make_user(engine, "nurse", [Role.NURSE]))
    page = clinician.get(f"/patients/{patient_id}").text
    assert 'id="prediction"' in page and 'id="prediction-none"' in page
    assert "released by the quality officer" in page

    model = _train(engine)
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    quality.post(f"/api/v1/models/{model}/promote", json={"reason": "initial release, reviewed"})
    page = clinician.get(f"/patients/{patient_id}").text
    section = page.split('<section id="prediction"')[1].split("</section>")[0]
    estimate = re.search(
        r"Estimated 5-year overall survival: (\d+)% \(95% interval (\d+)–(\d+)%\)", section
    )
    assert estimate is not None
    value, low, high = (int(v) for v in estimate.groups())
    assert low <= value <= high
    _plots_are_accessible(section, 1)
    assert "What drives this prediction" in section
    table = section.split('id="prediction-features"')[1].split("</table>")[0]
    assert table.count('<tr><th scope="row">') == 6
    assert re.search(rf'href="/patients/{patient_id}/facts/\d+">ER</a>', table)
    assert "not recorded" in table and "(training median)" in table
    assert re.search(r"×\d\.\d\d \(\d\.\d\d–\d\.\d\d\)", table)  # never without its interval
    assert "Positive regional lymph nodes 0 is outside the training range" in section
    assert "Progesterone receptor positive: no — raises the estimated hazard" in section

    # a nurse sees no prediction, and no model is asked on her behalf
    assert 'id="prediction"' not in nurse.get(f"/patients/{patient_id}").text
    with unit_of_work(engine) as session:
        asked = session.scalars(select(AuditRow.actor).where(AuditRow.action == "predict")).all()
    assert set(asked) == {"dr-test"}

    # added to the record for review: it appears among the recommendations, AI-generated
    added = clinician.post(f"/patients/{patient_id}/prediction", follow_redirects=False)
    assert added.status_code == 303 and "#rec-" in added.headers["location"]
    rec_id = added.headers["location"].split("#rec-")[1]
    after = clinician.get(f"/patients/{patient_id}").text
    article = after.split(f'id="rec-{rec_id}"')[1].split("</article>")[0]
    assert "AI-generated" in article and "Estimated 5-year overall survival" in article
    assert f"model {_spec().name} v1" in article
    assert nurse.post(f"/patients/{patient_id}/prediction").status_code == 403


def test_training_from_the_page_and_no_release_by_its_trainer(
    engine: Engine, live_server: LiveServer
) -> None:
    quality = live_server.client(make_user(engine, "qo", [Role.QUALITY_OFFICER]))
    clinician = live_server.client(make_user(engine, "dr", [Role.CLINICIAN]))
    assert 'id="train-form"' not in clinician.get("/models").text  # may review, not train
    assert clinician.post("/models/train", data={"spec": "seer-breast-os-cox"}).status_code == 403
    assert 'id="train-form"' in quality.get("/models").text
    unknown = quality.post("/models/train", data={"spec": "no-such-spec"})
    assert unknown.status_code == 404 and "bundled: seer-breast-os-boosted" in unknown.text
    trained = quality.post(
        "/models/train", data={"spec": "seer-breast-os-cox"}, follow_redirects=False
    )
    assert (
        trained.status_code == 303 and trained.headers["location"] == "/models/seer-breast-os-cox@1"
    )
    page = quality.get("/models/seer-breast-os-cox@1").text
    assert "candidate" in page and 'id="card-subgroup-summary"' in page
    refused = quality.post(
        "/models/seer-breast-os-cox@1/promote", data={"reason": "releasing my own candidate"}
    )
    assert refused.status_code == 409 and "separation of duties" in refused.text
