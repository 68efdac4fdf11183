"""Reading the corpus manifest: every problem names the manifest and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from carekg.councils import default_register
from carekg.errors import InputError
from carekg.loaders.manifest import read_manifest
from carekg.resources import corpus_dir

REGISTER = default_register()
ENTRY = """  - id: {id}
    file: a.txt
    title: A plan
    councils: [{council}]
    kind: {kind}
    issued: "{issued}"
"""


def _write(tmp_path: Path, *entries: str) -> Path:
    (tmp_path / "a.txt").write_text("Some text.\n", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text("documents:\n" + "".join(entries),
                                            encoding="utf-8")
    return tmp_path


def _entry(**changes: str) -> str:
    fields = {"id": "a-plan", "council": "Islington", "kind": "other", "issued": "2021-08"}
    fields.update(changes)
    return ENTRY.format(**fields)


def test_bundled_manifest_reads() -> None:
    records = read_manifest(corpus_dir(), REGISTER)
    assert len(records) == 5
    for record in records:
        assert record.path.is_file()
        assert all(code.startswith("E") for code in record.councils)
    triborough = next(r for r in records if len(r.councils) == 3 and r.issued == "2013")
    assert REGISTER.by_code[triborough.councils[2]].name == "Westminster"


def test_good_entry(tmp_path: Path) -> None:
    (record,) = read_manifest(_write(tmp_path, _entry()), REGISTER)
    assert record.councils == ("E09000019",) and record.issued == "2021-08"


@pytest.mark.parametrize("changes, message", [
    ({"council": "Islingtn Borough"}, "unknown council"),
    ({"kind": "novel"}, "kind 'novel'"),
    ({"issued": "2021-13"}, "not a real date"),
    ({"issued": "Spring 2021"}, "YYYY"),
    ({"id": "Bad Id"}, "lower-case"),
])
def test_bad_entries(tmp_path: Path, changes: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_manifest(_write(tmp_path, _entry(**changes)), REGISTER)
    assert "manifest.yaml" in str(caught.value)


def test_unknown_council_lists_close_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Islington"):
        read_manifest(_write(tmp_path, _entry(council="Islingtn")), REGISTER)


def test_an_unquoted_name_with_commas_is_explained(tmp_path: Path) -> None:
    # in a YAML flow list the commas of one council's name split it into three names
    entry = _entry(council="Bournemouth, Christchurch and Poole")
    with pytest.raises(InputError, match=r"did you mean 'Bournemouth, Christchurch and "
                                         r"Poole'\? A name with commas must be quoted"):
        read_manifest(_write(tmp_path, entry), REGISTER)
    quoted = _entry(council='"Bournemouth, Christchurch and Poole"')
    (record,) = read_manifest(_write(tmp_path, quoted), REGISTER)
    assert REGISTER.by_code[record.councils[0]].name.startswith("Bournemouth")


def test_duplicate_ids_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="duplicate id"):
        read_manifest(_write(tmp_path, _entry(), _entry()), REGISTER)
    missing = _entry(id="b").replace("a.txt", "b.txt")
    with pytest.raises(InputError, match="does not exist"):
        read_manifest(_write(tmp_path, missing), REGISTER)


def test_not_yaml(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("documents: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        read_manifest(tmp_path, REGISTER)
