import pytest

from config.csv_cells import csv_safe_cell


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")'])
def test_formula_starts_get_an_apostrophe(value):
    assert csv_safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Cinema Aurora", "1+2", "2026-01-01T10:00:00+00:00", "a=b", "'quoted"])
def test_other_cells_are_untouched(value):
    assert csv_safe_cell(value) == value
