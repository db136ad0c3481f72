"""Reading CSV uploads (ecosystem.csv_uploads): the text of the file, then its rows by column.

Pure functions: no database.
"""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.csv_uploads import ImportTooLarge, parse_csv_rows, read_csv_text
from ecosystem.errors import ValidationFailed

COLUMNS = ["name", "domain", "country"]


def parse(text: str, **options):
    options.setdefault("columns", COLUMNS)
    options.setdefault("required", ["name"])
    options.setdefault("max_rows", 100)
    return parse_csv_rows(text, **options)


def refusal(text: str, **options) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse(text, **options)
    assert caught.value.field == "file"
    return caught.value


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("file.csv", content, content_type="text/csv")


# --- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "name,domain\nAcme,acme.com\n",
        "name;domain\nAcme;acme.com\n",
        "name\tdomain\nAcme\tacme.com\n",
        # The delimiter the first line has most of wins over one in a cell.
        "name;domain\nAcme, Inc.;acme.com\n",
    ],
)
def test_the_delimiter_is_the_one_the_first_line_has_most_of(text):
    assert parse(text).rows[0][1]["domain"] == "acme.com"


def test_a_single_column_file_is_comma_separated():
    assert parse("name\nAcme; Widgets\n").rows == [(2, {"name": "Acme; Widgets"})]


def test_header_names_are_matched_loosely_and_unknown_columns_ignored():
    parsed = parse(" Country ;NAME;Notes;Domain\nDE;Acme;ignored;acme.com\n")
    assert parsed.rows == [(2, {"country": "DE", "name": "Acme", "domain": "acme.com"})]
    assert parsed.columns == ["name", "domain", "country"]  # in the order they are known
    spaced = parse("Company - Name\nAcme\n", columns=["company_name"], required=[])
    assert spaced.rows == [(2, {"company_name": "Acme"})]


def test_a_byte_order_mark_is_not_part_of_the_first_column():
    text = read_csv_text(upload("\ufeffname,domain\nAcme,acme.com\n".encode()), max_bytes=1000)
    assert parse(text).rows == [(2, {"name": "Acme", "domain": "acme.com"})]


@pytest.mark.parametrize("text", ["", "  \n\n"])
def test_an_empty_file_says_which_columns_to_name(text):
    problem = refusal(text)
    assert problem.message == (
        "The file is empty. The first row must name the columns: name, domain, country."
    )


def test_missing_columns_are_all_named():
    problem = refusal("notes\nx\n", required=["name", "country"])
    assert problem.message == (
        "The file has no name, country column; add it to the first row. "
        "The first row must name the columns: name, domain, country."
    )
    custom = refusal("notes\nx\n", missing_columns="The file has no %(columns)s column.")
    assert custom.message.startswith("The file has no name column. The first row")


def test_duplicated_columns():
    # None: the last one counts.
    assert parse("name,name\nA,B\n").rows == [(2, {"name": "B"})]
    # "known": only known columns, after the required ones are found.
    assert parse("name,notes,notes\nA,x,y\n", unique="known").rows == [(2, {"name": "A"})]
    assert "no country" in refusal("name,name\nA,B\n", required=["country"], unique="known").message
    # "all": any named column, before the required ones are looked for.
    problem = refusal("notes,notes,,\nx,y,,\n", unique="all")
    assert problem.message == "These columns appear more than once: notes."


# --- the rows ------------------------------------------------------------------------------


def test_rows_are_numbered_as_a_spreadsheet_and_blank_ones_skipped():
    parsed = parse("name,domain\nA,a.com\n\n , \nB\n")
    assert parsed.rows == [(2, {"name": "A", "domain": "a.com"}), (5, {"name": "B", "domain": ""})]
    assert parsed.errors == []


def test_cells_beyond_the_header_are_a_row_error_only_when_asked():
    text = "name\nA,\nB,extra\n"
    assert parse(text).errors == []
    parsed = parse(text, extra_cells_are_errors=True)
    assert parsed.errors == [
        {"row": 3, "field": "", "message": "The row has more cells than the header has columns."}
    ]
    assert [number for number, _ in parsed.rows] == [2, 3]


def test_more_rows_than_the_limit_are_too_large():
    text = "name\nA\n\nB\nC\n"
    assert len(parse(text, max_rows=3).rows) == 3  # blank rows do not count
    with pytest.raises(ImportTooLarge) as caught:
        parse(text, max_rows=2)
    assert caught.value.status_code == 413
    assert caught.value.field == "file"
    assert caught.value.message == ("The file has more than 2 rows; split it into several files.")
    with pytest.raises(ImportTooLarge) as caught:
        parse("name\n" + "A\n" * 1001, max_rows=1000, too_many_rows="More than %(limit)s.")
    assert caught.value.message == "More than 1,000."


def test_invalid_csv_is_refused_naming_the_file():
    text = "name\nA\n" + "x" * (csv.field_size_limit() + 1) + "\n"
    problem = refusal(text)
    assert problem.message.startswith("The file is not valid CSV near row 3 (field larger")


def test_a_header_without_rows():
    assert parse("name\n\n").rows == []
    assert refusal("name\n", no_rows="No rows.").message == "No rows."


# --- the file ------------------------------------------------------------------------------


def test_the_upload_is_read_as_utf8():
    assert read_csv_text(upload("name\nSociété\n".encode()), max_bytes=100) == "name\nSociété\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("name\nSociété\n".encode("cp1252"), "not UTF-8"),
        (b"name\x00\n", "not a CSV file"),
    ],
)
def test_an_upload_that_is_not_csv_text_is_refused(content, words):
    with pytest.raises(ValidationFailed) as caught:
        read_csv_text(upload(content), max_bytes=100)
    assert words in caught.value.message
    assert caught.value.field == "file"


def test_an_upload_over_the_size_limit_is_too_large():
    with pytest.raises(ImportTooLarge) as caught:
        read_csv_text(upload(b"name\n" + b"A\n" * 100), max_bytes=100)
    assert caught.value.status_code == 413
    assert "upload at most 100" in caught.value.message
    assert caught.value.field == "file"


def test_no_upload_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        read_csv_text(None, max_bytes=100)
    assert caught.value.message == "Choose a CSV file to upload."
