"""GOV.UK components rendered once per process for the same parameters, unchanged."""

from markupsafe import Markup

from nqsw_visits.templating import remembered_component

PAGINATION = (
    '{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}'
)
PARAMS = {
    "landmarkLabel": "Pages of notifications",
    "items": [
        {"number": 1, "href": "/notifications", "current": False},
        {"ellipsis": True},
        {"number": 7, "href": "/notifications?page=7", "current": True},
    ],
    "previous": {"href": "/notifications?page=6"},
}


class Component:
    """A stand-in for a macro that counts its renders."""

    name = "govukStandIn"

    def __init__(self):
        self.calls = 0

    def __call__(self, params):
        self.calls += 1
        return Markup("<p>{}</p>").format(params.get("text"))


def test_remembered_pagination_matches_the_component(app):
    with app.test_request_context():
        plain = app.jinja_env.from_string(PAGINATION + "{{ govukPagination(p) }}")
        kept = app.jinja_env.from_string(PAGINATION + "{{ remembered(govukPagination, p) }}")
        expected = plain.render(p=PARAMS)
        assert 'aria-current="page"' in expected
        assert kept.render(p=PARAMS) == expected
        assert kept.render(p=PARAMS) == expected  # the kept copy


def test_the_same_parameters_render_once():
    component, remembered = Component(), remembered_component({})
    assert remembered(component, {"text": "a"}) == remembered(component, {"text": "a"})
    assert component.calls == 1
    assert remembered(component, {"text": "b"}) == Markup("<p>b</p>")
    assert component.calls == 2


def test_safe_text_and_plain_text_are_kept_apart():
    component, remembered = Component(), remembered_component({})
    remembered(component, {"text": "<b>"})
    remembered(component, {"text": Markup("<b>")})
    assert component.calls == 2


def test_parameters_that_cannot_be_keyed_render_every_time():
    component, remembered = Component(), remembered_component({})
    odd = {"text": object()}
    remembered(component, odd)
    remembered(component, odd)
    assert component.calls == 2


def test_a_full_store_starts_again_with_what_is_asked_for_now():
    component, kept = Component(), {}
    remembered = remembered_component(kept, limit=2)
    for text in ("a", "b", "c"):
        remembered(component, {"text": text})
    assert len(kept) == 1
    remembered(component, {"text": "c"})
    assert component.calls == 3
    remembered(component, {"text": "a"})
    assert component.calls == 4
