"""Issue 15, the last part: an id in a signed payload (a button value, private_metadata) too large for the
database's id columns (PostgreSQL INTEGER: 2³¹−1; SQLite: 2⁶³−1) reads as no id — the "out of date" answer —
instead of an overflow inside the query ("Python int too large to convert to SQLite INTEGER", PostgreSQL's
NumericValueOutOfRange), which reached the user as "something went wrong". Over HTTP: tests/test_attack_http.py
("metadata id 23 digits")."""

from __future__ import annotations

import pytest

from refbot.handlers import payload

LARGEST = 2**31 - 1


@pytest.mark.parametrize("value", [LARGEST + 1, str(LARGEST + 1), 10**23, "99999999999", 2**63])
def test_an_id_too_large_for_the_database_is_no_id(value):
    assert payload.to_int(value) is None


@pytest.mark.parametrize("value, expected", [(LARGEST, LARGEST), (str(LARGEST), LARGEST), ("0", 0), (7, 7)])
def test_ids_the_database_can_hold_are_read(value, expected):
    assert payload.to_int(value) == expected


def test_a_button_carrying_a_huge_id_is_out_of_date():
    body = {"actions": [{"action_id": "request_approve", "value": "9" * 12}]}
    with pytest.raises(payload.NotFound):
        payload.action_id_value(body, "That button is out of date.")
