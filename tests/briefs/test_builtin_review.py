"""Review of the PDF's creation date (builtin.pdf_timestamp): an environment's SOURCE_DATE_EPOCH that is no
number of seconds is passed over, whatever characters Python calls digits."""

from __future__ import annotations

import pytest

from evidence.briefs import builtin


@pytest.mark.parametrize("epoch", ["²", "1²", "①", "１７００"])
def test_a_source_date_epoch_of_other_digits_is_passed_over(
    monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    """``"²".isdigit()`` is true but ``int("²")`` fails (the render crashed with a ValueError); ``int`` reads
    fullwidth digits, which no reproducible-builds tool writes: only ASCII digits are read as seconds."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    expected = builtin.pdf_timestamp("2026-11-28")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert builtin.pdf_timestamp("2026-11-28") == expected
