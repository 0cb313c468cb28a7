"""SQLAlchemy 2 typed models, one module per aggregate.

`from refbot.models import Account` imports only the module that defines it (PEP 562), plus the modules whose
tables its foreign keys name (each model module imports those), so a command that reads one table doesn't
pay for mapping all of them (bench/bench_startup.py). `Base` from this package carries every table:
asking for it imports every model module (migrations, `create_all`, the models-equal-migrations test).
A new model module goes in `_MODULES`, and its names in `_WHERE`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from refbot import lazy

if TYPE_CHECKING:
    from refbot.models.account import Account, Contact
    from refbot.models.activity import Activity, Debrief
    from refbot.models.base import Base, utcnow
    from refbot.models.crm import CrmCursor, CrmTeamMember, CrmUser, CrmWriteback
    from refbot.models.growth import Contest, NominationTarget, SearchFollow, Welcome, Wish, WishedCustomer
    from refbot.models.nomination import Nomination
    from refbot.models.opportunity import Opportunity
    from refbot.models.outbox import OutboxMessage, ScheduledRun
    from refbot.models.points import PointsEntry
    from refbot.models.request import ReferenceRequest, RequestEvent
    from refbot.models.search import ChannelAsk, ChannelPref, SearchLog
    from refbot.models.story import StoryStatus, SuccessStory
    from refbot.models.user import ProgramSetting, SlackUser
    from refbot.models.vocabulary import VocabularyTerm

_MODULES: dict[str, tuple[str, ...]] = {
    "account": ("Account", "Contact"),
    "activity": ("Activity", "Debrief"),
    "crm": ("CrmCursor", "CrmTeamMember", "CrmUser", "CrmWriteback"),
    "growth": ("Contest", "NominationTarget", "SearchFollow", "Welcome", "Wish", "WishedCustomer"),
    "nomination": ("Nomination",),
    "opportunity": ("Opportunity",),
    "outbox": ("OutboxMessage", "ScheduledRun"),
    "points": ("PointsEntry",),
    "request": ("ReferenceRequest", "RequestEvent"),
    "search": ("ChannelAsk", "ChannelPref", "SearchLog"),
    "story": ("StoryStatus", "SuccessStory"),
    "user": ("ProgramSetting", "SlackUser"),
    "vocabulary": ("VocabularyTerm",),
}
_WHERE: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}
_WHERE["utcnow"] = "base"

__all__ = [
    "Account",
    "Activity",
    "Base",
    "ChannelAsk",
    "ChannelPref",
    "Contact",
    "Contest",
    "CrmCursor",
    "CrmTeamMember",
    "CrmUser",
    "CrmWriteback",
    "Debrief",
    "Nomination",
    "NominationTarget",
    "Opportunity",
    "OutboxMessage",
    "PointsEntry",
    "ProgramSetting",
    "ReferenceRequest",
    "RequestEvent",
    "ScheduledRun",
    "SearchFollow",
    "SearchLog",
    "SlackUser",
    "StoryStatus",
    "SuccessStory",
    "VocabularyTerm",
    "Welcome",
    "Wish",
    "WishedCustomer",
    "import_all",
    "utcnow",
]


def import_all() -> None:
    """Import every model module: `Base.metadata` then has every table."""
    for module in _MODULES:
        lazy.submodule(__name__, module)


_attribute, __dir__ = lazy.attributes(__name__, {**_WHERE, "Base": "base"})


def __getattr__(name: str) -> Any:
    if name == "Base":
        import_all()
    return _attribute(name)
