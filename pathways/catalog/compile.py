"""Compile a validated :class:`~pathways.catalog.model.Catalog` into a :class:`CompiledCatalog`.

The compiled catalog is what every later step reads: one networkx ``DiGraph`` of credentials,
equivalences and transfer rules, its topological order, integer credit units, and the indexes
evaluation needs. It is built once and never changes. It pickles as an image
(:mod:`pathways.catalog.image`, also what :mod:`pathways.catalog.cache` keeps on disk under the
catalog's content hash) whose credentials, equivalences, rules, indexes and graph are each
decoded on first use: a cached state-scale catalog is back in a fraction of the time its
hundreds of thousands of model objects would take, and a command that reads a few credentials
pays only for those. The graph is built (and networkx imported) only when it is asked for.

Compiling also checks what the models cannot see on their own, and reports every problem of a
catalog in one :class:`CatalogProblems` (a :class:`~pathways.errors.CatalogError`):

* references to ids that do not exist (with "did you mean" suggestions);
* ids defined twice (a credential may repeat only as versions with non-overlapping
  ``effective`` ranges), badge classes and CTIDs claimed by two credentials;
* cycles, each named as a path of ids ``a -> b -> c -> a`` (see :meth:`Compiler.check_cycles`
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

import gc
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pathways.catalog.grammar import Folder, fold
from pathways.catalog.model import (
    Catalog,
    Credential,
    Effective,
    Equivalence,
    Funding,
    Institution,
    Policy,
    Requirement,
    Tag,
    TransferRule,
)
from pathways.catalog.references import (
    HOLDABLE,
    Ref,
    Suggester,
    credential_refs,
    cycle_path,
    effective_start,
    equivalence_refs,
    funding_refs,
    is_cyclic,
    rule_refs,
    scan_filter,
    scan_requirement,
    topological_order,
)
from pathways.errors import CatalogError, LocatedError, PathwaysError, UnknownIdError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "CatalogProblems",
    "CompiledCatalog",
    "Problem",
    "compile_catalog",
    "keep_resident",
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
    "tags": "tag",
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
    from the top of the catalog; :mod:`pathways.catalog.load` re-renders them at file:line:col.
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

    def __reduce__(self) -> tuple[type[PathwaysError], tuple[object, ...]]:
        """Pickled as its problems (not as the errors :class:`CatalogError` pickles)."""
        return type(self), (self.problems,)


# --------------------------------------------------------------------------- lazy parts


@contextmanager
def gc_paused() -> Iterator[None]:
    """Build a large long-lived structure without the cyclic collector rescanning it.

    Parsing and validating create hundreds of thousands of containers that live as long as
    the catalog; with the collector on, each young-generation pass rescans them for nothing.
    On the way out they are moved straight to the oldest generation (``freeze`` then
    ``unfreeze`` splices the lists without scanning them), where a later full collection
    still finds any garbage among them: nothing leaks.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def keep_resident(catalog: CompiledCatalog) -> CompiledCatalog:
    """Tell the cyclic collector to leave everything now alive alone, and return ``catalog``.

    For a process that holds one catalog and evaluates many records (a server, a batch
    worker, a benchmark): without it every full collection rescans the catalog's hundreds of
    thousands of objects, a pause of a few hundred milliseconds at state scale. Reference
    counting still frees the rest; only the catalog's own cycles would never be collected,
    and it lives as long as the process anyway.
    """
    gc.collect()
    gc.freeze()
    return catalog


_GraphData = tuple[list[tuple[str, tuple[Any, ...]]], dict[tuple[str, str], str]]
"""A graph in compact form: (node id, attribute values) pairs and (source, target) → rel."""
_PendingGraph = tuple[None, dict[tuple[str, str], str]]
"""A freshly compiled graph: its edges; node attributes still to be read off the tables."""

_NODE_ATTRS: dict[str, tuple[str, ...]] = {
    "credential": ("kind", "title", "credential_kind", "composite"),
    "equivalence": ("kind", "title"),
    "rule": ("kind", "title", "policy"),
}


def _graph_nodes(
    versions: Mapping[str, tuple[Credential, ...]],
    equivalences: Mapping[str, Equivalence],
    rules: Mapping[str, TransferRule],
) -> list[tuple[str, tuple[Any, ...]]]:
    """Each node id with its attribute values, in the order of :data:`_NODE_ATTRS`."""
    nodes: list[tuple[str, tuple[Any, ...]]] = [
        (
            ident,
            (
                "credential",
                found[-1].title,
                found[-1].kind,
                any(v.requires is not None for v in found),
            ),
        )
        for ident, found in versions.items()
    ]
    nodes.extend((i, ("equivalence", eq.title)) for i, eq in equivalences.items())
    nodes.extend((i, ("rule", rule.label or i, rule.policy)) for i, rule in rules.items())
    return nodes


def _build_graph(data: _GraphData) -> nx.DiGraph:
    import networkx as nx  # only drawing and graph queries need networkx

    nodes, edges = data
    graph = nx.DiGraph()
    graph.add_nodes_from(
        (ident, dict(zip(_NODE_ATTRS[values[0]], values, strict=True))) for ident, values in nodes
    )
    graph.add_edges_from((a, b, {"rel": rel}) for (a, b), rel in edges.items())
    return graph


# --------------------------------------------------------------------------- the compiled catalog


@dataclass(frozen=True, slots=True)
class RuleReaders:
    """An institution's transfer rules by what their ``when`` reads
    (:meth:`CompiledCatalog.rule_readers`)."""

    anyone: tuple[int, ...]
    by_id: Mapping[str, tuple[int, ...]]


class CompiledCatalog:
    """A validated, compiled catalog: immutable, picklable, shared read-only.

    Callers may rely on these attributes (all read-only; mappings are ``Mapping``\\ s):

    * ``catalog`` — the :class:`~pathways.catalog.model.Catalog`, each section sorted by id
      (credential versions by ``effective.from``);
    * ``version`` — the catalog's content hash (a string);
    * ``unit`` — integer credit units per semester hour: every credit value in the catalog is a
      whole number of units (quarter hours give 3);
    * ``graph`` — the :mod:`networkx` ``DiGraph`` described in the module docstring;
    * ``topo_order`` — every node id, each after everything that points to it along
      credit-flow edges (all but ``prerequisite``);
    * ``institutions``, ``policies``, ``equivalences``, ``rules``, ``funding`` — by id;
    * ``versions`` — credential id → its versions, sorted by ``effective.from``;
    * ``member_of`` — credential id → ids of the equivalences it is a member of (alone or in a
      sequence), sorted;
    * ``rules_by_source`` — credential or equivalence id → the rules whose ``when`` names it
      (``has:`` or filter ``ids``), sorted by rule id;
    * ``rules_granting`` — credential or equivalence id → the rules that grant it, sorted by id;
    * ``badge_classes`` — Open Badges BadgeClass / Achievement id → credential id;
    * ``ctids`` — Credential Engine CTID → credential id.

    Two compiled catalogs are equal when their version and catalog are equal (everything else
    is derived from those), so a pickle round-trip compares equal.
    """

    __slots__ = (
        "_catalog",
        "_graph",
        "_image",
        "_readers_at",
        "_rule_sources",
        "_rules_at",
        "_rules_at_ids",
        "_topo_order",
        "badge_classes",
        "ctids",
        "equivalences",
        "funding",
        "institutions",
        "member_of",
        "policies",
        "rules",
        "rules_by_source",
        "rules_granting",
        "tags",
        "unit",
        "version",
        "versions",
    )

    version: str
    unit: int
    institutions: Mapping[str, Institution]
    policies: Mapping[str, Policy]
    funding: Mapping[str, Funding]
    equivalences: Mapping[str, Equivalence]
    rules: Mapping[str, TransferRule]
    versions: Mapping[str, tuple[Credential, ...]]
    member_of: Mapping[str, tuple[str, ...]]
    rules_by_source: Mapping[str, tuple[TransferRule, ...]]
    rules_granting: Mapping[str, tuple[TransferRule, ...]]
    badge_classes: Mapping[str, str]
    ctids: Mapping[str, str]
    tags: Mapping[str, Tag]
    _catalog: Catalog | None
    _graph: nx.DiGraph | _GraphData | _PendingGraph | Callable[[], _GraphData]
    _readers_at: dict[str, RuleReaders]
    _rule_sources: dict[str, frozenset[str] | None]
    _rules_at: dict[str, tuple[TransferRule, ...]]
    _rules_at_ids: Mapping[str, tuple[str, ...]]
    _topo_order: tuple[str, ...] | Callable[[], tuple[str, ...]]
    _image: Any
    """The image this catalog was read from or pickled to (see :mod:`.image`), or None."""

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("_rules_at", {})
        fields.setdefault("_readers_at", {})
        fields.setdefault("_rule_sources", {})
        fields.setdefault("_image", None)
        missing = set(self.__slots__) - set(fields)
        if missing:
            raise TypeError(f"CompiledCatalog is missing {sorted(missing)}")
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a CompiledCatalog is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a CompiledCatalog is immutable")

    @property
    def topo_order(self) -> tuple[str, ...]:
        """Every node id, each after everything that points to it along credit-flow edges."""
        order = self._topo_order
        if callable(order):
            order = order()
            object.__setattr__(self, "_topo_order", order)
        return order

    @property
    def graph(self) -> nx.DiGraph:
        """The credential graph, built on first use (evaluation reads the indexes instead)."""
        graph = self._graph
        if callable(graph) or isinstance(graph, tuple):
            with gc_paused():
                graph = _build_graph(self._graph_data())
            object.__setattr__(self, "_graph", graph)
        return graph

    def _graph_data(self) -> _GraphData:
        """The graph in compact form (what an image stores)."""
        data = self._graph
        if callable(data):
            data = data()
        if not isinstance(data, tuple):  # a built graph
            return (
                [(n, tuple(a.values())) for n, a in data.nodes(data=True)],
                {(u, v): rel for u, v, rel in data.edges(data="rel")},
            )
        if data[0] is None:  # freshly compiled: node attributes come from the tables
            return _graph_nodes(self.versions, self.equivalences, self.rules), data[1]
        return data

    @property
    def catalog(self) -> Catalog:
        """The catalog, each section sorted by id (assembled on first use after unpickling)."""
        if self._catalog is None:
            with gc_paused():
                catalog = _assemble(self)
            object.__setattr__(self, "_catalog", catalog)
        assert self._catalog is not None
        return self._catalog

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as an image (:mod:`pathways.catalog.image`): unpickling reads it lazily."""
        from pathways.catalog.image import from_image, to_image

        image = self._image
        if image is None:
            image = to_image(self)
            object.__setattr__(self, "_image", image)
        return (from_image, (image if isinstance(image, bytes) else bytes(image),))

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
        found = self._rules_at.get(institution)
        if found is None:
            found = tuple(self.rules[i] for i in self._rules_at_ids.get(institution, ()))
            self._rules_at[institution] = found
        return found

    def rule_sources(self, rule_id: str) -> frozenset[str] | None:
        """The ids a holding must bear for rule ``rule_id``'s ``when`` to read it, or None
        when the ``when`` reads a filter by anything but ``ids``.

        Each ``has: X`` contributes ``X`` and the equivalences ``X`` is a member of; a
        filter contributes its ``ids`` (None without them). A holding of credential ``c``
        can meet such a ``when`` (or fail one of its modifiers) only if ``c`` or an
        equivalence ``c`` is a member of is among these ids, or ``c`` substitutes for one of
        them in the learner's record: a caller may skip the rule for a pool of holdings that
        bear none of them."""
        if rule_id not in self._rule_sources:
            self._rule_sources[rule_id] = fold(self.rules[rule_id].when, _Sources(self.member_of))
        return self._rule_sources[rule_id]

    def rule_readers(self, institution: str) -> RuleReaders:
        """:meth:`rules_at` ``institution`` indexed by what their ``when`` reads (see
        :meth:`rule_sources`), built once per institution: ``anyone`` holds the positions (in
        :meth:`rules_at` order) of the rules whose sources are None, ``by_id`` maps each id
        some rule's sources name to the positions of those rules."""
        found = self._readers_at.get(institution)
        if found is None:
            anyone: list[int] = []
            by_id: dict[str, list[int]] = {}
            for position, rule in enumerate(self.rules_at(institution)):
                named = self.rule_sources(rule.id)
                if named is None:
                    anyone.append(position)
                else:
                    for ident in named:
                        by_id.setdefault(ident, []).append(position)
            found = RuleReaders(tuple(anyone), {k: tuple(v) for k, v in by_id.items()})
            self._readers_at[institution] = found
        return found

    def to_units(self, credits: Fraction | int) -> int:
        """``credits`` (semester hours) as a whole number of units (``credits * unit``).

        Raises :class:`ValueError` when the value is not a whole number of units (it does not
        come from this catalog).

        >>> from pathways.catalog.model import Catalog
        >>> compile_catalog(Catalog(), "v").to_units(Fraction(3))
        3
        """
        value = Fraction(credits) * self.unit
        if value.denominator != 1:
            raise ValueError(f"{credits} credits is not a whole number of 1/{self.unit} units")
        return value.numerator


def _assemble(compiled: CompiledCatalog) -> Catalog:
    """The catalog of a compiled catalog, from its (possibly lazy) tables."""
    return catalog_of(
        {
            "institutions": tuple(compiled.institutions.values()),
            "policies": tuple(compiled.policies.values()),
            "credentials": tuple(v for versions in compiled.versions.values() for v in versions),
            "equivalences": tuple(compiled.equivalences.values()),
            "transfer_rules": tuple(compiled.rules.values()),
            "funding": tuple(compiled.funding.values()),
            "tags": tuple(compiled.tags.values()),
        }
    )


# --------------------------------------------------------------------------- compile


def compile_catalog(catalog: Catalog, version: str) -> CompiledCatalog:
    """Check and compile ``catalog``; ``version`` is its content hash.

    The compiled catalog holds the same entries sorted by id (credential versions by
    ``effective.from``), so the order of the input does not matter. Raises
    :class:`CatalogProblems` listing every unknown reference, duplicate id and cycle (placed
    by section and index in ``catalog`` as given).
    """
    return Compiler(catalog, {}).compile(version)


_SECTIONS = (
    "institutions", "policies", "credentials", "equivalences", "transfer_rules", "funding", "tags",
)  # fmt: skip


def _sort_key(entry: Any) -> tuple[str, date]:
    return entry.id, effective_start(getattr(entry, "effective", None))


class Compiler:
    def __init__(
        self, catalog: Catalog, extra_ids: Mapping[str, Iterable[str]], *, presorted: bool = False
    ) -> None:
        # Canonical order: each section by id (then effective.from), stable for ties.
        sections: dict[str, tuple[Any, ...]] = {}
        self.original: dict[str, list[int]] = {}
        unchanged = True
        for section in _SECTIONS:
            entries = getattr(catalog, section)
            keys = [] if presorted else [_sort_key(entry) for entry in entries]
            if presorted or all(a <= b for a, b in pairwise(keys)):  # the loader's order
                self.original[section] = list(range(len(entries)))
                sections[section] = entries
                continue
            order = sorted(range(len(entries)), key=keys.__getitem__)
            self.original[section] = order
            sections[section] = tuple(entries[i] for i in order)
            unchanged = False
        self.catalog = catalog if unchanged else catalog_of(sections)
        self.sections = sections
        self.problems: list[Problem] = []
        # Ids of entries that failed validation elsewhere: known, so no cascade of
        # "unknown id" errors, but not compiled.
        self.extra_ids = {what: set(ids) for what, ids in extra_ids.items()}
        self.where: dict[str, tuple[str, int]] = {}
        self.units: set[int] = {1}
        self.edges: dict[tuple[str, str], str] = {}

    def problem(
        self,
        section: str,
        index: int,
        path: Path_,
        message: str,
        also: tuple[str, int, Path_] | None = None,
    ) -> None:
        """Record a problem at ``section[index]`` of the canonical order (reported as given)."""
        if also is not None:
            also = (also[0], self.original[also[0]][also[1]], also[2])
        self.problems.append(Problem(section, self.original[section][index], path, message, also))

    # -- ids

    def index_ids(self) -> None:
        """Record where each id is defined; report duplicates and overlapping versions."""
        self.institutions: dict[str, Institution] = {}
        self.policies: dict[str, Policy] = {}
        self.equivalences: dict[str, Equivalence] = {}
        self.rules: dict[str, TransferRule] = {}
        self.funding: dict[str, Funding] = {}
        self.tags: dict[str, Tag] = {}
        grouped: dict[str, list[tuple[int, Credential]]] = {}
        tables: dict[str, dict[str, Any] | None] = {
            "institutions": self.institutions,
            "policies": self.policies,
            "credentials": None,
            "equivalences": self.equivalences,
            "transfer_rules": self.rules,
            "funding": self.funding,
            "tags": self.tags,
        }
        where = self.where
        for section, by_id in tables.items():
            for index, entry in enumerate(self.sections[section]):
                ident = entry.id
                first = where.get(ident)
                if first is None:
                    where[ident] = (section, index)
                    if by_id is None:
                        grouped[ident] = [(index, entry)]
                    else:
                        by_id[ident] = entry
                elif by_id is None and first[0] == section:
                    grouped[ident].append((index, entry))
                else:
                    kind = SECTION_KIND[first[0]]
                    self.problem(
                        section,
                        index,
                        ("id",),
                        f"duplicate id {ident!r}: already defined as {_article(kind)} {kind}",
                        also=(first[0], first[1], ("id",)),
                    )
        self.versions: dict[str, tuple[Credential, ...]] = {}
        for ident, found in grouped.items():
            if len(found) == 1:
                self.versions[ident] = (found[0][1],)
                continue
            kept: list[tuple[int, Credential]] = []
            for index, version in found:  # already sorted by effective.from
                clash = next((k for k in kept if _overlap(k[1].effective, version.effective)), None)
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

    # -- one pass over every entry: references, edges, credit units

    def walk(self) -> None:
        extra = self.extra_ids
        known: dict[str, set[str] | Mapping[str, Any]] = {
            "institution": self.institutions,
            "policy": self.policies,
            "credential": self.versions,
            "transfer rule": self.rules,
        }
        for what, ids in extra.items():
            if what in known:
                known[what] = set(known[what]) | ids
        holdable: set[str] = set(self.versions) | set(self.equivalences)
        holdable |= extra.get("credential", set()) | extra.get("equivalence", set())
        known[HOLDABLE] = holdable
        self.known = known
        self.holdable = holdable
        self.nodes = {*self.versions, *self.equivalences, *self.rules}
        self.badge_classes: dict[str, str] = {}
        self.ctids: dict[str, str] = {}
        self.walk_credentials()
        self.walk_equivalences()
        self.walk_rules()
        self.walk_funding()

    def link(self, sources: list[str], target: str, rel: str) -> None:
        """Record edges ``source → target``; unknown ids make no edge (they are reported) and
        flow relations win over ``prerequisite``."""
        if target not in self.nodes:
            return
        for source in sources:
            if source in self.nodes:
                key = (source, target)
                if rel == "prerequisite":
                    self.edges.setdefault(key, rel)
                elif self.edges.get(key, "prerequisite") == "prerequisite":
                    self.edges[key] = rel

    def check(
        self,
        section: str,
        index: int,
        refs: list[Ref],
        leaves: list[str],
        slow: Callable[[], Iterator[tuple[Path_, str, str]]],
    ) -> None:
        """Report every unknown reference of an entry; the located ``slow`` walk runs only
        when the quick check of ``refs`` and ``leaves`` finds something unknown."""
        known = self.known
        if self.holdable.issuperset(leaves):
            for what, ident in refs:
                if ident not in known[what]:
                    break
            else:
                return
        for path, what, ident in slow():
            if ident not in known[what]:
                self.problem(section, index, path, self.suggest(what, ident, known[what]))

    def walk_credentials(self) -> None:
        units = self.units
        claimed: dict[str, tuple[int, Path_]] = {}
        institutions = self.known["institution"]
        for index, cred in enumerate(self.sections["credentials"]):
            units.add(cred.credits.denominator)
            if cred.requires is cred.prerequisites is None and not cred.limits:
                # A simple credential (most of a catalog) names at most its issuer.
                if cred.issuer is not None and cred.issuer not in institutions:
                    self.problem(
                        "credentials",
                        index,
                        ("issuer",),
                        self.suggest("institution", cred.issuer, institutions),
                    )
                if cred.badge_classes or cred.ctid is not None:
                    self.claim(index, cred, claimed)
                continue
            refs: list[Ref] = []
            leaves: list[str] = []
            if cred.issuer is not None:
                refs.append(("institution", cred.issuer))
            if cred.requires is not None:
                scan_requirement(cred.requires, refs, leaves, units)
                self.link(leaves, cred.id, "requires")
            if cred.prerequisites is not None:
                before: list[str] = []
                scan_requirement(cred.prerequisites, refs, before, units)
                self.link(before, cred.id, "prerequisite")
                leaves.extend(before)
            for limit in cred.limits:
                for bound in (limit.max_credits, limit.min_credits):
                    if bound is not None:
                        units.add(bound.denominator)
                leaves.extend(limit.from_.ids or ())
                scan_filter(limit.from_, refs)
            self.check("credentials", index, refs, leaves, partial(credential_refs, cred))
            if cred.badge_classes or cred.ctid is not None:
                self.claim(index, cred, claimed)

    def walk_equivalences(self) -> None:
        for index, eq in enumerate(self.sections["equivalences"]):
            self.units.add(eq.credits.denominator)
            members = [i for member in eq.members for i in member.all]
            self.link(members, eq.id, "member")
            refs: list[Ref] = [("credential", i) for i in members]
            self.check("equivalences", index, refs, [], partial(equivalence_refs, eq))

    def walk_rules(self) -> None:
        units = self.units
        for index, rule in enumerate(self.sections["transfer_rules"]):
            refs: list[Ref] = [("policy", rule.policy)]
            leaves: list[str] = []
            scan_requirement(rule.when, refs, leaves, units)
            self.link(leaves, rule.id, "when")
            for grant in rule.grants:
                if grant.credential is not None:
                    leaves.append(grant.credential)
                    if grant.credential in self.nodes:
                        self.link([rule.id], grant.credential, "grants")
                if isinstance(grant.credits, Fraction):
                    units.add(grant.credits.denominator)
            refs.extend(("institution", i) for i in rule.at or ())
            refs.extend(("credential", i) for i in rule.counts_toward or ())
            refs.extend(("transfer rule", i) for i in rule.supersedes)
            self.check("transfer_rules", index, refs, leaves, partial(rule_refs, rule))

    def walk_funding(self) -> None:
        for index, program in enumerate(self.sections["funding"]):
            if program.credentials.min_credits is not None:
                self.units.add(program.credentials.min_credits.denominator)
            refs: list[Ref] = [("credential", i) for i in program.credentials.ids or ()]
            self.check("funding", index, refs, [], partial(funding_refs, program))

    def suggest(self, what: str, ident: str, choices: Iterable[str]) -> str:
        if not hasattr(self, "suggesters"):
            self.suggesters: dict[str, Suggester] = {}
        if what not in self.suggesters:
            self.suggesters[what] = Suggester(choices)
        return self.suggesters[what].message(what, ident)

    def claim(self, index: int, cred: Credential, claimed: dict[str, tuple[int, Path_]]) -> None:
        """A badge class or CTID maps to one credential id (its versions may share it)."""
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

    def check_cycles(self, nodes: Iterable[str]) -> tuple[str, ...]:
        """Topological order of the credit-flow edges; report every cycle as a problem.

        Credit flows along ``requires``, ``member``, ``when`` and ``grants``; those edges must
        form a DAG. ``prerequisite`` edges must form a DAG among themselves (else nothing on
        the cycle could ever be earned), but may close a loop with credit-flow edges: a course
        articulated in both directions between two colleges, one of which requires its
        partner course first, is ordinary data, not a contradiction.
        """
        flow = [(a, b) for (a, b), rel in self.edges.items() if rel != "prerequisite"]
        before = [(a, b) for (a, b), rel in self.edges.items() if rel == "prerequisite"]
        order = topological_order(nodes, flow)
        if order is None:
            self.report_cycles(flow, "cycle")
        if before and topological_order({n for e in before for n in e}, before) is None:
            self.report_cycles(before, "prerequisite cycle")
        return order or ()

    def report_cycles(self, edges: list[tuple[str, str]], what: str) -> None:
        import networkx as nx  # compiling only; a cached catalog never imports it

        graph = nx.DiGraph(edges)
        components = [c for c in nx.strongly_connected_components(graph) if is_cyclic(graph, c)]
        for component in sorted(components, key=min):
            cycle = cycle_path(graph, component)
            section, index = self.where[cycle[0]]
            self.problem(section, index, ("id",), f"{what}: " + " -> ".join(cycle))

    # -- indexes

    def indexes(self) -> dict[str, Any]:
        member_of: dict[str, set[str]] = defaultdict(set)
        for ident, eq in self.equivalences.items():
            for member in eq.members:
                for course in member.all:
                    member_of[course].add(ident)
        by_source: dict[str, list[TransferRule]] = defaultdict(list)
        granting: dict[str, list[TransferRule]] = defaultdict(list)
        for (source, target), rel in self.edges.items():
            if rel == "when":
                by_source[source].append(self.rules[target])
            elif rel == "grants":
                granting[target].append(self.rules[source])
        rules_at: dict[str, list[str]] = defaultdict(list)
        institutions = list(self.institutions.values())
        scope_cache: dict[str, list[str]] = {}
        for ident, rule in self.rules.items():  # sorted by id
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
                rules_at[place].append(ident)

        def by_id(rules: list[TransferRule]) -> tuple[TransferRule, ...]:
            return tuple(sorted(rules, key=lambda r: r.id))

        return {
            "member_of": {k: tuple(sorted(v)) for k, v in member_of.items()},
            "rules_by_source": {k: by_id(v) for k, v in by_source.items()},
            "rules_granting": {k: by_id(v) for k, v in granting.items()},
            "_rules_at_ids": {k: tuple(v) for k, v in rules_at.items()},
        }

    def compile(self, version: str) -> CompiledCatalog:
        self.index_ids()
        self.walk()
        topo_order = self.check_cycles([*self.versions, *self.equivalences, *self.rules])
        if self.problems:
            raise CatalogProblems(self.problems)
        return CompiledCatalog(
            _catalog=self.catalog,
            version=version,
            unit=math.lcm(*self.units),
            _graph=(None, self.edges),
            _topo_order=topo_order,
            institutions=self.institutions,
            policies=self.policies,
            equivalences=self.equivalences,
            rules=self.rules,
            funding=self.funding,
            tags=self.tags,
            versions=self.versions,
            badge_classes=self.badge_classes,
            ctids=self.ctids,
            **self.indexes(),
        )


def catalog_of(sections: Mapping[str, tuple[Any, ...]]) -> Catalog:
    """A catalog of already validated entries (nothing is validated again)."""
    return Catalog.model_construct(
        institutions=sections["institutions"],
        policies=sections["policies"],
        credentials=sections["credentials"],
        equivalences=sections["equivalences"],
        transfer_rules=sections["transfer_rules"],
        funding=sections["funding"],
        tags=sections["tags"],
    )


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


class _Sources(Folder["frozenset[str] | None"]):
    """:meth:`CompiledCatalog.rule_sources` of one ``when``: the ids its ``has`` leaves name
    with their equivalences and the ``ids`` its filters list, or None as soon as a filter
    reads anything but ``ids`` (a filter's ``ids`` match a holding of one of them or of a
    member of one of them)."""

    def __init__(self, member_of: Mapping[str, tuple[str, ...]]) -> None:
        self.member_of = member_of

    def has(self, req: Requirement, target: str) -> frozenset[str] | None:
        return frozenset((target, *self.member_of.get(target, ())))

    def group(
        self, req: Requirement, children: Sequence[frozenset[str] | None]
    ) -> frozenset[str] | None:
        if any(child is None for child in children):
            return None
        return frozenset().union(*(child for child in children if child is not None))

    def filtered(self, req: Requirement) -> frozenset[str] | None:
        ids = req.from_.ids if req.from_ is not None else None
        return None if ids is None else frozenset(ids)
