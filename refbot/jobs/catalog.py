"""What each scheduled job is called, how often it runs and what it does, declared (in catalog.toml, data
beside this module) without importing the job bodies (or the app they use), so `refbot jobs list` and
`refbot jobs run NAME`'s name check start fast.

The job modules register their functions under these names with `@job(NAME)` (refbot.jobs), which takes
the interval and description from here; a test checks that this catalogue and the registry agree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


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


def _load() -> dict[str, JobInfo]:
    """catalog.toml, a table per job, by name."""
    tables = tomllib.loads(Path(__file__).with_name("catalog.toml").read_text(encoding="utf-8"))
    return {name: JobInfo(name=name, **tables[name]) for name in sorted(tables)}


CATALOG: dict[str, JobInfo] = _load()
