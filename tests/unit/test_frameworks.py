"""Reading framework files, loading them, and the standards each team uses."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations import standards as frameworks
from nqsw_visits.observations.models import Framework, Standard, TeamFramework
from nqsw_visits.observations.standards import (
    FrameworkData,
    FrameworkError,
    StandardData,
    load_framework,
    parse_framework,
    standards_for_team,
)
from nqsw_visits.people.models import AuditEvent
from tests.factories import make_team

SHIPPED = Path(frameworks.__file__).resolve().parents[1] / "frameworks"
SHIPPED_NAMES = [
    "Knowledge and Skills Statement for child and family social work",
    "Professional Capabilities Framework",
]


def standard(code: str, title: str | None = None, description: str = "") -> dict:
    return {"code": code, "title": title or f"Title of {code}", "description": description}


def framework_file(standards=None, **fields) -> str:
    """The text of a framework file; early-career with three standards unless told."""
    data = {"code": "early-career", "name": "Early career framework", "source": "Test data"}
    data["standards"] = (
        standards if standards is not None else [standard(f"EC{n}") for n in (1, 2, 3)]
    )
    data.update(fields)
    return json.dumps(data, indent=2)


def load(text: str) -> dict:
    counts = load_framework(parse_framework(text))
    db.session.commit()
    return counts


def stored(code: str = "early-career") -> list[Standard]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Standard).join(Framework).where(Framework.code == code).order_by(Standard.code)
        )
    )


def row_counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Framework, Standard, TeamFramework, AuditEvent)
    )


def test_a_good_file_is_read_with_its_text_tidied():
    text = framework_file(
        standards=[standard(" EC1 ", "  Relationships  ", "Line one\nline two"), standard("EC2")],
        name="  Early career framework ",
    )
    assert parse_framework(text) == FrameworkData(
        code="early-career",
        name="Early career framework",
        source="Test data",
        standards=(
            StandardData("EC1", "Relationships", "Line one\nline two"),
            StandardData("EC2", "Title of EC2", ""),
        ),
    )


def test_source_and_descriptions_may_be_left_out():
    data = parse_framework(
        json.dumps({"code": "ec", "name": "EC", "standards": [{"code": "1", "title": "One"}]})
    )
    assert data.source == ""
    assert data.standards == (StandardData("1", "One", ""),)


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.json")), ids=lambda p: p.stem)
def test_the_shipped_files_are_good(path):
    data = parse_framework(path.read_text(encoding="utf-8"))
    assert data.code == path.stem
    assert len(data.standards) >= 9


BAD_FILES = {
    "not json": ('{\n  "code": "early-career",\n  "name": "x",\n', "not valid JSON: line 4"),
    "trailing comma": ('{"code": "ec",}', "not valid JSON: line 1, column 15"),
    "a list": ("[]", "must hold one JSON object"),
    "unknown top field": (
        framework_file(version=2),
        "The file has an unknown field: version (allowed: code, name, source, standards)",
    ),
    "no code": (framework_file(code=None), "The framework has no code"),
    "code with capitals": (framework_file(code="Early-Career"), "code 'Early-Career' must be"),
    "code too short": (framework_file(code="e"), "code 'e' must be 2 to 40 lowercase"),
    "code starting with a hyphen": (framework_file(code="-ec"), "code '-ec' must be"),
    "code too long": (framework_file(code="e" * 41), "is 41 characters long"),
    "name missing": (framework_file(name="   "), "The framework has no name"),
    "name not text": (framework_file(name=12), "The name of the framework must be text"),
    "name too long": (framework_file(name="n" * 201), "use 200 characters or fewer"),
    "name with a NUL": (framework_file(name="Early\x00career"), "contains a control character"),
    "source too long": (framework_file(source="s" * 301), "use 300 characters or fewer"),
    "standards missing": ('{"code": "ec", "name": "EC"}', "must have a list of standards"),
    "standards not a list": (framework_file(standards={"EC1": "x"}), "list of standards"),
    "no standards": (framework_file(standards=[]), "The file has no standards"),
    "standard not an object": (
        framework_file(standards=[standard("EC1"), "EC2"]),
        "Standard 2 must be an object",
    ),
    "standard without title": (
        framework_file(standards=[standard("EC1"), standard("EC2"), {"code": "EC3"}]),
        "Standard 3 (EC3) has no title",
    ),
    "standard with empty title": (
        framework_file(standards=[{"code": "EC1", "title": " "}]),
        "Standard 1 (EC1) has no title",
    ),
    "standard without code": (
        framework_file(standards=[standard("EC1"), {"title": "Two"}]),
        "Standard 2 has no code",
    ),
    "standard code too long": (
        framework_file(standards=[standard("E" * 41)]),
        "The code of standard 1 is 41 characters long; use 40 characters or fewer",
    ),
    "standard code a number": (
        framework_file(standards=[{"code": 1, "title": "One"}]),
        "The code of standard 1 must be text",
    ),
    "title too long": (
        framework_file(standards=[standard("EC1", "t" * 201)]),
        "The title of standard 1 (EC1) is 201 characters long",
    ),
    "description too long": (
        framework_file(standards=[standard("EC1", description="d" * 2001)]),
        "The description of standard 1 (EC1) is 2001 characters long",
    ),
    "unknown standard field": (
        framework_file(standards=[{"code": "EC1", "titel": "One"}]),
        "Standard 1 has an unknown field: titel (allowed: code, title, description)",
    ),
    "code twice": (
        framework_file(standards=[standard("EC1"), standard("EC2"), standard("EC1")]),
        "Standard code EC1 appears twice (standards 1 and 3)",
    ),
    "code twice in another case": (
        framework_file(standards=[standard("EC1"), standard("ec1")]),
        "Standard code ec1 appears twice (standards 1 and 2)",
    ),
}


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_written(app, text, message):
    before = row_counts()
    with pytest.raises(FrameworkError) as refused:
        load(text)
    assert message in str(refused.value)
    db.session.rollback()
    assert row_counts() == before


def test_loading_a_new_framework_adds_it_in_file_order(app):
    text = framework_file(standards=[standard("EC2", "Second"), standard("EC1", "First")])
    assert load(text) == {"added": 2, "updated": 0, "retired": 0}
    framework = db.session.scalar(select(Framework).where(Framework.code == "early-career"))
    assert (framework.name, framework.source) == ("Early career framework", "Test data")
    assert [(s.code, s.title, s.position, s.retired) for s in framework.standards] == [
        ("EC2", "Second", 0, False),
        ("EC1", "First", 1, False),
    ]
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "framework.loaded"))
    assert (event.object_type, event.object_id) == ("framework", framework.id)
    assert json.loads(event.detail) == {
        "added": 2,
        "code": "early-career",
        "retired": 0,
        "updated": 0,
    }


def test_reloading_updates_titles_and_order_and_counts_only_real_changes(app):
    load(framework_file())
    first_ids = {s.code: s.id for s in stored()}
    again = framework_file(
        standards=[standard("EC1", "Building relationships"), standard("EC3"), standard("EC2")],
        name="Early career standards",
    )
    assert load(again) == {"added": 0, "updated": 3, "retired": 0}
    rows = stored()
    assert {s.code: s.id for s in rows} == first_ids
    assert [(s.code, s.title, s.position) for s in rows] == [
        ("EC1", "Building relationships", 0),
        ("EC2", "Title of EC2", 2),
        ("EC3", "Title of EC3", 1),
    ]
    assert rows[0].framework.name == "Early career standards"
    assert load(again) == {"added": 0, "updated": 0, "retired": 0}


def test_a_standard_left_out_is_retired_and_kept_and_comes_back_if_restored(app):
    load(framework_file())
    assert load(framework_file(standards=[standard("EC1"), standard("EC3")])) == {
        "added": 0,
        "updated": 1,
        "retired": 1,
    }
    assert [(s.code, s.retired) for s in stored()] == [
        ("EC1", False),
        ("EC2", True),
        ("EC3", False),
    ]
    assert "EC2" not in {s.code for s in standards_for_team(None)}
    # Retired already: a second load without it does not count it again.
    assert load(framework_file(standards=[standard("EC1"), standard("EC3")]))["retired"] == 0
    assert load(framework_file()) == {"added": 0, "updated": 2, "retired": 0}
    assert [(s.code, s.retired) for s in stored()] == [
        ("EC1", False),
        ("EC2", False),
        ("EC3", False),
    ]


def test_every_framework_is_used_with_no_team_or_a_team_that_chose_none(app):
    load(framework_file(name="A first framework"))
    team = make_team()
    for team_id in (None, team.id):
        standards = standards_for_team(team_id)
        names = list(dict.fromkeys(s.framework.name for s in standards))
        assert names == ["A first framework", *SHIPPED_NAMES]
        assert [s.code for s in standards[:3]] == ["EC1", "EC2", "EC3"]
        assert [s.code for s in standards[-9:]] == [f"PCF{n}" for n in range(1, 10)]


def test_a_team_uses_only_the_frameworks_it_chose(app):
    load(framework_file())
    team, other = make_team(), make_team()
    early = frameworks.framework_by_code("early-career")
    pcf = frameworks.framework_by_code("pcf")
    frameworks.set_team_frameworks(None, team, [pcf.id, early.id])
    frameworks.set_team_frameworks(None, other, [pcf.id])
    db.session.commit()
    assert [s.code for s in standards_for_team(team.id)] == (
        ["EC1", "EC2", "EC3"] + [f"PCF{n}" for n in range(1, 10)]
    )
    assert {s.framework.code for s in standards_for_team(other.id)} == {"pcf"}
    load(framework_file(standards=[standard("EC1")]))
    assert [s.code for s in standards_for_team(team.id)][:2] == ["EC1", "PCF1"]


def test_standards_marked_are_the_teams_in_its_order_and_the_marked_from_anywhere(app):
    """The progress page's standards: those the team uses, and any seen, retired or not."""
    load(framework_file())
    team = make_team()
    frameworks.set_team_frameworks(None, team, [frameworks.framework_by_code("pcf").id])
    load(framework_file(standards=[standard("EC1"), standard("EC2")]))  # EC3 retired
    db.session.commit()
    codes = {s.code: s.id for s in db.session.scalars(select(Standard))}
    marked = select(Standard.id).where(Standard.id.in_([codes["EC3"], codes["PCF2"]]))
    rows = frameworks.standards_marked(team.id, marked, {})
    in_use = [s.code for s, used, _ in rows if used]
    assert in_use == [s.code for s in standards_for_team(team.id)]
    assert sorted(s.code for s, _, seen in rows if seen) == ["EC3", "PCF2"]
    assert {s.code for s, used, _ in rows if not used} == {"EC3"}
    everyone = frameworks.standards_marked(None, marked, {})
    assert [s.code for s, used, _ in everyone if used] == [s.code for s in standards_for_team(None)]


def test_standards_for_a_team_take_one_query_however_many_frameworks(app, count_queries):
    team = make_team()

    def queries_for(team_id):
        db.session.expire_all()
        with count_queries() as counter:
            standards = standards_for_team(team_id)
            assert all(s.framework.name for s in standards)
        return counter.count, len(standards)

    assert queries_for(team.id) == (1, 19)
    for code in ("early-career", "adult-care", "practice-education"):
        load(framework_file(code=code))
    assert queries_for(team.id) == (1, 28)
    assert queries_for(None) == (1, 28)
    frameworks.set_team_frameworks(
        None, team, [f.id for f in frameworks.all_frameworks() if f.code != "adult-care"]
    )
    db.session.commit()
    assert queries_for(team.id) == (1, 25)


def test_setting_a_teams_frameworks_replaces_them_and_is_audited(app):
    load(framework_file())
    team = make_team()
    ids = [f.id for f in frameworks.all_frameworks()]
    frameworks.set_team_frameworks(None, team, ids)
    frameworks.set_team_frameworks(None, team, ids[:1])
    db.session.commit()
    assert frameworks.team_framework_ids(team.id) == ids[:1]
    assert frameworks.frameworks_with_choice(team.id) == (frameworks.all_frameworks(), ids[:1])
    assert frameworks.frameworks_with_choice(make_team().id) == (frameworks.all_frameworks(), [])
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "team.frameworks_set")
    ).all()
    assert [json.loads(e.detail)["framework_ids"] for e in events] == [sorted(ids), ids[:1]]
    assert {e.object_id for e in events} == {team.id}


def test_an_unknown_framework_cannot_be_chosen(app):
    team = make_team()
    pcf = frameworks.framework_by_code("pcf")
    with pytest.raises(FrameworkError, match="Select frameworks from the list") as refused:
        frameworks.set_team_frameworks(None, team, [pcf.id, 4242])
    assert refused.value.field == "frameworks"
    db.session.rollback()
    assert frameworks.team_framework_ids(team.id) == []


def test_names_by_team_list_only_teams_that_chose(app):
    load(framework_file(name="Early career framework"))
    chooses, every = make_team(), make_team()
    frameworks.set_team_frameworks(
        None, chooses, [frameworks.framework_by_code(c).id for c in ("pcf", "early-career")]
    )
    db.session.commit()
    names = frameworks.framework_names_by_team()
    assert names == {chooses.id: ["Early career framework", "Professional Capabilities Framework"]}
    assert every.id not in names
