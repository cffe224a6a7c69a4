from evidence.core.errors import InputError


def test_input_error_names_file_row_and_column():
    err = InputError("not a number", path="data/x.csv", row=12, column="yearOfRegistration", hint="e.g. 2019")
    assert str(err) == "data/x.csv, row 12, column 'yearOfRegistration': not a number (e.g. 2019)"


def test_input_error_without_location_is_just_the_message():
    assert str(InputError("empty")) == "empty"
