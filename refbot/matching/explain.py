"""Reasons and compromises of a match, against the criteria as asked, the most important first. Pure.

A mixin of MatchingEngine: it reads the engine's fact tables (declared below) and writes text only for
the few matches returned."""

from __future__ import annotations

import math
from collections.abc import Callable

from refbot.domain import Region
from refbot.geo import country_name, in_sentence, region_name, region_of
from refbot.matching.candidates import Candidate
from refbot.matching.criteria import Criteria
from refbot.matching.scoring import (
    _SIMILAR_SIZE,
    _SIZE_SPAN,
    Match,
    _article,
    _persona_sim,
    _Query,
    _Ranked,
    _regions_text,
    _seniority_sim,
    _size_distance,
    _Term,
)
from refbot.matching.text import EMPLOYEE_BANDS, REVENUE_BANDS, band, key, language_key, money_text


def _covered(
    asked: list[str], hits: list[dict[int, float]], ids: tuple[int, ...], values: list[object]
) -> tuple[list[str], list[str]]:
    """(the values of `ids` that match something asked, the asked values nothing matches)."""
    found: list[str] = []
    missing: list[str] = []
    for wanted, h in zip(asked, hits, strict=True):
        best = max(((h.get(v, 0.0), v) for v in ids), default=(0.0, -1))
        if best[0] > 0:
            found.append(str(values[best[1]]))
        else:
            missing.append(wanted)
    return found, missing


_Notes = list[tuple[float, str]]  # (weight, sentence): reasons or compromises, heaviest first


class Explainer:
    """Writes a Match's reasons and compromises from the engine's tables."""

    _cands: list[Candidate]
    _c_acc: list[int]
    _acc_industry: list[int]
    _acc_products: list[int]
    _acc_use_cases: list[int]
    _acc_competitor: list[int]
    _acc_name_words: list[frozenset[str]]
    _c_topics: list[int]
    _c_langs: list[int]
    _products: list[object]
    _product_sets: list[tuple[int, ...]]
    _use_cases: list[object]
    _use_case_sets: list[tuple[int, ...]]
    _topics: list[object]
    _topic_sets: list[tuple[int, ...]]
    _language_sets: list[frozenset[str]]


    def _match(self, r: _Ranked, q: _Query, terms: list[_Term]) -> Match:
        c = self._cands[r.index]
        reasons, compromises = self._explain(r.index, q, terms)
        avail = r.avail
        return Match(
            candidate=c,
            score=r.fit,
            reasons=reasons,
            compromises=compromises,
            available=avail is None or avail.available,
            unavailable_reason=None if avail is None or avail.available else avail.reason,
            available_from=None if avail is None or avail.available else avail.available_from,
            last_used=avail.last_used if avail is not None else None,
        )

    def _explain(self, i: int, q: _Query, terms: list[_Term]) -> tuple[list[str], list[str]]:
        """Reasons (criteria met) and compromises (criteria missed) against the original criteria, the
        most important first."""
        c = self._cands[i]
        a = self._c_acc[i]
        crit = q.criteria
        weight = {t.name: t.weight for t in terms}
        reasons: list[tuple[float, str]] = []
        compromises: list[tuple[float, str]] = []

        def say(name: str, sim: float, ok: str | None, bad: str | None, *, met: float = 0.999) -> None:
            w = weight.get(name, 0.0)
            if sim >= met and ok:
                reasons.append((w, ok))
            elif bad:
                compromises.append((w * (1.0 - sim), bad))

        if q.industry_sims is not None:
            sim = q.industry_sims[self._acc_industry[a]]
            asked = crit.industry or crit.industry_label or crit.industry_family or ""
            if not c.industry:
                say("industry", sim, None, "industry unknown")
            elif sim >= 1.0 and q.whole_family and key(c.industry) != key(asked):
                say("industry", sim, f"{c.industry}, in {asked}", None)
            elif sim >= 1.0:
                say("industry", sim, f"same industry: {c.industry}", None)
            elif sim > 0:
                say("industry", sim, None, f"related industry: {c.industry}")
                if q.industry_family:
                    reasons.append((weight["industry"] * sim,
                                    f"{c.industry} for {_article(asked)} prospect: both {q.industry_family}"))
            else:
                say("industry", sim, None, f"different industry: {c.industry}")

        if q.product_hits:
            ids = self._product_sets[self._acc_products[a]]
            used, missing = _covered(crit.products, q.product_hits, ids, self._products)
            share = len(used) / len(crit.products)
            have = bool(ids)
            if used:
                reasons.append((weight["products"] * share, "uses " + ", ".join(used)))
            if missing:
                compromises.append(
                    (weight["products"] * (1 - share), "doesn't use " + ", ".join(missing) if have else "products unknown")
                )

        if crit.use_case:
            best = max(
                ((q.use_case_hits.get(u, 0.0), u) for u in self._use_case_sets[self._acc_use_cases[a]]),
                default=(0.0, -1),
            )
            if best[0] >= 1.0:
                reasons.append((weight["use_case"], f"same use case: {self._use_cases[best[1]]}"))
            elif best[0] > 0:
                reasons.append((weight["use_case"] * best[0], f"similar use case: {self._use_cases[best[1]]}"))
            else:
                compromises.append((weight["use_case"], f"no {crit.use_case} use case"))

        if q.countries or q.regions:
            self._explain_geo(c, q, weight["geo"], reasons, compromises)

        if "employees" in weight:
            self._explain_size(c.employees, crit, weight["employees"], "employees", reasons, compromises)
        if "revenue" in weight:
            self._explain_size(c.annual_revenue, crit, weight["revenue"], "revenue", reasons, compromises)

        if crit.competitor:
            sim = q.competitor_hits.get(self._acc_competitor[a], 0.0)
            say("competitor", sim, f"replaced {c.competitor_replaced}", f"didn't replace {crit.competitor}", met=0.8)

        if crit.seniority:
            sim = _seniority_sim(c.seniority, crit.seniority, or_higher=crit.seniority_or_higher)
            audience = _article(crit.seniority.label + (" or higher" if crit.seniority_or_higher else ""))
            if c.seniority is None:
                say("seniority", sim, None, "seniority unknown")
            elif c.seniority == crit.seniority:
                say("seniority", sim, f"{c.seniority.label} to {crit.seniority.label}", None, met=0.0)
            elif c.seniority.rank > crit.seniority.rank and crit.seniority_or_higher or c.seniority.rank > crit.seniority.rank:
                say("seniority", sim, f"{c.seniority.label} for {audience} audience", None, met=0.0)
            else:
                say("seniority", sim, None, f"{c.seniority.label} for {audience} audience")

        if crit.persona:
            sim = _persona_sim(c.persona, crit.persona)
            if c.persona is None:
                say("persona", sim, None, f"focus unknown ({crit.persona.value} asked)")
            else:
                say("persona", sim, f"{c.persona.value} contact",
                    f"{c.persona.value} contact for {_article(crit.persona.value)} audience")

        if q.topic_hits:
            ids = self._topic_sets[self._c_topics[i]]
            covered, missing = _covered(crit.topics, q.topic_hits, ids, self._topics)
            share = len(covered) / len(crit.topics)
            if covered:
                reasons.append((weight["topics"] * share, "can speak to " + ", ".join(covered)))
            if missing:
                compromises.append((weight["topics"] * (1 - share), "doesn't list " + ", ".join(missing)))

        if crit.language:
            want = language_key(crit.language)
            langs = self._language_sets[self._c_langs[i]]
            if want in langs:
                reasons.append((weight["language"], f"speaks {want}"))
            else:
                compromises.append(
                    (weight["language"], f"doesn't list {want}" if langs else f"languages unknown ({want} asked)")
                )

        if "activity" in weight and crit.activity:
            if crit.activity in c.activities:
                reasons.append((weight["activity"], f"open to {crit.activity.label.lower()}"))
            else:
                compromises.append((weight["activity"], f"no {crit.activity.label.lower()}"))

        if q.keyword_words:
            # Only keywords that match something in the program: the others are reported once, as unused.
            found = []
            missed = []
            for w, khits in zip(q.keyword_words, q.keyword_hits, strict=True):
                hit = khits.get(a)
                if hit is not None:
                    where = "name" if hit[1] in self._acc_name_words[a] else "mentions"
                    found.append((where, hit[1]))
                else:
                    missed.append(w)
            if missed:
                compromises.append(
                    (weight["keywords"] * len(missed) / len(q.keyword_words),
                     "no mention of " + ", ".join(f'"{w}"' for w in missed))
                )
            names = [w for where, w in found if where == "name"]
            mentions = [w for where, w in found if where == "mentions"]
            share = len(found) / len(q.keyword_words)
            if names:
                reasons.append((weight["keywords"] * share, "name matches " + ", ".join(f'"{w}"' for w in names)))
            if mentions:
                reasons.append((weight["keywords"] * share, "mentions " + ", ".join(f'"{w}"' for w in mentions)))

        reasons.sort(key=lambda x: -x[0])
        compromises.sort(key=lambda x: -x[0])
        return [t for _, t in reasons], [t for _, t in compromises]

    def _explain_geo(self, c: Candidate, q: _Query, w: float, reasons: _Notes, compromises: _Notes) -> None:
        iso = c.country.upper() if c.country else None
        region = Region(c.region) if c.region else region_of(iso)
        where = country_name(iso) if iso else (region_name(region) if region else "")
        regions = _regions_text(q.regions)
        at = in_sentence(where)  # "in the United Kingdom"; a label after a colon keeps the bare name
        if q.countries:
            asked = q.place
            asked_at = in_sentence(asked)
            if iso in q.countries:
                reasons.append((w, f"same country: {asked}" if len(q.countries) == 1 else f"in {asked_at}: {where}"))
            elif not where:
                compromises.append((w * 0.8, "country unknown"))
            elif region in q.regions:
                if not q.country_has_references:
                    compromises.append((w * 0.5, f"no reference in {asked_at}: showing {regions}"))
                else:
                    compromises.append((w * 0.5, f"in {at}, not {asked_at}"))
            else:
                compromises.append((w, f"in {at}, outside {regions}" if regions else f"in {at}"))
        elif q.regions:
            if region in q.regions:
                reasons.append((w, f"in {regions}: {where}"))
            elif not where:
                compromises.append((w * 0.8, "country unknown"))
            else:
                compromises.append((w, f"outside {regions}: {where}"))

    @staticmethod
    def _explain_size(
        value: int | None, crit: Criteria, w: float, kind: str, reasons: _Notes, compromises: _Notes
    ) -> None:
        fmt: Callable[[int], str]
        if kind == "employees":
            def fmt(n: int) -> str:
                return f"{n:,}"
            unit, bands, label = " employees", EMPLOYEE_BANDS, "size"
            asked, lo, hi, asked_text = crit.employees, crit.employees_min, crit.employees_max, crit.employees_text()
        else:
            fmt, unit, bands, label = money_text, " revenue", REVENUE_BANDS, "revenue"
            asked, lo, hi, asked_text = crit.annual_revenue, crit.revenue_min, crit.revenue_max, crit.revenue_text()
        if not value:
            compromises.append((w * 0.75, f"{label} unknown"))
            return
        ranged = bool(lo or hi)
        pair = f"{fmt(value)}{unit} ({asked_text} asked)" if ranged else f"{fmt(value)} vs {fmt(asked or 1)}{unit}"
        d = _size_distance(math.log10(value), asked, lo, hi)
        if d <= (0.0 if ranged else _SIMILAR_SIZE):
            reasons.append((w, f"{'size' if kind == 'employees' else 'revenue'} as asked: {pair}" if ranged
                            else f"similar {label}: {pair}"))
            return
        nearest = (lo if lo and value < lo else hi) if ranged else asked
        direction = "smaller" if value < (nearest or 1) else "larger"
        steps = abs(band(value, bands) - band(nearest or 1, bands))
        lost = w * (1.0 - max(0.0, 1.0 - d / _SIZE_SPAN))
        noun = "size" if kind == "employees" else "revenue"
        if steps == 0:
            compromises.append((lost, f"{direction}: {pair}"))
        elif steps == 1:
            compromises.append((lost, f"one {noun} band {direction}: {pair}"))
        else:
            compromises.append((lost, f"much {direction}: {pair}"))


