"""Coverage figures of a compiled catalog (``pathways validate --stats``).

:func:`catalog_stats` counts what a reader of the catalog wants to see at a glance: the
institutions (and how many are Ohio public colleges and universities), the courses each
institution has, the equivalences by how many institutions their members come from (an
equivalence with members at two or more institutions is one a course can move through), the
transfer rules by policy, and the share of entries that cite a source.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pathways.catalog.compile import CompiledCatalog

__all__ = ["catalog_stats", "format_stats"]


def catalog_stats(catalog: CompiledCatalog) -> dict[str, Any]:
    """The figures as a JSON-ready dict (keys: ``institutions``, ``ohio_public``,
    ``courses_per_institution``, ``equivalences_by_member_institutions``,
    ``rules_by_policy``, ``sourced``)."""
    courses: Counter[str] = Counter()
    for versions in catalog.versions.values():
        latest = versions[-1]
        if latest.kind == "course" and latest.issuer is not None:
            courses[latest.issuer] += 1
    spread: Counter[int] = Counter()
    for equivalence in catalog.equivalences.values():
        issuers = {
            catalog.credential(part).issuer
            for member in equivalence.members
            for part in member.all
            if part in catalog.versions
        }
        spread[len(issuers)] += 1
    entries: list[Any] = [
        *catalog.institutions.values(),
        *catalog.policies.values(),
        *(v for versions in catalog.versions.values() for v in versions),
        *catalog.equivalences.values(),
        *catalog.rules.values(),
    ]
    sourced = sum(1 for e in entries if getattr(e, "source", None))
    ohio_public = sorted(
        i.id
        for i in catalog.institutions.values()
        if i.state == "OH"
        and i.control == "public"
        and i.kind in ("university", "community-college")
    )
    return {
        "institutions": len(catalog.institutions),
        "ohio_public": len(ohio_public),
        "courses_per_institution": dict(sorted(courses.items())),
        "equivalences_by_member_institutions": {str(k): spread[k] for k in sorted(spread)},
        "rules_by_policy": dict(sorted(Counter(r.policy for r in catalog.rules.values()).items())),
        "sourced": {"entries": len(entries), "with_source": sourced,
                    "share": round(sourced / len(entries), 4) if entries else 1.0},
    }  # fmt: skip


def format_stats(stats: dict[str, Any]) -> str:
    """The figures as readable lines."""
    lines = [f"institutions: {stats['institutions']} ({stats['ohio_public']} Ohio public)"]
    lines.append("courses per institution:")
    lines += [f"  {k:<24} {v:>5}" for k, v in stats["courses_per_institution"].items()]
    lines.append("equivalences by number of member institutions:")
    lines += [
        f"  {k:>3} institution{'s' if k != '1' else ''}: {v}"
        for k, v in stats["equivalences_by_member_institutions"].items()
    ]
    lines.append("transfer rules by policy:")
    lines += [f"  {k:<32} {v:>5}" for k, v in stats["rules_by_policy"].items()]
    share = stats["sourced"]
    lines.append(
        f"entries with a source: {share['with_source']} of {share['entries']} "
        f"({share['share']:.1%})"
    )
    return "\n".join(lines)
