"""Numbers and size words in free text: "5k employees", "$2B", "1k-5k", "2,000+", "over 5k", "under 500
people", "between 1k and 5k", "~3k", "mid-market", "Fortune 500". Pure."""

from __future__ import annotations

import math
import re

from refbot.domain import parse_quantity
from refbot.matching.text import employees_text, money_text
from refbot.matching.tokens import State, Tok, note, wordset
from refbot.matching.vocabulary import size_words

EMPLOYEE_UNITS = wordset("employees employee emps emp staff people persons ftes fte headcount heads workers workforce")
REVENUE_UNITS = wordset("revenue revenues rev turnover sales arr usd dollars eur euros gbp")
MULTIPLIER_WORDS = {"k": "k", "thousand": "k", "m": "m", "mm": "m", "mn": "m", "million": "m", "millions": "m",
                    "b": "b", "bn": "b", "billion": "b", "billions": "b"}


def read_size_lists(st: State) -> None:
    """Company lists read as revenue bands ("Fortune 500", "Global 2000"), before the numbers in them."""
    lists = size_words().revenue_lists
    for n in (3, 2, 1):
        for i in range(len(st.toks) - n + 1):
            phrase = st.phrase(i, n)
            if phrase is None or phrase not in lists:
                continue
            lo, hi = lists[phrase]
            if "revenue_min" not in st.data and "revenue_max" not in st.data and "annual_revenue" not in st.data:
                if lo:
                    st.data["revenue_min"] = lo
                if hi:
                    st.data["revenue_max"] = hi
                text = f"at least {money_text(lo)}" if lo else f"at most {money_text(hi or 0)}"
                note(st, st.typed(i, n), f"{text} revenue")
            st.use(i, n)


def apply_size_word(st: State, phrase: str, typed: str) -> bool:
    """"small", "mid-market", "enterprise" -> an employee band, unless a number said the size already."""
    band = size_words().employees.get(phrase)
    if band is None:
        return False
    if not any(k in st.data for k in ("employees", "employees_min", "employees_max")):
        lo, hi = band
        if lo:
            st.data["employees_min"] = lo
        if hi:
            st.data["employees_max"] = hi
        text = f"{lo:,}–{hi:,}" if lo and hi else (f"at least {lo:,}" if lo else f"at most {hi:,}")
        note(st, typed, f"{text} employees")
    return True


def _bound_before(st: State, first: int) -> str | None:
    """"min", "max", "between" or "about" from the words (or "~") right before a number; they are used."""
    words = size_words()
    if "~" in st.before(first):
        return "about"
    for n in (2, 1):
        k = first - n
        if k < 0:
            continue
        phrase = st.phrase(k, n)
        if phrase is None:
            continue
        for kind, table in (("min", words.at_least), ("max", words.at_most), ("about", words.about)):
            if phrase in table:
                st.use(k, n)
                return kind
        if phrase == "between":
            st.use(k, n)
            return "between"
    return None


def _bound_after(st: State, last: int) -> str | None:
    """"min" or "max" from "or more", "and up", "plus", "or less" after a number (and its unit)."""
    words = size_words()
    j = last + 1
    while j < len(st.toks) and st.toks[j].used and st.toks[j].low in EMPLOYEE_UNITS | REVENUE_UNITS:
        j += 1
    for n in (2, 1):
        phrase = st.phrase(j, n)
        if phrase is None:
            continue
        if phrase in words.at_least and phrase not in ("over", "above", "min", "minimum", "at least"):
            st.use(j, n)
            return "min"
        if phrase in ("or less", "or fewer", "max", "at most"):
            st.use(j, n)
            return "max"
    return None


def _quantity(tok: Tok, nxt: Tok | None) -> tuple[float, str, bool, int] | None:
    """(value, multiplier letter, has currency, tokens used) for a number token, else None."""
    raw = tok.text.rstrip("+")
    currency = raw[:1] in "$€£"
    body = raw.lstrip("$€£")
    m = re.fullmatch(r"(\d+(?:[.,]\d+)*)([a-zA-Z]*)", body)
    if not m:
        return None
    digits, suffix = m.group(1), m.group(2).lower()
    used = 1
    if not suffix and nxt is not None and not nxt.used and nxt.low in MULTIPLIER_WORDS:
        suffix, used = nxt.low, 2
    if suffix and suffix not in MULTIPLIER_WORDS:
        return None
    mult = MULTIPLIER_WORDS.get(suffix, "")
    try:
        value = parse_quantity(digits + mult) if mult else parse_quantity(digits)
    except ValueError:
        return None
    return float(value), mult, currency, used


def read_numbers(st: State) -> None:
    toks = st.toks
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.used or not (tok.text[:1].isdigit() or tok.text[:1] in "$€£"):
            i += 1
            continue
        q = _quantity(tok, toks[i + 1] if i + 1 < len(toks) else None)
        if q is None:
            i += 1
            continue
        value, mult, currency, used = q
        first, last = i, i + used - 1
        ranged = False
        low_high: tuple[float, float] = (value, value)
        bound = _bound_before(st, first)
        if tok.text.endswith("+"):
            bound = "min"
        # A range: "1k-5k", "1,000 to 5,000", "1-5k" -> the geometric middle.
        j = last + 1
        gap = st.text[toks[last].end : toks[j].start] if j < len(toks) else ""
        if j < len(toks) and gap.strip() in ("-", "–") and toks[j].text[:1].isdigit() or (
            j + 1 < len(toks) and (toks[j].low == "to" or (toks[j].low == "and" and bound == "between"))
            and toks[j + 1].text[:1].isdigit()
        ):
            k = j if toks[j].low not in ("to", "and") else j + 1
            q2 = _quantity(toks[k], toks[k + 1] if k + 1 < len(toks) else None)
            scaled = value
            if q2 is not None and not mult and q2[1]:  # "1-5k": the first number takes the second's multiplier
                try:
                    scaled = float(parse_quantity(f"{int(value) if value == int(value) else value}{q2[1]}"))
                except ValueError:  # "999999999999-5b" would be out of range: not a range
                    q2 = None
            if q2 is not None:
                value2, mult2, currency2, used2 = q2
                if not mult and mult2:
                    value, mult = scaled, mult2
                low_high = (value, value2) if value <= value2 else (value2, value)
                if value2 > 0 and value > 0:
                    value = math.sqrt(value * value2)
                    value = float(round(value, -max(0, int(math.log10(value)) - 1)))
                currency = currency or currency2
                last = k + used2 - 1
                ranged = True
        if bound == "between" and not ranged:
            bound = None
        unit = _unit_around(st, first, last)
        if bound is None and not ranged:
            bound = _bound_after(st, last)
        kind = unit
        if kind is None:
            if currency or mult in ("b", "m"):
                kind = "revenue"
            elif mult == "k" or (value >= 10 and not (1900 <= value <= 2100 and "," not in tok.text)):
                kind = "employees"
        typed = st.original[toks[first].start : toks[last].end]
        field_name = {"employees": "employees", "revenue": "annual_revenue"}.get(kind or "")
        if field_name is None or field_name in st.data or value < 1 or f"{kind}_min" in st.data:
            st.unparsed.append(typed)
            st.use(first, last - first + 1)
            i = last + 1
            continue
        prefix = "employees" if kind == "employees" else "revenue"
        if ranged or bound in ("min", "max"):
            lo, hi = low_high if ranged else ((value, None) if bound == "min" else (None, value))
            if lo is not None and lo >= 1:
                st.data[f"{prefix}_min"] = int(lo)
            if hi is not None and hi >= 1:
                st.data[f"{prefix}_max"] = int(hi)
        if not (bound in ("min", "max") and not ranged):
            st.data[field_name] = int(value)
        st.use(first, last - first + 1)
        if bound in ("min", "max") and not ranged:
            fmt = f"{int(value):,} employees" if kind == "employees" else f"{money_text(value)} revenue"
            note(st, typed, ("at least " if bound == "min" else "at most ") + fmt)
        elif ranged:
            lo, hi = low_high
            fmt_ = (lambda n: f"{int(n):,}") if kind == "employees" else money_text
            note(st, typed, f"{fmt_(lo)}–{fmt_(hi)} " + ("employees" if kind == "employees" else "revenue"))
        elif unit is None:
            meant = employees_text(int(value)) if kind == "employees" else f"{money_text(value)} revenue"
            note(st, typed, meant)
        i = last + 1


def _unit_around(st: State, first: int, last: int) -> str | None:
    """"employees" or "revenue" from the words right after (or before) a number; those words are used."""
    toks = st.toks
    j = last + 1
    if j < len(toks) and toks[j].low in ("in", "of") and j + 1 < len(toks) and toks[j + 1].low in REVENUE_UNITS:
        toks[j].used = toks[j + 1].used = True
        return "revenue"
    if j < len(toks) and not toks[j].used:
        if toks[j].low in EMPLOYEE_UNITS:
            toks[j].used = True
            return "employees"
        if toks[j].low in REVENUE_UNITS:
            toks[j].used = True
            return "revenue"
    k = first - 1
    if k >= 0 and toks[k].low in ("of", "is", "about", "around", "approx", "approximately", "over", "under"):
        k -= 1
    if k >= 0 and not toks[k].used:
        if toks[k].low in REVENUE_UNITS:
            st.use(k, first - k)
            return "revenue"
        if toks[k].low in EMPLOYEE_UNITS:
            st.use(k, first - k)
            return "employees"
    return None

