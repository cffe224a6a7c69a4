"""``evidence register import --same-person`` and ``evidence register link``: one person under two case ids."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from evidence.sources.register.synthetic import HEADER, identifying_values, write_exports

sys.path.insert(0, str(Path(__file__).parent))
from test_json_documents import check_document  # the documented JSON, checked as there

NEW_ID = "MSS-777777"


@pytest.fixture
def exports(tmp_path, monkeypatch) -> list[Path]:
    """Two monthly exports; in the second, a person of the first registered again under a new id."""
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("EVIDENCE_REGISTER_KEY", raising=False)
    made = write_exports(tmp_path / "exports", people=120, months=2, faults=False)
    with open(made[1], encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    again = list(rows[5])
    again[0], again[HEADER.index("Registered")] = NEW_ID, "2023-06-20"
    with open(made[1], "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([*rows, again])
    return made


def test_a_person_registered_again_is_pointed_out_then_linked_and_counted_once(exports, run_main) -> None:
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    first = ["register", "import", str(exports[0]), "--mapping", mapping]
    code, out, err = run_main([*first, "--same-person", "Full name", "--same-person", "Date of birth"])
    assert code in (0, None), err
    code, out, err = run_main(
        ["register", "import", str(exports[1]), "--mapping", mapping]
    )  # kept: no option
    assert code in (0, None), err
    with open(exports[1], encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    person = rows[5][0]
    lines = [n for n, r in enumerate(rows, start=1) if r[0] in (person, NEW_ID)]
    assert "Check: 2 row(s) whose identifying fields (Full name, Date of birth)" in out
    assert f"rows {lines[0]}, {lines[1]}" in out and "evidence register link" in out
    _, out, _ = run_main(["register", "status"])
    assert "2 records share Full name, Date of birth" in out
    _, out, _ = run_main(["register", "figures", "--json"])
    before = json.loads(out)
    assert any(n.startswith("possibly one person counted twice") for n in before["notes"])
    _, text, _ = run_main(["register", "figures"])
    assert "possibly one person counted twice" in text
    _, exported, _ = run_main(["register", "export-ctdc", str(exports[0].parent / "ctdc.csv"), "--k", "5"])
    assert "possibly one person counted twice" in exported  # before a file is shared

    code, out, err = run_main(["register", "link", person, NEW_ID, "--dry-run"])
    assert code in (0, None) and "Dry run: would link 2 case ids" in out, err
    code, out, err = run_main(["register", "link", person, NEW_ID, "--json"])
    assert code in (0, None), err
    check_document(json.loads(out), "evidence.register.link")
    assert json.loads(out)["link_id"] == 1
    _, out, _ = run_main(["register", "link", NEW_ID, person])
    assert "Already linked" in out
    _, out, _ = run_main(["register", "status", "--json"])
    facts = json.loads(out)
    check_document(facts, "evidence.register.status")
    assert (facts["ids_linked"], facts["persons_linked"], facts["records_alike_unlinked"]) == (2, 1, 0)
    _, out, _ = run_main(["register", "figures", "--json"])
    after = json.loads(out)
    assert not any(n.startswith("possibly one person") for n in after["notes"])
    assert any("count once" in n for n in after["notes"])
    # nothing identifying printed: the ids the officer typed aside, no name or date of birth
    secrets = {s for s in identifying_values(exports) if len(s) >= 6} - {person, NEW_ID}
    for printed in (out, text, json.dumps(facts)):
        assert not [s for s in secrets if s in printed]


def test_link_of_an_id_not_in_the_register_is_one_line_naming_its_place(exports, run_main) -> None:
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    run_main(["register", "import", str(exports[0]), "--mapping", mapping])
    code, _, err = run_main(["register", "link", "MSS-000001", "MSS-424242"])
    assert code == 2 and "argument 2" in err and "MSS-424242" not in err and "Traceback" not in err
    code, _, err = run_main(["register", "link", "MSS-000001"])
    assert code == 2 and "at least two" in err
