"""Free text that looks like a name, postcode or date of birth is spotted."""

import pytest

from nqsw_visits.core.privacy import privacy_problems


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Visit with Mrs Smith about school", ["a person's name"]),
        ("Ask Dr. Patel about the plan", ["a person's name"]),
        ("Family near E1 6AN", ["a postcode"]),
        ("postcode b338th", ["a postcode"]),
        ("DOB 03/04/2015", ["a date of birth"]),
        ("child born 3.4.2016", ["a date of birth"]),
        ("Mr Jones, SW1A 1AA, 01/02/2019", ["a person's name", "a postcode", "a date of birth"]),
    ],
)
def test_identifying_detail_is_spotted(text, found):
    assert privacy_problems(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "How I open the conversation about the plan",
        "Core group meeting in the east area",
        "Review at 10:30, room 2",
        "Mrs",  # a title alone names nobody
        "",
    ],
)
def test_ordinary_text_passes(text):
    assert privacy_problems(text) == []
