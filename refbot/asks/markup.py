"""Slack markup and hurried spelling, undone before a channel message is read. Pure."""

from __future__ import annotations

import re

__all__ = ["normalise", "strip_slack_markup"]

_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_ANGLE = re.compile(r"<([^<>\n]{0,2000})>")
_EMOJI = re.compile(r":(?=[a-z0-9_+'\-]{0,60}[a-z])[a-z0-9_+'\-]{1,60}:")
_FORMAT_MARK = re.compile(r"(?<!\w)[*_~]+|[*_~]+(?!\w)")
_BULLET = re.compile(r"[\u2022\u25e6\u25aa\u25cf\u2023]")
_QUOTE_MARK = re.compile(r"(?m)^[ \t]*>+[ \t]?")
SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_LINK_SCHEME = re.compile(r"(?i)(?:https?|mailto|tel|slack):")


def _angle(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target[:1] in ("@", "#", "!"):
        return " "
    if _LINK_SCHEME.match(target):
        return f" {label} " if label else " "
    return f" {label or target} "


def strip_slack_markup(text: str) -> str:
    """Plain text of a Slack message: no code, mentions, channel links, link targets, emoji or format marks."""
    text = _CODE_BLOCK.sub("\n", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _ANGLE.sub(_angle, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _QUOTE_MARK.sub("", text)
    text = _EMOJI.sub(" ", text)
    text = _FORMAT_MARK.sub("", text)
    text = _BULLET.sub("\n", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    lines = (SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------------
# Spelling: typos and shorthand sellers type in a hurry

_WORD_FIXES = {
    "referance": "reference",
    "refrence": "reference",
    "refernce": "reference",
    "referece": "reference",
    "refference": "reference",
    "reffrence": "reference",
    "referenec": "reference",
    "refrance": "reference",
    "referances": "references",
    "refrences": "references",
    "refernces": "references",
    "refereces": "references",
    "refferences": "references",
    "refrenceable": "referenceable",
    "referencable": "referenceable",
    "referenceble": "referenceable",
    "refs": "references",
    "custmer": "customer",
    "cusotmer": "customer",
    "costumer": "customer",
    "customar": "customer",
    "cust": "customer",
    "custs": "customers",
    "custmers": "customers",
    "costumers": "customers",
    "propsect": "prospect",
    "prospct": "prospect",
    "porspect": "prospect",
    "any1": "anyone",
    "some1": "someone",
    "anybdy": "anybody",
    "u": "you",
    "abt": "about",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "govt": "government",
    "gov": "government",
}
_WORD = re.compile(r"\b[A-Za-z]+1?\b")
_REF_SHORT = re.compile(r"\bref\b(?!\s*[:#\d])", re.I)
_WITH_SLASH = re.compile(r"\bw/(?=\s)", re.I)
_FOUR = re.compile(r"\b(looking|searching|need|asking|ask) 4\b", re.I)


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _WORD_FIXES.get(word.lower(), word)


def normalise(text: str) -> str:
    """Common typos and shorthand spelled out ("refrence" -> "reference", "w/" -> "with", "ref" -> "reference")."""
    text = _WORD.sub(_fix_word, text)
    text = _REF_SHORT.sub("reference", text)
    text = _WITH_SLASH.sub("with", text)
    return _FOUR.sub(r"\1 for", text)
