"""Recognise "black-market" reference asks in Slack channel messages. Pure: text in, detection out.

An ask is someone looking for a customer to vouch for us for a sales purpose: "anyone have a
healthcare customer in Germany I can call?", "who can I talk to about getting a reference for a deal
in Brazil?", "any customer who'd host a prospect for a site visit?", "need 3 logos for the RFP".
Look-alikes ("API reference", "a good reference for learning SQL", "job reference", "referral
bonus", "for reference, ...", "who can join my prospect call?") are not.

The message is stripped of Slack markup (mentions, channel links, link targets, emoji, code: nothing
inside code counts), its hurried spelling spelled out, and read by a small logistic regression over
words, letter groups and word classes (`refbot.asks.features`, weights in `model.json`, trained by
``refbot asks train`` on ``tests/data/asks/tune.jsonl``). It says how sure it is:

- ``is_ask`` (probability >= the model's threshold): answer in the thread;
- ``unsure`` (a lower band): maybe an ask; only the asker gets a private hint;
- neither: chatter, never answered.

`query` keeps the part of the message that describes the wanted reference (industry, country, size,
role ...), for the search parser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from refbot.asks.features import MAX_CHARS, features_of_plain, plain_text
from refbot.asks.markup import normalise, strip_slack_markup
from refbot.asks.model import load_model
from refbot.asks.query import ask_query

__all__ = ["AskDetection", "detect_ask", "strip_slack_markup"]


@dataclass(frozen=True)
class AskDetection:
    is_ask: bool
    confidence: float  # 0..1, the model's probability that this is an ask
    query: str  # the part of the message describing the wanted reference, for the search parser
    signals: tuple[str, ...]  # the features that weighed most, for logs/debug
    unsure: bool = False  # not sure enough for a public reply, too likely an ask to ignore

    @property
    def worth_a_hint(self) -> bool:
        return self.is_ask or self.unsure


def detect_ask(text: str) -> AskDetection:
    """Is this channel message someone asking for a customer to vouch for us?"""
    low = plain_text(text)
    if not any(ch.isalnum() for ch in low):
        return AskDetection(is_ask=False, confidence=0.0, query="", signals=("no words",))
    model = load_model()
    groups = features_of_plain(low)
    z = model.score(groups)
    probability = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
    is_ask = probability >= model.threshold
    unsure = not is_ask and probability >= model.unsure
    signals: tuple[str, ...] = ()
    query = ""
    if is_ask or unsure:  # the rare case: worth the extra reading
        parts = sorted(model.logit(groups)[1], key=lambda p: -abs(p[0]))
        signals = tuple(f"{feature} {weight:+.2f}" for weight, feature in parts[:6])
        query = ask_query(normalise(strip_slack_markup((text or "")[: MAX_CHARS * 4])[:MAX_CHARS]))
    return AskDetection(
        is_ask=is_ask, confidence=round(probability, 3), query=query, signals=signals, unsure=unsure
    )
