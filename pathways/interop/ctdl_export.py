"""CTDL export: a goal's requirement tree as a ``ceterms:Pathway`` (JSON-LD).

Export (:func:`export_pathway`) writes a goal's requirement tree as a ``ceterms:Pathway`` with
one component per credential (and per nested composite) and ComponentConditions mirroring
``all``/``any``/``at_least``/``credits``/``count``. Each component carries the catalog id
(``ceterms:identifier``, type "Pathways catalog id") and kind (keyword
``pathways-kind:<kind>``), so importing an export gives back the same credentials (with
cost as ``estimatedCost``, weeks and clock hours as ``estimatedDuration``, effective dates as
``dateEffective``/``expirationDate``) and the same requirement trees. The modifiers
``min_grade``, ``min_score``, ``min_hours``, ``earned_within``, ``shares`` and ``distinct``
travel as ``ceterms:Constraint`` nodes on their condition, with a ``pathways:`` term as
``leftSource`` and the rule in words as ``ceterms:description`` for a reader that does not
know the term. Filters are written as the ids they match, with the filter in words where the
ids cannot say it (``via``, ``earned_at``). A credential's ``min_gpa``, ``limits``,
``prerequisites``, ``valid_for`` and ``badge_classes`` are institution policy rather than
pathway structure and are not exported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pathways.catalog.grammar import Visitor, walk
from pathways.catalog.model import (
    Catalog,
    Credential,
    Filter,
    Requirement,
)
from pathways.errors import UnknownIdError

if TYPE_CHECKING:
    from pathways.catalog.compile import CompiledCatalog

from pathways.interop.ctdl import (
    CATALOG_ID_TYPE,
    CTDL_CONTEXT,
    CTID_NAMESPACE,
    KIND_CLASS,
    KIND_KEYWORD,
    LEVEL_CONCEPT,
    MODIFIER_SOURCES,
    REGISTRY,
    plain_number,
)

__all__ = ["export_pathway"]


def _lang(text: str) -> dict[str, str]:
    return {"en-US": text}


def _ctid(*parts: str) -> str:
    return "ce-" + str(uuid.uuid5(CTID_NAMESPACE, "/".join(parts)))


_STATIC_KEYS = ("ids", "kind", "subject", "level", "issuer", "badge_type", "tags")


def _matching(catalog: Catalog, flt: Filter) -> list[str]:
    """Ids of the catalog credentials a filter's static keys match (via/earned_at ignored).

    A filter with no static key (``from: {}``, or only ``via``/``earned_at``) names no
    credential in particular: it matches none here rather than the whole catalog.
    """
    if all(getattr(flt, key) is None for key in _STATIC_KEYS):
        return []
    found = []
    for cred in catalog.credentials:
        checks = (
            (flt.ids, cred.id),
            (flt.kind, cred.kind),
            (flt.subject, cred.subject),
            (flt.level, cred.level),
            (flt.issuer, cred.issuer),
            (flt.badge_type, cred.badge_type),
        )
        if all(allowed is None or value in allowed for allowed, value in checks) and (
            flt.tags is None or set(flt.tags) & set(cred.tags)
        ):
            found.append(cred.id)
    return list(dict.fromkeys(found))


@dataclass
class _Exporter(Visitor[None, dict[str, Any]]):
    catalog: Catalog
    goal: str
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def uri(self, ident: str) -> str:
        return REGISTRY + _ctid("pathways", self.goal, ident)

    def credential(self, ident: str) -> Credential:
        versions = [c for c in self.catalog.credentials if c.id == ident]
        if not versions:
            known = (c.id for c in self.catalog.credentials)
            raise UnknownIdError("credential", ident, known)
        return max(
            versions,
            key=lambda c: c.effective.from_ if c.effective and c.effective.from_ else date.min,
        )

    def organization(self, ident: str) -> str | None:
        institution = next((i for i in self.catalog.institutions if i.id == ident), None)
        if institution is None:
            return None
        uri = REGISTRY + _ctid("pathways", "organization", ident)
        if uri not in self.organizations:
            node: dict[str, Any] = {
                "@id": uri,
                "@type": "ceterms:CredentialOrganization",
                "ceterms:ctid": _ctid("pathways", "organization", ident),
                "ceterms:name": _lang(institution.name),
                "ceterms:identifier": [_identifier(ident)],
                "ceterms:keyword": [_lang(f"{KIND_KEYWORD}{institution.kind}")],
            }
            if institution.source:
                node["ceterms:subjectWebpage"] = institution.source
            self.organizations[uri] = node
        return uri

    def component(self, ident: str) -> str:
        uri = self.uri(ident)
        if uri in self.components:
            return uri
        node: dict[str, Any] = {"@id": uri}
        self.components[uri] = node  # placed first: requirement trees may revisit it
        equivalence = next((e for e in self.catalog.equivalences if e.id == ident), None)
        if equivalence is not None:
            node.update(self._equivalence(ident, equivalence))
            return uri
        cred = self.credential(ident)
        kind_class = KIND_CLASS[cred.kind]
        if cred.kind == "course":
            node["@type"] = "ceterms:CourseComponent"
        elif cred.kind == "exam":
            node["@type"] = "ceterms:AssessmentComponent"
        else:
            node["@type"] = "ceterms:CredentialComponent"
            node["ceterms:credentialType"] = f"ceterms:{kind_class}"
        node["ceterms:ctid"] = _ctid("pathways", self.goal, ident)
        node["ceterms:name"] = _lang(cred.title)
        if cred.note:
            node["ceterms:description"] = _lang(cred.note)
        node["ceterms:identifier"] = [_identifier(ident)]
        node["ceterms:keyword"] = [_lang(f"{KIND_KEYWORD}{cred.kind}")]
        if cred.ctid:
            node["ceterms:proxyFor"] = REGISTRY + cred.ctid
        if cred.credits or cred.level or cred.subject:
            node["ceterms:creditValue"] = [_value_profile(cred.credits, cred.level, cred.subject)]
        if cred.issuer:
            owner = self.organization(cred.issuer)
            if owner:
                node["ceterms:ownedBy"] = [owner]
        if cred.cost is not None:
            node["ceterms:estimatedCost"] = [
                {
                    "@type": "ceterms:CostProfile",
                    "ceterms:price": cred.cost,
                    "ceterms:currency": "USD",
                }
            ]
        durations = [
            {"@type": "ceterms:DurationProfile", "ceterms:exactDuration": form.format(amount)}
            for amount, form in ((cred.weeks, "P{:g}W"), (cred.hours, "PT{:g}H"))
            if amount
        ]
        if durations:
            node["ceterms:estimatedDuration"] = durations
        if cred.effective is not None:
            if cred.effective.from_:
                node["ceterms:dateEffective"] = cred.effective.from_.isoformat()
            if cred.effective.to:
                node["ceterms:expirationDate"] = cred.effective.to.isoformat()
        if cred.requires is not None:
            node["ceterms:hasCondition"] = [self.condition(cred.requires)]
            children = sorted({t for t in self._targets(cred.requires)})
            if children:
                node["ceterms:hasChild"] = children
        return uri

    def _equivalence(self, ident: str, equivalence: Any) -> dict[str, Any]:
        members = [self.component(m.all[0]) for m in equivalence.members if len(m.all) == 1]
        node: dict[str, Any] = {
            "@type": "ceterms:CourseComponent",
            "ceterms:ctid": _ctid("pathways", self.goal, ident),
            "ceterms:name": _lang(equivalence.title),
            "ceterms:identifier": [_identifier(ident)],
            "ceterms:keyword": [_lang(f"{KIND_KEYWORD}course")],
            "ceterms:hasCondition": [
                {
                    "@type": "ceterms:ComponentCondition",
                    "ceterms:description": _lang(f"any member of {equivalence.title}"),
                    "ceterms:requiredNumber": 1,
                    "ceterms:targetComponent": members,
                }
            ],
        }
        if equivalence.credits:
            node["ceterms:creditValue"] = [
                _value_profile(equivalence.credits, equivalence.level, equivalence.subject)
            ]
        return node

    def _targets(self, requirement: Requirement) -> Iterator[str]:
        for node in walk(requirement):
            if node.has is not None:
                yield self.component(node.has)
            elif node.from_ is not None:
                yield from (self.component(i) for i in _matching(self.catalog, node.from_))

    def condition(self, requirement: Requirement) -> dict[str, Any]:
        node = self.visit(requirement, None)
        constraints = [_modifier_constraint(*pair) for pair in _set_modifiers(requirement)]
        if constraints:
            node["ceterms:hasConstraint"] = [*node.get("ceterms:hasConstraint", ()), *constraints]
        return node

    def has(self, req: Requirement, target: str, context: None) -> dict[str, Any]:
        node = _condition_node(req)
        node["ceterms:requiredNumber"] = 1
        node["ceterms:targetComponent"] = [self.component(target)]
        return node

    def filtered(self, req: Requirement, context: None) -> dict[str, Any]:
        node = _condition_node(req)
        assert req.from_ is not None
        ids = _matching(self.catalog, req.from_)
        node["ceterms:targetComponent"] = [self.component(i) for i in ids]
        flt = req.from_
        if not ids or flt.via is not None or flt.earned_at is not None:
            # Say in words what the target list cannot (re-imported, it becomes the label).
            node["ceterms:description"] = _lang(_describe(req))
        if req.kind == "count":
            node["ceterms:requiredNumber"] = req.count
        else:
            node["ceterms:hasConstraint"] = [_credit_constraint(req.credits)]
        return node

    def group(self, req: Requirement, context: None) -> dict[str, Any]:
        node = _condition_node(req)
        children = list(req.children)
        bare = [c.kind == "has" and not c.label and not _set_modifiers(c) for c in children]
        targets = [self.component(str(c.has)) for c, b in zip(children, bare, strict=True) if b]
        nested = [self.condition(c) for c, b in zip(children, bare, strict=True) if not b]
        required = {"all": len(children), "any": 1}.get(req.kind, req.at_least)
        node["ceterms:requiredNumber"] = required
        if targets:
            node["ceterms:targetComponent"] = targets
        if nested:
            node["ceterms:hasCondition"] = nested
        return node


def _condition_node(requirement: Requirement) -> dict[str, Any]:
    """A bare ``ceterms:ComponentCondition`` carrying the requirement's label, if any."""
    node: dict[str, Any] = {"@type": "ceterms:ComponentCondition"}
    if requirement.label:
        node["ceterms:name"] = _lang(requirement.label)
    return node


def _describe(requirement: Requirement) -> str:
    """The credit/count requirement in words, including what CTDL cannot say (via, earned_at)."""
    amount = (
        f"{plain_number(requirement.credits)} credits"
        if requirement.credits is not None
        else f"{requirement.count} credentials"
    )
    flt = requirement.from_
    parts = [
        f"{key.replace('_', ' ')} {', '.join(str(v) for v in values)}"
        for key in (*_STATIC_KEYS, "via", "earned_at")
        if flt is not None and (values := getattr(flt, key)) is not None
    ]
    return f"{amount} from {'; '.join(parts) if parts else 'any holding'}"


def _set_modifiers(requirement: Requirement) -> list[tuple[str, Any]]:
    """The requirement's modifiers that are set, in :data:`MODIFIER_SOURCES` order."""
    return [
        (name, value)
        for name in MODIFIER_SOURCES
        if (value := getattr(requirement, name)) is not None and value is not False
    ]


def _modifier_constraint(name: str, value: Any) -> dict[str, Any]:
    """A ``ceterms:Constraint`` carrying one modifier, with the rule in words."""
    sources = [MODIFIER_SOURCES[name]]
    comparator, right, words = "comparator:gteq", str(value), ""
    if name == "min_grade":
        words = f"a grade of {value} or better"
    elif name in ("min_score", "min_hours"):
        right = format(value, "g")
        words = f"a {'score' if name == 'min_score' else 'clock-hour count'} of at least {right}"
    elif name == "earned_within":
        comparator, words = "comparator:lteq", f"earned within {value} before the as-of date"
    elif name == "shares":
        comparator, right = "comparator:eq", "true"
        words = "may share holdings with the goal's other requirements"
    else:
        sources.append(f"pathways:{value.by}")
        right = str(value.at_least)
        words = f"from at least {value.at_least} different {value.by.replace('_', ' ')} values"
    return {
        "@type": "ceterms:Constraint",
        "ceterms:description": _lang(words),
        "ceterms:leftSource": sources,
        "ceterms:comparator": comparator,
        "ceterms:rightSource": [right],
    }


def _identifier(ident: str) -> dict[str, Any]:
    return {
        "@type": "ceterms:IdentifierValue",
        "ceterms:identifierTypeName": _lang(CATALOG_ID_TYPE),
        "ceterms:identifierValue": ident,
    }


def _value_profile(credits: Fraction, level: str | None, subject: str | None) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "@type": "ceterms:ValueProfile",
        "ceterms:creditUnitType": ["creditUnit:SemesterHour"],
        "schema:value": plain_number(credits),
    }
    if level:
        profile["ceterms:creditLevelType"] = [LEVEL_CONCEPT[level]]
    if subject:
        profile["ceterms:subject"] = [
            {"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNodeName": _lang(subject)}
        ]
    return profile


def _credit_constraint(credits: Fraction | None) -> dict[str, Any]:
    return {
        "@type": "ceterms:Constraint",
        "ceterms:leftSource": ["ceterms:creditValue"],
        "ceterms:leftAction": "arrayOperation:Sum",
        "ceterms:comparator": "comparator:gteq",
        "ceterms:rightSource": [str(plain_number(credits or Fraction(0)))],
    }


def export_pathway(catalog: CompiledCatalog | Catalog, goal: str) -> dict[str, Any]:
    """The CTDL JSON-LD (``@graph``) of the pathway to ``goal``: a ``ceterms:Pathway``, its
    components and the organizations that own them.

    Raises :class:`~pathways.errors.UnknownIdError` for an id the catalog does not hold.
    """
    model = catalog if isinstance(catalog, Catalog) else catalog.catalog
    exporter = _Exporter(model, goal)
    goal_cred = exporter.credential(goal)
    destination = exporter.component(goal)
    pathway_ctid = _ctid("pathways", "pathway", goal)
    pathway: dict[str, Any] = {
        "@id": REGISTRY + pathway_ctid,
        "@type": "ceterms:Pathway",
        "ceterms:ctid": pathway_ctid,
        "ceterms:name": _lang(f"Pathway to {goal_cred.title}"),
        "ceterms:hasDestinationComponent": [destination],
        "ceterms:hasChild": [destination],
        "ceterms:hasPart": list(exporter.components),
    }
    if goal_cred.issuer:
        owner = exporter.organization(goal_cred.issuer)
        if owner:
            pathway["ceterms:ownedBy"] = [owner]
    return {
        "@context": CTDL_CONTEXT,
        "@id": REGISTRY + "graph/" + pathway_ctid,
        "@graph": [pathway, *exporter.components.values(), *exporter.organizations.values()],
    }
