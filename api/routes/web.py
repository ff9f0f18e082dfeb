"""What the web page needs beyond the service's own endpoints.

* ``GET /v1/samples`` and ``GET /v1/samples/{id}``: the bundled sample learners
  (``data/learners``), each with the goals its header comment suggests;
* ``POST /v1/records/parse``: a learner record given as YAML or JSON text, validated with
  :func:`pathways.catalog.load.parse_record`, back as JSON — or every located error (422);
* ``GET /v1/graph/{goal}`` and ``POST /v1/graph/{goal}``: the goal's pathway map as SVG
  (:func:`pathways.catalog.graph.to_svg`), the POST form with every node coloured by the state a
  learner's audit gives it (earned, granted by transfer, in progress, planned, missing) and a
  sentence saying why.

How a state is decided (:func:`pathway_states`), from the audit's Decision and the record:

* **earned** — a credential the record holds (earned, and not set aside as expired,
  below a minimum grade, unverified…), or applied in the audit without a transfer rule; a
  composite whose requirements the audit found met; the goal when the audit is complete;
* **granted** — a credential a transfer rule granted (guaranteed, or counted on request), and
  that rule;
* **in_progress** — a holding in progress; a composite or goal partly met;
* **planned** — a holding planned in the record, or a step of the plan the page passes in;
* **missing** — the goal unmet, or a credential (or composite, or equivalence) a requirement
  the learner must meet names and that nothing above covers. An alternative (one option of
  ``any``/``at_least``) that the learner has not taken has no state: it is not missing,
  only not chosen.

An equivalence takes the best state among its members; a credential substituted by an
exception takes the state of its substitute. Waived requirements name nothing missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CatalogDep
from api.models import LocatedErrorsPublic, Message, ValidationErrorsPublic
from api.routes.evaluate import EvaluationDep
from pathways.catalog.compile import CompiledCatalog
from pathways.catalog.grammar import Visitor, walk
from pathways.catalog.load import DEFAULT_CATALOG, parse_record
from pathways.catalog.model import LearnerRecord, Requirement
from pathways.errors import UnknownIdError
from pathways.evaluate import Decision, NodeResult
from pathways.present.reasons import invalid_codes

SAMPLES_DIR = DEFAULT_CATALOG.parent / "learners"
"""Where the bundled sample learners live (``data/learners``)."""

STATE_ORDER = ("earned", "granted", "in_progress", "planned", "missing")
"""Map states, best first: a node covered twice takes the better one."""

INVALID_CODES = invalid_codes()
"""Reasons that set a holding aside as not valid (the reason table's ``invalid``); the
others leave it earned."""


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class SuggestedGoal:
    """A goal a sample's header runs, with the options it runs it with."""

    goal: str
    projected: bool = False
    include_discretionary: bool = False


@dataclass(frozen=True)
class Sample:
    """One bundled sample learner: its file, who it is, what it shows, the goals to try."""

    id: str
    name: str
    learner: str
    file: str
    summary: str
    goals: tuple[SuggestedGoal, ...]
    text: str


_GOAL = re.compile(r"--goals?((?:\s+[a-z0-9][a-z0-9._-]*)+)")
_COMMAND_LINE = re.compile(r"^#\s*[A-Z][A-Za-z ]*:\s+pathways\s")


def _header(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def _summary(header: Sequence[str]) -> str:
    words: list[str] = []
    for line in header:
        if _COMMAND_LINE.match(line):
            break
        words.append(line.lstrip("#").strip())
    text = re.sub(r"^What this learner shows:\s*", "", " ".join(w for w in words if w))
    return text[:1].upper() + text[1:]


def _goals(header: Sequence[str]) -> tuple[SuggestedGoal, ...]:
    found: dict[str, SuggestedGoal] = {}
    for line in header:
        if not _COMMAND_LINE.match(line):
            continue
        for match in _GOAL.finditer(line):
            for goal in match.group(1).split():
                found.setdefault(
                    goal,
                    SuggestedGoal(
                        goal,
                        projected="--projected" in line,
                        include_discretionary="--include-discretionary" in line,
                    ),
                )
    return tuple(found.values())


@lru_cache(maxsize=4)
def load_samples(directory: Path = SAMPLES_DIR) -> tuple[Sample, ...]:
    """The sample learners in ``directory``, sorted by learner name.

    The goals are those the file's header comment runs (``--goal``/``--goals``), in order;
    the first is the one to suggest. A file that is not a valid learner record is left out
    (the catalog's own tests check the bundled ones).
    """
    from pathways.errors import RecordError

    samples = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            record = parse_record(text, name=path.name)
        except RecordError:
            continue
        header = _header(text)
        samples.append(
            Sample(
                id=path.stem,
                name=record.learner.name or record.learner.id,
                learner=record.learner.id,
                file=f"data/learners/{path.name}",
                summary=_summary(header),
                goals=_goals(header),
                text=text,
            )
        )
    samples.sort(key=lambda s: (s.name, s.id))
    return tuple(samples)


def record_json(record: LearnerRecord) -> dict[str, Any]:
    """A record as the JSON the stateless endpoints take back (defaults left out)."""
    return record.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


# --------------------------------------------------------------------------- map states


def _walk(node: NodeResult) -> Iterator[NodeResult]:
    yield node
    for child in node.children:
        yield from _walk(child)


@dataclass
class _Needs:
    """What the goal's requirement tree names, by id, with the label of the requirement."""

    required: dict[str, str]
    """Ids a requirement the learner must meet names."""
    offered: dict[str, str]
    """Ids that are one option of a choice."""
    waived: dict[str, str]
    """Ids under a waived requirement."""


def _needs(
    catalog: CompiledCatalog, goal: str, on: date, done: set[str], waived: set[str]
) -> _Needs:
    """Walk the goal's requirement tree in effect ``on`` (composites not ``done`` inlined)."""
    walker = _NeedsWalk(catalog, on, done, waived)
    root = catalog.credential(goal, on=on)
    if root.requires is not None:
        walker.enter(root.requires, (True, root.title, (goal,)))
    return walker.found


_NeedsAt = tuple[bool, str, tuple[str, ...]]
"""Whether the learner must meet the requirement, the label it goes under, and the composites
being inlined around it."""


class _NeedsWalk(Visitor[_NeedsAt, None]):
    """:func:`_needs`, one method per requirement form."""

    def __init__(
        self, catalog: CompiledCatalog, on: date, done: set[str], waived: set[str]
    ) -> None:
        self.catalog, self.on, self.done, self.waived = catalog, on, done, waived
        self.found = _Needs({}, {}, {})

    def enter(self, req: Requirement, at: _NeedsAt) -> None:
        """Visit ``req`` under its own label (or its parent's), unless that label is waived."""
        must, context, stack = at
        label = req.label or context
        if label.strip().casefold() in self.waived:
            for ident in _named(self.catalog, req, self.on, stack):
                self.found.waived.setdefault(ident, label)
            return
        self.visit(req, (must, label, stack))

    def has(self, req: Requirement, target: str, context: _NeedsAt) -> None:
        must, label, stack = context
        found, catalog = self.found, self.catalog
        (found.required if must else found.offered).setdefault(target, label)
        if target in catalog.versions and target not in self.done and target not in stack:
            cred = catalog.credential(target, on=self.on)
            if cred.requires is not None:
                if cred.title.strip().casefold() in self.waived:
                    for ident in _named(catalog, cred.requires, self.on, (*stack, target)):
                        found.waived.setdefault(ident, cred.title)
                else:
                    self.enter(cred.requires, (must, cred.title, (*stack, target)))

    def group(self, req: Requirement, context: _NeedsAt) -> None:
        must, label, stack = context
        children = req.children
        if req.kind == "all":
            inner = must
        elif req.kind == "at_least":
            inner = must and (req.at_least or 0) >= len(children)
        else:  # any: a choice, unless there is only one option
            inner = must and len(children) == 1
        for child in children:
            self.enter(child, (inner, label, stack))

    def filtered(self, req: Requirement, context: _NeedsAt) -> None:
        """A credits/count leaf names no id the map draws."""


def _named(
    catalog: CompiledCatalog, req: Requirement, on: date, stack: tuple[str, ...]
) -> Iterator[str]:
    """Every id a requirement names through ``has``, nested composites included."""
    for node in walk(req):
        if node.has is None:
            continue
        yield node.has
        if node.has in catalog.versions and node.has not in stack:
            inner = catalog.credential(node.has, on=on).requires
            if inner is not None:
                yield from _named(catalog, inner, on, (*stack, node.has))


class _States:
    """Collects one state per node, keeping the best (:data:`STATE_ORDER`), and its reason."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.reasons: dict[str, str] = {}

    def settle(self, ident: str, state: str, why: str) -> None:
        old = self.states.get(ident)
        if old is None or STATE_ORDER.index(state) < STATE_ORDER.index(old):
            self.states[ident] = state
            self.reasons[ident] = why

    def note(self, ident: str, why: str) -> None:
        self.reasons.setdefault(ident, why)


def _holding_states(decision: Decision, record: LearnerRecord, planned: Iterable[str]) -> _States:
    """The state of every credential the record or the audit names, graph or not."""
    found = _States()
    unused: dict[str, tuple[str, str]] = {}
    for entry in decision.unused:
        if entry.credential is not None:
            unused.setdefault(entry.credential, (entry.reason_code, entry.reason))
    applied: dict[str, list[str]] = {}
    for node in _walk(decision.requirements):
        for credit in node.applied:
            if credit.credential is not None:
                how = f" through {credit.via}" if credit.via else ""
                applied.setdefault(credit.credential, []).append(
                    f"{node.label} ({credit.credits:g} credits{how})"
                )

    def where(ident: str) -> str:
        uses = applied.get(ident)
        return f"; applied to {'; '.join(uses)}" if uses else ""

    for holding in record.holdings:
        ident = holding.credential
        if ident is None:
            continue
        if holding.status == "in_progress":
            found.settle(ident, "in_progress", "in progress: counts only in a projected audit")
            continue
        if holding.status == "planned":
            found.settle(ident, "planned", "planned in the record")
            continue
        set_aside = unused.get(ident)
        if set_aside is not None and set_aside[0] in INVALID_CODES and ident not in applied:
            found.note(ident, f"held, but not counted ({set_aside[0]}): {set_aside[1]}")
            continue
        bits = [f"earned {holding.earned}" if holding.earned else "earned"]
        if holding.grade:
            bits.append(f"grade {holding.grade}")
        if holding.score is not None:
            bits.append(f"score {holding.score:g}")
        why = ", ".join(bits) + where(ident)
        if set_aside is not None and ident not in applied:
            why += f"; not applied ({set_aside[0]}): {set_aside[1]}"
        found.settle(ident, "earned", why)
    for line in decision.transfers:
        if line.status != "granted":
            continue
        terms = f"{line.policy}, {line.guarantee}"
        cite = f"; {line.citation}" if line.citation else ""
        found.settle(line.rule, "granted", f"fired on {', '.join(line.from_)} ({terms}){cite}")
        for grant in line.granted:
            if grant.credential is not None and grant.status == "granted":
                found.settle(
                    grant.credential,
                    "granted",
                    f"granted by {line.rule} from {', '.join(line.from_)} ({terms})"
                    + where(grant.credential),
                )
    for ident in applied:  # e.g. a verified badge's credential: applied, not in the record
        if ident not in found.states:
            found.settle(ident, "earned", "applied" + where(ident))
    for step, ident in enumerate(planned, start=1):
        found.settle(ident, "planned", f"step {step} of the plan")
    for sub in decision.substitutions:
        target, substitute = sub.get("for"), sub.get("substitute")
        if target and substitute and substitute in found.states:
            found.settle(
                target,
                found.states[substitute],
                f"met by the substitute {substitute} ({sub.get('by', 'exception')}: "
                f"{sub.get('reason', '')})",
            )
    return found


def pathway_states(
    catalog: CompiledCatalog,
    graph: nx.DiGraph,
    decision: Decision,
    record: LearnerRecord,
    planned: Iterable[str] = (),
) -> tuple[dict[str, str], dict[str, str]]:
    """The state of every node of ``graph`` (a goal's subgraph) for one learner, and why.

    Returns ``(states, reasons)``: ``states`` maps a node id to one of :data:`STATE_ORDER`
    (nodes without a state are left out); ``reasons`` maps every node id to a sentence for
    its tooltip, saying why it has its state (or none). ``planned`` lists credential ids a
    plan would add, in order. The rules are those of the module docstring.
    """
    held = _holding_states(decision, record, planned)
    found = _States()
    for ident in graph.nodes:
        if ident in held.states:
            found.settle(ident, held.states[ident], held.reasons[ident])
        elif ident in held.reasons:
            found.note(ident, held.reasons[ident])
    for ident, attrs in graph.nodes(data=True):
        if attrs.get("kind") != "equivalence":
            continue
        for member in sorted(graph.predecessors(ident)):
            state = found.states.get(member)
            if state is not None and graph.edges[member, ident]["rel"] == "member":
                found.settle(
                    ident, state, f"through its member {member} ({state.replace('_', ' ')})"
                )

    goal = decision.goal
    met: dict[str, str] = {}
    for node in _walk(decision.requirements):
        if node.kind == "composite" and node.target is not None:
            met.setdefault(node.target, node.status)
    for ident, attrs in graph.nodes(data=True):
        if not attrs.get("composite") or ident == goal or ident in found.states:
            continue
        status = met.get(ident)
        if status == "met":
            found.settle(ident, "earned", "its requirements are met inside this goal")
        elif status == "partial":
            found.settle(ident, "in_progress", "its requirements are partly met inside this goal")
    done = {ident for ident, state in found.states.items() if state == "earned"}
    waived = {label.strip().casefold() for label in decision.waived}
    needs = _needs(catalog, goal, decision.catalog_date or decision.as_of, done, waived)
    for ident, label in needs.waived.items():
        if ident in graph and ident not in found.states:
            found.note(ident, f"not needed: the requirement {label} is waived")
    for ident, label in needs.required.items():
        if ident in graph and ident not in found.states:
            found.settle(ident, "missing", f"required by {label}")
    for ident, label in needs.offered.items():
        if ident in graph:
            found.note(ident, f"one option of {label}; not taken")

    progress = f"{decision.credits.applied:g} of {decision.credits.required:g} credits applied"
    if decision.status == "complete":
        found.states[goal], found.reasons[goal] = "earned", f"complete: {progress}"
    elif decision.credits.applied == 0 and decision.requirements.status == "unmet":
        found.states[goal], found.reasons[goal] = "missing", f"not started: {progress}"
    else:
        found.states[goal], found.reasons[goal] = "in_progress", f"in progress: {progress}"
    for ident, attrs in graph.nodes(data=True):
        if attrs.get("kind") == "rule":
            found.note(ident, "did not fire for this learner")
        elif attrs.get("kind") == "equivalence":
            found.note(ident, "no member held")
        else:
            found.note(ident, "not held, and not required (on another route to the goal)")
    return found.states, found.reasons


def state_counts(states: Mapping[str, str]) -> dict[str, int]:
    """How many nodes have each state, in :data:`STATE_ORDER` (states with none left out)."""
    counts = {state: 0 for state in STATE_ORDER}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return {state: n for state, n in counts.items() if n}


# --------------------------------------------------------------------------- HTTP

router = APIRouter(prefix="/v1", tags=["web"])

SampleId = Annotated[
    str, PathParam(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
]
GoalId = Annotated[str, PathParam(min_length=1, max_length=200, description="The goal's id.")]


BAD_INPUT: dict[str, Any] = {
    "model": LocatedErrorsPublic | Message | ValidationErrorsPublic,
    "description": "Bad input: a record's located errors, a cap, or a malformed body.",
}

SVG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "The pathway map as SVG."},
    404: {"model": Message, "description": "No such goal in the published catalog."},
}


class SuggestedGoalPublic(BaseModel):
    """A goal to try with a sample; ``title`` is None when the published catalog lacks it."""

    goal: str
    title: str | None
    projected: bool
    include_discretionary: bool


class SamplePublic(BaseModel):
    """A bundled sample learner: who, what it shows, and the goals to try (best first)."""

    id: str
    name: str
    learner: str
    file: str
    summary: str
    goals: list[SuggestedGoalPublic]


class SamplesPublic(BaseModel):
    data: list[SamplePublic]
    count: int


class SampleRecordPublic(SamplePublic):
    """A sample with its file's text and its record as the stateless endpoints take it."""

    text: str
    record: dict[str, Any]


class RecordText(BaseModel):
    """A learner record as YAML or JSON text, and a name for its errors (e.g. the file name)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=2 * 2**20)
    name: str = Field(default="record.yaml", min_length=1, max_length=200)


class ParsedRecordPublic(BaseModel):
    """A valid record as JSON (what ``record`` takes in the stateless endpoints)."""

    record: dict[str, Any]
    learner: str
    name: str | None
    holdings: int


class MapRequest(BaseModel):
    """``POST /v1/graph/{goal}``: the audit's inputs, and the plan's steps to show as planned."""

    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] = Field(json_schema_extra={"type": "object"})
    as_of: date | None = None
    projected: bool = False
    include_discretionary: bool = False
    trust: list[Annotated[str, Field(max_length=500)]] = Field(default=[], max_length=50)
    planned: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=500)
    """Credential ids a plan adds, in order (shown as planned)."""


def _sample_public(sample: Sample, catalog: CompiledCatalog) -> dict[str, Any]:
    goals = [
        SuggestedGoalPublic(
            goal=g.goal,
            title=catalog.credential(g.goal).title if g.goal in catalog.versions else None,
            projected=g.projected,
            include_discretionary=g.include_discretionary,
        )
        for g in sample.goals
    ]
    return {
        "id": sample.id,
        "name": sample.name,
        "learner": sample.learner,
        "file": sample.file,
        "summary": sample.summary,
        "goals": goals,
    }


@router.get("/samples", response_model=SamplesPublic)
def list_samples(catalog: CatalogDep) -> SamplesPublic:
    """The bundled sample learners (``data/learners``), sorted by name, with goals to try."""
    data = [SamplePublic(**_sample_public(s, catalog.compiled)) for s in load_samples()]
    return SamplesPublic(data=data, count=len(data))


@router.get(
    "/samples/{sample_id}",
    response_model=SampleRecordPublic,
    responses={404: {"model": Message}, 422: {"model": ValidationErrorsPublic}},
)
def read_sample(sample_id: SampleId, catalog: CatalogDep) -> SampleRecordPublic:
    """One sample learner with its YAML text and its record as JSON."""
    for sample in load_samples():
        if sample.id == sample_id:
            record = parse_record(sample.text, name=sample.file)
            return SampleRecordPublic(
                **_sample_public(sample, catalog.compiled),
                text=sample.text,
                record=record_json(record),
            )
    raise HTTPException(status_code=404, detail=f"no sample learner {sample_id!r}")


@router.post(
    "/records/parse",
    response_model=ParsedRecordPublic,
    responses={422: BAD_INPUT},
)
def parse_record_text(body: RecordText) -> ParsedRecordPublic:
    """Validate a learner record given as YAML or JSON text; reply with it as JSON.

    Errors come back as a 422 with every error located by line, column and field path in
    the text (``file`` is ``name``). Nothing is stored. Badges given as file paths cannot be
    read here: upload the badge files instead.
    """
    record = parse_record(body.text, name=body.name)
    return ParsedRecordPublic(
        record=record_json(record),
        learner=record.learner.id,
        name=record.learner.name,
        holdings=len(record.holdings),
    )


def _subgraph(catalog: CompiledCatalog, goal: str) -> nx.DiGraph:
    from pathways.catalog.graph import subgraph

    if goal not in catalog.versions:
        raise HTTPException(
            status_code=404, detail=str(UnknownIdError("credential", goal, catalog.versions))
        )
    return subgraph(catalog, goal)


def _svg(text: str) -> Response:
    return Response(content=text, media_type="image/svg+xml")


@router.get("/graph/{goal}", response_class=Response, responses=SVG_RESPONSES)
def read_graph(goal: GoalId, catalog: CatalogDep) -> Response:
    """The pathway map of ``goal``: everything that can count toward it, as SVG, by kind."""
    from pathways.catalog.graph import to_svg

    return _svg(to_svg(_subgraph(catalog.compiled, goal)))


@router.post(
    "/graph/{goal}",
    response_class=Response,
    responses={
        **SVG_RESPONSES,
        401: {"model": Message, "description": "An Authorization header that is not valid."},
        422: BAD_INPUT,
        503: {"model": Message, "description": "The solver's time limit was reached."},
    },
)
def learner_graph(
    goal: GoalId,
    body: MapRequest,
    context: EvaluationDep,
) -> Response:
    """The pathway map of ``goal`` for a learner: each node coloured by its state.

    The record is audited as by ``POST /v1/audit`` (same caps, badges verified the same
    way); every node's tooltip says
    why it has its state (see the module's docstring for the rules). ``planned`` colours a
    plan's steps.
    """
    from pathways.catalog.graph import to_svg
    from pathways.evaluate import audit

    compiled = context.catalog.compiled
    graph = _subgraph(compiled, goal)
    record = context.record(body)
    decision = audit(compiled, record, goal, context.options(body))
    states, reasons = pathway_states(compiled, graph, decision, record, body.planned)
    return _svg(to_svg(graph, states=states, titles=reasons))
