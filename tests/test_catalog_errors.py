"""Bad catalogs: every error is located (file:line:col: field.path: message), all in one run."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pathways.catalog.load import load_catalog, load_sources
from pathways.errors import CatalogError

CatalogWriter = Callable[[Mapping[str, Any]], Path]
"""The ``write_catalog`` fixture of conftest.py."""

BASE = """\
institutions:
  - {id: cc, name: Community College, kind: community-college, state: OH, control: public}
  - {id: uni, name: State University, kind: university, state: OH, control: public}
policies:
  - {id: itag, title: ITAG, guarantee: guaranteed}
credentials:
  - {id: cc.it-1500, title: IT Basics, kind: course, issuer: cc, credits: 3}
  - {id: cc.it-2370, title: Security, kind: course, issuer: cc, credits: 3}
  - {id: comptia.security-plus, title: Security+, kind: industry-certification}
equivalences:
  - {id: oan.it001, title: IT intro, members: [cc.it-1500]}
"""


def _errors(directory: Path, **kwargs: int) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory, cache=False, **kwargs)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.errors)
    return lines


def _one(write_catalog: CatalogWriter, text: str) -> str:
    directory = write_catalog({"base.yaml": BASE, "bad.yaml": text})
    errors = _errors(directory)
    assert len(errors) == 1, errors
    return errors[0]


def test_unknown_key_named_with_suggestion_and_location(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    creditz: 12
"""
    error = _one(write_catalog, text)
    assert error.endswith(
        "bad.yaml:5:5: credentials.0: unknown key 'creditz'; did you mean 'credits'?"
    )


def test_unknown_key_in_a_nested_requirement(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    requires:
      all:
        - {has: cc.it-1500}
        - {has: cc.it-2370, min_grad: C}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:8:29: credentials.0.requires.all.1: unknown key 'min_grad'" in error
    assert "did you mean 'min_grade'?" in error


def test_unknown_key_under_an_alias_is_named_by_the_alias(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - id: cc.cert
    title: Certificate
    kind: certificate
    requires: {credits: 3, from: {subjct: ITNT}}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:5:35: credentials.0.requires.from: unknown key 'subjct'" in error
    assert "did you mean 'subject'?" in error


def test_unknown_section_named(write_catalog: CatalogWriter) -> None:
    error = _one(write_catalog, "credentails: []\n")
    assert "bad.yaml:1:1: unknown section 'credentails'" in error
    assert "did you mean 'credentials'?" in error


def test_missing_required_key(write_catalog: CatalogWriter) -> None:
    error = _one(write_catalog, "policies:\n  - id: ace\n    guarantee: recommended\n")
    assert error.endswith("bad.yaml:2:5: policies.0: missing required key 'title'")


UNKNOWN_REFERENCES = [
    # (YAML of the bad file, field path, the unknown id, the suggestion)
    (
        "credentials:\n  - {id: x.c, title: C, kind: certificate, requires: {has: cc.it-150}}\n",
        "credentials.0.requires.has",
        "cc.it-150",
        "cc.it-1500",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: certificate, requires: "
        "{credits: 3, from: {ids: [cc.it-237]}}}\n",
        "credentials.0.requires.from.ids.0",
        "cc.it-237",
        "cc.it-2370",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: certificate, requires: "
        "{count: 1, from: {issuer: ccc}}}\n",
        "credentials.0.requires.from.issuer.0",
        "ccc",
        "cc",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: certificate, credits: 6, "
        "requires: {credits: 6, from: {}}, limits: [{max_credits: 3, from: {via: itagg}}]}\n",
        "credentials.0.limits.0.from.via.0",
        "itagg",
        "itag",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: certificate, "
        "requires: {credits: 3, from: {earned_at: unii}}}\n",
        "credentials.0.requires.from.earned_at.0",
        "unii",
        "uni",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: course, issuer: cc2}\n",
        "credentials.0.issuer",
        "cc2",
        "cc",
    ),
    (
        "credentials:\n  - {id: x.c, title: C, kind: course, prerequisites: {has: cc.it-150}}\n",
        "credentials.0.prerequisites.has",
        "cc.it-150",
        "cc.it-1500",
    ),
    (
        "equivalences:\n  - {id: oan.x, title: X, members: [cc.it-1500, cc.it-237]}\n",
        "equivalences.0.members.1",
        "cc.it-237",
        "cc.it-2370",
    ),
    (
        "equivalences:\n  - {id: oan.x, title: X, members: [{all: [cc.it-1500, cc.it-237]}]}\n",
        "equivalences.0.members.0.all.1",
        "cc.it-237",
        "cc.it-2370",
    ),
    (
        "transfer_rules:\n  - {id: r, policy: itagg, when: {has: cc.it-1500}, "
        "grants: [{credits: 3}]}\n",
        "transfer_rules.0.policy",
        "itagg",
        "itag",
    ),
    (
        "transfer_rules:\n  - {id: r, policy: itag, when: {has: comptia.security-pls}, "
        "grants: [{credits: 3}]}\n",
        "transfer_rules.0.when.has",
        "comptia.security-pls",
        "comptia.security-plus",
    ),
    (
        "transfer_rules:\n  - {id: r, policy: itag, when: {has: cc.it-1500}, "
        "grants: [{credential: cc.it-237}]}\n",
        "transfer_rules.0.grants.0.credential",
        "cc.it-237",
        "cc.it-2370",
    ),
    (
        "transfer_rules:\n  - {id: r, policy: itag, when: {has: cc.it-1500}, "
        "grants: [{credits: 3}], at: [cc, unii]}\n",
        "transfer_rules.0.at.1",
        "unii",
        "uni",
    ),
    (
        "transfer_rules:\n  - {id: r, policy: itag, when: {has: cc.it-1500}, "
        "grants: [{credits: 3}], counts_toward: [cc.it-237]}\n",
        "transfer_rules.0.counts_toward.0",
        "cc.it-237",
        "cc.it-2370",
    ),
    (
        "transfer_rules:\n  - {id: rule.one, policy: itag, when: {has: cc.it-1500}, "
        "grants: [{credits: 3}], supersedes: [rule.on]}\n",
        "transfer_rules.0.supersedes.0",
        "rule.on",
        "rule.one",
    ),
    (
        "funding:\n  - {id: f, title: F, credentials: {ids: [comptia.security-pls]}}\n",
        "funding.0.credentials.ids.0",
        "comptia.security-pls",
        "comptia.security-plus",
    ),
]


@pytest.mark.parametrize(("text", "path", "ident", "hint"), UNKNOWN_REFERENCES)
def test_unknown_id_located_with_suggestion(
    write_catalog: CatalogWriter, text: str, path: str, ident: str, hint: str
) -> None:
    error = _one(write_catalog, text)
    assert "bad.yaml:2:" in error
    assert f": {path}: unknown " in error
    assert f"'{ident}'" in error
    assert f"did you mean {hint}" in error


def test_duplicate_id_names_both_places(write_catalog: CatalogWriter) -> None:
    text = "credentials:\n  - {id: cc.it-1500, title: Again, kind: course}\n"
    error = _one(write_catalog, text)
    assert "cc.it-1500" in error
    assert "overlapping effective dates" in error
    first, second = sorted([error.split(": ")[0], error.split("(also at ")[1].rstrip(")")])
    assert first.endswith("bad.yaml:2:6")
    assert second.endswith("base.yaml:7:6")


def test_duplicate_id_across_sections(write_catalog: CatalogWriter) -> None:
    text = "policies:\n  - {id: cc, title: Same id as a college, guarantee: recommended}\n"
    error = _one(write_catalog, text)
    assert (
        "bad.yaml:2:6: policies.0.id: duplicate id 'cc': already defined as an institution"
    ) in error
    assert "(also at " in error and "base.yaml:2:6)" in error


def test_versions_with_disjoint_effective_ranges_are_accepted(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - {id: x.c, title: Old, kind: certificate, requires: {has: cc.it-1500},
     effective: {to: 2020-06-30}}
  - {id: x.c, title: New, kind: certificate, requires: {has: cc.it-2370},
     effective: {from: 2020-07-01}}
"""
    compiled = load_catalog(write_catalog({"base.yaml": BASE, "v.yaml": text}), cache=False)
    assert [v.title for v in compiled.versions["x.c"]] == ["Old", "New"]


def test_versions_with_overlapping_ranges_rejected(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - {id: x.c, title: Old, kind: course, effective: {from: 2018-01-01, to: 2021-06-30}}
  - {id: x.c, title: New, kind: course, effective: {from: 2020-07-01}}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:3:41: credentials.1.effective: credential 'x.c' is defined twice" in error
    assert error.endswith("(also at " + error.split("bad.yaml")[0] + "bad.yaml:2:41)")


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ("effective: {from: 2024-13-01}", "credentials.0.effective.from", "date"),
        ("effective: {from: 2024-02-01, to: 2023-01-01}", "credentials.0.effective", "before"),
        ("valid_for: 3 years", "credentials.0.valid_for", "ISO 8601 duration"),
        ("valid_for: P", "credentials.0.valid_for", "ISO 8601 duration"),
        ("credits: lots", "credentials.0.credits", "credits must be a number"),
        ("credits: -3", "credentials.0.credits", "negative"),
        ("credits: {value: 4, unit: trimester}", "credentials.0.credits", "semester or quarter"),
        ("kind: diploma", "credentials.0.kind", "should be 'course'"),
        ("id: Bad_Id", "credentials.0.id", "an id is lowercase letters, digits"),
    ],
)
def test_bad_values_located(
    write_catalog: CatalogWriter, value: str, field: str, message: str
) -> None:
    fields = {"id": "x.c", "title": "C", "kind": "course"}
    key = value.split(":")[0]
    fields.pop(key, None)
    text = "credentials:\n  - " + "\n    ".join([*(f"{k}: {v}" for k, v in fields.items()), value])
    error = _one(write_catalog, text + "\n")
    assert f": {field}: " in error
    assert message in error
    assert f"bad.yaml:{2 + len(fields)}:" in error  # the line of the bad value


def test_requirement_with_two_forms_rejected(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - id: x.c
    title: C
    kind: certificate
    requires: {has: cc.it-1500, any: [cc.it-2370]}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:5:5: credentials.0.requires: a requirement needs exactly one of" in error


@pytest.mark.parametrize("form", ["count: 2", "has: cc.it-1500"])
def test_split_only_on_credits(write_catalog: CatalogWriter, form: str) -> None:
    from_ = ", from: {}" if form.startswith("count") else ""
    text = f"""\
credentials:
  - id: x.c
    title: C
    kind: certificate
    requires:
      all:
        - {{credits: 3, from: {{}}, split: true}}
        - {{{form}{from_}, split: true}}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:8:11: credentials.0.requires.all.1: split goes with credits" in error


@pytest.mark.parametrize(
    ("eligible", "where", "message"),
    [
        ("{learnrs: {status: [veteran]}}", "credentials.0.eligible", "did you mean 'learners'"),
        ("{learners: {statuss: [veteran]}}", "credentials.0.eligible.learners", "'statuss'"),
        ("{learners: {status: [retired]}}", "credentials.0.eligible.learners.status.0", "veteran"),
    ],
)
def test_eligible_errors_located(
    write_catalog: CatalogWriter, eligible: str, where: str, message: str
) -> None:
    text = f"""\
credentials:
  - id: x.exam
    title: Exam
    kind: exam
    eligible: {eligible}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:5:" in error and f": {where}: " in error and message in error, error


def test_malformed_yaml_located(write_catalog: CatalogWriter) -> None:
    text = "credentials:\n  - id: x.c\n    title: [unclosed\n    kind: course\n"
    error = _one(write_catalog, text)
    assert "bad.yaml:" in error and "YAML syntax" in error
    line = int(error.split("bad.yaml:")[1].split(":")[0])
    assert 3 <= line <= 5


def test_duplicate_mapping_key_located(write_catalog: CatalogWriter) -> None:
    text = "credentials:\n  - id: x.c\n    title: C\n    title: D\n    kind: course\n"
    error = _one(write_catalog, text)
    assert error.endswith("bad.yaml:4:5: duplicate key 'title'")


@pytest.mark.parametrize(
    "tagged",
    [
        "title: !!python/object/apply:os.system ['echo pwned']",
        "title: !!python/name:os.system ''",
        "title: !custom thing",
    ],
)
def test_tags_refused(write_catalog: CatalogWriter, tagged: str) -> None:
    text = f"credentials:\n  - id: x.c\n    {tagged}\n    kind: course\n"
    error = _one(write_catalog, text)
    assert "bad.yaml:3:12:" in error
    assert "refused" in error
    if "python" in tagged:
        assert "Python tag" in error


def test_exclamation_marks_in_text_are_not_tags(write_catalog: CatalogWriter) -> None:
    text = "credentials:\n  - {id: x.c, title: 'Wow! Great', kind: course, note: Hello !there}\n"
    compiled = load_catalog(write_catalog({"base.yaml": BASE, "ok.yaml": text}), cache=False)
    assert compiled.credential("x.c").note == "Hello !there"


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        refs = ",".join([f"*{previous}"] * 9)
        lines.append(f"{name}: &{name} [{refs}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_with_bounded_memory(write_catalog: CatalogWriter) -> None:
    directory = write_catalog({"base.yaml": BASE, "lol.yaml": _billion_laughs()})
    tracemalloc.start()
    try:
        errors = _errors(directory)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(errors) == 1
    assert "lol.yaml:2:" in errors[0] and "aliases expand beyond" in errors[0]
    # 9**9 strings expanded would need gigabytes; the refusal needs a few megabytes.
    assert peak < 64 * 2**20


def test_small_aliases_are_fine(write_catalog: CatalogWriter) -> None:
    text = (
        "credentials:\n"
        "  - {id: x.c, title: &t Shared, kind: course}\n"
        "  - {id: x.d, title: *t, kind: course}\n"
    )
    compiled = load_catalog(write_catalog({"base.yaml": BASE, "ok.yaml": text}), cache=False)
    assert compiled.credential("x.d").title == "Shared"


@pytest.mark.parametrize(
    "text",
    [
        "credentials: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "credentials: " + "- " * 100_000 + "x\n",
        "credentials:\n  - {id: a, title: A, kind: certificate, requires: "
        + "{all: [" * 3000
        + "{has: a}"
        + "]}" * 3000
        + "}\n",
    ],
)
def test_deep_nesting_refused_without_crashing(write_catalog: CatalogWriter, text: str) -> None:
    # PyYAML's C composer would overflow the C stack on these; it is never asked to.
    (error,) = _errors(write_catalog({"deep.yaml": text}))
    assert "deep.yaml:" in error and "YAML syntax" in error


def test_oversized_file_refused_unread(write_catalog: CatalogWriter) -> None:
    big = "credentials:\n" + "".join(
        f"  - {{id: x.c{i}, title: Course {i}, kind: course}}\n" for i in range(200)
    )
    directory = write_catalog({"base.yaml": BASE, "big.yaml": big})
    errors = _errors(directory, max_file_bytes=4096)
    assert len(errors) == 1
    assert "big.yaml: file is" in errors[0] and "over the 4096 bytes limit; refused" in errors[0]


def test_not_utf8_located(write_catalog: CatalogWriter) -> None:
    directory = write_catalog(
        {"base.yaml": BASE, "latin.yaml": "credentials: []\n# caf\xe9\n".encode("latin-1")}
    )
    (error,) = _errors(directory)
    assert "latin.yaml:2:" in error and "not UTF-8" in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "not a list"),
        ("just a string\n", "not a str"),
        ("credentials: []\n---\npolicies: []\n", "several YAML documents"),
    ],
)
def test_top_level_must_be_one_mapping(
    write_catalog: CatalogWriter, text: str, message: str
) -> None:
    error = _one(write_catalog, text)
    assert "bad.yaml:1:1: a catalog file is a mapping of sections" in error
    assert message in error


def test_section_must_be_a_list(write_catalog: CatalogWriter) -> None:
    error = _one(write_catalog, "credentials: {id: x}\n")
    assert "bad.yaml:1:1: credentials: should be a list" in error


@pytest.mark.parametrize(
    ("text", "cycle"),
    [
        (
            """\
credentials:
  - {id: a.one, title: One, kind: certificate, requires: {has: a.two}}
  - {id: a.two, title: Two, kind: certificate, requires: {all: [a.three, cc.it-1500]}}
  - {id: a.three, title: Three, kind: certificate, requires: {has: a.one}}
""",
            "cycle: a.one -> a.three -> a.two -> a.one",
        ),
        (
            """\
credentials:
  - {id: a.self, title: Self, kind: certificate, requires: {has: a.self}}
""",
            "cycle: a.self -> a.self",
        ),
        (
            """\
transfer_rules:
  - {id: r.there, policy: itag, when: {has: cc.it-1500}, grants: [{credential: cc.it-2370}]}
  - {id: r.back, policy: itag, when: {has: cc.it-2370}, grants: [{credential: cc.it-1500}]}
""",
            "cycle: cc.it-1500 -> r.there -> cc.it-2370 -> r.back -> cc.it-1500",
        ),
        (
            """\
credentials:
  - {id: a.one, title: One, kind: course, prerequisites: {has: a.two}}
  - {id: a.two, title: Two, kind: course, prerequisites: {has: a.one}}
""",
            "prerequisite cycle: a.one -> a.two -> a.one",
        ),
    ],
)
def test_cycle_named_as_a_path(write_catalog: CatalogWriter, text: str, cycle: str) -> None:
    error = _one(write_catalog, text)
    assert error.endswith(cycle)
    assert ".id: " in error


def test_prerequisite_closing_a_loop_with_transfer_is_accepted(
    write_catalog: CatalogWriter,
) -> None:
    # cc.it-2370 needs cc.it-1500 first; a rule elsewhere grants cc.it-1500 for cc.it-2370.
    text = """\
credentials:
  - {id: uni.sec, title: Security, kind: course, issuer: uni, prerequisites: {has: uni.intro}}
  - {id: uni.intro, title: Intro, kind: course, issuer: uni}
transfer_rules:
  - {id: r.a, policy: itag, when: {has: uni.sec}, grants: [{credential: cc.it-2370}]}
  - {id: r.b, policy: itag, when: {has: cc.it-2370}, grants: [{credential: uni.intro}]}
"""
    compiled = load_catalog(write_catalog({"base.yaml": BASE, "ok.yaml": text}), cache=False)
    assert compiled.graph.edges["uni.intro", "uni.sec"]["rel"] == "prerequisite"


def test_badge_class_claimed_twice(write_catalog: CatalogWriter) -> None:
    text = """\
credentials:
  - {id: x.a, title: A, kind: badge, badge_classes: [https://b.example/1]}
  - {id: x.b, title: B, kind: badge, badge_classes: [https://b.example/1]}
"""
    error = _one(write_catalog, text)
    assert "bad.yaml:3:" in error
    assert "badge class 'https://b.example/1' already maps to credential 'x.a'" in error


def test_all_errors_reported_in_one_run(write_catalog: CatalogWriter) -> None:
    directory = write_catalog(
        {
            "base.yaml": BASE,
            "a.yaml": "credentials:\n  - {id: x.a, title: A, kind: course, creditz: 3}\n",
            "b.yaml": "credentials:\n"
            "  - {id: x.b, title: B, kind: certificate, requires: {has: cc.it-150}}\n",
            "c.yaml": "policies: [unclosed\n",
            "d.yaml": "credentials:\n  - {id: cc.it-1500, title: Dup, kind: course}\n",
            "e.yaml": "transfer_rules:\n"
            "  - {id: r, policy: nope, when: {has: x.a}, grants: [{credits: 3}]}\n",
            "f.yaml": "title: !!python/object:os.system x\n",
        }
    )
    errors = _errors(directory)
    files = [e.split(":")[0].rsplit("/", 1)[-1] for e in errors]
    assert sorted(set(files)) == ["a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml", "f.yaml"]
    text = "\n".join(errors)
    assert "unknown key 'creditz'" in text
    assert "unknown credential or equivalence 'cc.it-150'" in text
    assert "YAML syntax" in text
    assert "overlapping effective dates" in text
    assert "unknown policy 'nope'" in text
    assert "Python tag" in text
    # x.a failed validation, but it is still a known id: no cascade from e.yaml's `when`.
    assert "'x.a'" not in text


def test_errors_sorted_by_file_and_line(write_catalog: CatalogWriter) -> None:
    directory = write_catalog(
        {
            "base.yaml": BASE,
            "z.yaml": "credentials:\n  - {id: x.a, title: A, kind: course, issuer: nope}\n"
            "  - {id: x.b, title: B, kind: course, issuer: nope2}\n",
        }
    )
    errors = _errors(directory)
    assert [e.split(": ")[0].rsplit("/", 1)[-1] for e in errors] == ["z.yaml:2:39", "z.yaml:3:39"]


def test_missing_directory_and_empty_directory(tmp_path: Path) -> None:
    assert _errors(tmp_path / "missing") == [f"{tmp_path / 'missing'}: no such catalog directory"]
    (tmp_path / "empty").mkdir()
    assert _errors(tmp_path / "empty") == [f"{tmp_path / 'empty'}: no .yaml files"]


def test_load_sources_locates_errors_by_given_name() -> None:
    with pytest.raises(CatalogError) as caught:
        load_sources({"upload/base.yaml": BASE, "upload/x.yaml": "credentials:\n  - {id: x}\n"})
    (error,) = caught.value.errors
    assert (error.file, error.line, error.col) == ("upload/x.yaml", 2, 5)
    assert (
        error.message == "missing required key 'title'" or "missing required key" in error.message
    )


def test_load_sources_accepts_text_and_bytes() -> None:
    compiled = load_sources({"a.yaml": BASE, "b.yaml": b"credentials: []\n"})
    assert "cc.it-1500" in compiled.versions


def test_failed_load_writes_no_cache(
    write_catalog: CatalogWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PATHWAYS_CACHE", str(cache))
    directory = write_catalog({"base.yaml": BASE, "bad.yaml": "credentials: [{id: x}]\n"})
    with pytest.raises(CatalogError):
        load_catalog(directory)
    assert not cache.exists() or not any(cache.iterdir())
