"""SQLAlchemy 2 typed models, one module per aggregate. Importing this package registers every table."""

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
    "utcnow",
]
