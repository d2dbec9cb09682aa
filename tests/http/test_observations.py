"""Writing, sharing, reflecting on, signing and adding to an observation, over HTTP."""

import json
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.observations.models import AgreedAction, Observation, Standard
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_shared_observation,
    make_team,
    make_user,
)

NOTES = {
    "classification": "asye_direct_observation",
    "observed": "Opened by explaining why we had come; checked the plan point by point.",
    "strengths": "Calm, clear language.",
    "to_develop": "Leave more silence after a question.",
    "look_out_for": "Who else is in the house.",
    "for_case_record": "no",
}


@pytest.fixture
def world(app):
    team = make_team()
    mentor = make_user(Role.MENTOR, name="Maya Okafor")
    nqsw = make_user(Role.NQSW, name="Ella Nowak", team=team)
    manager = make_user(Role.PRACTICE_MANAGER, name="Priya Shah")
    other_mentor = make_user(Role.MENTOR)
    other_nqsw = make_user(Role.NQSW, team=team)
    admin = make_user(Role.ADMIN)
    assign_mentor(nqsw, mentor)
    assign_mentor(nqsw, other_mentor)
    make_manager_of(team, manager)
    request = make_completed_request(nqsw, mentor)
    return {
        "mentor": mentor,
        "nqsw": nqsw,
        "manager": manager,
        "other_mentor": other_mentor,
        "other_nqsw": other_nqsw,
        "admin": admin,
        "request": request,
    }


def standard_ids(*codes) -> list[int]:
    return list(db.session.scalars(select(Standard.id).where(Standard.code.in_(codes))))


def write(client_for, world, share=True, **changes):
    data = {**NOTES, "standards": standard_ids("PCF7", "KSS2"), **changes}
    data["share" if share else "save"] = "1"
    return client_for(world["mentor"]).post(
        f"/requests/{world['request'].id}/observation", data=data
    )


def the_observation() -> Observation:
    db.session.expire_all()
    return db.session.scalar(select(Observation))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_mentor_writes_a_draft_then_shares_it(world, client_for):
    page = client_for(world["mentor"]).get(f"/requests/{world['request'].id}/observation")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "CR-4417" in body and "How I open the conversation" in body  # pre-filled context
    assert "PCF7 Skills and Interventions" in body and "KSS2 Communication" in body
    assert write(client_for, world, share=False).status_code == 302
    draft = the_observation()
    assert draft.shared_at is None and {s.code for s in draft.standards} == {"PCF7", "KSS2"}
    # A draft is the mentor's alone: the NQSW and the manager get 404.
    assert client_for(world["nqsw"]).get(f"/observations/{draft.id}").status_code == 404
    assert client_for(world["manager"]).get(f"/observations/{draft.id}").status_code == 404
    assert write(client_for, world, share=True).status_code == 302
    shared = the_observation()
    assert shared.shared_at is not None
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["nqsw"].id))
    assert "shared an observation" in note.message
    email = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == world["nqsw"].email)
    )
    assert NOTES["observed"] not in email.body and "CR-4417" not in email.body + email.subject
    assert f"/observations/{shared.id}" in email.body
    assert {"observation.started", "observation.saved", "observation.shared"} <= set(actions())


def test_only_a_completed_accompaniment_gets_an_observation(world, client_for):
    world["request"].status = "accepted"
    db.session.commit()
    page = client_for(world["mentor"]).get(f"/requests/{world['request'].id}/observation")
    assert "once the event has happened" in page.get_data(as_text=True)
    assert write(client_for, world).status_code == 422
    assert the_observation() is None


def test_identifying_detail_is_refused_and_kept_for_correction(world, client_for):
    answer = write(client_for, world, observed="Mrs Jones was at home at SW1A 1AA")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "There is a problem" in body
    assert "Mrs Jones was at home" in body  # what was typed is kept
    assert the_observation() is None


def test_reflect_sign_lock_then_addenda(world, client_for):
    write(client_for, world)
    observation = the_observation()
    nqsw = client_for(world["nqsw"])
    url = f"/observations/{observation.id}"
    assert "Leave more silence" in nqsw.get(url).get_data(as_text=True)
    early = nqsw.post(f"{url}/sign")  # no reflection yet
    assert early.status_code == 422 and "Add your reflection" in early.get_data(as_text=True)
    reflection = {"reflection": "I rushed the opening.", "do_differently": "Slow down."}
    assert nqsw.post(f"{url}/reflection", data=reflection).status_code == 302
    action = {"what": "Read the chronology first", "owner": "nqsw", "due_on": ["1", "3", "2027"]}
    assert nqsw.post(f"{url}/actions", data=action).status_code == 302
    assert nqsw.post(f"{url}/sign").status_code == 302
    assert the_observation().nqsw_signed_at and not the_observation().locked_at
    assert client_for(world["mentor"]).post(f"{url}/sign").status_code == 302
    locked = the_observation()
    assert locked.locked_at and locked.mentor_signed_at
    # Locked: no change to the notes, the reflection or the actions; addenda instead.
    assert write(client_for, world, observed="Changed").status_code == 409  # told why
    assert the_observation().observed == NOTES["observed"]
    assert nqsw.post(f"{url}/reflection", data=reflection).status_code == 409
    assert nqsw.post(f"{url}/actions", data=action).status_code == 409
    done = nqsw.post(f"{url}/actions/{locked.actions[0].id}/done", data={"done": "yes"})
    assert done.status_code == 302 and the_observation().actions[0].done_at  # follow-up
    assert nqsw.post(f"{url}/addenda", data={"text": "Chronology read."}).status_code == 302
    page = client_for(world["mentor"]).get(url).get_data(as_text=True)
    assert "Chronology read." in page and "Signed and locked" in page
    assert {"observation.signed", "observation.locked", "observation.addendum"} <= set(actions())


def test_a_change_after_a_signature_clears_it(world, client_for):
    write(client_for, world)
    observation = the_observation()
    nqsw = client_for(world["nqsw"])
    url = f"/observations/{observation.id}"
    nqsw.post(f"{url}/reflection", data={"reflection": "Rushed."})
    nqsw.post(f"{url}/sign")
    assert the_observation().nqsw_signed_at
    write(client_for, world, strengths="Calm, clear language; good eye contact.")
    assert the_observation().nqsw_signed_at is None


def test_the_database_refuses_changes_to_a_locked_record(world, client_for):
    write(client_for, world)
    observation = the_observation()
    url = f"/observations/{observation.id}"
    client_for(world["nqsw"]).post(f"{url}/reflection", data={"reflection": "R"})
    action = {"what": "Read the file", "owner": "nqsw", "due_on": ["1", "3", "2027"]}
    client_for(world["nqsw"]).post(f"{url}/actions", data=action)
    client_for(world["nqsw"]).post(f"{url}/sign")
    client_for(world["mentor"]).post(f"{url}/sign")
    assert the_observation().locked_at
    with pytest.raises(DBAPIError):
        db.session.execute(
            text("UPDATE observations SET observed = 'rewritten' WHERE id = :id"),
            {"id": observation.id},
        )
        db.session.flush()
    db.session.rollback()
    sneaks = [
        "INSERT INTO observation_standards (observation_id, standard_id) "
        "SELECT :id, id FROM standards WHERE code = 'PCF1'",
        "INSERT INTO agreed_actions (observation_id, what, owner, due_on, added_by_id, "
        "created_at) SELECT :id, 'x', 'nqsw', due_on, added_by_id, created_at "
        "FROM agreed_actions WHERE observation_id = :id",
        "UPDATE agreed_actions SET what = 'rewritten' WHERE observation_id = :id",
    ]
    for sneak in sneaks:
        with pytest.raises(DBAPIError, match="observation locked"):
            db.session.execute(text(sneak), {"id": observation.id})
            db.session.flush()
        db.session.rollback()
    db.session.execute(  # follow-up on an action is not a change to the record
        text("UPDATE agreed_actions SET done_at = created_at WHERE observation_id = :id"),
        {"id": observation.id},
    )
    db.session.execute(
        text("UPDATE observations SET shared_with_manager = true WHERE id = :id"),
        {"id": observation.id},
    )
    db.session.commit()


def test_who_sees_what(world, client_for, caplog):
    write(client_for, world)
    observation = the_observation()
    url = f"/observations/{observation.id}"
    private = NOTES["observed"]
    assert private in client_for(world["mentor"]).get(url).get_data(as_text=True)
    assert private in client_for(world["nqsw"]).get(url).get_data(as_text=True)
    summary = client_for(world["manager"]).get(url)
    assert summary.status_code == 200
    body = summary.get_data(as_text=True)
    assert private not in body and "CR-4417" not in body
    assert "Direct observation for the ASYE portfolio" in body and "PCF7" in body
    other_mentor = client_for(world["other_mentor"]).get(url).get_data(as_text=True)
    assert private not in other_mentor and "PCF7" in other_mentor
    for outsider in ("other_nqsw", "admin"):
        assert client_for(world[outsider]).get(url).status_code == 404
    assert "object refused" in caplog.text
    client_for(world["nqsw"]).post(f"{url}/manager-sharing", data={"shared": "yes"})
    assert private in client_for(world["manager"]).get(url).get_data(as_text=True)
    reads = db.session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.action == "observation.read")
    ).all()
    assert {world["mentor"].id, world["nqsw"].id, world["manager"].id} <= set(reads)
    assert world["other_mentor"].id not in reads  # a summary is not a read of the notes


@pytest.mark.parametrize(
    ("who", "step", "status"),
    [
        ("nqsw", "sign", 302),
        ("mentor", "sign", 302),
        ("manager", "sign", 404),
        ("other_mentor", "sign", 404),
        ("other_nqsw", "sign", 404),
        ("admin", "sign", 404),
        ("manager", "reflection", 404),
        ("other_mentor", "actions", 404),
        ("admin", "addenda", 404),
        ("manager", "manager-sharing", 404),
    ],
)
def test_who_may_act(world, client_for, who, step, status):
    write(client_for, world)
    observation = the_observation()
    client_for(world["nqsw"]).post(
        f"/observations/{observation.id}/reflection", data={"reflection": "R"}
    )
    data = {
        "sign": {},
        "reflection": {"reflection": "Not mine to write"},
        "actions": {"what": "x", "owner": "nqsw", "due_on": ["1", "3", "2027"]},
        "addenda": {"text": "x"},
        "manager-sharing": {"shared": "yes"},
    }[step]
    answer = client_for(world[who]).post(f"/observations/{observation.id}/{step}", data=data)
    assert answer.status_code == status


@pytest.mark.parametrize("who", ["nqsw", "manager", "other_mentor", "admin"])
def test_only_the_requests_mentor_writes(world, client_for, who):
    answer = client_for(world[who]).post(f"/requests/{world['request'].id}/observation", data=NOTES)
    assert answer.status_code in (403, 404)
    assert the_observation() is None


def observe(world, how_many: int) -> None:
    """More completed accompaniments: shared, signed and draft observations, with actions."""
    standards = list(db.session.scalars(select(Standard).limit(4)))
    for index in range(how_many):
        request = make_completed_request(world["nqsw"], world["mentor"], days_ago=index + 2)
        observation = Observation(
            request_id=request.id,
            mentor_id=world["mentor"].id,
            nqsw_id=world["nqsw"].id,
            classification="asye_direct_observation" if index % 2 else "formative",
            observed="Noted",
            shared_at=request.ends_at if index % 3 else None,
            standards=standards[: index % 4],
        )
        db.session.add(observation)
        db.session.flush()
        db.session.add(
            AgreedAction(
                observation_id=observation.id,
                what="Read up",
                owner="nqsw",
                due_on=date(2027, 3, 1),
                added_by_id=world["nqsw"].id,
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("nqsw", "/people/{nqsw}/progress"),
        ("manager", "/people/{nqsw}/progress"),
        ("nqsw", "/people/{nqsw}/portfolio"),
        ("mentor", "/mentoring"),
        ("nqsw", "/my-support"),
    ],
)
def test_queries_do_not_grow_with_observations(world, client_for, count_queries, who, path):
    url = path.format(nqsw=world["nqsw"].id)
    client = client_for(world[who])
    observe(world, 2)
    client.get(url)  # as a server does, once the bank holidays are kept
    with count_queries() as few:
        assert client.get(url).status_code == 200
    observe(world, 20)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


def test_progress_counts_against_the_asye_and_lists_standards(world, client_for):
    write(client_for, world)
    observation = the_observation()
    url = f"/observations/{observation.id}"
    client_for(world["nqsw"]).post(f"{url}/reflection", data={"reflection": "Rushed."})
    client_for(world["nqsw"]).post(f"{url}/sign")
    client_for(world["mentor"]).post(f"{url}/sign")
    action = {"what": "Shadow a core group", "owner": "both", "due_on": ["1", "3", "2027"]}
    page = client_for(world["manager"]).get(f"/people/{world['nqsw'].id}/progress")
    body = page.get_data(as_text=True)
    assert "1 of 3" in body
    evidenced = body.split("Standards evidenced")[1].split("Not yet seen")[0]
    not_seen = body.split("Not yet seen")[1].split("Open actions")[0]
    assert "PCF7 Skills and Interventions" in evidenced and "KSS2 Communication" in evidenced
    assert "PCF1 Professionalism" in not_seen and "PCF7" not in not_seen
    assert NOTES["observed"] not in body  # the progress page is a summary
    assert client_for(world["nqsw"]).post(f"{url}/actions", data=action).status_code == 409


def test_the_portfolio_prints_signed_records_without_case_references(world, client_for):
    write(client_for, world)
    observation = the_observation()
    url = f"/observations/{observation.id}"
    client_for(world["nqsw"]).post(f"{url}/reflection", data={"reflection": "I rushed."})
    portfolio = f"/people/{world['nqsw'].id}/portfolio"
    assert "1 observation is not yet signed" in client_for(world["nqsw"]).get(portfolio).get_data(
        as_text=True
    )
    client_for(world["nqsw"]).post(f"{url}/sign")
    client_for(world["mentor"]).post(f"{url}/sign")
    body = client_for(world["nqsw"]).get(portfolio).get_data(as_text=True)
    assert NOTES["observed"] in body and "I rushed." in body
    assert "CR-4417" not in body
    assert body.count('class="app-portfolio-entry"') == 1
    reads = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "observation.read")
    ).all()
    assert any("portfolio" in (detail or "") for detail in reads)


def test_the_homes_list_what_waits(world, client_for):
    home = client_for(world["mentor"]).get("/mentoring").get_data(as_text=True)
    assert "Observations to write" in home and "Ella Nowak" in home
    assert "Overdue" not in home  # one day ago: not yet 5 working days
    old = make_completed_request(world["nqsw"], world["mentor"], days_ago=10)
    home = client_for(world["mentor"]).get("/mentoring").get_data(as_text=True)
    assert home.count("Overdue") == 1 and f"/requests/{old.id}/observation" in home
    write(client_for, world)
    mine = client_for(world["nqsw"]).get("/my-support").get_data(as_text=True)
    assert "add your reflection" in mine
    home = client_for(world["mentor"]).get("/mentoring").get_data(as_text=True)
    assert "Observations to sign" in home


def test_control_characters_are_refused_not_a_crash(world, client_for):
    # PostgreSQL refuses NUL in text: it must be a 422 with a message, never a 500.
    assert write(client_for, world, observed="Seen\x00").status_code == 422
    write(client_for, world)
    url = f"/observations/{the_observation().id}"
    answer = client_for(world["nqsw"]).post(f"{url}/reflection", data={"reflection": "R\x00"})
    assert answer.status_code == 422
    assert "Remove the control characters" in answer.get_data(as_text=True)


def test_a_portfolio_view_is_one_audited_read_naming_its_observations(world, client_for):
    signed = []
    for days_ago in (1, 2):
        request = make_completed_request(world["nqsw"], world["mentor"], days_ago=days_ago + 3)
        url = f"/observations/{make_shared_observation(request).id}"
        client_for(world["nqsw"]).post(f"{url}/reflection", data={"reflection": "R"})
        client_for(world["nqsw"]).post(f"{url}/sign")
        client_for(world["mentor"]).post(f"{url}/sign")
        signed.append(int(url.rsplit("/", 1)[1]))
    make_shared_observation(world["request"])  # shared, not signed: not in the portfolio

    def reads():
        db.session.expire_all()
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "observation.read")
        ).all()

    nqsw = client_for(world["nqsw"])
    assert nqsw.get(f"/people/{world['nqsw'].id}/portfolio").status_code == 200
    (row,) = reads()
    assert (row.actor_id, row.object_type, row.object_id) == (
        world["nqsw"].id,
        "portfolio",
        world["nqsw"].id,
    )
    detail = json.loads(row.detail)
    assert detail["view"] == "portfolio" and sorted(detail["observation_ids"]) == sorted(signed)
    nqsw.get(f"/people/{world['nqsw'].id}/portfolio")
    assert len(reads()) == 2  # one row per view
    nqsw.get(f"/observations/{signed[0]}")  # the observation page: one row per read
    assert [(r.object_type, r.object_id) for r in reads()[2:]] == [("observation", signed[0])]


def test_each_reflection_form_shows_its_own_words_and_its_own_errors(world, client_for):
    # Form fields are kept once rendered, but not free text: no one's words show in another's.
    first = make_shared_observation(world["request"])
    second = make_shared_observation(make_completed_request(world["nqsw"], world["mentor"]))
    client = client_for(world["nqsw"])
    for observation, words in ((first, "Slowed <down>"), (second, "Asked & listened")):
        client.post(f"/observations/{observation.id}/reflection", data={"reflection": words})
    for _ in range(2):  # the second time round, from what was kept
        one = client.get(f"/observations/{first.id}").get_data(as_text=True)
        two = client.get(f"/observations/{second.id}").get_data(as_text=True)
        assert "Slowed &lt;down&gt;</textarea>" in one and "Asked" not in one
        assert "Asked &amp; listened</textarea>" in two and "Slowed" not in two
    refused = client.post(f"/observations/{first.id}/reflection", data={"reflection": ""})
    assert refused.status_code == 422
    assert 'govuk-textarea--error" id="reflection"' in refused.get_data(as_text=True)
    again = client.get(f"/observations/{first.id}").get_data(as_text=True)
    assert "govuk-textarea--error" not in again and "Slowed &lt;down&gt;</textarea>" in again
