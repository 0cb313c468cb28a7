"""The playground in a real browser (Chromium from the Debian packages, driven by Playwright): a seller
finds a reference, requests it, the owner approves, the call is scheduled, time moves, the debrief is
filed and the owner is asked to thank the advocate, all asserted on what the page shows. Screenshots of
the key screens go to test-artifacts/playground/ (not committed)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zoneinfo
from pathlib import Path

import pytest

from refbot.playground.people import OWNER, SELLER

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
    expect(messages).to_contain_text(f"@{OWNER.name} decides")

    _be(page, OWNER)
    expect(messages).to_contain_text(f"@{SELLER.name} asks for a reference call with {contact}", timeout=TIMEOUT)
    _shot(page, "3-owner-approval")
    page.locator("button[data-action=request_approve]").last.click()
    expect(messages).to_contain_text(f"Approved by @{OWNER.name}", timeout=TIMEOUT)
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
    expect(messages).to_contain_text("Scheduled: reference call", timeout=TIMEOUT)
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
