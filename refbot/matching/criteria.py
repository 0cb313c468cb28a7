"""What a seller is looking for: the prospect and the person who will take the reference call. Pure."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from refbot.domain import ActivityType, Persona, Region, Seniority, parse_enum
from refbot.geo import country_name, region_name, resolve_country, resolve_region
from refbot.matching.text import clean_list, employees_text, language_key, money_text


class Criteria(BaseModel):
    """Search criteria; every field is optional. Criteria not given do not affect the score.

    `country` is an ISO 3166 alpha-2 code ("DE"); names and ISO3 codes are accepted and normalised.
    `region` is the fallback when there is no good reference in the country (derived from the country
    when not given). `activity` None means a reference call. `keywords` are leftover words matched
    fuzzily against account names, use cases and notes.
    """

    industry: str | None = None
    employees: int | None = Field(default=None, ge=1)
    annual_revenue: int | None = Field(default=None, ge=1)  # USD
    country: str | None = None
    region: Region | None = None
    products: list[str] = Field(default_factory=list)
    use_case: str | None = None
    competitor: str | None = None
    seniority: Seniority | None = None
    persona: Persona | None = None
    topics: list[str] = Field(default_factory=list)
    activity: ActivityType | None = None
    language: str | None = None
    keywords: list[str] = Field(default_factory=list)

    @field_validator("industry", "use_case", "competitor", mode="before")
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

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str):
            iso = resolve_country(v)
            if iso is None:
                raise ValueError(f"unknown country '{v.strip()[:40]}'")
            return iso
        return v

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str) and not isinstance(v, Region):
            region = resolve_region(v)
            if region is None:
                raise ValueError(f"unknown region '{v.strip()[:40]}' (NA, LATAM, EMEA or APAC)")
            return region
        return v

    @field_validator("seniority", "persona", "activity", mode="before")
    @classmethod
    def _enums(cls, v: Any, info: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        enum_cls = {"seniority": Seniority, "persona": Persona, "activity": ActivityType}[info.field_name]
        if isinstance(v, str) and not isinstance(v, enum_cls):
            return parse_enum(enum_cls, v)
        return v

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str):
            return language_key(v)
        return v

    def is_empty(self) -> bool:
        """True when nothing at all was asked (the search then lists the least used references first)."""
        return not any(
            (
                self.industry, self.employees, self.annual_revenue, self.country, self.region, self.products,
                self.use_case, self.competitor, self.seniority, self.persona, self.topics, self.activity,
                self.language, self.keywords,
            )
        )

    def summary(self) -> str:
        """Short human text: "Healthcare · 5,000 employees · Germany · VP"."""
        parts: list[str] = []
        if self.industry:
            parts.append(self.industry)
        if self.employees:
            parts.append(employees_text(self.employees))
        if self.annual_revenue:
            parts.append(f"{money_text(self.annual_revenue)} revenue")
        if self.country:
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
            parts.append(self.seniority.label)
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
        return " · ".join(parts)
