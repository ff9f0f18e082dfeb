"""The synthetic state system in memory while :mod:`pathways.tools.generate` builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


# --------------------------------------------------------------------------- the model in memory


@dataclass
class Institution:
    id: str
    name: str
    kind: str
    quarter: bool
    subjects: list[str]
    courses: list[Json] = field(default_factory=list)
    programs: list[Json] = field(default_factory=list)
    rules: list[Json] = field(default_factory=list)
    by_subject: dict[str, list[Json]] = field(default_factory=dict)
    by_tag: dict[str, list[Json]] = field(default_factory=dict)


@dataclass
class World:
    institutions: list[Institution]
    credentials: dict[str, Json]
    """Every credential (id → the last version's dict); versions in ``versions``."""
    versions: dict[str, list[Json]]
    equivalences: dict[str, Json]
    course_credits: dict[str, float]
    program_meta: dict[str, tuple[str, str]]
    """program id → (institution id, kind)."""
    sources: dict[str, list[str]] = field(default_factory=dict)
    """course id → courses elsewhere that count as it (an articulation rule at its
    institution, or a shared statewide code without date limits)."""


def credits_of(course: Json) -> float:
    value = course["credits"]
    if isinstance(value, dict):
        return float(value["value"]) * 2 / 3
    return float(value)
