"""The name RefBot signs with for a person is their real name from users.info, not their handle."""

from refbot.services import users


def test_the_cached_name_is_the_real_name_not_the_handle(ctx, slack_api):
    slack_api.add_user("UOLIVIA", "olivia.owner", real_name="Olivia Owner", tz="Europe/Berlin")
    slack_api.add_user("UNOREAL", "sam")
    with ctx.db.unit_of_work() as session:
        assert users.get_user(session=session, client=ctx.client, slack_id="UOLIVIA").name == "Olivia Owner"
        assert users.get_user(session=session, client=ctx.client, slack_id="UNOREAL").name == "sam"
    assert users.person_name({"name": "h", "profile": {"real_name": " ", "display_name": "Disp"}}) == "Disp"
    assert users.person_name({}) == ""
