"""One traversal of the requirement grammar (``docs/semantics.md#requirements``).

A requirement is a leaf (``has``, ``credits``, ``count``) or a group (``all``, ``any``,
``at_least``) of child requirements. Code that reads a tree goes through these functions
instead of spelling out the forms again:

* :func:`walk` — every node, root first, children left to right;
* :func:`walk_located` — the same with each node's field path (for located errors);
* :func:`named_ids` — the ids a tree names (``has`` targets, then filter ``ids``), in order;
* :func:`fold` — a bottom-up computation, one :class:`Folder` method per form;
* :class:`Visitor` — a top-down walk that hands each node a context inherited from its parent
  (modifiers, whether the node must be met, the composites being expanded) and decides itself
  whether and how to enter children.

Adding a requirement form means teaching these functions, :class:`Folder` and
:class:`Visitor` about it; mypy then names every folder and visitor that lacks the new method
(the methods are abstract).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

from pathways.catalog.model import Requirement

__all__ = [
    "Folder",
    "Visitor",
    "fold",
    "group_key",
    "is_group",
    "named_ids",
    "walk",
    "walk_located",
]

T = TypeVar("T")
C = TypeVar("C", contravariant=True)
R = TypeVar("R", covariant=True)
Path_ = tuple[str | int, ...]


def group_key(req: Requirement) -> str:
    """The field a group keeps its children under: ``all``, ``any`` or ``of`` (at_least)."""
    return "all" if req.all is not None else "any" if req.any is not None else "of"


def is_group(req: Requirement) -> bool:
    """Whether ``req`` is an ``all``, ``any`` or ``at_least`` group (even with no children)."""
    return req.credits is None and req.count is None and req.has is None


def walk(req: Requirement | None) -> Iterator[Requirement]:
    """Every requirement of the tree under ``req`` (none for ``None``), root first, then each
    child's subtree left to right."""
    stack = [req] if req is not None else []
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def walk_located(req: Requirement, path: Path_) -> Iterator[tuple[Path_, Requirement]]:
    """Like :func:`walk`, with each node's field path below ``path`` (``(..., "all", 2)``)."""
    stack: list[tuple[Path_, Requirement]] = [(path, req)]
    while stack:
        where, node = stack.pop()
        yield where, node
        if node.children:
            key = group_key(node)
            stack.extend(
                ((*where, key, i), child) for i, child in reversed(list(enumerate(node.children)))
            )


def named_ids(req: Requirement | None) -> Iterator[str]:
    """The ids the tree names, in :func:`walk` order: each ``has`` target and the ``ids`` of
    each filter (nested composites are not entered: their ids name them)."""
    for node in walk(req):
        if node.has is not None:
            yield node.has
        elif node.from_ is not None and node.from_.ids:
            yield from node.from_.ids


class Folder(ABC, Generic[T]):
    """What :func:`fold` computes at each form."""

    @abstractmethod
    def has(self, req: Requirement, target: str) -> T:
        """A ``has`` leaf naming ``target``."""

    @abstractmethod
    def group(self, req: Requirement, children: Sequence[T]) -> T:
        """An ``all``, ``any`` or ``at_least`` group, given its children's values."""

    @abstractmethod
    def filtered(self, req: Requirement) -> T:
        """A ``credits`` or ``count`` leaf."""

    def skip(self, req: Requirement) -> T | None:
        """A value for ``req`` without visiting its subtree, or ``None`` to visit it."""
        return None


def fold(req: Requirement, folder: Folder[T]) -> T:
    """Fold the tree bottom-up: leaves through ``has``/``filtered``, groups through ``group``
    with their children's values in order; ``skip`` may cut a subtree short."""
    early = folder.skip(req)
    if early is not None:
        return early
    if req.has is not None:
        return folder.has(req, req.has)
    if is_group(req):
        return folder.group(req, [fold(child, folder) for child in req.children])
    return folder.filtered(req)


class Visitor(ABC, Generic[C, R]):
    """A top-down walk of a requirement tree: :meth:`visit` sends each node to the method of
    its form with the caller's context ``C``; the methods return ``R`` and visit children
    themselves (through :meth:`visit`, with the context the children should inherit)."""

    def visit(self, req: Requirement, context: C) -> R:
        """Dispatch ``req`` on its form: ``has`` leaf, group, or ``credits``/``count`` leaf."""
        if req.has is not None:
            return self.has(req, req.has, context)
        if req.credits is None and req.count is None:  # is_group, inline: the compiler's
            return self.group(req, context)  # reference scan visits every node of a catalog
        return self.filtered(req, context)

    @abstractmethod
    def has(self, req: Requirement, target: str, context: C) -> R:
        """A ``has`` leaf naming ``target``."""

    @abstractmethod
    def group(self, req: Requirement, context: C) -> R:
        """An ``all``, ``any`` or ``at_least`` group (``req.children``, ``req.kind``)."""

    @abstractmethod
    def filtered(self, req: Requirement, context: C) -> R:
        """A ``credits`` or ``count`` leaf (``req.from_`` is its filter)."""
