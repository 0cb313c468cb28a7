"""What the ask model reads in a message: words, word pairs, letter groups and word classes. Pure.

Four groups of binary features, each later weighted by 1/sqrt(its size) so that a long message does
not outvote a short one:

- ``w:`` words and word pairs of the normalised, lower-cased text (numbers become ``<num>``), plus
  ``<?>`` when the message asks a question;
- ``c:`` three- to five-letter groups inside each word (typos and unseen inflections still match);
- ``x:`` six- and eight-letter groups across word boundaries (short phrases);
- ``k:`` the classes of the words the lexicon knows, alone, in pairs and in threes, skipping the
  words it does not know ("anyone have a bank in Ohio that would talk to my prospect" reads
  ``SEEK HAVE IND WOULD TALK MY PROS``), so that an ask for an industry, place or role nobody wrote
  before reads like the asks that were written.

Training (``refbot/asks/train.py``) and detection use this same function.
"""

from __future__ import annotations

import re
from functools import lru_cache

from refbot.asks.markup import normalise, strip_slack_markup

__all__ = ["MAX_CHARS", "features", "features_of_plain", "plain_text"]

# Longer messages are read up to this many characters: asks are short, and the cost stays bounded.
MAX_CHARS = 4000

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"^\d+[km]?$")

# Word classes. Words are the normalised, lower-cased forms; the first class listed wins.
_LEXICON = {
    "SEEK": "anyone anybody someone somebody who whos who's need needs needed needing looking seeking searching"
    " hunting find finding get borrow lf want wants wanted request requested ask asking asked please help"
    " suggestions ideas leads takers recommend suggest nominate line lined connect introduce intro hook link put",
    "REF": "reference references referenceable advocate advocates testimonial testimonials peer peers vouch",
    "ACT": "visit visits tour host hosting hosted speaker speakers speak speaking panel panelist present presenting"
    " keynote webinar roadshow case study logo logos quote quoted named name video press fireside shadow delegation",
    "CUST": "customer customers client clients account accounts user users company companies firm org team",
    "IND": "bank banks banking insurer insurance hospital hospitals healthcare health retail retailer retailers"
    " manufacturing manufacturer utility utilities telco telecom university universities school district government"
    " public sector pharma biotech logistics airline fintech saas energy law legal nonprofit charity hotel"
    " hospitality mining media cpg grocer grocery shipping",
    "PROS": "prospect prospects prospect's buyer buyers champion deal deals opp opportunity rfp tender bid evaluation"
    " procurement committee pursuit",
    "TALK": "talk talking chat call calls hear meet share tell explain walk answer pick phone zoom",
    "ROLE": "cio cto cfo ceo coo ciso cmo cro chro vp director head svp evp exec executive chief manager cmio cno"
    " founder gc",
    "WOULD": "would 'd wd willing happy open able keen up ok okay comfortable",
    "HAVE": "have has got hv hav know aware",
    "OUR": "our we us",
    "MY": "my i me i'm",
    "DOC": "docs doc documentation api code book books course learning guide manual sheet deck slide slides template"
    " pdf link wiki architecture implementation config material stat study source citation",
    "HR": "job letter hiring hire candidate recruiter visa landlord mortgage employer intern bonus referral referrals"
    " referred refer background character",
    "INTERNAL": "se sdr bdr ae csm eng engineering product finance support ops revops marketing hr it security dpo",
    "DONE": "went done thanks thank great loved signed won closed booked happened amazing yesterday today nvm sorted"
    " found",
    "PROG": "refbot points approve approved approval pending decline declined log logged dm notified report program"
    " limit resting fatigue",
}
_CLASS: dict[str, str] = {}
for _name, _words in _LEXICON.items():
    for _w in _words.split():
        _CLASS.setdefault(_w, _name)


@lru_cache(maxsize=50_000)
def _letter_groups(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple("c:" + padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1))


def plain_text(text: str) -> str:
    """The message as read: Slack markup removed, hurried spelling spelled out, lower case."""
    return normalise(strip_slack_markup((text or "")[: MAX_CHARS * 4])[:MAX_CHARS]).lower()


def features(text: str) -> dict[str, set[str]]:
    """The message's features by group (see the module docstring)."""
    return features_of_plain(plain_text(text))


def features_of_plain(low: str) -> dict[str, set[str]]:
    """`features` of a message already passed through `plain_text`."""
    words = ["<num>" if _NUMBER.match(w) else w for w in _WORD.findall(low)]
    toks = ["<s>", *words, "</s>"]
    word_feats = {"w:" + w for w in words}
    word_feats.update(f"w:{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    if "?" in low:
        word_feats.add("w:<?>")
    letters: set[str] = set()
    for w in words:
        letters.update(_letter_groups(w))
    joined = " " + " ".join(words) + " "
    phrases = {"x:" + joined[i : i + n] for n in (6, 8) for i in range(len(joined) - n + 1)}
    seq = [_CLASS[w] for w in words if w in _CLASS]
    classes = {"k:" + c for c in seq}
    classes.update(f"k:{a} {b}" for a, b in zip(seq, seq[1:], strict=False))
    classes.update(f"k:{a} {b} {c}" for a, b, c in zip(seq, seq[1:], seq[2:], strict=False))
    return {"w": word_feats, "c": letters, "x": phrases, "k": classes}
