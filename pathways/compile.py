"""Compile a validated :class:`~pathways.model.Catalog` into a :class:`CompiledCatalog`.

The compiled catalog is what every later step reads: one networkx ``DiGraph`` of credentials,
equivalences and transfer rules, its topological order, integer credit units, and the indexes
evaluation needs. It is built once, never changes, and pickles (the loader caches it on disk
under the catalog's content hash).

Compiling also checks what the models cannot see on their own, and reports every problem of a
catalog in one :class:`CatalogProblems` (a :class:`~pathways.errors.CatalogError`):

* references to ids that do not exist (with "did you mean" suggestions);
* ids defined twice (a credential may repeat only as versions with non-overlapping
  ``effective`` ranges), badge classes and CTIDs claimed by two credentials;
* cycles, each named as a path of ids ``a -> b -> c -> a`` (see :meth:`_Compiler.check_cycles`
  for which edges must be acyclic).

Graph
-----
Nodes are credential, equivalence and rule ids, with ``kind`` set to ``"credential"``,
``"equivalence"`` or ``"rule"`` (credentials also carry ``credential_kind``, ``composite`` and
``title``). Edges point the way credit flows, each with ``rel``:

=================  ===================================================================
``requires``       component → composite (``has:`` ids and filter ``ids`` of ``requires``)
``prerequisite``   prerequisite → credential
``member``         member → equivalence
``when``           source (``has:``/filter ids of the rule's ``when``) → rule
``grants``         rule → granted credential
=================  ===================================================================

The credit-flow edges (all but ``prerequisite``) form a DAG, and ``topo_order`` is their
topological order; prerequisite edges are acyclic among themselves.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import networkx as nx

from pathways.errors import CatalogError, LocatedError, UnknownIdError
from pathways.model import (
    Catalog,
    Credential,
    Effective,
    Equivalence,
    Filter,
    Funding,
    Institution,
    Policy,
    Requirement,
    TransferRule,
)

__all__ = [
    "CatalogProblems",
    "CompiledCatalog",
    "Problem",
    "compile_catalog",
]

Path_ = tuple[str | int, ...]
"""A field path inside one catalog entry, with aliases (``from``) as keys and list indexes."""

SECTION_KIND: dict[str, str] = {
    "institutions": "institution",
    "policies": "policy",
    "credentials": "credential",
    "equivalences": "equivalence",
    "transfer_rules": "transfer rule",
    "funding": "funding program",
}
"""What one entry of each top-level section is called in messages."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One semantic problem, placed at ``section[index]`` then ``path`` inside that entry.

    ``also`` is a second place (section, index, path) the message refers to, e.g. the first
    definition of a duplicate id; a presenter renders it as "(also at …)".
    """

    section: str
    index: int
    path: Path_
    message: str
    also: tuple[str, int, Path_] | None = None


def _dotted(section: str, index: int, path: Path_) -> str:
    return ".".join(str(p) for p in (section, index, *path))


class CatalogProblems(CatalogError):
    """A catalog that does not compile: ``problems`` lists every :class:`Problem`.

    ``errors`` (as for every :class:`CatalogError`) holds them unlocated, as field paths
    from the top of the catalog; :mod:`pathways.load` re-renders them at file:line:col.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = []
        for p in self.problems:
            message = p.message
            if p.also is not None:
                message += f" (also at {_dotted(*p.also)})"
            errors.append(
                LocatedError("<catalog>", None, None, _dotted(p.section, p.index, p.path), message)
            )
        super().__init__(errors)


# --------------------------------------------------------------------------- the compiled catalog


class CompiledCatalog:
    """A validated, compiled catalog: immutable, picklable, shared read-only.

    Callers may rely on these attributes (treat the dicts and the graph as read-only):

    * ``catalog`` — the :class:`~pathways.model.Catalog` (each section sorted by id, credential
      versions by ``effective.from``);
    * ``version`` — the catalog's content hash (a string);
    * ``unit`` — integer credit units per semester hour: every credit value in the catalog is a
      whole number of units (quarter hours give 3);
    * ``graph`` — the :mod:`networkx` ``DiGraph`` described in the module docstring;
    * ``topo_order`` — every node id, each after everything that points to it along
      credit-flow edges (all but ``prerequisite``);
    * ``institutions``, ``policies``, ``equivalences``, ``rules``, ``funding`` — dicts by id;
    * ``versions`` — credential id → its versions, sorted by ``effective.from``;
    * ``member_of`` — credential id → ids of the equivalences it is a member of (alone or in a
      sequence), sorted;
    * ``rules_by_source`` — credential or equivalence id → the rules whose ``when`` names it
      (``has:`` or filter ``ids``), sorted by rule id;
    * ``rules_granting`` — credential id → the rules that grant it, sorted by rule id;
    * ``badge_classes`` — Open Badges BadgeClass / Achievement id → credential id;
    * ``ctids`` — Credential Engine CTID → credential id.

    Two compiled catalogs are equal when their version and catalog are equal (everything else
    is derived from those), so a pickle round-trip compares equal.
    """

    __slots__ = (
        "_rules_at",
        "badge_classes",
        "catalog",
        "ctids",
        "equivalences",
        "funding",
        "graph",
        "institutions",
        "member_of",
        "policies",
        "rules",
        "rules_by_source",
        "rules_granting",
        "topo_order",
        "unit",
        "version",
        "versions",
    )

    catalog: Catalog
    version: str
    unit: int
    graph: nx.DiGraph
    topo_order: tuple[str, ...]
    institutions: dict[str, Institution]
    policies: dict[str, Policy]
    equivalences: dict[str, Equivalence]
    rules: dict[str, TransferRule]
    funding: dict[str, Funding]
    versions: dict[str, tuple[Credential, ...]]
    member_of: dict[str, tuple[str, ...]]
    rules_by_source: dict[str, tuple[TransferRule, ...]]
    rules_granting: dict[str, tuple[TransferRule, ...]]
    badge_classes: dict[str, str]
    ctids: dict[str, str]
    _rules_at: dict[str, tuple[TransferRule, ...]]

    def __init__(self, **fields: Any) -> None:
        missing = set(self.__slots__) - set(fields)
        if missing:
            raise TypeError(f"CompiledCatalog is missing {sorted(missing)}")
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a CompiledCatalog is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a CompiledCatalog is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, ({name: getattr(self, name) for name in self.__slots__},))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompiledCatalog):
            return NotImplemented
        return self.version == other.version and self.catalog == other.catalog

    def __hash__(self) -> int:
        return hash(self.version)

    def __repr__(self) -> str:
        return (
            f"<CompiledCatalog {self.version}: {len(self.institutions)} institutions, "
            f"{len(self.versions)} credentials, {len(self.equivalences)} equivalences, "
            f"{len(self.rules)} transfer rules>"
        )

    def credential(self, ident: str, on: date | None = None) -> Credential:
        """The version of credential ``ident`` in effect on ``on``.

        Without ``on``: the latest version (the one with the latest ``effective.from``).
        When no version covers ``on``: the latest version that began before it (the rules
        most recently in force), else — ``on`` precedes them all — the earliest version.
        Raises :class:`~pathways.errors.UnknownIdError` for an id that is not a credential.
        """
        versions = self.versions.get(ident)
        if versions is None:
            raise UnknownIdError("credential", ident, self.versions)
        if on is None or len(versions) == 1:
            return versions[-1]
        before: Credential | None = None
        for version in versions:
            effective = version.effective
            if effective is None or effective.contains(on):
                return version
            if effective.from_ is not None and effective.from_ <= on:
                before = version
        return before if before is not None else versions[0]

    def rules_at(self, institution: str) -> tuple[TransferRule, ...]:
        """The transfer rules that apply at ``institution``, sorted by id.

        A rule applies at the institutions its ``at`` lists; without ``at``, at every
        institution matching its policy's scope (state, control, kind). An unknown
        institution has none.
        """
        return self._rules_at.get(institution, ())

    def to_units(self, credits: Fraction | int) -> int:
        """``credits`` (semester hours) as a whole number of units (``credits * unit``).

        Raises :class:`ValueError` when the value is not a whole number of units (it does not
        come from this catalog).

        >>> from pathways.model import Catalog
        >>> compile_catalog(Catalog(), "v").to_units(Fraction(3))
        3
        """
        value = Fraction(credits) * self.unit
        if value.denominator != 1:
            raise ValueError(f"{credits} credits is not a whole number of 1/{self.unit} units")
        return value.numerator


def _restore(fields: dict[str, Any]) -> CompiledCatalog:
    return CompiledCatalog(**fields)


# --------------------------------------------------------------------------- references


_HOLDABLE = "credential or equivalence"


def _requirement_refs(req: Requirement, path: Path_) -> Iterator[tuple[Path_, str, str]]:
    """Yield ``(path, what, id)`` for every id a requirement tree names."""
    stack: list[tuple[Requirement, Path_]] = [(req, path)]
    while stack:
        node, where = stack.pop()
        if node.has is not None:
            yield (*where, "has"), _HOLDABLE, node.has
        elif node.from_ is not None:
            yield from _filter_refs(node.from_, (*where, "from"))
        else:
            form = "all" if node.all is not None else "any" if node.any is not None else "of"
            for i, child in enumerate(node.children):
                stack.append((child, (*where, form, i)))


def _filter_refs(flt: Filter, path: Path_) -> Iterator[tuple[Path_, str, str]]:
    for i, ident in enumerate(flt.ids or ()):
        yield (*path, "ids", i), _HOLDABLE, ident
    for i, ident in enumerate(flt.issuer or ()):
        yield (*path, "issuer", i), "institution", ident
    for i, ident in enumerate(flt.via or ()):
        yield (*path, "via", i), "policy", ident
    for i, ident in enumerate(flt.earned_at or ()):
        if ident not in ("self", "other"):
            yield (*path, "earned_at", i), "institution", ident


def _leaf_ids(req: Requirement) -> Iterator[str]:
    """Every credential/equivalence id a requirement tree names (``has:`` and filter ids)."""
    for _, what, ident in _requirement_refs(req, ()):
        if what == _HOLDABLE:
            yield ident


def _requirement_credits(req: Requirement) -> Iterator[Fraction]:
    stack = [req]
    while stack:
        node = stack.pop()
        if node.credits is not None:
            yield node.credits
        stack.extend(node.children)


def _start(effective: Effective | None) -> date:
    return effective.from_ if effective is not None and effective.from_ is not None else date.min


class _Suggester:
    """ "Did you mean" for unknown ids, affordable on catalogs of tens of thousands of ids."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = sorted(set(choices))
        self.cache: dict[str, str] = {}

    def message(self, what: str, ident: str) -> str:
        if ident not in self.cache:
            choices = self.choices
            if len(choices) > 2000:
                # Typos rarely hit the institution prefix; narrowing keeps difflib fast.
                prefix = ident.split(".", 1)[0]
                choices = [c for c in choices if c.startswith(prefix)] or choices[:2000]
            self.cache[ident] = str(UnknownIdError(what, ident, choices))
        return self.cache[ident]


# --------------------------------------------------------------------------- compile


def compile_catalog(catalog: Catalog, version: str) -> CompiledCatalog:
    """Check and compile ``catalog``; ``version`` is its content hash.

    Raises :class:`CatalogProblems` listing every unknown reference, duplicate id and cycle.
    """
    return _Compiler(catalog, {}).compile(version)


class _Compiler:
    def __init__(self, catalog: Catalog, extra_ids: Mapping[str, Iterable[str]]) -> None:
        self.catalog = catalog
        self.problems: list[Problem] = []
        # Ids of entries that failed validation elsewhere: known, so no cascade of
        # "unknown id" errors, but not compiled.
        self.extra_ids = {what: set(ids) for what, ids in extra_ids.items()}
        self.where: dict[str, tuple[str, int]] = {}

    def problem(
        self,
        section: str,
        index: int,
        path: Path_,
        message: str,
        also: tuple[str, int, Path_] | None = None,
    ) -> None:
        self.problems.append(Problem(section, index, path, message, also))

    # -- ids

    def index_ids(self) -> None:
        """Record where each id is defined; report duplicates and overlapping versions."""
        cat = self.catalog
        self.institutions: dict[str, Institution] = {}
        self.policies: dict[str, Policy] = {}
        self.equivalences: dict[str, Equivalence] = {}
        self.rules: dict[str, TransferRule] = {}
        self.funding: dict[str, Funding] = {}
        grouped: dict[str, list[tuple[int, Credential]]] = defaultdict(list)
        sections: list[tuple[str, Sequence[Any], dict[str, Any] | None]] = [
            ("institutions", cat.institutions, self.institutions),
            ("policies", cat.policies, self.policies),
            ("credentials", cat.credentials, None),
            ("equivalences", cat.equivalences, self.equivalences),
            ("transfer_rules", cat.transfer_rules, self.rules),
            ("funding", cat.funding, self.funding),
        ]
        for section, entries, by_id in sections:
            for index, entry in enumerate(entries):
                ident = entry.id
                first = self.where.get(ident)
                if section == "credentials" and first is not None and first[0] == section:
                    grouped[ident].append((index, entry))
                    continue
                if first is not None:
                    kind = SECTION_KIND[first[0]]
                    self.problem(
                        section,
                        index,
                        ("id",),
                        f"duplicate id {ident!r}: already defined as {_article(kind)} {kind}",
                        also=(first[0], first[1], ("id",)),
                    )
                    continue
                self.where[ident] = (section, index)
                if by_id is None:
                    grouped[ident].append((index, entry))
                else:
                    by_id[ident] = entry
        self.versions: dict[str, tuple[Credential, ...]] = {}
        for ident, found in grouped.items():
            found.sort(key=lambda pair: (_start(pair[1].effective), pair[0]))
            kept: list[tuple[int, Credential]] = []
            for index, version in found:
                clash = next(
                    (other for other in kept if _overlap(other[1].effective, version.effective)),
                    None,
                )
                if clash is not None:
                    self.problem(
                        "credentials",
                        index,
                        _version_path(version),
                        f"credential {ident!r} is defined twice with overlapping effective "
                        "dates; versions need non-overlapping effective ranges",
                        also=("credentials", clash[0], _version_path(clash[1])),
                    )
                    continue
                kept.append((index, version))
            self.versions[ident] = tuple(v for _, v in kept)

    # -- references

    def check_references(self) -> None:
        cat = self.catalog
        extra = self.extra_ids
        known: dict[str, set[str]] = {
            "institution": set(self.institutions) | extra.get("institution", set()),
            "policy": set(self.policies) | extra.get("policy", set()),
            "credential": set(self.versions) | extra.get("credential", set()),
            "transfer rule": set(self.rules) | extra.get("transfer rule", set()),
        }
        known[_HOLDABLE] = (
            known["credential"] | set(self.equivalences) | extra.get("equivalence", set())
        )
        suggesters: dict[str, _Suggester] = {}

        def check(section: str, index: int, refs: Iterable[tuple[Path_, str, str]]) -> None:
            for path, what, ident in refs:
                if ident in known[what]:
                    continue
                if what not in suggesters:
                    suggesters[what] = _Suggester(known[what])
                self.problem(section, index, path, suggesters[what].message(what, ident))

        for index, cred in enumerate(cat.credentials):
            check("credentials", index, _credential_refs(cred))
        for index, eq in enumerate(cat.equivalences):
            check("equivalences", index, _equivalence_refs(eq))
        for index, rule in enumerate(cat.transfer_rules):
            check("transfer_rules", index, _rule_refs(rule))
        for index, program in enumerate(cat.funding):
            refs = (
                (("credentials", "ids", i), "credential", ident)
                for i, ident in enumerate(program.credentials.ids or ())
            )
            check("funding", index, refs)

    def check_claims(self) -> None:
        """A badge class or CTID maps to one credential id (its versions may share it)."""
        self.badge_classes: dict[str, str] = {}
        self.ctids: dict[str, str] = {}
        claimed: dict[str, tuple[int, Path_]] = {}
        for index, cred in enumerate(self.catalog.credentials):
            claims: list[tuple[dict[str, str], str, Path_]] = [
                (self.badge_classes, url, ("badge_classes", i))
                for i, url in enumerate(cred.badge_classes)
            ]
            if cred.ctid is not None:
                claims.append((self.ctids, cred.ctid, ("ctid",)))
            for table, key, path in claims:
                owner = table.get(key)
                if owner is None:
                    table[key] = cred.id
                    claimed[key] = (index, path)
                elif owner != cred.id:
                    first_index, first_path = claimed[key]
                    what = "badge class" if table is self.badge_classes else "CTID"
                    self.problem(
                        "credentials",
                        index,
                        path,
                        f"{what} {key!r} already maps to credential {owner!r}",
                        also=("credentials", first_index, first_path),
                    )

    # -- graph

    def build_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        for ident, versions in self.versions.items():
            latest = versions[-1]
            graph.add_node(
                ident,
                kind="credential",
                credential_kind=latest.kind,
                composite=any(v.composite for v in versions),
                title=latest.title,
            )
        for ident, eq in self.equivalences.items():
            graph.add_node(ident, kind="equivalence", title=eq.title)
        for ident, rule in self.rules.items():
            graph.add_node(ident, kind="rule", title=rule.label or ident, policy=rule.policy)
        nodes = graph.nodes

        def edge(source: str, target: str, rel: str) -> None:
            # References to unknown ids are reported elsewhere; they make no edge.
            if source in nodes and target in nodes and not graph.has_edge(source, target):
                graph.add_edge(source, target, rel=rel)

        for ident, versions in self.versions.items():
            for version in versions:
                if version.requires is not None:
                    for leaf in _leaf_ids(version.requires):
                        edge(leaf, ident, "requires")
            for version in versions:
                if version.prerequisites is not None:
                    for leaf in _leaf_ids(version.prerequisites):
                        edge(leaf, ident, "prerequisite")
        for ident, eq in self.equivalences.items():
            for member in eq.members:
                for course in member.all:
                    edge(course, ident, "member")
        for ident, rule in self.rules.items():
            for leaf in _leaf_ids(rule.when):
                edge(leaf, ident, "when")
            for grant in rule.grants:
                if grant.credential is not None:
                    edge(ident, grant.credential, "grants")
        return graph

    def check_cycles(self, graph: nx.DiGraph) -> tuple[str, ...]:
        """Topological order of the credit-flow edges; report every cycle as a problem.

        Credit flows along ``requires``, ``member``, ``when`` and ``grants``; those edges must
        form a DAG. ``prerequisite`` edges must form a DAG among themselves (else nothing on
        the cycle could ever be earned), but may close a loop with credit-flow edges: a course
        articulated in both directions between two colleges, one of which requires its
        partner course first, is ordinary data, not a contradiction.
        """
        flow = nx.DiGraph()
        flow.add_nodes_from(graph)
        prerequisites = nx.DiGraph()
        for source, target, rel in graph.edges(data="rel"):
            (prerequisites if rel == "prerequisite" else flow).add_edge(source, target)
        try:
            order = tuple(nx.topological_sort(flow))
        except nx.NetworkXUnfeasible:
            order = ()
            self.report_cycles(flow, "cycle")
        if not nx.is_directed_acyclic_graph(prerequisites):
            self.report_cycles(prerequisites, "prerequisite cycle")
        return order

    def report_cycles(self, graph: nx.DiGraph, what: str) -> None:
        components = [c for c in nx.strongly_connected_components(graph) if _cyclic(graph, c)]
        for component in sorted(components, key=min):
            cycle = _cycle_path(graph, component)
            section, index = self.where.get(cycle[0], ("credentials", 0))
            self.problem(section, index, ("id",), f"{what}: " + " -> ".join(cycle))

    # -- indexes

    def unit(self) -> int:
        cat = self.catalog
        values: list[Fraction] = []
        for cred in cat.credentials:
            values.append(cred.credits)
            for req in (cred.requires, cred.prerequisites):
                if req is not None:
                    values.extend(_requirement_credits(req))
            for limit in cred.limits:
                values.extend(v for v in (limit.max_credits, limit.min_credits) if v is not None)
        values.extend(eq.credits for eq in cat.equivalences)
        for rule in cat.transfer_rules:
            values.extend(_requirement_credits(rule.when))
            values.extend(g.credits for g in rule.grants if isinstance(g.credits, Fraction))
        values.extend(
            f.credentials.min_credits for f in cat.funding if f.credentials.min_credits is not None
        )
        return math.lcm(1, *{v.denominator for v in values})

    def indexes(self) -> dict[str, Any]:
        member_of: dict[str, set[str]] = defaultdict(set)
        for ident, eq in self.equivalences.items():
            for member in eq.members:
                for course in member.all:
                    member_of[course].add(ident)
        by_source: dict[str, dict[str, TransferRule]] = defaultdict(dict)
        granting: dict[str, dict[str, TransferRule]] = defaultdict(dict)
        for ident, rule in sorted(self.rules.items()):
            for leaf in _leaf_ids(rule.when):
                by_source[leaf][ident] = rule
            for grant in rule.grants:
                if grant.credential is not None:
                    granting[grant.credential][ident] = rule
        rules_at: dict[str, list[TransferRule]] = defaultdict(list)
        institutions = sorted(self.institutions.values(), key=lambda i: i.id)
        scope_cache: dict[str, list[str]] = {}
        for _, rule in sorted(self.rules.items()):
            if rule.at is not None:
                places: Iterable[str] = sorted(set(rule.at))
            else:
                if rule.policy not in scope_cache:
                    policy = self.policies.get(rule.policy)
                    scope_cache[rule.policy] = (
                        [i.id for i in institutions if _in_scope(policy, i)] if policy else []
                    )
                places = scope_cache[rule.policy]
            for place in places:
                rules_at[place].append(rule)
        return {
            "member_of": {k: tuple(sorted(v)) for k, v in member_of.items()},
            "rules_by_source": {k: tuple(v.values()) for k, v in by_source.items()},
            "rules_granting": {k: tuple(v.values()) for k, v in granting.items()},
            "_rules_at": {k: tuple(v) for k, v in rules_at.items()},
        }

    def compile(self, version: str) -> CompiledCatalog:
        self.index_ids()
        self.check_references()
        self.check_claims()
        graph = self.build_graph()
        topo_order = self.check_cycles(graph)
        if self.problems:
            raise CatalogProblems(self.problems)
        return CompiledCatalog(
            catalog=self.catalog,
            version=version,
            unit=self.unit(),
            graph=graph,
            topo_order=topo_order,
            institutions=self.institutions,
            policies=self.policies,
            equivalences=self.equivalences,
            rules=self.rules,
            funding=self.funding,
            versions=self.versions,
            badge_classes=self.badge_classes,
            ctids=self.ctids,
            **self.indexes(),
        )


def _credential_refs(cred: Credential) -> Iterator[tuple[Path_, str, str]]:
    if cred.issuer is not None:
        yield ("issuer",), "institution", cred.issuer
    if cred.requires is not None:
        yield from _requirement_refs(cred.requires, ("requires",))
    if cred.prerequisites is not None:
        yield from _requirement_refs(cred.prerequisites, ("prerequisites",))
    for i, limit in enumerate(cred.limits):
        yield from _filter_refs(limit.from_, ("limits", i, "from"))


def _equivalence_refs(eq: Equivalence) -> Iterator[tuple[Path_, str, str]]:
    for i, member in enumerate(eq.members):
        if len(member.all) == 1 and member.effective is None:
            yield ("members", i), "credential", member.all[0]
        else:
            for j, ident in enumerate(member.all):
                yield ("members", i, "all", j), "credential", ident


def _rule_refs(rule: TransferRule) -> Iterator[tuple[Path_, str, str]]:
    yield ("policy",), "policy", rule.policy
    yield from _requirement_refs(rule.when, ("when",))
    for i, grant in enumerate(rule.grants):
        if grant.credential is not None:
            yield ("grants", i, "credential"), _HOLDABLE, grant.credential
    for i, ident in enumerate(rule.at or ()):
        yield ("at", i), "institution", ident
    for i, ident in enumerate(rule.counts_toward or ()):
        yield ("counts_toward", i), "credential", ident
    for i, ident in enumerate(rule.supersedes):
        yield ("supersedes", i), "transfer rule", ident


def _version_path(version: Credential) -> Path_:
    return ("effective",) if version.effective is not None else ("id",)


def _overlap(a: Effective | None, b: Effective | None) -> bool:
    if a is None or b is None:
        return True
    return a.overlaps(b)


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _in_scope(policy: Policy, institution: Institution) -> bool:
    scope = policy.scope
    return (
        (scope.state is None or institution.state == scope.state)
        and (scope.control is None or institution.control == scope.control)
        and (scope.kind is None or institution.kind in scope.kind)
    )


def _cyclic(graph: nx.DiGraph, component: set[str]) -> bool:
    if len(component) > 1:
        return True
    (node,) = component
    return bool(graph.has_edge(node, node))


def _cycle_path(graph: nx.DiGraph, component: set[str]) -> list[str]:
    """One cycle inside a strongly connected component, from its smallest id back to it."""
    start = min(component)
    sub = graph.subgraph(component)
    # Shortest way back to the start: a breadth-first search over the component.
    parents: dict[str, str] = {}
    frontier = [start]
    found: str | None = None
    while frontier and found is None:
        nxt: list[str] = []
        for node in frontier:
            for succ in sorted(sub.successors(node)):
                if succ == start:
                    found = node
                    break
                if succ not in parents:
                    parents[succ] = node
                    nxt.append(succ)
            if found is not None:
                break
        frontier = nxt
    path = [start]
    node = found if found is not None else start
    back: list[str] = []
    while node != start:
        back.append(node)
        node = parents[node]
    path.extend(reversed(back))
    path.append(start)
    return path
