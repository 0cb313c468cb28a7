"""What a seller is looking for: the prospect and the person who will take the reference call. Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from refbot.domain import ActivityType, E, Persona, Region, Seniority, parse_enum
from refbot.geo import country_name, region_name, resolve_country, resolve_region
from refbot.matching.text import clean_list, employees_text, language_key, money_text


class Criteria(BaseModel):
    """Search criteria; every field is optional. Criteria not given do not affect the score.

    `country` is an ISO 3166 alpha-2 code ("DE"); names and ISO3 codes are accepted and normalised.
    `countries` is a set of countries read as "any of" (a list, whose first is also `country`, or a named
    group whose name is `place`: "DACH"). `region` is the fallback when there is no good reference in the
    country (derived from the country when not given). `industry_family` names a family of industries
    ("Financial Services"): the whole family when `industry` is None and `industry_label` is None, or the
    family of `industry_label`, an industry the program has no reference in ("Telecommunications").
    Size bounds (`employees_min`... ) come from "2,000+", "under 500 people", "mid-market", "Fortune
    500"; `seniority_or_higher` from "VP or higher", "director+". `soft` lists the criteria that were only
    wished for ("ideally in Germany"): they weigh less and never exclude. `activity` None means a
    reference call. `keywords` are leftover words matched fuzzily against account names, use cases and
    notes.
    """

    industry: str | None = None
    industry_family: str | None = None
    industry_label: str | None = None
    employees: int | None = Field(default=None, ge=1)
    employees_min: int | None = Field(default=None, ge=1)
    employees_max: int | None = Field(default=None, ge=1)
    annual_revenue: int | None = Field(default=None, ge=1)  # USD
    revenue_min: int | None = Field(default=None, ge=1)
    revenue_max: int | None = Field(default=None, ge=1)
    country: str | None = None
    countries: list[str] = Field(default_factory=list)
    place: str | None = None
    region: Region | None = None
    products: list[str] = Field(default_factory=list)
    use_case: str | None = None
    competitor: str | None = None
    seniority: Seniority | None = None
    seniority_or_higher: bool = False
    persona: Persona | None = None
    topics: list[str] = Field(default_factory=list)
    activity: ActivityType | None = None
    language: str | None = None
    keywords: list[str] = Field(default_factory=list)
    soft: list[str] = Field(default_factory=list)

    @field_validator("industry", "industry_family", "industry_label", "place", "use_case", "competitor", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = " ".join(v.split())
            return v or None
        return v

    @field_validator("products", "topics", "keywords", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        if v is None or isinstance(v, str | list | tuple | set | frozenset):
            return clean_list(v)
        return v

    @field_validator("country", "region", "seniority", "persona", "activity", "language", mode="before")
    @classmethod
    def _named(cls, v: Any, info: Any) -> Any:
        """A country, region, seniority, persona, activity or language as people write it: blank is unset."""
        return _read(_READERS[info.field_name], v)

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        out: list[str] = []
        for item in v:
            iso = _read(_country_code, item)
            if iso and iso not in out:
                out.append(iso)
        return out

    @field_validator("soft", mode="before")
    @classmethod
    def _soft(cls, v: Any) -> Any:
        if v is None:
            return []
        return sorted({str(x) for x in v} & SOFT_FIELDS)

    @model_validator(mode="after")
    def _places_and_bounds(self) -> Criteria:
        if self.country and self.countries and self.country not in self.countries:
            self.countries = [self.country, *self.countries]
        if len(self.countries) == 1 and not self.place:
            self.country, self.countries = self.countries[0], []
        for lo, hi in (("employees_min", "employees_max"), ("revenue_min", "revenue_max")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                object.__setattr__(self, lo, b)
                object.__setattr__(self, hi, a)
        return self

    def is_empty(self) -> bool:
        """True when nothing at all was asked (the search then lists the least used references first)."""
        return not any(
            (
                self.industry, self.industry_family, self.employees, self.employees_min, self.employees_max,
                self.annual_revenue, self.revenue_min, self.revenue_max, self.country, self.countries, self.region,
                self.products,
                self.use_case, self.competitor, self.seniority, self.persona, self.topics, self.activity,
                self.language, self.keywords,
            )
        )

    def summary(self) -> str:
        """Short human text: "Healthcare · 5,000 employees · Germany · VP"."""
        parts: list[str] = []
        if self.industry:
            parts.append(self.industry)
        elif self.industry_label:
            parts.append(self.industry_label)
        elif self.industry_family:
            parts.append(f"{self.industry_family} (any)")
        size = self.employees_text()
        if size:
            parts.append(size)
        revenue = self.revenue_text()
        if revenue:
            parts.append(revenue)
        if self.place or self.countries:
            parts.append(self.place or " or ".join(country_name(c) for c in self.countries))
        elif self.country:
            parts.append(country_name(self.country))
        elif self.region:
            parts.append(region_name(self.region))
        if self.products:
            parts.append(", ".join(self.products))
        if self.use_case:
            parts.append(self.use_case)
        if self.competitor:
            parts.append(f"replaced {self.competitor}")
        if self.seniority:
            parts.append(self.seniority.label + (" or higher" if self.seniority_or_higher else ""))
        if self.persona:
            parts.append(self.persona.value)
        if self.topics:
            parts.append(", ".join(self.topics))
        if self.activity and self.activity is not ActivityType.call:
            parts.append(self.activity.label.lower())
        if self.language:
            parts.append(f"{self.language}-speaking")
        if self.keywords:
            parts.append(" ".join(f'"{k}"' for k in self.keywords))
        text = " · ".join(parts)
        if self.soft:
            text += " (ideally: " + ", ".join(SOFT_LABELS[s] for s in self.soft) + ")"
        return text

    def employees_text(self) -> str:
        """"5,000 employees", "1,000–4,999 employees", "at least 2,000 employees", "" when not asked."""
        return _bounds_text(self.employees, self.employees_min, self.employees_max, lambda n: f"{n:,}", " employees")

    def revenue_text(self) -> str:
        return _bounds_text(self.annual_revenue, self.revenue_min, self.revenue_max, money_text, " revenue")


def _read(reader: Callable[[str], Any], v: Any) -> Any:
    """Blank text is unset, other text is read with `reader`; anything else is left for pydantic to check."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    return reader(v) if isinstance(v, str) else v


def _country_code(text: str) -> str:
    iso = resolve_country(text)
    if iso is None:
        raise ValueError(f"unknown country '{text.strip()[:40]}'")
    return iso


def _region(text: str) -> Region:
    region = text if isinstance(text, Region) else resolve_region(text)
    if region is None:
        raise ValueError(f"unknown region '{text.strip()[:40]}' (NA, LATAM, EMEA or APAC)")
    return region


def _member(enum_cls: type[E]) -> Callable[[str], E]:
    return lambda text: text if isinstance(text, enum_cls) else parse_enum(enum_cls, text)


_READERS: dict[str, Callable[[str], Any]] = {
    "country": _country_code, "region": _region, "seniority": _member(Seniority), "persona": _member(Persona),
    "activity": _member(ActivityType), "language": language_key,
}


def _bounds_text(point: int | None, lo: int | None, hi: int | None, fmt: Any, unit: str) -> str:
    if lo and hi:
        return f"{fmt(lo)}–{fmt(hi)}{unit}"
    if lo:
        return f"at least {fmt(lo)}{unit}"
    if hi:
        return f"at most {fmt(hi)}{unit}"
    if point:
        return employees_text(point) if unit == " employees" else f"{money_text(point)}{unit}"
    return ""


# Criteria a seller can wish for softly, and how a summary names them.
SOFT_LABELS: dict[str, str] = {
    "industry": "industry", "geo": "place", "employees": "size", "revenue": "revenue", "seniority": "seniority",
    "persona": "focus", "language": "language", "topics": "topics", "products": "products", "use_case": "use case",
    "competitor": "competitor", "keywords": "keywords", "activity": "activity",
}
SOFT_FIELDS = frozenset(SOFT_LABELS)
