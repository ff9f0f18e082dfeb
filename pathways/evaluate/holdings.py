"""Holdings as the evaluator sees them: resolved, dated, graded, repeats and badges settled.

:func:`prepare` turns a learner record into :class:`Held` values and sets aside, with a
reason, every holding that cannot meet anything (in progress, expired, not in effect, a
repeated course's weaker attempt, a badge that does not verify).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any

from pathways.catalog.grammar import named_ids
from pathways.catalog.model import (
    GRADE_POINTS,
    NO_CREDIT_GRADES,
    PASS_GRADES,
    Credential,
    Holding,
    LearnerRecord,
    add_duration,
)
from pathways.errors import UnknownIdError
from pathways.evaluate.results import Unused

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog
    from pathways.options import Options


# --------------------------------------------------------------------------- holdings


@dataclass(frozen=True, slots=True)
class Held:
    """A holding as the evaluator sees it: the learner's own, or granted by a transfer rule."""

    key: str
    credential: str | None
    cred: Credential | None
    index: int | None
    earned: date | None
    grade: str | None
    score: float | None
    hours: float | None
    credits: Fraction
    kind: str
    subject: str | None
    level: str | None
    tags: tuple[str, ...]
    issuer: str | None
    badge_type: str | None
    at: str | None
    claimed: date | None = None
    via: str | None = None
    rule: str | None = None
    sources: tuple[str, ...] = ()
    counts_toward: tuple[str, ...] | None = None
    label: str | None = None

    @classmethod
    def of(
        cls,
        cred: Credential,
        *,
        key: str,
        index: int | None,
        earned: date | None,
        grade: str | None,
        score: float | None,
        hours: float | None,
        credits: Fraction,
        at: str | None,
        claimed: date | None = None,
    ) -> Held:
        """A holding of ``cred`` (an own holding, or a plan's candidate): what the catalog
        says of the credential (id, kind, subject, level, tags, issuer, badge type) copied
        from it, the rest as given; never a grant."""
        return cls(
            key=key, credential=cred.id, cred=cred, index=index, earned=earned, grade=grade,
            score=score, hours=hours, credits=credits, kind=cred.kind, subject=cred.subject,
            level=cred.level, tags=cred.tags, issuer=cred.issuer, badge_type=cred.badge_type,
            at=at, claimed=claimed,
        )  # fmt: skip

    @property
    def granted(self) -> bool:
        return self.rule is not None

    @property
    def name(self) -> str:
        return self.credential or self.label or "block credit"


@dataclass
class Prepared:
    valid: list[Held]
    reasons: dict[str, tuple[str, str]]
    """Key → (reason code, sentence) for own holdings that cannot meet anything."""
    own: list[Held]
    badges: list[tuple[int, str, str]] = field(default_factory=list)
    unmapped: list[Unused] = field(default_factory=list)
    """The record's unmapped transcript lines: listed after the holdings, never counted."""
    graded: list[Held] = field(default_factory=list)
    """What a GPA reads (:func:`grade_point_average`): the valid holdings and each course's
    failing attempt when no attempt of it passed (an F is 0.0 points over its credits)."""


COLLEGE_KINDS = ("community-college", "university")
"""Institution kinds whose credentials carry college credit of their own."""


CREDIT_KINDS = ("course", "certificate", "associate", "bachelor", "master", "transfer-block")
"""Credential kinds that are college credit already earned where they were earned."""


def native_at(held: Held, institution: str | None) -> bool:
    """Whether ``held`` is credit already earned at ``institution`` (a local course or
    award), which needs no transfer there. A non-credit holding earned there (its own badge,
    micro-credential, exam, license) is not: the institution's own rules fire on it."""
    return held.at == institution and not held.granted and held.kind in CREDIT_KINDS


def own_credit_in_goals(catalog: CompiledCatalog, held: Held) -> Held:
    """``held`` as a goal's allocation sees it: a non-college credential (not a course, not
    issued by a college: a MicroBachelors, a certification) keeps its credit only for the
    transfer rules that govern it (``credits: as_earned``); toward a goal its credit comes
    through those rules or not at all, so it carries none of its own there."""
    if held.granted or held.kind == "course" or held.credits == 0:
        return held
    issuer = catalog.institutions.get(held.issuer or "")
    if issuer is not None and issuer.kind in COLLEGE_KINDS:
        return held
    return replace(held, credits=Fraction(0))


def grade_points(grade: str | None) -> float:
    if grade is None:
        return -1.0
    if grade in PASS_GRADES:
        return 2.0
    return GRADE_POINTS.get(grade, -1.0)


def judge_day(held: Held, as_of: date) -> date:
    return held.claimed or as_of


def prepare(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    as_of: date,
    *,
    projected: bool,
    options: Options,
) -> Prepared:
    """Resolve every holding to a :class:`Held` and find those that cannot meet anything.

    A holding's badge is checked by ``options.badge_checker`` when given (see
    :class:`~pathways.options.Options`), else with ``options.badge_resolver``, trusting the
    catalog's issuers and ``options.trust``."""
    own: list[Held] = []
    reasons: dict[str, tuple[str, str]] = {}
    badges: list[tuple[int, str, str]] = []
    entries: list[tuple[int, Holding]] = []
    for index, holding in enumerate(record.holdings):
        if holding.badge is not None:
            check = options.badge_checker or _checker(options.badge_resolver)
            verified = _verify_badge(catalog, record, holding, as_of, options.trust, check)
            if isinstance(verified, list):
                entries.extend((index, found) for found in verified)
            else:
                code, sentence = verified
                key = f"badge#{index}"
                badges.append((index, code, sentence))
                reasons[key] = (code, sentence)
            continue
        entries.append((index, holding))

    held_ids = {h.credential for _, h in entries if h.credential}
    components = {
        ident: _components(catalog, ident)
        for ident in held_ids
        if ident in catalog.versions and catalog.credential(ident).composite
    }
    for index, holding in entries:
        ident = holding.credential
        assert ident is not None
        if ident not in catalog.versions:
            raise UnknownIdError("credential", ident, catalog.versions)
        earned = holding.earned or (as_of if holding.status != "earned" else None)
        cred = catalog.credential(ident, on=earned)
        credits = holding.credits if holding.credits is not None else cred.credits
        if cred.composite and holding.credits is None:
            # An awarded composite's credit lives in its components: when the record holds
            # some of them too, the composite carries only the rest, so nothing counts twice
            # and adding a component never lowers the total.
            inside = sum(
                (catalog.credential(c).credits for c in components[ident] & held_ids),
                Fraction(0),
            )
            credits = max(Fraction(0), credits - inside)
        if holding.grade in NO_CREDIT_GRADES:
            credits = Fraction(0)
        held = Held.of(
            cred,
            key="",
            index=index,
            earned=earned,
            grade=holding.grade,
            score=holding.score,
            hours=holding.hours if holding.hours is not None else cred.hours,
            credits=credits,
            at=holding.at or cred.issuer,
            claimed=holding.claimed,
        )
        own.append(held)

    own = _keyed(own)

    valid, failed = _judge(catalog, own, record, as_of, reasons, projected=projected)
    kept = _best_attempts(valid, reasons)
    unmapped = [
        Unused(credential=None, reason_code="unmapped", reason=f"{entry.line}: {entry.reason}")
        for entry in record.unmapped
    ]
    return Prepared(
        valid=kept,
        reasons=reasons,
        own=own,
        badges=badges,
        unmapped=unmapped,
        graded=_graded(kept, failed),
    )


def _judge(
    catalog: CompiledCatalog,
    own: list[Held],
    record: LearnerRecord,
    as_of: date,
    reasons: dict[str, tuple[str, str]],
    *,
    projected: bool,
) -> tuple[list[Held], list[Held]]:
    """The valid holdings of ``own`` and the failed (F) attempts that are invalid for their
    grade alone; every invalid holding's reason goes into ``reasons``."""
    valid: list[Held] = []
    failed: list[Held] = []
    for held in own:
        problem = _invalidity(catalog, held, record, as_of, projected=projected)
        if problem is None:
            valid.append(held)
            continue
        reasons[held.key] = problem
        if held.grade == "F" and (
            _invalidity(catalog, held, record, as_of, projected=projected, graded=False) is None
        ):
            failed.append(held)
    return valid, failed


def _graded(kept: list[Held], failed: list[Held]) -> list[Held]:
    """The holdings a GPA reads: ``kept`` and, for a course whose every attempt failed, its
    latest F (an F stays out when another attempt of the course passed: the best counts)."""
    passed = {h.credential for h in kept if h.kind == "course"}
    latest: dict[str | None, Held] = {}
    for held in failed:
        if held.credential in passed:
            continue
        other = latest.get(held.credential)
        if other is None or (held.earned or date.min) >= (other.earned or date.min):
            latest[held.credential] = held
    return [*kept, *latest.values()]


def _keyed(own: list[Held]) -> list[Held]:
    """``own`` in a stable order that does not depend on the record's, each with its key."""
    own.sort(
        key=lambda h: (
            h.credential or "",
            h.earned or date.min,
            -grade_points(h.grade),
            h.score or 0,
            h.at or "",
            h.index or 0,
        )
    )
    seen: dict[str, int] = {}
    keyed = []
    for held in own:
        base = held.credential or "block"
        seen[base] = seen.get(base, 0) + 1
        keyed.append(replace(held, key=f"{base}#{seen[base]}"))
    return keyed


def _best_attempts(valid: list[Held], reasons: dict[str, tuple[str, str]]) -> list[Held]:
    """``valid`` without the weaker attempts of repeated courses (each gets a reason)."""
    best: dict[str, Held] = {}
    for held in valid:
        if held.kind != "course" or held.credential is None:
            continue
        other = best.get(held.credential)
        if other is None or _attempt_rank(held) > _attempt_rank(other):
            best[held.credential] = held
    kept = []
    for held in valid:
        winner = best.get(held.credential or "")
        if held.kind == "course" and winner is not None and winner.key != held.key:
            reasons[held.key] = (
                "duplicate",
                f"{held.credential} was repeated; the attempt of {winner.earned} counts",
            )
        else:
            kept.append(held)
    return kept


def _components(catalog: CompiledCatalog, ident: str) -> set[str]:
    """Every credential id a composite's tree names, through nested composites."""
    found: set[str] = set()
    todo = [ident]
    while todo:
        for version in catalog.versions.get(todo.pop(), ()):
            for other in named_ids(version.requires):
                if other in found:
                    continue
                found.add(other)
                todo.append(other)
                if other in catalog.equivalences:
                    for member in catalog.equivalences[other].members:
                        found.update(member.all)
    return found


def _attempt_rank(held: Held) -> tuple[float, date]:
    return (grade_points(held.grade), held.earned or date.min)


def _invalidity(
    catalog: CompiledCatalog,
    held: Held,
    record: LearnerRecord,
    as_of: date,
    *,
    projected: bool,
    graded: bool = True,
) -> tuple[str, str] | None:
    """Why a holding can meet nothing at all, or None; with ``graded=False``, why apart from
    a grade that earns no credit.

    See ``docs/semantics.md#what-meets-a-requirement``.
    """
    holding = record.holdings[held.index or 0]
    cred = held.cred
    assert cred is not None
    # The sentence names the credential by its title: the report's holding column has the id.
    if holding.status != "earned" and not projected:
        return ("in_progress", f"{cred.title} is {holding.status.replace('_', ' ')}")
    if holding.status == "earned" and held.earned is not None and held.earned > as_of:
        return (
            "not_yet_earned",
            f"{cred.title} is dated {held.earned}, after the as-of date {as_of}",
        )
    if graded and held.grade in NO_CREDIT_GRADES:
        return ("below_min_grade", f"grade {held.grade} earns no credit")
    if held.earned is not None and cred.effective and not cred.effective.contains(held.earned):
        return (
            "not_effective",
            f"{cred.title} was not in effect on {held.earned} (the date it was earned)",
        )
    if cred.valid_for and held.earned is not None:
        day = judge_day(held, as_of)
        lapse = add_duration(held.earned, cred.valid_for)
        if lapse < day:
            return ("expired", f"{cred.title} expired on {lapse} (valid for {cred.valid_for})")
    return None


def _verify_badge(
    catalog: CompiledCatalog,
    record: LearnerRecord,
    holding: Holding,
    as_of: date,
    trust: Sequence[str],
    check: Callable[..., Any] | None,
) -> list[Holding] | tuple[str, str]:
    """Verify an Open Badges / CLR holding: the holdings it proves, or (reason code, sentence).
    ``check`` runs the badge's checks (None: verification is not installed)."""
    if check is None:
        return ("unverified", "badge verification is not available in this installation")
    from pathways.interop import conclude_badge

    assert holding.badge is not None
    checked = check(
        holding.badge, as_of=as_of, trust=tuple(trust), identity=record.learner.identity
    )
    result = conclude_badge(checked, catalog=catalog, trust=tuple(trust))
    found = result.holdings() if result.verified else []  # a CLR carries several
    if found:
        if holding.status != "earned":
            found = [h.model_copy(update={"status": holding.status}) for h in found]
        return found
    code = "revoked" if result.reason_code == "revoked" else "unverified"
    return (code, f"badge not counted: {result.reason_code}: {result.reason}")


def _checker(resolver: Any) -> Callable[..., Any] | None:
    """:func:`~pathways.interop.check_badge` with ``resolver``; None when the interop extra
    (badge verification) is not installed."""
    try:
        from pathways.interop import check_badge
    except ImportError:
        return None
    return partial(check_badge, resolver=resolver)


_GRADE_FRACTIONS = {grade: Fraction(str(points)) for grade, points in GRADE_POINTS.items()}
"""Each letter grade's quality points, exactly (as its decimal reads)."""


def grade_point_average(held: Iterable[Held], scope_inst: str | None = None) -> float | None:
    """Quality points over attempted credits of the letter-graded own courses in ``held``
    (pass :attr:`Prepared.graded`), only those earned at ``scope_inst`` when given; None when
    there are none. F is 0.0 points over the course's credits; P, CR, W, I and NC stay out."""
    points = Fraction(0)
    hours = Fraction(0)
    for h in held:
        if h.granted or h.kind != "course" or h.grade not in GRADE_POINTS:
            continue
        if scope_inst is not None and h.at != scope_inst:
            continue
        weight = h.cred.credits if h.cred is not None else h.credits
        points += _GRADE_FRACTIONS[h.grade] * weight
        hours += weight
    return float(points / hours) if hours else None


def badge_unused(prepared: Prepared) -> list[Unused]:
    return [
        Unused(credential=None, reason_code=code, reason=sentence, index=index)
        for index, code, sentence in prepared.badges
    ]
