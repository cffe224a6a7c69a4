from __future__ import annotations

import json

import pytest

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import registry, unodc
from evidence.sources.registry import Loader, detect, load, sidecar_path


def test_missing_empty_and_unknown_files_get_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        detect(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        detect(empty)
    other = tmp_path / "other.csv"
    other.write_text("name,age\nAda,36\n")
    with pytest.raises(UnknownFormatError) as info:
        detect(other)
    assert str(other) in str(info.value) and "name,age" in str(info.value)
    # an organisation's own export is told how to be read (the docs audit)
    assert "other.csv.mapping.yaml" in str(info.value.hint) and "docs/case-records.md" in str(info.value.hint)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_header_wider_than_any_spreadsheet_is_refused_before_any_loader_reads_it(tmp_path, delimiter):
    wide = tmp_path / "wide.csv"
    wide.write_text(delimiter.join(f"c{i}" for i in range(20_000)) + "\n" + "1\n")
    with pytest.raises(InputError, match=r"row 1: the header has 20,000 columns, more than any spreadsheet"):
        detect(wide)
    # delimiters inside quoted labels are no columns
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"' + "," * 20_000 + '",name\n1,2\n')
    with pytest.raises(UnknownFormatError, match="not a layout any loader knows"):
        detect(quoted)


def _fake_loader(kind: str = "case"):
    import polars as pl

    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance

    def sniff(head):
        return "fake_v1" if head.first_line.startswith("FAKE") else None

    def load(path, layout):
        return LoadedTable(
            data=pl.DataFrame({"a": [1]}),
            rows_in=1,
            kind=kind,
            provenance=Provenance(
                source="fake",
                layout=layout,
                release="unknown",
                path=str(path),
                sha256="",
                url="",
                licence="",
                citation="",
            ),
        )

    return Loader(source="fake", sniff=sniff, load=load)


def test_sidecar_completes_provenance(tmp_path, monkeypatch):
    monkeypatch.setitem(registry._LOADERS, "fake", _fake_loader(kind="indicator"))
    path = tmp_path / "a.csv"
    path.write_text("FAKE\n1\n")
    assert sidecar_path(path) == tmp_path / "a.csv.provenance.json"
    assert load(path).provenance.release == "unknown"
    sidecar_path(path).write_text(json.dumps({"release": "demo-1", "synthetic": True, "demo": True}))
    prov = load(path).provenance
    assert (prov.release, prov.synthetic, prov.demo) == ("demo-1", True, True)
    # the date the file was obtained: the citation's access date
    sidecar_path(path).write_text(json.dumps({"accessed": "2025-06-01"}))
    assert load(path).provenance.accessed == "2025-06-01"
    sidecar_path(path).write_text(
        json.dumps({"accessed": "2025-06-01T10:04:05+00:00"})
    )  # a time stamp: its day
    assert load(path).provenance.accessed == "2025-06-01"
    sidecar_path(path).write_text(json.dumps({"relase": "typo"}))
    with pytest.raises(InputError, match="unknown keys"):
        load(path)


def test_a_sidecars_dates_are_read_at_the_precision_written(tmp_path, monkeypatch, shared_data):
    """dates31: a sidecar's release, publication and access dates written as people write them are ISO at the
    precision given (an access date "7 June 2025" went into the citation cut to its first ten characters, "7 June
    202"; a release "June 2025" had no date published, so a citation no year); a release that is a label (not a
    date) is kept as written."""
    monkeypatch.setitem(registry._LOADERS, "fake", _fake_loader(kind="indicator"))
    path = tmp_path / "a.csv"
    path.write_text("FAKE\n1\n")
    sidecar_path(path).write_text(
        json.dumps({"release": "June 2025", "date_published": "06/2025", "accessed": "7 June 2025"})
    )
    prov = load(path).provenance
    assert (prov.release, prov.date_published, prov.accessed) == ("2025-06", "2025-06", "2025-06-07")
    for label in ("v2024", "1999-2015", "2019 (revised)", "demo-1", "2011-12"):
        sidecar_path(path).write_text(json.dumps({"release": label}))
        assert load(path).provenance.release == label
    copy = tmp_path / "k_anon_excerpt.csv"
    copy.write_bytes((shared_data / "ctdc" / "k_anon_excerpt.csv").read_bytes())
    sidecar_path(copy).write_text(json.dumps({"release": "Jun 2025", "accessed": "June 30, 2025"}))
    prov = load(copy).provenance
    assert (prov.release, prov.release_label, prov.date_published) == (
        "2025-06",
        "release June 2025",
        "2025-06",
    )
    assert "2025-06-30" in prov.citation_text() and "June 30" not in prov.citation_text()


@pytest.mark.parametrize("key", ["release", "date_published", "accessed"])
def test_a_sidecar_date_that_reads_two_ways_is_refused_never_guessed(tmp_path, monkeypatch, key):
    """dates31: ``06/07/2025`` is 6 July read day first and 7 June read month first: refused naming the sidecar,
    the key, both readings and the forms accepted (it was carried as written, and an access date so written went
    into citations, one reader's 6 July another's 7 June); a date that does not exist is refused too, and so is
    an access or publication date that is no date at all."""
    monkeypatch.setitem(registry._LOADERS, "fake", _fake_loader(kind="indicator"))
    path = tmp_path / "a.csv"
    path.write_text("FAKE\n1\n")
    sidecar_path(path).write_text(json.dumps({key: "06/07/2025"}))
    with pytest.raises(InputError, match=rf"'{key}'.*6 July 2025.*7 June 2025.*accepted: a day") as info:
        load(path)
    assert str(info.value).startswith(str(sidecar_path(path)))
    sidecar_path(path).write_text(json.dumps({key: "31/02/2025"}))
    with pytest.raises(InputError, match=rf"'{key}'.*no date"):
        load(path)
    if key != "release":  # a release may be a label; a date published or accessed is a date
        sidecar_path(path).write_text(json.dumps({key: "last week"}))
        with pytest.raises(InputError, match=rf"'{key}'.*not a date.*accepted: a day"):
            load(path)
    sidecar_path(path).write_text(json.dumps({key: "30/05/2023"}))  # one order only is a date: that date
    assert getattr(load(path).provenance, key) == "2023-05-30"


@pytest.mark.parametrize(
    "says", [{"protection": "suppression"}, {"synthetic": True}, {"synthetic": True, "demo": True}]
)
def test_a_sidecar_cannot_switch_off_the_cell_key_of_real_victim_records(tmp_path, shared_data, says):
    # the security audit: a sidecar saying "suppression" (or "synthetic") beside CTDC's k-anonymised records of
    # real people turned their published counts' cell-key protection off
    path = tmp_path / "k_anon_excerpt.csv"
    path.write_bytes((shared_data / "ctdc" / "k_anon_excerpt.csv").read_bytes())
    assert load(path).protection == "cell_key"
    sidecar_path(path).write_text(json.dumps(says))
    with pytest.raises(InputError, match="cannot weaken the protection") as info:
        load(path)
    assert str(sidecar_path(path)) in str(info.value)
    sidecar_path(path).write_text(json.dumps({"protection": "cell_key", "citation": "CTDC (2024)"}))
    assert load(path).protection == "cell_key"


def test_a_sidecar_of_a_publishers_synthetic_release_may_say_so(tmp_path, shared_data):
    path = tmp_path / "vp.csv"
    path.write_bytes((shared_data / "ctdc" / "vp_synthetic_condensed.csv").read_bytes())
    sidecar_path(path).write_text(json.dumps({"synthetic": True, "protection": "suppression"}))
    assert load(path).protection == "suppression"


def test_a_header_longer_than_the_head_is_read_whole(tmp_path):
    from evidence.sources.registry import FileHead

    header = ",".join(f"column_{i}" for i in range(20_000))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + ",".join("1" * 20_000) + "\n")
    assert FileHead(path).first_line == header


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ".xls"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "gzip"),
        (b"%PDF-1.7\n", "PDF"),
        (b"  <!DOCTYPE html><html></html>", "web page"),
        (b"Rar!\x1a\x07\x00", "RAR"),
        (bytes(range(256)), "binary data"),
    ],
)
def test_files_that_are_no_table_are_named_for_what_they_are(tmp_path, data, says):
    path = tmp_path / "download.csv"
    path.write_bytes(data)
    with pytest.raises(UnknownFormatError, match=says):
        detect(path)


def test_a_cut_zip_is_a_damaged_workbook(tmp_path):
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "book.xlsx")
    data = (tmp_path / "book.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="the workbook is damaged or incomplete") as caught:
        detect(tmp_path / "cut.xlsx")
    assert "PK" not in str(caught.value)


def test_a_zip_whose_directory_names_an_unknown_zip_version_is_a_damaged_workbook(tmp_path):
    """zipfile raises NotImplementedError (not BadZipFile) for a directory entry needing a later zip version,
    as a flipped byte in a damaged download can make it: still one InputError naming the file."""
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "book.xlsx")
    data = bytearray((tmp_path / "book.xlsx").read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central-directory entry
    data[entry + 6 : entry + 8] = (152).to_bytes(2, "little")  # "version needed to extract": 15.2
    (tmp_path / "flipped.xlsx").write_bytes(bytes(data))
    with pytest.raises(InputError, match="the workbook is damaged or incomplete") as caught:
        load(tmp_path / "flipped.xlsx")
    assert caught.value.path == str(tmp_path / "flipped.xlsx")


def test_no_loader_is_optional():
    """Every built-in loader module is imported for real: a missing one is an error, not skipped (issue 17)."""
    assert {"case_records", "ctdc", "unodc_glotip", "us_tip_tiers", "walkfree_gsi"} <= set(registry.loaders())


@pytest.mark.parametrize(
    "name",
    [
        "ctdc/k_anon_sample.csv",
        "ctdc/vp_synthetic_condensed.csv",
        "tip/tip_tiers_1999_2015.csv",
        "walkfree/gsi_2023.xlsx",
        "unodc/data_glotip_2023-05-30.xlsx",
    ],
)
def test_real_releases_are_never_taken_for_demo_data(shared_data, name):
    from evidence.sources.provenance import sha256_file
    from evidence.sources.registry import demo_signature

    path = shared_data / name
    assert demo_signature(path, sha256_file(path)) is None


def test_the_demo_marker_is_found_in_any_sheet_and_names_the_release(tmp_path):
    import openpyxl

    from evidence.sources.provenance import DEMO_MARKER
    from evidence.sources.registry import demo_signature

    book = openpyxl.Workbook()
    book.active.append(["notes"])
    data = book.create_sheet("data")
    for line in (["title"], [], ["a", "Evidence Synthetic-Demo"], [1, "demo-9"]):
        data.append(line)
    book.save(tmp_path / "b.xlsx")
    release, how = demo_signature(tmp_path / "b.xlsx")
    assert release == "demo-9" and DEMO_MARKER in how
    (tmp_path / "c.csv").write_text(f"x;{DEMO_MARKER}\n1;\n")
    assert demo_signature(tmp_path / "c.csv")[0] == "demo"  # no release written: still demo
    (tmp_path / "d.csv").write_text("x,y\n1,evidence_synthetic_demo\n")
    assert demo_signature(tmp_path / "d.csv") is not None  # a cell anywhere in the top rows


_TIP_ROWS = "iso3,report_year,tier,country\nCIV,2020,Tier 2,Côte d'Ivoire\nCUW,2020,Tier 2,Curaçao\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tip.csv", _TIP_ROWS),
        ("glotip.csv", "UNODC\n30/05/2023\n" + ",".join(unodc.HEADER)),
    ],
)
def test_a_file_with_a_header_and_no_rows_loads_with_a_note_saying_so(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text.splitlines()[0] + "\n" if name == "tip.csv" else text + "\n", encoding="utf-8")
    empty = load(path)
    assert empty.rows_in == 0 and registry.NOTE_NO_ROWS in empty.provenance.notes
    if name == "tip.csv":
        path.write_text(_TIP_ROWS, encoding="utf-8")
        assert registry.NOTE_NO_ROWS not in load(path).provenance.notes


def test_a_windows_1252_csv_is_refused_by_every_delimited_loader_alike(tmp_path):
    path = tmp_path / "tip.csv"
    path.write_bytes(_TIP_ROWS.encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8 text") as caught:
        load(path)
    assert caught.value.row == 2


def test_list_capture_data_points_to_the_command_and_the_python_call(shared_data):
    path = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    with pytest.raises(UnknownFormatError) as info:
        load(path)
    hint = str(info.value.hint)
    assert "evidence estimate --data" in hint and "estimate_population(" in hint


@pytest.mark.parametrize(
    ("rows", "layout"),
    [
        (
            [["A", "B", "C", "Freq"], [1, 0, 0, 10], [0, 1, 1, 8], [True, True, False, 3]],
            "and a count column",
        ),
        ([["police", "ngo"], [1.0, 0.0], [0, 1], [1, 1]], "a 0/1 column per list:"),
        ([["ch", "n"], ["101", 4], ["011", 2]], "and a count column"),
    ],
    ids=["histories", "case records", "history strings"],
)
def test_a_list_capture_workbook_points_to_the_command_as_a_csv_does(tmp_path, rows, layout):
    """An .xlsx of 0/1 list columns (and a count) was "not a layout any loader knows": it names `evidence estimate`
    as the same table saved as CSV does (a title row above it, as a spreadsheet often has, is read past)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "lists"
    sheet.append([])
    for row in rows:
        sheet.append([None, *row])  # the table starts in column B
    path = tmp_path / "lists.xlsx"
    book.save(path)
    with pytest.raises(UnknownFormatError) as info:
        detect(path)
    message = " ".join(str(info.value).split())
    assert "list-capture data (a 0/1 column per list" in message and layout in message
    assert "sheet 'lists'" in message and "not a layout" not in message
    assert f"evidence estimate --data {path}" in str(info.value.hint)


def test_a_workbook_of_other_flags_is_not_taken_for_list_capture_data(tmp_path):
    import openpyxl

    for sheets in ([[["name", "a", "b"], ["x", 1, 0]]], [[["a", "b"], [1, 0]], [["a", "b"], [0, 1]]]):
        book = openpyxl.Workbook()
        book.remove(book.active)
        for index, rows in enumerate(sheets):  # a text column; two sheets holding data (which one is read?)
            sheet = book.create_sheet(f"sheet {index}")
            for row in rows:
                sheet.append(row)
        path = tmp_path / "flags.xlsx"
        book.save(path)
        with pytest.raises(UnknownFormatError) as info:
            detect(path)
        assert "list-capture" not in str(info.value) + str(info.value.hint)


def test_a_zip_archive_of_a_download_names_the_files_it_holds(tmp_path):
    """A release downloaded as a zip (a CSV and its codebook): the error names what it holds and the file to load
    once unpacked (it said only "unpack it first")."""
    import zipfile

    path = tmp_path / "ctdc_download.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("CTDC_global_synthetic_data_v2025.csv", "yearOfRegistration,gender\n2023,Woman\n")
        archive.writestr("codebook.pdf", b"%PDF-1.7\n")
        archive.writestr("__MACOSX/._CTDC_global_synthetic_data_v2025.csv", b"")
    with pytest.raises(UnknownFormatError) as caught:
        detect(path)
    message = str(caught.value)
    assert "zip archive" in message and "unpack it" in message
    assert "'CTDC_global_synthetic_data_v2025.csv'" in message and "'codebook.pdf'" in message
    assert "__MACOSX" not in message
