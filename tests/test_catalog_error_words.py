"""Catalog errors in the project's own words (issue 19): located, with a hint that differs from
the input, and no wording of the libraries underneath."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pathways.catalog.load import load_catalog
from pathways.errors import CatalogError

CatalogWriter = Callable[[Mapping[str, Any]], Path]

HEAD = """\
institutions:
  - {id: uni, name: Uni, kind: university}
policies:
  - {id: g, title: G, guarantee: guaranteed}
credentials:
  - {id: uni.c1, title: C1, kind: course, issuer: uni, credits: 3}
  - {id: uni.c2, title: C2, kind: course, issuer: uni, credits: 3}
"""
LIBRARY_WORDS = ("Input should", "Tuple should", "List should", "String should", "after validation",
                 "<class", "Value error")  # fmt: skip


def _errors(write_catalog: CatalogWriter, text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog({"bad.yaml": text}), cache=False)
    lines = [str(e) for e in caught.value.errors]
    for line in lines:
        assert not any(word in line for word in LIBRARY_WORDS), line
    return lines


def test_indentation_slip_gets_a_hint(write_catalog: CatalogWriter) -> None:
    text = "institutions:\n  - id: uni\n    name: Uni\n   kind: university\n"
    [error] = _errors(write_catalog, text)
    assert "bad.yaml:4:" in error and "indentation" in error


def test_tab_indentation_is_named(write_catalog: CatalogWriter) -> None:
    [error] = _errors(write_catalog, "institutions:\n\t- {id: uni, name: Uni, kind: university}\n")
    assert "bad.yaml:2:" in error and "tab" in error


def test_key_indented_one_level_too_deep_says_so_not_did_you_mean_itself(
    write_catalog: CatalogWriter,
) -> None:
    text = (
        HEAD
        + """\
transfer_rules:
  - id: r1
    policy: g
    when:
      has: uni.c1
      grants: [{credential: uni.c2}]
    at: [uni]
"""
    )
    errors = _errors(write_catalog, text)
    misplaced = next(e for e in errors if "transfer_rules.0.when:" in e)
    assert "bad.yaml:13:7:" in misplaced
    assert "did you mean 'grants'" not in misplaced
    assert "indent it as far as 'when'" in misplaced


def test_union_of_number_or_keyword_reads_as_one_sentence(write_catalog: CatalogWriter) -> None:
    text = HEAD + (
        "transfer_rules:\n"
        "  - {id: r1, policy: g, when: {has: uni.c1}, grants: [{credits: as_earnd}], at: [uni]}\n"
    )
    [error] = _errors(write_catalog, text)  # one error: the bad item, not "no valid item" too
    assert "transfer_rules.0.grants.0.credits:" in error
    assert "not 'as_earnd', or it should be 'as_earned'" in error


def test_empty_list_where_one_item_is_needed(write_catalog: CatalogWriter) -> None:
    text = (
        HEAD
        + "transfer_rules:\n  - {id: r1, policy: g, when: {has: uni.c1}, grants: [], at: [uni]}\n"
    )
    [error] = _errors(write_catalog, text)
    assert error.endswith("transfer_rules.0.grants: needs at least 1 item")


def test_wrong_kind_of_value_names_what_it_should_be(write_catalog: CatalogWriter) -> None:
    text = HEAD.replace("credits: 3}", "credits: 3, tags: {a: 1}}", 1)
    [error] = _errors(write_catalog, text)
    assert "credentials.0.tags" in error and "should be a list" in error


def test_a_misspelt_enum_value_gets_a_suggestion(write_catalog: CatalogWriter) -> None:
    text = HEAD.replace("kind: university", "kind: universty").replace(
        "credits: 3}\n  - {id: uni.c2", "credits: 3, level: lowr}\n  - {id: uni.c2"
    )
    errors = _errors(write_catalog, text)
    kind = next(e for e in errors if "institutions.0.kind:" in e)
    assert "bad.yaml:2:" in kind and kind.endswith("did you mean 'university'?")
    level = next(e for e in errors if "credentials.0.level:" in e)
    assert level.endswith("did you mean 'lower'?")


def test_a_value_far_from_every_choice_gets_no_suggestion(write_catalog: CatalogWriter) -> None:
    [error] = _errors(write_catalog, HEAD.replace("kind: university", "kind: zzz"))
    assert "should be 'community-college'" in error and "did you mean" not in error


def test_a_key_of_another_entry_kind_is_not_blamed_on_indentation(
    write_catalog: CatalogWriter,
) -> None:
    """``issuer`` is a credential's key, not a policy's: a flow mapping has no indentation to
    blame, so the message says the key is not one of this entry's."""
    text = HEAD.replace("{id: g, title: G,", "{id: g, title: G, issuer: uni,")
    [error] = _errors(write_catalog, text)
    assert "policies.0:" in error and "'issuer' is not a key of this entry" in error
