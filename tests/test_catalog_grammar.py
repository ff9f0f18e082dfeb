"""The one traversal of the requirement grammar: order, field paths, named ids, folds and
visitors."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pathways.catalog.grammar import Folder, Visitor, fold, named_ids, walk, walk_located
from pathways.catalog.model import Requirement

TREE = Requirement.model_validate(
    {
        "all": [
            {"has": "a"},
            {"any": [{"has": "b"}, {"credits": 6, "from": {"ids": ["c", "d"]}}]},
            {"at_least": 1, "of": [{"count": 2, "from": {"subject": "MATH"}}, {"has": "e"}]},
            {"has": "f", "shares": True},
        ]
    }
)


def test_walk_is_preorder_left_to_right() -> None:
    kinds = [(node.kind, node.has) for node in walk(TREE)]
    assert kinds == [
        ("all", None),
        ("has", "a"),
        ("any", None),
        ("has", "b"),
        ("credits", None),
        ("at_least", None),
        ("count", None),
        ("has", "e"),
        ("has", "f"),
    ]
    assert list(walk(None)) == []


def test_walk_located_gives_each_node_its_field_path() -> None:
    paths = {node.has: where for where, node in walk_located(TREE, ("credentials", 3, "requires"))}
    assert paths["a"] == ("credentials", 3, "requires", "all", 0)
    assert paths["b"] == ("credentials", 3, "requires", "all", 1, "any", 0)
    assert paths["e"] == ("credentials", 3, "requires", "all", 2, "of", 1)


def test_named_ids_lists_has_targets_and_filter_ids_in_tree_order() -> None:
    assert list(named_ids(TREE)) == ["a", "b", "c", "d", "e", "f"]


class _Leaves(Folder[int]):
    """How many leaves a way through the tree must meet at least (overlays skipped)."""

    def skip(self, req: Requirement) -> int | None:
        return 0 if req.shares else None

    def has(self, req: Requirement, target: str) -> int:
        return 1

    def group(self, req: Requirement, children: Sequence[int]) -> int:
        if req.kind == "all":
            return sum(children)
        if req.kind == "any":
            return min(children, default=0)
        return sum(sorted(children)[: req.at_least or 0])

    def filtered(self, req: Requirement) -> int:
        return 1


def test_fold_combines_children_bottom_up_and_may_skip_subtrees() -> None:
    assert fold(TREE, _Leaves()) == 3


class _Depths(Visitor[int, list[tuple[str, int]]]):
    """Each node's form and depth, root first: the context is the depth handed down."""

    def has(self, req: Requirement, target: str, context: int) -> list[tuple[str, int]]:
        return [(f"has {target}", context)]

    def group(self, req: Requirement, context: int) -> list[tuple[str, int]]:
        below = [pair for child in req.children for pair in self.visit(child, context + 1)]
        return [(req.kind, context), *below]

    def filtered(self, req: Requirement, context: int) -> list[tuple[str, int]]:
        return [(req.kind, context)]


def test_visitor_sends_each_form_to_its_method_with_the_inherited_context() -> None:
    assert _Depths().visit(TREE, 0) == [
        ("all", 0),
        ("has a", 1),
        ("any", 1),
        ("has b", 2),
        ("credits", 2),
        ("at_least", 1),
        ("count", 2),
        ("has e", 2),
        ("has f", 1),
    ]


@pytest.mark.parametrize("form", [{"all": []}, {"any": []}, {"at_least": 0, "of": []}])
def test_an_empty_group_is_still_a_group(form: dict[str, object]) -> None:
    empty = Requirement.model_validate(form)
    assert _Depths().visit(empty, 0) == [(empty.kind, 0)]
    assert fold(empty, _Leaves()) == 0


def test_a_visitor_that_misses_a_form_cannot_be_made() -> None:
    class Partial(Visitor[None, None]):
        def has(self, req: Requirement, target: str, context: None) -> None:
            return None

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]
