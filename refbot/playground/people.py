"""The playground's workspace: who a visitor can be, and the channel RefBot posts to."""

from __future__ import annotations

from dataclasses import dataclass

from refbot.playground.slack_api import SlackAPIStub


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str  # what the page says they are in the reference program
    title: str
    tz: str
    email: str


SELLER = Person("USELLER1", "Sam Rivera", "seller", "Account Executive", "America/New_York",
                "sam.rivera@northwind.example.com")
SECOND_SELLER = Person("USELLER2", "Priya Nair", "seller", "Solutions Engineer", "Europe/London",
                       "priya.nair@northwind.example.com")
OWNER = Person("UOWNER01", "Olivia Chen", "account owner", "Customer Success Manager", "Europe/Berlin",
               "olivia.chen@northwind.example.com")
MANAGER = Person("UPM", "Morgan Lee", "program manager", "Customer Reference Manager", "Europe/Berlin",
                 "morgan.lee@northwind.example.com")
PEOPLE: tuple[Person, ...] = (SELLER, SECOND_SELLER, OWNER, MANAGER)

SALES_CHANNEL = "CSALES"
SALES_NAME = "sales"
PROGRAM_TZ = "Europe/Berlin"


def populate(stub: SlackAPIStub) -> None:
    """The people and #sales in the stand-in's directory (users.info, users.lookupByEmail answer from it)."""
    for person in PEOPLE:
        stub.add_user(person.id, person.name, real_name=person.name, email=person.email, tz=person.tz,
                      title=person.title, is_admin=person is MANAGER)
    stub.add_channel(SALES_CHANNEL, SALES_NAME)
