# SPDX-License-Identifier: Apache-2.0
"""The site node: count answers over its own consented patients, through the gate, audited per
query, released under the site's disclosure policy. Services never commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import PermissionDenied
from oncoboard.federation import index, privacy
from oncoboard.federation import query as counts
from oncoboard.federation.engine import release, release_noisy
from oncoboard.federation.models import IndexedDiagnosisRow, SitePolicyRow
from oncoboard.federation.schemas import (
    Catalogue,
    CatalogueCount,
    CohortQuery,
    CountAnswer,
    EntryType,
    Granularity,
    SitePolicy,
)
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.knowledge import oncotree
from oncoboard.record.models import FactRow, utcnow

PURPOSE = Purpose.FEDERATED_ANALYSIS
CATALOGUE_BAND = 10
DEFAULT_POLICY = SitePolicy(site_name="OncoBoard site", beacon_id="org.oncoboard.site")


def authorize(session: Session, actor: Actor, what: str) -> Access:
    """Federated analysis by a researcher (local, or vouched for by a registered coordinator):
    allowed and audited, or refused and audited."""
    return gate.authorize(
        session, actor=actor, action=Action.QUERY_AGGREGATE, purpose=PURPOSE, obj=what[:256]
    )


def policy(session: Session) -> SitePolicy:
    row = session.get(SitePolicyRow, 1)
    if row is None:
        return DEFAULT_POLICY
    return SitePolicy.model_validate(row, from_attributes=True)


def set_policy(session: Session, *, access: Access, changes: Mapping[str, object]) -> SitePolicy:
    """Change the site's disclosure policy (administrators; the change is audited)."""
    gate.require(access, Action.ADMINISTER, patient_scoped=False)
    current = policy(session)
    updated = SitePolicy.model_validate(
        {
            **current.model_dump(),
            **{k: v for k, v in changes.items() if v is not None},
            "updated_at": utcnow(),
            "updated_by": access.actor.username,
        }
    )
    row = session.get(SitePolicyRow, 1) or SitePolicyRow(id=1)
    for name, value in updated.model_dump().items():
        setattr(row, name, value)
    session.add(row)
    audit.append(
        session,
        audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action="administer",
            purpose=Purpose.OPERATIONS.value,
            object="federation policy",
            outcome="allowed",
            reason=describe_policy(updated),
            request_id=access.actor.request_id,
        ),
    )
    return updated


def describe_policy(p: SitePolicy) -> str:
    dp = (
        f"DP on, ε={p.epsilon_per_query:g}/query, budget {p.epsilon_budget:g} per "
        f"{p.budget_window_days} days"
        if p.dp_enabled
        else "DP off"
    )
    return f"min count {p.min_count}; {dp}; beacon {p.beacon_id} ({p.site_name})"


def answer(
    *,
    session: Session,
    access: Access,
    entry_type: EntryType,
    query: CohortQuery,
    granularity: Granularity,
    today: date | None = None,
) -> CountAnswer:
    """Count consented individuals (or variants they carry) and release what policy allows."""
    _require(access)
    day = today or utcnow().date()
    index.refresh(session)
    site = policy(session)
    members: list[int] | None = None
    if entry_type == "individuals" and granularity == "count" and not site.dp_enabled:
        # the exact answer needs the set anyway (differencing check): count it, one query
        members = counts.individual_members(session, access.actor, query, day)
        true_count = carriers = len(members)
    elif entry_type == "individuals":
        true_count = carriers = counts.count_individuals(session, access.actor, query, day)
    else:
        true_count, members = counts.variants_and_carriers(session, access.actor, query, day)
        carriers = len(members)
    if site.dp_enabled:
        result = _private(session, access, site, entry_type, query, granularity, true_count)
    else:
        result = _thresholded(
            session,
            access,
            site,
            entry_type,
            query,
            granularity,
            (true_count, carriers),
            day,
            members,
        )
    _audit_release(session, access, entry_type, result)
    return result


def _thresholded(
    session: Session,
    access: Access,
    site: SitePolicy,
    entry_type: EntryType,
    query: CohortQuery,
    granularity: Granularity,
    found: tuple[int, int],
    day: date,
    members: list[int] | None,
) -> CountAnswer:
    true_count, carriers = found
    if (
        granularity == "boolean"
        or true_count == 0
        or (entry_type == "individuals" and true_count < site.min_count)
    ):
        return release(
            entry_type=entry_type,
            true_count=true_count,
            granularity=granularity,
            min_count=site.min_count,
        ).answer
    if entry_type == "g_variants" and carriers < site.min_count:
        # a variant count is released only when enough people carry the variants
        return CountAnswer(
            entry_type=entry_type,
            exists=True,
            granularity="boolean",
            low=1,
            high=None,
            exact=False,
            min_count=site.min_count,
            reason=f"carried by fewer than {site.min_count} individuals: no variant count released",
        )
    if members is None:
        members = counts.individual_members(session, access.actor, query, day)
    earlier = privacy.near_answers(session, entry_type, len(members), site.min_count)
    slight = privacy.differs_slightly(members, earlier, site.min_count)
    released = release(
        entry_type=entry_type,
        true_count=true_count,
        granularity=granularity,
        min_count=site.min_count,
        differs_slightly=slight,
    )
    if released.exact_members:
        privacy.remember(
            session,
            researcher=access.actor.username,
            entry_type=entry_type,
            query_key=query.key(),
            members=members,
            earlier=earlier,
        )
    return released.answer


def _private(
    session: Session,
    access: Access,
    site: SitePolicy,
    entry_type: EntryType,
    query: CohortQuery,
    granularity: Granularity,
    true_count: int,
) -> CountAnswer:
    state = privacy.spend(
        session, access=access, policy=site, entry_type=entry_type, query_key=query.key()
    )
    noisy = privacy.noisy_count(true_count, site.epsilon_per_query)
    return release_noisy(
        entry_type=entry_type,
        noisy_count=noisy,
        granularity=granularity,
        min_count=site.min_count,
        epsilon=site.epsilon_per_query,
        budget=state,
    )


def _audit_release(
    session: Session, access: Access, entry_type: EntryType, result: CountAnswer
) -> None:
    """What left the site, next to the query's access entry (a DPO reads both)."""
    why = result.reason or ("exact" if result.exact else result.granularity)
    spent = (
        f"; ε={result.epsilon:g} spent, {result.budget.remaining:g} left"
        if result.budget is not None and result.epsilon is not None
        else ""
    )
    audit.append(
        session,
        audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action=access.action.value,
            purpose=access.purpose.value,
            object=f"beacon {entry_type} answer released",
            outcome="allowed",
            reason=f"released {result.label()} ({why}){spent}",
            request_id=access.actor.request_id,
        ),
    )


def budget_of(*, session: Session, access: Access) -> privacy.BudgetState:
    """The caller's own privacy budget at this site."""
    _require(access)
    return privacy.budget(session, access.actor.username, policy(session))


def catalogue(*, session: Session, access: Access) -> Catalogue:
    """What the site holds, coarsely: consented individuals and tumour types in bands of ten,
    fewer than the threshold shown as such; data types; builds; when data last arrived."""
    _require(access)
    index.refresh(session)
    site = policy(session)
    day = utcnow().date()
    dialect = session.get_bind().dialect.name
    people = counts.individuals(access.actor, CohortQuery(), day, dialect=dialect).subquery()
    consented = int(session.scalar(select(func.count()).select_from(people)) or 0)
    by_code = Counter(
        {
            code: n
            for code, n in session.execute(
                select(
                    IndexedDiagnosisRow.oncotree_code,
                    func.count(IndexedDiagnosisRow.patient_id.distinct()),
                )
                .where(IndexedDiagnosisRow.patient_id.in_(select(people.c.patient_id)))
                .group_by(IndexedDiagnosisRow.oncotree_code)
            )
        }
    )
    tree = oncotree.load(oncotree.DEFAULT_RELEASE)
    kinds = sorted(session.scalars(select(FactRow.kind).distinct()))
    builds = sorted(b for b in session.scalars(select(FactRow.genome_build).distinct()) if b)
    return Catalogue(
        site_name=site.site_name,
        beacon_id=site.beacon_id,
        individuals=_band("individuals", "consented individuals", consented, site.min_count),
        tumour_types=[
            _band(code, (tree.get(code).name if tree.get(code) else code), n, site.min_count)  # type: ignore[union-attr]
            for code, n in sorted(by_code.items())
        ],
        data_types=kinds,
        genome_builds=builds,
        last_update=index.last_update(session),
        rounding=CATALOGUE_BAND,
    )


def _band(code: str, name: str, n: int, min_count: int) -> CatalogueCount:
    if n == 0:
        return CatalogueCount(code=code, name=name, low=0, high=0, label="0")
    if n < min_count:
        return CatalogueCount(
            code=code, name=name, low=1, high=min_count - 1, label=f"fewer than {min_count}"
        )
    low = max(min_count, n // CATALOGUE_BAND * CATALOGUE_BAND)
    high = n // CATALOGUE_BAND * CATALOGUE_BAND + CATALOGUE_BAND - 1
    return CatalogueCount(code=code, name=name, low=low, high=high, label=f"{low}–{high}")


def _require(access: Access) -> None:
    gate.require(access, Action.QUERY_AGGREGATE, patient_scoped=False)
    if access.purpose != PURPOSE:
        raise PermissionDenied(
            f"federated answers are for {PURPOSE.value}, not {access.purpose.value}"
        )
