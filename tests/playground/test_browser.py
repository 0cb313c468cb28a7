"""The playground in a real browser (Chromium from the Debian packages, driven by Playwright): a seller
finds a reference, requests it, the owner approves, the call is scheduled, time moves, the debrief is
filed and the owner is asked to thank the advocate, all asserted on what the page shows. Screenshots of
the key screens go to test-artifacts/playground/ (not committed)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zoneinfo
from pathlib import Path

import pytest

from refbot.playground.people import MANAGER, OWNER, SELLER

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):  # .ci/run installs it: in CI a missing browser is a failure, not a skip
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
TIMEOUT = 15_000  # ms; RefBot answers within a second, the shared CI machine can be slow


@pytest.fixture
def page(playground):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pg.goto(playground.url)
            yield pg
            assert errors == [], f"the page raised JavaScript errors: {errors}"
        finally:
            browser.close()


def _be(page, person) -> None:
    page.select_option("#person", person.id)
    playwright_api.expect(page.locator("#whoami")).to_contain_text(person.title, timeout=TIMEOUT)
    page.get_by_role("button", name="RefBot · Messages").click()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_reference_journey_from_search_to_thank_you(playground, page):
    expect = playwright_api.expect
    messages = page.locator("#messages")
    modal = page.locator(".modal")

    _be(page, SELLER)
    page.fill("#composer-text", "/reference search insurance in the US")
    page.press("#composer-text", "Enter")
    expect(messages).to_contain_text("references for", timeout=TIMEOUT)
    expect(messages).to_contain_text("Only visible to you")
    _shot(page, "1-search-results")

    page.locator("button[data-action=request_from_search]").first.click()
    expect(modal).to_contain_text("Request a reference", timeout=TIMEOUT)
    contact = modal.locator(".bk-text b").first.inner_text()
    modal.locator("[data-block=prospect] input").fill("Initech Insurance")
    modal.locator("[data-block=stage] select").select_option(label="Evaluation")
    modal.locator("[data-block=activity] select").select_option(label="Reference call")
    _shot(page, "2-request-form")
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0, timeout=TIMEOUT)
    expect(messages).to_contain_text("Waiting for approval", timeout=TIMEOUT)
    expect(messages).to_contain_text(f"@{OWNER.name} (the account owner) decides")

    _be(page, OWNER)
    expect(messages).to_contain_text(f"@{SELLER.name} asks for a reference call with {contact}", timeout=TIMEOUT)
    _shot(page, "3-owner-approval")
    page.locator("button[data-action=request_approve]").last.click()
    expect(messages).to_contain_text("Approved by you", timeout=TIMEOUT)  # the owner reads it
    expect(messages).to_contain_text("(edited)")  # the approval DM was updated in place

    _be(page, SELLER)
    expect(messages).to_contain_text(f"@{OWNER.name} approved request", timeout=TIMEOUT)
    expect(messages).to_contain_text(".example.com")  # the contact's email, shown only after approval
    _shot(page, "4-contact-details")

    # The call took place an hour ago (in the seller's own timezone, as the form says).
    call = dt.datetime.fromisoformat(playground.clock.now().isoformat()) - dt.timedelta(hours=1)
    local = call.astimezone(zoneinfo.ZoneInfo(SELLER.tz))
    page.locator("button[data-action=request_mark_scheduled]").last.click()
    expect(modal).to_contain_text("Mark scheduled", timeout=TIMEOUT)
    modal.locator("[data-block=date] input").fill(local.date().isoformat())
    modal.locator("[data-block=time] input").fill(f"{local:%H:%M}")
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0, timeout=TIMEOUT)
    expect(messages).to_contain_text("Scheduled for", timeout=TIMEOUT)  # the contact-details DM, edited: no second DM
    expect(messages).not_to_contain_text("How did it go?")

    page.get_by_role("button", name="+2 h").click()  # the debrief prompt is due 2 h after the call
    expect(messages).to_contain_text("How did it go?", timeout=TIMEOUT)
    _shot(page, "5-debrief-prompt")

    page.locator("button[data-action=debrief_happened]").last.click()
    expect(modal).to_contain_text("Did it meet the prospect's needs?", timeout=TIMEOUT)
    modal.locator(".modal-submit").click()  # nothing chosen: Slack shows the app's errors inline
    expect(modal.locator(".bk-error").first).to_be_visible(timeout=TIMEOUT)
    _shot(page, "6-debrief-errors")
    modal.locator("[data-block=met_needs] label").filter(has_text="Yes").click()
    modal.locator("[data-block=rating] select").select_option(index=1)
    modal.locator("[data-block=insights] textarea, [data-block=insights] input").fill(
        "They liked the <fast> rollout & the audit trail")
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0, timeout=TIMEOUT)

    _be(page, OWNER)
    thank_you = page.locator("button[data-action=thank_you_open]")
    expect(thank_you.last).to_be_visible(timeout=TIMEOUT)
    expect(messages).to_contain_text(contact)
    # what the seller typed comes back as typed: escaped on the way in, shown as text, never as markup
    expect(messages).to_contain_text("They liked the <fast> rollout & the audit trail")
    _shot(page, "7-owner-thank-you-prompt")


def test_home_tab_and_type_ahead_in_an_external_select(playground, page):
    expect = playwright_api.expect
    page.select_option("#person", MANAGER.id)
    page.get_by_role("button", name="RefBot · Home").click()
    home = page.locator("#home")
    expect(home).to_contain_text("Program manager", timeout=TIMEOUT)
    home.get_by_role("button", name="Nominate a customer").click()
    modal = page.locator(".modal")
    expect(modal).to_be_visible(timeout=TIMEOUT)
    modal.locator(".external input").first.fill("Dalen")  # each keystroke pause sends a block_suggestion
    suggestion = modal.locator(".suggestion").first
    expect(suggestion).to_contain_text("Dalen", timeout=TIMEOUT)
    suggestion.click()
    expect(modal.locator(".external input").first).to_have_value(re.compile("Dalen"))
    _shot(page, "8-nomination-type-ahead")
    modal.get_by_role("button", name="Close").click()
    expect(modal).to_have_count(0, timeout=TIMEOUT)


WIDGETS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Weekly :trophy: leaderboard"}},
    {"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "*bold* _italic_ ~gone~ `code` "
        "<https://example.com/x?a=1&amp;b=2|the link> <@USELLER1> <#CSALES> &lt;b&gt;not bold&lt;/b&gt; "
        ":white_check_mark:\n&gt; quoted\n• first\n• second"},
     "fields": [{"type": "mrkdwn", "text": "*Deal*\nInitech"}, {"type": "plain_text", "text": "Fri"}],
     "accessory": {"type": "overflow", "action_id": "more", "options": [
         {"text": {"type": "plain_text", "text": "Snooze"}, "value": "snooze"}]}},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "asked <!date^1796144400^{date_short} at {time}|x>"}]},
    {"type": "divider"},
    {"type": "actions", "block_id": "a1", "elements": [
        {"type": "button", "action_id": "ok", "style": "primary", "text": {"type": "plain_text", "text": "Go"}},
        {"type": "button", "action_id": "no", "style": "danger", "text": {"type": "plain_text", "text": "Stop"},
         "confirm": {"title": {"type": "plain_text", "text": "Really?"}, "text": {"type": "mrkdwn", "text": "Sure?"},
                     "confirm": {"type": "plain_text", "text": "Yes"}, "deny": {"type": "plain_text", "text": "No"}}},
        {"type": "static_select", "action_id": "pick", "options": [
            {"text": {"type": "plain_text", "text": "One"}, "value": "1"}]},
        {"type": "users_select", "action_id": "who"},
        {"type": "conversations_select", "action_id": "where"},
        {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-04"},
        {"type": "timepicker", "action_id": "at", "initial_time": "10:00"},
        {"type": "checkboxes", "action_id": "boxes", "options": [{"text": {"type": "plain_text", "text": "A"}, "value": "a"}]},
        {"type": "radio_buttons", "action_id": "radio", "options": [{"text": {"type": "plain_text", "text": "B"}, "value": "b"}]},
    ]},
    {"type": "input", "block_id": "i1", "label": {"type": "plain_text", "text": "Count"},
     "element": {"type": "number_input", "action_id": "n", "is_decimal_allowed": False}},
    {"type": "input", "block_id": "i2", "label": {"type": "plain_text", "text": "Mail"},
     "element": {"type": "email_text_input", "action_id": "e"}},
    {"type": "input", "block_id": "i3", "label": {"type": "plain_text", "text": "Site"},
     "element": {"type": "url_text_input", "action_id": "u"}},
    {"type": "input", "block_id": "i4", "label": {"type": "plain_text", "text": "Tags"},
     "element": {"type": "multi_static_select", "action_id": "m", "options": [
         {"text": {"type": "plain_text", "text": "X"}, "value": "x"}]}},
]


def test_block_kit_and_mrkdwn_render_like_slack(page):
    """The renderer on its own: every element RefBot uses becomes the matching control, mrkdwn becomes
    formatting, escaped text stays text, dates show in the viewer's timezone (New York for Sam)."""
    page.select_option("#person", SELLER.id)
    playwright_api.expect(page.locator("#whoami")).to_contain_text(SELLER.title, timeout=TIMEOUT)
    found = page.evaluate("""(blocks) => {
        const ctx = {people: {USELLER1: {name: "Sam Rivera"}}, channels: {CSALES: "sales"},
                     tz: "America/New_York", now: "2026-12-01T12:00:00Z"};
        const state = {};
        const clicked = [];
        const root = document.createElement("div");
        root.append(...BlockKit.render(blocks, {ctx, state, inModal: false, act: (e) => clicked.push(e.action_id),
                                                suggest: async () => ({}), confirm: async () => false}));
        document.body.append(root);
        root.querySelector("[data-action=no]").click();  // confirm denied: no action
        root.querySelector("[data-action=ok]").click();
        const q = (s) => root.querySelectorAll(s).length;
        return {html: root.querySelector("[data-block=s1] .bk-text").innerHTML, text: root.innerText,
                header: root.querySelector(".bk-header").textContent, clicked,
                counts: {primary: q(".bk-button.primary"), danger: q(".bk-button.danger"), selects: q("select"),
                         date: q("input[type=date]"), time: q("input[type=time]"), checkbox: q("input[type=checkbox]"),
                         radio: q("input[type=radio]"), number: q("input[type=number]"), email: q("input[type=email]"),
                         url: q("input[type=url]"), multi: q("select[multiple]"), overflow: q(".overflow"),
                         fields: q(".bk-field"), divider: q("hr"), quote: q("blockquote"), bullets: q(".li")},
                state};
    }""", WIDGETS)
    html = found["html"]
    for fragment in ("<b>bold</b>", "<i>italic</i>", "<s>gone</s>", "<code>code</code>",
                     'href="https://example.com/x?a=1&amp;b=2"', ">the link</a>", "@Sam Rivera", "#sales",
                     "&lt;b&gt;not bold&lt;/b&gt;", "✅"):
        assert fragment in html, (fragment, html)
    assert found["header"] == "Weekly 🏆 leaderboard"
    assert "Dec 1, 2026 at 12:00 PM" in found["text"]  # 17:00 UTC shown in New York
    assert found["clicked"] == ["ok"]
    assert found["counts"] == {"primary": 1, "danger": 1, "selects": 4, "date": 1, "time": 1, "checkbox": 1,
                               "radio": 1, "number": 1, "email": 1, "url": 1, "multi": 1, "overflow": 1,
                               "fields": 2, "divider": 1, "quote": 1, "bullets": 2}
    assert found["state"]["a1"]["day"] == {"type": "datepicker", "selected_date": "2026-12-04"}
    assert found["state"]["i4"]["m"] == {"type": "multi_static_select", "selected_options": []}
