"""Due dates land on business days in the client's state (weekends and public holidays)."""

from __future__ import annotations

from datetime import date

import pytest

from advocate.services import deadlines


@pytest.mark.parametrize(
    ("start", "days", "state", "expected"),
    [
        (date(2026, 11, 11), 14, "NSW", date(2026, 11, 25)),  # a Wednesday: unchanged
        (date(2026, 11, 14), 14, "NSW", date(2026, 11, 30)),  # lands Sat 28 Nov -> Mon 30
        (
            date(2026, 12, 11),
            14,
            "VIC",
            date(2026, 12, 29),
        ),  # Christmas Fri, Boxing Day observed Mon
        (date(2027, 1, 12), 14, "NSW", date(2027, 1, 27)),  # Tue 26 Jan, Australia Day -> Wed 27
        (date(2026, 10, 20), 14, "QLD", date(2026, 11, 3)),  # Tue 3 Nov: a holiday in VIC, not QLD
        (date(2026, 10, 20), 14, "VIC", date(2026, 11, 4)),  # Melbourne Cup day (VIC) -> Wed 4
    ],
)
def test_due_dates_move_to_the_next_business_day(app, start, days, state, expected):
    with app.app_context():
        due = deadlines.due_after(start, days, state)
    assert due.date() == expected
    assert due.hour == 17 and str(due.tzinfo) == "Australia/Sydney"
