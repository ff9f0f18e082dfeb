"""CTDL (Credential Engine) JSON-LD in and out of the catalog language.

Import (:func:`import_ctdl`) reads credentials, courses, learning programs and assessments
with their ``ceterms:requires`` ConditionProfiles, ``ceterms:Pathway`` / ``PathwayComponent``
/ ``ComponentCondition`` graphs, ``ceterms:TransferValueProfile``\\ s and organizations, and
builds catalog data (institutions, policies, credentials, transfer_rules) that validates.
Keys may be prefixed (``ceterms:name``) or not (``name``, as in the 2019 pathway proposal);
text may be a language map; references may be URIs, ``{"@id"}`` objects or CTIDs.

* A ConditionProfile's targets are required together (``all``); its ``creditValue`` makes it
  ``credits: N from: {ids: targets}``; ``alternativeCondition``\\ s are alternatives (``any``).
* A ComponentCondition requires ``requiredNumber`` of its targets and nested conditions
  (``all`` when absent or equal to their number, ``any`` for 1 or a logical OR, else
  ``at_least``); a credit-sum Constraint (``creditValue`` sum ≥ N) becomes ``credits: N``.
  A component's conditions become the ``requires`` of the credential it stands for
  (``proxyFor``) or that it describes. Constraints whose ``leftSource`` is a ``pathways:``
  term carry the modifiers CTDL has no property for (see :data:`MODIFIER_SOURCES`).
* A TransferValueProfile becomes a transfer rule (policy ``ctdl.transfer-value``,
  guarantee ``recommended`` unless told otherwise): from its ``transferValueFrom`` to its
  ``transferValueFor`` credentials, or to block credit of its ``transferValue``.

Anything that cannot be expressed (a target that is not in the files, a text-only
condition) is left out and reported in :attr:`CtdlImport.warnings`.

Export lives in :mod:`pathways.interop.ctdl_export`; the vocabulary both share is here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pathways.catalog.model import (
    Catalog,
    Requirement,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "CATALOG_ID_TYPE",
    "CTDL_CONTEXT",
    "MODIFIER_SOURCES",
    "CtdlImport",
    "import_ctdl",
]

CTDL_CONTEXT = "https://credreg.net/ctdl/schema/context/json"
REGISTRY = "https://credentialengineregistry.org/resources/"
CATALOG_ID_TYPE = "Pathways catalog id"
"""``ceterms:identifierTypeName`` of the identifier that carries a catalog id."""
KIND_KEYWORD = "pathways-kind:"
POLICY_ID = "ctdl.transfer-value"

MODIFIER_SOURCES: dict[str, str] = {
    "min_grade": "pathways:minGrade",
    "min_score": "pathways:minScore",
    "min_hours": "pathways:minHours",
    "earned_within": "pathways:earnedWithin",
    "shares": "pathways:shares",
    "distinct": "pathways:distinct",
}
"""Requirement modifier → the ``leftSource`` term of the Constraint that carries it."""

CTID_NAMESPACE = uuid.UUID("5b0f5e8e-2c43-4a0a-9d5e-6f1f3c1f0a11")
_CTID = re.compile(r"ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# CTDL class → catalog kind.
_CLASS_KIND: dict[str, str] = {
    "Course": "course",
    "LearningOpportunityProfile": "course",
    "LearningProgram": "certificate",
    "AssessmentProfile": "exam",
    "Badge": "badge",
    "DigitalBadge": "badge",
    "OpenBadge": "badge",
    "MicroCredential": "micro-credential",
    "Certification": "industry-certification",
    "License": "license",
    "ApprenticeshipCertificate": "apprenticeship",
    "JourneymanCertificate": "apprenticeship",
    "PreApprenticeshipCertificate": "apprenticeship",
    "AssociateDegree": "associate",
    "AssociateOfArts": "associate",
    "AssociateOfScience": "associate",
    "AssociateOfAppliedArts": "associate",
    "AssociateOfAppliedScience": "associate",
    "BachelorDegree": "bachelor",
    "BachelorOfArts": "bachelor",
    "BachelorOfScience": "bachelor",
    "MasterDegree": "master",
    "MasterOfArts": "master",
    "MasterOfScience": "master",
}
_CERTIFICATES = [
    "Credential",
    "AcademicCertificate",
    "BasicTechnicalCertificate",
    "Certificate",
    "CertificateOfCompletion",
    "CertificateOfParticipation",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "GeneralEducationDevelopment",
    "GeneralEducationLevel1Certificate",
    "GeneralEducationLevel2Certificate",
    "HigherEducationLevel1Certificate",
    "HigherEducationLevel2Certificate",
    "MasterCertificate",
    "PostBaccalaureateCertificate",
    "PostMasterCertificate",
    "ProfessionalCertificate",
    "ProfessionalDoctorate",
    "ProficiencyCertificate",
    "QualityAssuranceCredential",
    "ResearchDoctorate",
    "SecondaryEducationCertificate",
    "SecondarySchoolDiploma",
    "SpecialistDegree",
    "TechnicalLevel1Certificate",
    "TechnicalLevel2Certificate",
    "TechnicalLevel3Certificate",
    "WorkBasedLearningCertificate",
]
_CLASS_KIND.update({name: "certificate" for name in _CERTIFICATES})

# Catalog kind → CTDL class written on export.
KIND_CLASS: dict[str, str] = {
    "course": "Course",
    "badge": "DigitalBadge",
    "micro-credential": "MicroCredential",
    "certificate": "Certificate",
    "industry-certification": "Certification",
    "license": "License",
    "exam": "AssessmentProfile",
    "military-training": "Certificate",
    "apprenticeship": "ApprenticeshipCertificate",
    "career-tech-program": "Certificate",
    "micro-degree": "MicroCredential",
    "associate": "AssociateDegree",
    "bachelor": "BachelorDegree",
    "master": "MasterDegree",
    "transfer-block": "Certificate",
}

_COMPONENT_KIND = {
    "CourseComponent": "course",
    "AssessmentComponent": "exam",
    "CompetencyComponent": "badge",
}
_COMPONENTS = frozenset(
    [
        "AssessmentComponent",
        "BasicComponent",
        "CocurricularComponent",
        "CompetencyComponent",
        "CourseComponent",
        "CredentialComponent",
        "ExtracurricularComponent",
        "JobComponent",
        "WorkExperienceComponent",
        "MultiComponent",
        "SelectionComponent",
    ]
)
_ORGANIZATIONS = frozenset(["Organization", "CredentialOrganization", "QACredentialOrganization"])
_ORG_KIND = {
    "postsecondary": "university",
    "secondaryschool": "career-tech-center",
    "business": "employer",
    "military": "military",
    "government": "agency",
    "certificationbody": "exam-body",
    "trainingprovider": "provider",
}
_LEVELS = {
    "LowerDivisionLevel": "lower",
    "UpperDivisionLevel": "upper",
    "GraduateLevel": "graduate",
    "ProfessionalLevel": "vocational",
}
LEVEL_CONCEPT = {level: f"audLevel:{concept}" for concept, level in _LEVELS.items()}


# --------------------------------------------------------------------------- JSON-LD access


def _local(name: str) -> str:
    """``ceterms:Course`` → ``Course``; a full URI → its last segment."""
    return re.split(r"[:/#]", name)[-1]


def _get(node: Mapping[str, Any], name: str) -> Any:
    for key in (f"ceterms:{name}", f"ceasn:{name}", f"asn:{name}", name):
        if key in node:
            return node[key]
    return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _node_id(node: Mapping[str, Any]) -> str | None:
    value = node.get("@id", node.get("id"))
    return value if isinstance(value, str) else None


def _types(node: Mapping[str, Any]) -> list[str]:
    return [_local(t) for t in _list(node.get("@type", node.get("type"))) if isinstance(t, str)]


def _text(value: Any) -> str | None:
    """Plain text from a string, a language map (en-US/en first) or a list of either."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            found = _text(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key in ("en-US", "en", "@en-US", "@en", "@value"):
            if key in value:
                return _text(value[key])
        for item in value.values():
            found = _text(item)
            if found:
                return found
    return None


def _ref(value: Any) -> str | None:
    """A reference's URI: a string (a bare CTID becomes its registry URI) or an object's @id."""
    if isinstance(value, dict):
        value = _node_id(value)
    if isinstance(value, str) and value:
        return REGISTRY + value.lower() if _CTID.fullmatch(value) else value
    return None


def _concepts(value: Any) -> list[str]:
    """Concept names from plain concept URIs/CURIEs or CredentialAlignmentObjects."""
    found = []
    for item in _list(value):
        if isinstance(item, str):
            found.append(_local(item))
        elif isinstance(item, dict):
            node = _get(item, "targetNode")
            if isinstance(node, str):
                found.append(_local(node))
            else:
                name = _text(_get(item, "targetNodeName"))
                if name:
                    found.append(name)
    return found


def _number(value: Any) -> Fraction | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None
    return amount if amount >= 0 else None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or "item"


def plain_number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


# --------------------------------------------------------------------------- import


@dataclass
class CtdlImport:
    """Catalog data built from CTDL, and what could not be carried over."""

    data: dict[str, list[dict[str, Any]]]
    """Top-level catalog sections (institutions, policies, credentials, transfer_rules)."""
    warnings: list[str] = field(default_factory=list)

    def catalog(self) -> Catalog:
        """The data as a validated :class:`~pathways.catalog.model.Catalog` (pydantic errors if
        not)."""
        return Catalog.model_validate(self.data)


def _walk(document: Any) -> Iterator[dict[str, Any]]:
    """Every top-level node of a CTDL document (a resource, or the members of its @graph)."""
    if isinstance(document, list):
        for item in document:
            yield from _walk(item)
    elif isinstance(document, dict):
        graph = document.get("@graph")
        if isinstance(graph, list):
            yield from (item for item in graph if isinstance(item, dict))
        elif _types(document):
            yield document


# The local name of a modifier's term (lower case) → the modifier.
_MODIFIER_OF = {_local(term).lower(): name for name, term in MODIFIER_SOURCES.items()}


@dataclass
class _Importer:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    """Node URI (and registry URI of its CTID) → catalog id."""
    used: set[str] = field(default_factory=set)
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blank: int = 0

    # ---- ids

    def _fresh(self, wanted: str) -> str:
        ident, n = wanted, 2
        while ident in self.used:
            ident = f"{wanted}-{n}"
            n += 1
        self.used.add(ident)
        return ident

    def _declared_id(self, node: Mapping[str, Any]) -> str | None:
        for item in _list(_get(node, "identifier")):
            if not isinstance(item, dict):
                continue
            if _text(_get(item, "identifierTypeName")) == CATALOG_ID_TYPE:
                value = _text(_get(item, "identifierValue"))
                if value and _ID.match(value):
                    return value
        return None

    def _register(self, node: dict[str, Any], wanted: str) -> str:
        declared = self._declared_id(node)
        ident = declared if declared and declared not in self.used else None
        if ident is not None:
            self.used.add(ident)
        else:
            ident = self._fresh(wanted)
        uri = _node_id(node)
        if uri:
            self.ids[uri] = ident
        ctid = _text(_get(node, "ctid"))
        if ctid and _CTID.fullmatch(ctid):
            self.ids.setdefault(REGISTRY + ctid.lower(), ident)
        return ident

    def add(self, node: dict[str, Any]) -> str:
        """Take in a top-level node and return its URI; resources embedded in it become
        nodes of their own."""
        uri = _node_id(node)
        if uri is None:
            self.blank += 1
            uri = f"_:node{self.blank}"
        hoisted = {key: self._hoist(value) for key, value in node.items()}
        hoisted["@id"] = uri
        self.nodes.setdefault(uri, hoisted)
        return uri

    def _hoist(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._hoist(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(_types(value)) & (set(_CLASS_KIND) | _ORGANIZATIONS):
            return self.add(value)
        return {key: self._hoist(item) for key, item in value.items()}

    # ---- organizations

    def organization(self, node: dict[str, Any]) -> None:
        name = _text(_get(node, "name")) or _node_id(node) or "Organization"
        ident = self._register(node, _slug(name))
        kinds = [c.lower() for c in _concepts(_get(node, "agentType"))]
        kind = self._kind(node, next((_ORG_KIND[k] for k in kinds if k in _ORG_KIND), "provider"))
        entry: dict[str, Any] = {"id": ident, "name": name, "kind": kind}
        for address in _list(_get(node, "address")):
            region = _text(_get(address, "addressRegion")) if isinstance(address, dict) else None
            if region and re.fullmatch(r"[A-Z]{2}", region):
                entry["state"] = region
        page = _get(node, "subjectWebpage")
        if isinstance(page, str):
            entry["source"] = page
        self.institutions[ident] = entry

    def _owner(self, node: Mapping[str, Any]) -> str | None:
        for prop in ("ownedBy", "offeredBy"):
            for value in _list(_get(node, prop)):
                uri = _ref(value)
                if uri and uri in self.ids and self.ids[uri] in self.institutions:
                    return self.ids[uri]
        return None

    # ---- credentials

    def _kind(self, node: Mapping[str, Any], default: str) -> str:
        for keyword in _list(_get(node, "keyword")):
            for text in _list(keyword.get("en-US") if isinstance(keyword, dict) else keyword):
                if isinstance(text, str) and text.startswith(KIND_KEYWORD):
                    return text[len(KIND_KEYWORD) :]
        return default

    def _credits(self, node: Mapping[str, Any]) -> tuple[Fraction | None, str | None, str | None]:
        """Credits (semester hours), level and subject from creditValue (or legacy fields)."""
        for profile in _list(_get(node, "creditValue")):
            if not isinstance(profile, dict):
                continue
            units = [u.lower() for u in _concepts(_get(profile, "creditUnitType"))]
            amount = _number(profile.get("schema:value", profile.get("value")))
            if amount is None:
                amount = _number(profile.get("schema:minValue", profile.get("minValue")))
            if amount is None:
                continue
            if any("quarter" in u for u in units):
                amount *= Fraction(2, 3)
            level = next(
                (_LEVELS[c] for c in _concepts(_get(profile, "creditLevelType")) if c in _LEVELS),
                None,
            )
            subject = _text(_concepts(_get(profile, "subject")))
            return amount, level, subject
        amount = _number(_get(node, "creditHourValue") or _get(node, "creditUnitValue"))
        return amount, None, None

    def credential(self, node: dict[str, Any], kind: str) -> str:
        name = _text(_get(node, "name")) or _unnamed(node)
        owner = self._owner(node)
        ident = self._register(node, f"{owner}.{_slug(name)}" if owner else _slug(name))
        entry: dict[str, Any] = {"id": ident, "title": name, "kind": self._kind(node, kind)}
        if owner:
            entry["issuer"] = owner
        amount, level, subject = self._credits(node)
        if amount is not None:
            entry["credits"] = plain_number(amount)
        if level:
            entry["level"] = level
        if subject:
            entry["subject"] = subject
        ctid = _text(_get(node, "ctid"))
        if ctid and _CTID.fullmatch(ctid) and _types(node)[0] not in _COMPONENTS:
            entry["ctid"] = ctid.lower()
        prices = [
            _number(_get(cost, "price"))
            for cost in _list(_get(node, "estimatedCost"))
            if isinstance(cost, dict)
        ]
        if any(p is not None for p in prices):
            entry["cost"] = float(sum(p for p in prices if p is not None))
        entry.update(_durations(node))
        start, end = _date(_get(node, "dateEffective")), _date(_get(node, "expirationDate"))
        if start or end:
            entry["effective"] = {"from": start, "to": end}
        page = _get(node, "subjectWebpage")
        uri = _node_id(node)
        if isinstance(page, str):
            entry["source"] = page
        elif uri and uri.startswith("http"):
            entry["source"] = uri
        description = _text(_get(node, "description"))
        if description:
            entry["note"] = description
        self.credentials[ident] = entry
        return ident

    # ---- requirements

    def _target(self, uri: str | None, where: str) -> dict[str, Any] | None:
        if uri and uri in self.ids and self.ids[uri] in self.credentials:
            return {"has": self.ids[uri]}
        self.warnings.append(f"{where}: target {uri} is not in the imported files; left out")
        return None

    def _profile(self, profile: Mapping[str, Any], where: str) -> dict[str, Any] | None:
        targets = []
        for prop in ("targetCredential", "targetLearningOpportunity", "targetAssessment"):
            for value in _list(_get(profile, prop)):
                found = self._target(_ref(value), where)
                if found:
                    targets.append(found)
        label = _text(_get(profile, "name"))
        requirement: dict[str, Any] | None = None
        amount, _, _ = self._credits(profile)
        if targets and amount is not None:
            requirement = {
                "credits": plain_number(amount),
                "from": {"ids": [t["has"] for t in targets]},
            }
        elif targets:
            requirement = _group("all", targets)
        alternatives = [
            alt
            for alt in (
                self._profile(p, where)
                for p in _list(_get(profile, "alternativeCondition"))
                if isinstance(p, dict)
            )
            if alt
        ]
        if alternatives:
            requirement = _group("any", [r for r in (requirement, *alternatives) if r])
        if requirement is None:
            if label or _get(profile, "description"):
                self.warnings.append(
                    f"{where}: condition {label or ''!r} names no credential; left out (text only)"
                )
            return None
        if label and "label" not in requirement:
            requirement["label"] = label
        return requirement

    def _component_condition(
        self, condition: Mapping[str, Any], where: str
    ) -> dict[str, Any] | None:
        children: list[dict[str, Any]] = []
        for value in _list(_get(condition, "targetComponent")):
            found = self._target(self._component_ref(value), where)
            if found:
                children.append(found)
        for nested in _list(_get(condition, "hasCondition")):
            if isinstance(nested, dict):
                inner = self._component_condition(nested, where)
                if inner:
                    children.append(inner)
        label = _text(_get(condition, "name")) or _text(_get(condition, "description"))
        credits = self._credit_constraint(condition)
        if credits is not None and children and all("has" in c for c in children):
            requirement: dict[str, Any] = {
                "credits": plain_number(credits),
                "from": {"ids": [c["has"] for c in children]},
            }
        elif not children:
            self.warnings.append(
                f"{where}: condition {label or ''!r} names no component in the files; left out"
            )
            return None
        else:
            requirement = _group(self._operator(condition, len(children)), children)
        modifiers = self._modifiers(condition, requirement, where)
        if modifiers and any(key in requirement for key in (*modifiers, "label")):
            requirement = {"all": [requirement]}  # a lone child keeps its own modifiers
        requirement.update(modifiers)
        if label and "label" not in requirement:
            requirement["label"] = label
        return requirement

    def _modifiers(
        self, condition: Mapping[str, Any], requirement: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        """The requirement modifiers carried by ``pathways:`` Constraints; one that does not
        validate (or does not fit the requirement's form) is reported and left out."""
        found: dict[str, Any] = {}
        amount = "credits" in requirement or "count" in requirement
        for constraint in _list(_get(condition, "hasConstraint")):
            if not isinstance(constraint, dict):
                continue
            terms = _concepts(_get(constraint, "leftSource"))
            name = next((_MODIFIER_OF[t.lower()] for t in terms if t.lower() in _MODIFIER_OF), None)
            if name is None:
                continue
            right = _list(_get(constraint, "rightSource"))
            value: Any = right[0] if right else None
            if name == "shares":
                value = str(value).lower() == "true"
            elif name == "distinct":
                if not amount:
                    self.warnings.append(f"{where}: distinct applies to credits or count; left out")
                    continue
                by = [t for t in terms if t.lower() not in _MODIFIER_OF]
                value = {"by": by[0] if by else "subject", "at_least": value}
            probe: dict[str, Any] = {"credits": 1, "from": {}} if amount else {"has": "x"}
            try:
                checked = Requirement.model_validate({**probe, name: value})
            except ValidationError:
                self.warnings.append(
                    f"{where}: constraint {name} = {value!r} is not a valid {name}; left out"
                )
                continue
            found[name] = checked.model_dump(mode="json", include={name})[name]
        return found

    def _component_ref(self, value: Any) -> str | None:
        uri = _ref(value)
        if uri and uri in self.ids:
            return uri
        node = self.nodes.get(uri or "")
        proxy = _ref(_list(_get(node, "proxyFor"))[0]) if node and _get(node, "proxyFor") else None
        return proxy if proxy in self.ids else uri

    def _operator(self, condition: Mapping[str, Any], count: int) -> str | int:
        operator = _get(condition, "logicalOperator") or condition.get("logicalOperand")
        if isinstance(operator, str | dict):
            word = (_concepts(operator) or [""])[0].lower()
            if word == "or":
                return "any"
            if word == "and":
                return "all"
        number = _get(condition, "requiredNumber")
        if number is None and condition.get("leftOperand") == "reqNum":
            number = condition.get("rightOperand")
        required = _number(number)
        if required is None or required >= count:
            if required is not None and required > count:
                self.warnings.append(
                    f"a condition requires {required} of only {count} imported targets; "
                    "requiring all of them"
                )
            return "all"
        if required <= 1:
            return "any"
        return int(required)

    def _credit_constraint(self, condition: Mapping[str, Any]) -> Fraction | None:
        for constraint in _list(_get(condition, "hasConstraint")):
            if not isinstance(constraint, dict):
                continue
            left = [c.lower() for c in _concepts(_get(constraint, "leftSource"))]
            comparator = (_concepts(_get(constraint, "comparator")) or [""])[0].lower()
            if "creditvalue" in left and comparator in ("gteq", "gte", "greaterthanorequal"):
                right = _list(_get(constraint, "rightSource"))
                amount = _number(right[0] if right else None)
                if amount is not None:
                    return amount
        return None

    # ---- pathways and transfer values

    def pathway(self, node: Mapping[str, Any]) -> None:
        name = _text(_get(node, "name")) or "pathway"
        for value in _list(_get(node, "hasDestinationComponent")):
            uri = self._component_ref(value)
            ident = self.ids.get(uri or "")
            if ident in self.credentials and "note" not in self.credentials[ident]:
                self.credentials[ident]["note"] = f"Destination of the CTDL pathway {name!r}"

    def component_conditions(self, node: Mapping[str, Any]) -> None:
        uri = _node_id(node)
        ident = self.ids.get(uri or "")
        if ident is None:
            return
        found = [
            req
            for req in (
                self._component_condition(c, f"component {ident}")
                for c in _list(_get(node, "hasCondition"))
                if isinstance(c, dict)
            )
            if req
        ]
        if found:
            self._add_requirement(ident, _group("all", found))

    def _add_requirement(self, ident: str, requirement: dict[str, Any]) -> None:
        entry = self.credentials[ident]
        if "requires" in entry:
            entry["requires"] = _group("all", [entry["requires"], requirement])
        else:
            entry["requires"] = requirement

    def conditions(self, node: Mapping[str, Any]) -> None:
        ident = self.ids.get(_node_id(node) or "")
        if ident not in self.credentials:
            return
        found = [
            req
            for req in (
                self._profile(p, f"{ident} requires")
                for p in _list(_get(node, "requires"))
                if isinstance(p, dict)
            )
            if req
        ]
        parts = [
            part
            for part in (
                self._target(_ref(v), f"{ident} hasPart") for v in _list(_get(node, "hasPart"))
            )
            if part
        ]
        if parts:
            found.append(_group("all", parts))
        if found:
            self._add_requirement(ident, _group("all", found))

    def transfer_value(self, node: Mapping[str, Any]) -> None:
        name = _text(_get(node, "name")) or "transfer value"
        ident = self._fresh(_slug(name))
        where = f"transfer value {ident}"
        sources = [
            t
            for t in (self._target(_ref(v), where) for v in _list(_get(node, "transferValueFrom")))
            if t
        ]
        if not sources:
            self.warnings.append(f"{where}: no source credential in the imported files; left out")
            return
        grants: list[dict[str, Any]] = []
        for value in _list(_get(node, "transferValueFor")):
            found = self._target(_ref(value), where)
            if found:
                grants.append({"credential": found["has"]})
        if not grants:
            for profile in _list(_get(node, "transferValue")):
                amount, level, subject = self._credits({"creditValue": profile})
                if amount is not None and amount > 0:
                    grant: dict[str, Any] = {"credits": plain_number(amount), "label": name}
                    if level:
                        grant["level"] = level
                    if subject:
                        grant["subject"] = subject
                    grants.append(grant)
        if not grants:
            self.warnings.append(f"{where}: grants neither a credential nor credit; left out")
            return
        rule: dict[str, Any] = {
            "id": ident,
            "policy": POLICY_ID,
            "when": _group("all", sources),
            "grants": grants,
            "label": name,
        }
        owner = self._owner(node)
        if owner:
            rule["at"] = [owner]
        start, end = _date(_get(node, "startDate")), _date(_get(node, "endDate"))
        if start or end:
            rule["effective"] = {k: v for k, v in (("from", start), ("to", end)) if v is not None}
        uri = _node_id(node)
        if uri and uri.startswith("http"):
            rule["source"] = uri
        self.rules.append(rule)


def _unnamed(node: Mapping[str, Any]) -> str:
    """A title for a resource without a name: its type and the end of its id."""
    kind = re.sub(r"(?<!^)(?=[A-Z])", " ", (_types(node) or ["Resource"])[0]).capitalize()
    tail = re.split(r"[/:#]", _node_id(node) or "")[-1][:8]
    return f"{kind} {tail}".strip()


_ISO_DURATION = re.compile(
    r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<MIN>\d+(?:\.\d+)?)M)?)?$"
)
# Weeks in each calendar part of a duration (a year is 52 weeks).
_WEEKS = {"Y": 52.0, "M": 52 / 12, "W": 1.0, "D": 1 / 7}


def _durations(node: Mapping[str, Any]) -> dict[str, float]:
    """``weeks`` and ``hours`` from ``estimatedDuration`` DurationProfiles: a calendar duration
    (``P32W``, ``P6M``) gives weeks, a time duration (``PT900H``) gives clock hours."""
    found: dict[str, float] = {}
    for profile in _list(_get(node, "estimatedDuration")):
        if not isinstance(profile, dict):
            continue
        text = _text(_get(profile, "exactDuration") or _get(profile, "maximumDuration"))
        match = _ISO_DURATION.match(text or "")
        if not match or text in ("P", "PT"):
            continue
        parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
        weeks = sum(parts.get(k, 0.0) * per for k, per in _WEEKS.items())
        hours = parts.get("H", 0.0) + parts.get("MIN", 0.0) / 60
        if weeks:
            found.setdefault("weeks", round(weeks, 2))
        if hours:
            found.setdefault("hours", round(hours, 2))
    return found


def _date(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _group(form: str | int, children: list[dict[str, Any]]) -> dict[str, Any]:
    """``all``/``any``/``at_least`` of children; a single child stands for itself."""
    if len(children) == 1 and form in ("all", "any", 1):
        return children[0]
    if isinstance(form, int):
        return {"at_least": form, "of": children}
    return {form: children}


def import_ctdl(documents: Iterable[Any], *, guarantee: str = "recommended") -> CtdlImport:
    """Build catalog data from parsed CTDL JSON-LD documents (see the module docstring).

    ``guarantee`` is the guarantee level of the policy under which imported
    TransferValueProfiles grant credit.
    """
    importer = _Importer()
    for document in documents:
        for node in _walk(document):
            importer.add(node)
    for node in list(importer.nodes.values()):
        if set(_types(node)) & _ORGANIZATIONS:
            importer.organization(node)
    # Credentials first (in two passes: resources, then components not standing for one),
    # so that every reference between them can be resolved.
    for node in list(importer.nodes.values()):
        kinds = _types(node)
        if kinds and kinds[0] in _CLASS_KIND:
            importer.credential(node, _CLASS_KIND[kinds[0]])
    for node in list(importer.nodes.values()):
        kinds = _types(node)
        if not kinds or kinds[0] not in _COMPONENTS:
            continue
        proxies = [_ref(v) for v in _list(_get(node, "proxyFor"))]
        target = next((importer.ids[p] for p in proxies if p in importer.ids), None)
        uri = _node_id(node)
        if target is not None and uri:
            importer.ids[uri] = target
            continue
        kind = _COMPONENT_KIND.get(kinds[0])
        if kinds[0] == "CredentialComponent":
            credential_types = _concepts(_get(node, "credentialType"))
            kind = next(
                (_CLASS_KIND[c] for c in credential_types if c in _CLASS_KIND), "certificate"
            )
        ident = importer.credential(node, kind or "micro-credential")
        if kind is None:
            importer.credentials[ident].setdefault("tags", []).append(f"ctdl:{kinds[0]}")
        for proxy in proxies:
            match = _CTID.search(proxy or "")
            if match:
                importer.credentials[ident]["ctid"] = match.group(0).lower()
                break
    for node in list(importer.nodes.values()):
        classes = set(_types(node))
        if classes & set(_CLASS_KIND):
            importer.conditions(node)
        if classes & _COMPONENTS:
            importer.component_conditions(node)
    for node in list(importer.nodes.values()):
        classes = set(_types(node))
        if "Pathway" in classes:
            importer.pathway(node)
        if "TransferValueProfile" in classes:
            importer.transfer_value(node)
    data: dict[str, list[dict[str, Any]]] = {}
    if importer.institutions:
        data["institutions"] = list(importer.institutions.values())
    if importer.rules:
        data["policies"] = [
            {
                "id": POLICY_ID,
                "title": "Transfer values imported from CTDL",
                "guarantee": guarantee,
            }
        ]
    if importer.credentials:
        data["credentials"] = list(importer.credentials.values())
    if importer.rules:
        data["transfer_rules"] = importer.rules
    return CtdlImport(data=data, warnings=importer.warnings)
