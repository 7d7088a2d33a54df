# SPDX-License-Identifier: Apache-2.0
"""Pure rules: what a site may release, the noise interval, totals, and the filter reader."""

from __future__ import annotations

import math

import pytest

from oncoboard.errors import InputError
from oncoboard.federation import privacy
from oncoboard.federation.beacon import query_from_words, read_post, request_body
from oncoboard.federation.engine import noise_error95, release, total
from oncoboard.federation.schemas import CountAnswer, SiteResult
from oncoboard.federation.terms import normalise_stage, read_query, treatment_classes_of


@pytest.mark.parametrize(
    ("true_count", "granularity", "slight", "expected"),
    [
        pytest.param(0, "count", False, ("count", 0, 0, True, False), id="zero-is-none"),
        pytest.param(3, "count", False, ("boolean", 1, 4, False, True), id="small-is-a-range"),
        pytest.param(4, "count", False, ("boolean", 1, 4, False, True), id="just-below"),
        pytest.param(5, "count", False, ("count", 5, 5, True, True), id="at-threshold-exact"),
        pytest.param(12, "count", True, ("boolean", 10, 14, False, True), id="differencing-band"),
        pytest.param(12, "boolean", False, ("boolean", 1, None, False, True), id="boolean-open"),
    ],
)
def test_release_never_gives_an_exact_small_count(
    true_count: int, granularity: str, slight: bool, expected: tuple[object, ...]
) -> None:
    released = release(entry_type="individuals", true_count=true_count, granularity=granularity,  # type: ignore[arg-type]
                       min_count=5, differs_slightly=slight).answer  # fmt: skip
    assert (
        released.granularity,
        released.low,
        released.high,
        released.exact,
        released.exists,
    ) == expected
    if not released.exact:
        assert released.count is None


def test_noise_interval_covers_95_percent_of_opendp_draws() -> None:
    epsilon = 0.5
    error = noise_error95(1 / epsilon)
    draws = [privacy.noisy_count(100, epsilon) - 100 for _ in range(3000)]
    inside = sum(abs(d) <= error for d in draws) / len(draws)
    assert 0.93 <= inside <= 0.985
    # discrete Laplace: variance 2a/(1-a)^2, a = exp(-epsilon)
    a = math.exp(-epsilon)
    variance = sum(d * d for d in draws) / len(draws)
    assert variance == pytest.approx(2 * a / (1 - a) ** 2, rel=0.15)
    assert privacy.epsilon_of(1 / epsilon) == pytest.approx(epsilon)


def test_totals_add_exact_answers_and_widen_with_ranges() -> None:
    def site(name: str, low: int, high: int | None, exact: bool) -> SiteResult:
        answer = CountAnswer(entry_type="individuals", exists=True, granularity="count" if exact else "boolean",
                             count=low if exact else None, low=low, high=high, exact=exact, min_count=5)  # fmt: skip
        return SiteResult(site=name, status="answered", answer=answer, attempts=1, seconds=0.1)

    dead = SiteResult(site="d", status="timed_out", attempts=2, seconds=2.0)
    summed = total([site("a", 12, 12, True), site("b", 7, 7, True), dead])
    assert (summed.low, summed.high, summed.exact, summed.answered) == (19, 19, True, 2)
    ranged = total([site("a", 12, 12, True), site("b", 1, 4, False)])
    assert (ranged.low, ranged.high, ranged.exact) == (13, 16, False)
    assert total([site("a", 1, None, False), site("b", 5, 5, True)]).high is None


def test_every_bad_term_is_reported_at_once_with_its_location() -> None:
    with pytest.raises(InputError) as caught:
        read_query(["oncotree:LUDA", "foo:bar", {"id": "age", "operator": "!", "value": "50"}, "stage:VIII"],
                   {"start": 5, "referenceName": "7"})  # fmt: skip
    text = str(caught.value)
    for expected in (
        "LUDA",
        "did you mean",
        "foo:bar",
        "'!' is not offered",
        "stage:VIII",
        "assemblyId",
    ):
        assert expected in text, expected
    assert len(caught.value.problems) >= 5


def test_one_question_reads_the_same_from_cli_words_and_beacon_bodies() -> None:
    query = query_from_words(["oncotree:NSCLC", "NCIT:C16576", "age:40-70", "stage:IIIA", "gene:EGFR:p.Leu858Arg",
                              "treatment:egfr-tyrosine-kinase-inhibitor"])  # fmt: skip
    assert query.variant is not None and query.variant.protein == "p.L858R"
    assert query.sex == "female" and (query.age_min, query.age_max) == (40, 70)
    assert read_post("individuals", request_body(query, "count")).query == query
    assert query.key() == read_post("individuals", request_body(query, "count")).query.key()
    allele = query_from_words(["GRCh37:chr22:16050075:G:A"]).variant
    assert allele is not None and (allele.chrom, allele.pos, allele.ref, allele.alt) == (
        "22",
        16050075,
        "G",
        "A",
    )


def test_stage_and_treatment_vocabularies() -> None:
    assert normalise_stage("Stage IIIC") == ("IIIC", "III")
    assert normalise_stage("pIVA") == ("IVA", "IV")
    assert normalise_stage("Binet A") is None
    assert treatment_classes_of("medication", "Osimertinib 80 MG Oral Tablet") == {
        "systemic-therapy", "egfr-tyrosine-kinase-inhibitor"}  # fmt: skip
    assert treatment_classes_of("procedure", "Ligation of aorta") == {"surgery-or-procedure"}
