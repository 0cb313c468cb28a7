"""The wish list: the wish form, the seller's confirmation, the account owner's one question, the "it's a
reference now" DM and the program manager's ranked list. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from refbot.blocks import kit
from refbot.blocks.format import money, plural

if TYPE_CHECKING:
    from refbot.services.wishes import WishLine

WISH_MODAL = "wish_modal"
OPEN_ACTION = "wish_open"  # value: the search id ("" when none)
YES_ACTION = "wish_owner_yes"  # value: the wished customer's id
NOT_NOW_ACTION = "wish_owner_not_now"
SEARCH_ACTION = "home_search"  # the Home tab's "Find a reference" (opens the search form from anywhere)
MAX_REASONS = 3
LIMITS = {"customer": 200, "why": 1000}


def deal_label(prospect: str, amount: int | None) -> str:
    return f"{prospect} · {money(amount)}" if amount else prospect


def wish_modal(*, customer: str = "", deals: list[tuple[str, str]], metadata: dict[str, Any]) -> dict[str, Any]:
    deal = None
    if deals:
        deal = kit.input_block("deal", "Which of your deals needs it?",
                               kit.static_select(deals, placeholder="Pick a deal"), optional=True,
                               hint="Its amount counts toward the pipeline waiting on this customer.")
    return kit.modal("Wish for a reference", [
        kit.section("Name a customer you wish were a reference. The program team sees every wish, ranked by how "
                    "many sellers ask; the account owner is asked whether the customer would be open to it."),
        kit.input_block("customer", "Customer", kit.text_input(customer, placeholder="e.g. Globex",
                                                               max_length=LIMITS["customer"]), optional=False),
        kit.input_block("why", "Why this customer?", kit.text_input(
            placeholder="e.g. same core banking migration my prospect is planning", max_length=LIMITS["why"],
            multiline=True), optional=False),
        deal,
    ], callback_id=WISH_MODAL, submit="Add my wish", metadata=metadata)


def wished_dm(*, customer: str, wishers: int, repeated: bool, owner_asked: bool) -> tuple[str, list[dict[str, Any]]]:
    name = kit.escape(customer)
    if repeated:
        head = f"Your wish for *{name}* is updated."
    elif wishers > 1:
        head = f"Your wish for *{name}* is on the list: {plural(wishers - 1, 'other seller')} wished for it too."
    else:
        head = f"Your wish for *{name}* is on the list."
    nxt = ("Its account owner has been asked whether they would be open to it."
           if owner_asked else "The program team will look for a way in.")
    text = f"Your wish for {name} is on the list."
    return text, [kit.section(f"{head}\n{nxt} You'll get a DM here when {name} becomes a reference.")]


def already_reference_dm(*, customer: str) -> tuple[str, list[dict[str, Any]]]:
    name = kit.escape(customer)
    return f"{name} is already a reference.", [
        kit.section(f"Good news: *{name}* is already a reference. Search for it to request a call: "
                    f"`/reference search {name}`"),
        kit.actions(kit.button("Find a reference", SEARCH_ACTION, style="primary")),
    ]


def owner_dm(*, customer_id: int, customer: str, wishers: int, reasons: list[tuple[str, str]]
             ) -> tuple[str, list[dict[str, Any]]]:
    """To the account owner, once: sellers wish their customer were a reference. Would it be open to it?"""
    name = kit.escape(customer)
    who = plural(wishers, "seller")
    text = f"{who} wish {name} were a customer reference. Would they be open to it?"
    lines = "\n".join(f"• <@{uid}>: “{kit.escape(kit.truncate(' '.join(why.split()), 200))}”"
                      for uid, why in reasons[:MAX_REASONS])
    return text, [
        kit.section(f"*{who} wish {name} were a reference*, one of your accounts.\n{lines}"),
        kit.section("Would they be open to the odd reference call? If yes, nominate a contact there: the program "
                    "team does the asking, and you approve every request."),
        kit.actions(
            kit.button("Yes, nominate someone", YES_ACTION, str(customer_id), style="primary"),
            kit.button("Not now", NOT_NOW_ACTION, str(customer_id)),
            block_id="wish_owner"),
        kit.context("You get this once per customer. The sellers are told when it becomes a reference."),
    ]


def answered_text(*, customer: str, open_to_it: bool) -> str:
    name = kit.escape(customer)
    if open_to_it:
        return f"Thanks. Nominate someone at {name} in the form."
    return f"Noted: not now for {name}. The program team sees your answer; nobody will ask you again about it."


def fulfilled_dm(*, customer: str, typed: str) -> tuple[str, list[dict[str, Any]]]:
    name = kit.escape(customer)
    also = f" (you asked for “{kit.escape(typed)}”)" if typed and typed.casefold() != customer.casefold() else ""
    return f"{name} is a reference now.", [
        kit.section(f"*{name}* is a reference now{also}: you wished it were one. "
                    f"Search for it to request a call: `/reference search {name}`"),
        kit.actions(kit.button("Find a reference", SEARCH_ACTION, style="primary")),
    ]


def _answer(line: WishLine) -> str:
    if not line.known_account:
        return "not in RefBot yet"
    if not line.owner_id:
        return "no account owner"
    if line.owner_answer == "yes":
        return f"<@{line.owner_id}> said yes"
    if line.owner_answer == "not_now":
        return f"<@{line.owner_id}> said not now"
    return f"asked <@{line.owner_id}>"


def wish_line(line: WishLine) -> str:
    pipeline = f" · {money(line.pipeline)} open pipeline" if line.pipeline else ""
    why = f"\n_“{kit.escape(kit.truncate(' '.join(line.reasons[0].split()), 150))}”_" if line.reasons else ""
    return (f"*{kit.escape(line.name)}* · {plural(line.wishers, 'seller')}{pipeline} · {_answer(line)}"
            f"{why}")


def wish_list_blocks(lines: list[WishLine], total: int, *, limit: int = 5) -> list[dict[str, Any]]:
    """The program manager's wish list (Home): at most 2 + limit blocks."""
    if not lines:
        return [kit.section("*Wish list*\nNo wishes yet. Sellers add them with `/reference wish &lt;customer&gt;`.")]
    blocks: list[dict[str, Any]] = [kit.section(f"*Wish list ({total:,})* · most wanted first")]
    blocks += [kit.section(kit.truncate(wish_line(line), 900)) for line in lines[:limit]]
    extra = total - min(len(lines), limit)
    if extra > 0:
        blocks.append(kit.context(f"…and {extra:,} more: `/reference wishes` lists the top 20"))
    return blocks


def wish_list_message(lines: list[WishLine], total: int) -> tuple[str, list[dict[str, Any]]]:
    """`/reference wishes`: the top of the list, within a message's 50 blocks."""
    return f"Wish list: {plural(total, 'customer')}", wish_list_blocks(lines, total, limit=20)
