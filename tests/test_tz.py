"""refbot.tz: a timezone name from Slack, a setting or a form's metadata never raises."""

import datetime as dt
import zoneinfo

import pytest

from refbot.tz import find_zone, zone


def test_a_known_name_is_its_zone():
    assert find_zone("Europe/Paris") == zoneinfo.ZoneInfo("Europe/Paris")
    assert zone("America/New_York") == zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime",
                                  "Europe/" + "x" * 300, "bad\0name"])
def test_no_name_an_unknown_or_a_malformed_one_is_the_default(name):
    assert find_zone(name) is None
    assert zone(name) is dt.UTC
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert zone(name, paris) is paris
