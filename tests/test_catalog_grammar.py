"""The one traversal of the requirement grammar: order, field paths, named ids and folds."""

from __future__ import annotations

from collections.abc import Sequence

from pathways.catalog.grammar import Folder, fold, named_ids, walk, walk_located
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
            return min(children)
        return sum(sorted(children)[: req.at_least or 0])

    def filtered(self, req: Requirement) -> int:
        return 1


def test_fold_combines_children_bottom_up_and_may_skip_subtrees() -> None:
    assert fold(TREE, _Leaves()) == 3
