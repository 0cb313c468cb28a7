"""The stand-in's file uploads, as slack_sdk's files_upload_v2 drives them: URL, bytes, complete — and faults."""

from __future__ import annotations

import urllib.error

import pytest
from slack_sdk.errors import SlackApiError

from refbot.playground.slack_api import SlackAPIStub

PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 100


@pytest.fixture
def slack():
    with SlackAPIStub() as stub:
        stub.add_channel("C0EXEC", "exec")
        yield stub


def test_files_upload_v2_shares_the_bytes_in_the_channel(slack):
    client = slack.new_web_client()
    client.files_upload_v2(channel="C0EXEC", initial_comment="Charts", file_uploads=[
        {"content": PNG, "filename": "revenue.png", "title": "Revenue"},
        {"content": PNG[:50], "filename": "approval.png", "title": "Approval"}])
    files = slack.files_in("C0EXEC")
    assert [(f["name"], f["title"], f["data"]) for f in files] == [
        ("revenue.png", "Revenue", PNG), ("approval.png", "Approval", PNG[:50])]
    assert files[0]["initial_comment"] == "Charts"
    assert [c.method for c in slack.calls()] == [
        "files.getUploadURLExternal", "files.getUploadURLExternal", "upload", "upload", "files.completeUploadExternal"]


def test_a_failed_upload_raises_and_completing_it_anyway_is_file_not_found(slack):
    client = slack.new_web_client()
    slack.fail("upload", status=500)
    with pytest.raises(urllib.error.HTTPError):
        client.files_upload_v2(channel="C0EXEC", content=PNG, filename="revenue.png")
    file_id = slack.successful("files.getUploadURLExternal")[0].response["file_id"]
    with pytest.raises(SlackApiError) as err:
        client.files_completeUploadExternal(files=[{"id": file_id}], channel_id="C0EXEC")
    assert err.value.response["error"] == "file_not_found"
    assert slack.files_in("C0EXEC") == []


def test_wrong_length_unknown_ids_and_channels_the_bot_is_not_in(slack):
    client = slack.new_web_client()
    answer = client.files_getUploadURLExternal(filename="a.png", length=5)
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(urllib.request.Request(answer["upload_url"], data=b"abc", method="POST"))
    assert err.value.code == 400
    with pytest.raises(SlackApiError) as api_err:
        client.files_completeUploadExternal(files=[{"id": "FNOPE"}], channel_id="C0EXEC")
    assert api_err.value.response["error"] == "file_not_found"
    slack.add_channel("C0PRIV", "private", is_private=True, is_member=False)
    with pytest.raises(SlackApiError) as api_err:
        client.files_completeUploadExternal(files=[{"id": answer["file_id"]}], channel_id="C0PRIV")
    assert api_err.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as api_err:
        client.api_call("files.getUploadURLExternal", params={"filename": "a.png"})
    assert api_err.value.response["error"] == "invalid_arguments"
