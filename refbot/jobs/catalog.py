"""What each scheduled job is called, how often it runs and what it does, declared without importing the
job bodies (or the app they use), so `refbot jobs list` and `refbot jobs run NAME`'s name check start fast.

The job modules register their functions under these names with `@job(NAME)` (refbot.jobs), which takes
the interval and description from here; a test checks that this catalogue and the registry agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobInfo:
    name: str
    module: str  # the module whose import registers the job's function
    every_seconds: int
    description: str
    at_start: bool = False  # also run as soon as the scheduler starts

    @property
    def every(self) -> str:
        """The interval as `refbot jobs list` shows it: "every 5 min", "every 10 s"."""
        if self.every_seconds >= 60:
            return f"every {self.every_seconds // 60} min"
        return f"every {self.every_seconds} s"


CATALOG: dict[str, JobInfo] = {info.name: info for info in sorted([
    # At start too: messages queued before a crash or a restart go out at once, not 10 s later.
    JobInfo("outbox", "refbot.jobs", 10, "Deliver queued Slack messages and retry failed deliveries",
            at_start=True),
    JobInfo("approval_reminders", "refbot.jobs.requests", 300,
            "Remind owners of pending approvals, escalate, expire late requests"),
    JobInfo("debrief_prompts", "refbot.jobs.loop", 300,
            "Ask sellers for their debrief after each call, remind once, then tell the program managers"),
    JobInfo("outcome_followups", "refbot.jobs.loop", 3600,
            "Ask sellers won or lost once a deal that used references passes its expected close date"),
    JobInfo("crm_sync", "refbot.jobs.crm", 600,
            "Sync accounts, contacts, owners and deals from the CRM (incremental)"),
    JobInfo("wishes", "refbot.jobs.growth", 300,
            "Wish list: link wished customers to new accounts, ask their owners once, tell wishers once"),
    JobInfo("follows", "refbot.jobs.growth", 120,
            "Followed searches: one DM to the seller when a fitting reference joins or is available again"),
    JobInfo("contests", "refbot.jobs.growth", 300,
            "Contests: post each start and final announcement (with the winners) once"),
    JobInfo("digest", "refbot.jobs.digest", 600,
            "Post the monthly executive digest on the first Monday of each month (late if the app was down)"),
    JobInfo("leader-digest", "refbot.jobs.digest", 600,
            "DM each sales leader their team's month and a post for their team, first Monday of the month"),
    JobInfo("leaderboard", "refbot.jobs.engagement", 300,
            "Post the weekly leaderboard to the sales channel once per week (late if the app was down)"),
], key=lambda info: info.name)}
