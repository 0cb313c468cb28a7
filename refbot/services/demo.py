"""A realistic generated reference program for trying RefBot in minutes, deterministic by seed.

The customers of a fictional vendor, Northwind Cloud (products: Payments, Analytics, Identity,
Data Platform, Support Cloud), across 12 industries and the four regions, 50 to 200,000 employees
(log-distributed) with revenue in line with size and industry, contacts whose names, languages and
timezones match their country, and a year of activity history before `today`: some contacts are
fatigued (2+ activities in the last 90 days), a few were used in the last 30 days, ~5% opted out,
some are paused. Emails are on example.com subdomains; phone numbers use fictional 555 ranges.

The program is generated as the three CSV files and loaded through the importer, so the demo
exercises, and is upserted by, exactly the code a real program uses: running it again changes
nothing, and running it on a later day moves its history (its own activities only) instead of
piling up a second year.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import ActivityType
from refbot.errors import ValidationFailed
from refbot.models import Account, Activity, Contact
from refbot.services.imports import (
    ACCOUNT_COLUMNS,
    ACTIVITY_COLUMNS,
    CONTACT_COLUMNS,
    FILE_NAMES,
    ImportReport,
    import_files,
)

VENDOR = "Northwind Cloud"
PRODUCTS = ("Payments", "Analytics", "Identity", "Data Platform", "Support Cloud")
DEMO_SOURCE = "demo"
DEMO_PREFIX = "DEMO-"  # every demo id starts with it, so demo data is never mistaken for (or merged into) real data
OWNERS = tuple(f"UOWNER{i:02d}" for i in range(1, 9))


@dataclass(frozen=True)
class Industry:
    use_cases: tuple[str, ...]
    suffixes: tuple[str, ...]
    revenue_per_employee: tuple[int, int]  # USD range
    products: tuple[int, ...]  # affinity weight per product in PRODUCTS
    on_prem: float  # share of on-premises deployments


INDUSTRIES: dict[str, Industry] = {
    "Banking": Industry(("Fraud detection", "Digital onboarding", "Core modernisation", "Open banking"),
                        ("Bank", "Financial", "Capital", "Bancorp"), (300_000, 700_000), (5, 3, 5, 2, 1), 0.3),
    "Insurance": Industry(("Claims automation", "Customer self-service", "Fraud detection", "Policy analytics"),
                          ("Insurance", "Assurance", "Mutual", "Re"), (300_000, 600_000), (2, 4, 3, 2, 3), 0.25),
    "Healthcare": Industry(("Patient engagement", "Interoperability", "Revenue cycle", "Clinical analytics"),
                           ("Health", "Clinics", "Medical", "Care"), (120_000, 250_000), (1, 3, 3, 4, 3), 0.3),
    "Retail": Industry(("Omnichannel checkout", "Customer analytics", "Loyalty", "Fraud detection"),
                       ("Stores", "Retail", "Market", "Outfitters"), (150_000, 400_000), (5, 4, 1, 2, 3), 0.1),
    "Manufacturing": Industry(("Supply chain visibility", "Predictive maintenance", "Dealer portal", "IoT analytics"),
                              ("Industries", "Manufacturing", "Works", "Motors"), (200_000, 450_000),
                              (1, 4, 2, 4, 2), 0.3),
    "Telecommunications": Industry(("Customer self-service", "Billing modernisation", "Churn analytics",
                                    "Digital identity"), ("Telecom", "Mobile", "Networks"), (300_000, 700_000),
                                   (3, 4, 3, 3, 4), 0.2),
    "Public Sector": Industry(("Citizen services", "Identity verification", "Cloud migration", "Case management"),
                              ("City Council", "Agency", "Authority", "Department"), (80_000, 150_000),
                              (2, 2, 5, 3, 3), 0.45),
    "Education": Industry(("Student engagement", "Campus identity", "Enrolment analytics", "Tuition payments"),
                          ("University", "Academy", "College", "Institute"), (60_000, 140_000), (3, 3, 4, 2, 3), 0.2),
    "Energy": Industry(("Field service", "Predictive maintenance", "Billing modernisation", "Smart metering"),
                       ("Energy", "Power", "Utilities", "Renewables"), (500_000, 1_200_000), (2, 4, 1, 4, 3), 0.35),
    "Logistics": Industry(("Shipment tracking", "Route analytics", "Customer self-service", "Supply chain visibility"),
                          ("Logistics", "Freight", "Transport", "Shipping"), (150_000, 350_000), (2, 4, 1, 4, 3),
                          0.15),
    "Media": Industry(("Subscription billing", "Audience analytics", "Personalisation", "Single sign-on"),
                      ("Media", "Studios", "Publishing", "Broadcasting"), (200_000, 500_000), (4, 4, 3, 2, 2), 0.05),
    "Software": Industry(("Usage-based billing", "Product analytics", "Customer identity", "Support automation"),
                         ("Software", "Labs", "Systems", "Technologies"), (200_000, 450_000), (4, 4, 4, 3, 4), 0.05),
}
# Fictional incumbents (from television): no real company is named as replaced.
COMPETITORS = {
    "Payments": ("Contoso Pay", "Initech Billing"),
    "Analytics": ("Globex Insights", "Vandelay Analytics"),
    "Identity": ("Hooli Identity", "Umbrella Access"),
    "Data Platform": ("Stark Data", "Wayne Warehouse"),
    "Support Cloud": ("Pied Piper Desk", "Dunder Support"),
}


@dataclass(frozen=True)
class Country:
    iso: str
    weight: int
    language: str
    timezones: tuple[str, ...]
    calling_code: str
    names: str  # key into NAMES


REGIONS: dict[str, tuple[int, tuple[Country, ...]]] = {
    "NA": (40, (
        Country("US", 9, "English", ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
                "1", "en"),
        Country("CA", 2, "English", ("America/Toronto", "America/Vancouver"), "1", "en"),
    )),
    "EMEA": (35, (
        Country("GB", 4, "English", ("Europe/London",), "44", "en"),
        Country("DE", 4, "German", ("Europe/Berlin",), "49", "de"),
        Country("FR", 3, "French", ("Europe/Paris",), "33", "fr"),
        Country("NL", 2, "Dutch", ("Europe/Amsterdam",), "31", "nl"),
        Country("ES", 2, "Spanish", ("Europe/Madrid",), "34", "es"),
        Country("IT", 2, "Italian", ("Europe/Rome",), "39", "it"),
        Country("SE", 1, "Swedish", ("Europe/Stockholm",), "46", "sv"),
        Country("CH", 1, "German", ("Europe/Zurich",), "41", "de"),
        Country("IE", 1, "English", ("Europe/Dublin",), "353", "en"),
        Country("AE", 1, "English", ("Asia/Dubai",), "971", "en"),
        Country("ZA", 1, "English", ("Africa/Johannesburg",), "27", "en"),
    )),
    "APAC": (15, (
        Country("AU", 3, "English", ("Australia/Sydney", "Australia/Melbourne", "Australia/Perth"), "61", "en"),
        Country("JP", 3, "Japanese", ("Asia/Tokyo",), "81", "ja"),
        Country("SG", 2, "English", ("Asia/Singapore",), "65", "en"),
        Country("IN", 3, "English", ("Asia/Kolkata",), "91", "in"),
        Country("NZ", 1, "English", ("Pacific/Auckland",), "64", "en"),
    )),
    "LATAM": (10, (
        Country("BR", 4, "Portuguese", ("America/Sao_Paulo",), "55", "pt"),
        Country("MX", 3, "Spanish", ("America/Mexico_City",), "52", "es"),
        Country("AR", 1, "Spanish", ("America/Argentina/Buenos_Aires",), "54", "es"),
        Country("CL", 1, "Spanish", ("America/Santiago",), "56", "es"),
        Country("CO", 1, "Spanish", ("America/Bogota",), "57", "es"),
    )),
}
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("Olivia", "James", "Amelia", "Noah", "Grace", "Liam", "Chloe", "Ethan", "Hannah", "Marcus", "Priya",
            "Daniel", "Sophie", "Kwame", "Rachel", "Owen", "Aisha", "Connor", "Megan", "Samuel"),
           ("Smith", "Johnson", "Brown", "Taylor", "Walker", "Clarke", "Hughes", "Bennett", "Murphy", "O'Brien",
            "Patel", "Nguyen", "Campbell", "Reid", "Foster", "Mensah", "Carter", "Kelly", "Hart", "Shaw")),
    "de": (("Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Sophie", "Tobias", "Katrin", "Jürgen",
            "Sabine", "Florian", "Miriam"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
            "Richter", "Wolf", "Schäfer", "Zimmermann")),
    "fr": (("Camille", "Louis", "Chloé", "Hugo", "Léa", "Julien", "Manon", "Antoine", "Élodie", "Mathieu"),
           ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fontaine", "Rousseau", "Mercier")),
    "nl": (("Daan", "Emma", "Sem", "Julia", "Lars", "Sanne", "Thijs", "Fleur"),
           ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Mulder")),
    "es": (("Sofía", "Mateo", "Lucía", "Santiago", "Valentina", "Diego", "Camila", "Javier", "Isabel", "Andrés"),
           ("García", "Rodríguez", "Martínez", "López", "Hernández", "Gómez", "Díaz", "Morales", "Castillo", "Vargas")),
    "it": (("Giulia", "Marco", "Chiara", "Luca", "Francesca", "Alessandro", "Elena", "Matteo"),
           ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci")),
    "sv": (("Erik", "Astrid", "Oskar", "Elsa", "Nils", "Ingrid"),
           ("Andersson", "Johansson", "Karlsson", "Nilsson", "Lindqvist", "Berg")),
    "ja": (("Haruto", "Yui", "Sota", "Aoi", "Ren", "Sakura", "Kenji", "Yuki"),
           ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura")),
    "in": (("Aarav", "Ananya", "Rohan", "Diya", "Vikram", "Kavya", "Arjun", "Meera"),
           ("Sharma", "Iyer", "Reddy", "Gupta", "Nair", "Mehta", "Rao", "Kapoor")),
    "pt": (("João", "Ana", "Pedro", "Beatriz", "Lucas", "Mariana", "Rafael", "Larissa"),
           ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira")),
}
# (title, persona, weight): reference programs lean on directors and VPs.
TITLES = (
    ("Chief Information Officer", "technical", 3), ("Chief Technology Officer", "technical", 2),
    ("Chief Financial Officer", "business", 2), ("Chief Operating Officer", "business", 1),
    ("Chief Digital Officer", "business", 1), ("Chief Information Security Officer", "technical", 1),
    ("VP Engineering", "technical", 3), ("VP Finance", "business", 2), ("VP Customer Experience", "business", 3),
    ("VP IT Operations", "technical", 2), ("Head of Payments", "business", 3), ("Head of Data", "technical", 3),
    ("Director of IT", "technical", 4), ("Director of Operations", "business", 3),
    ("Director, Digital Channels", "business", 3), ("Director of Enterprise Architecture", "technical", 3),
    ("IT Manager", "technical", 4), ("Engineering Manager", "technical", 3), ("Finance Manager", "business", 2),
    ("Customer Support Manager", "business", 3), ("Product Manager", "business", 3),
    ("Solutions Architect", "technical", 3), ("Senior Developer", "technical", 2), ("Data Engineer", "technical", 2),
    ("Business Analyst", "business", 2),
)
TOPICS = ("implementation", "integration", "administration", "roi", "migration", "security", "change management",
          "support", "scalability", "vendor relationship", "compliance", "adoption")
ACTIVITY_EXTRAS = ("site_visit", "case_study", "video", "press", "event", "analyst")
_STARTS = ("Al", "Bel", "Cor", "Dal", "El", "Fen", "Gal", "Har", "Is", "Jun", "Kel", "Lum", "Mar", "Nor", "Or",
           "Pel", "Quin", "Ros", "Sol", "Tor", "Ul", "Val", "Wes", "Zen", "Bran", "Cal", "Dor", "Mer")
_ENDS = ("ara", "ion", "ex", "ia", "on", "is", "ora", "ent", "ix", "ano", "ica", "ett", "ova", "um", "ada", "en",
         "ith", "ar")
_DEAL_KINDS = ("new logo", "expansion", "renewal", "migration", "competitive displacement")
_ACTIVITY_NOTES = (
    "", "", "", "Prospect asked about migration timelines.", "Strong on ROI; shared their business case.",
    "Technical deep dive on integration, ran over by 20 minutes.", "Prospect's CFO joined; asked about pricing.",
    "Hosted the prospect on site; toured the operations centre.", "Great energy, \"would do it again\".",
)


@dataclass
class DemoReport:
    imported: ImportReport
    removed_activities: int
    industries: int
    countries: int
    regions: dict[str, int]
    opted_out: int
    paused: int
    fatigued: int
    used_last_30_days: int
    owners: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        regions = ", ".join(f"{r} {n}" for r, n in self.regions.items())
        out = [
            self.imported.summary().replace("Imported", "Demo program loaded:", 1),
            f"Accounts in {self.industries} industries and {self.countries} countries ({regions}).",
            f"Contacts: {self.opted_out} opted out, {self.paused} paused, {self.fatigued} fatigued "
            f"(2+ activities in the last 90 days), {self.used_last_30_days} used in the last 30 days.",
        ]
        if self.removed_activities:
            out.append(f"Moved the demo history to today: removed {self.removed_activities} older demo activities.")
        if len(self.owners) == 1:
            out.append(f"Every account is owned by {self.owners[0]}, so approval requests reach them.")
        else:
            out.append(f"Account owners: {', '.join(self.owners)} (fictional; run `refbot demo --owner YOUR_SLACK_ID` "
                       "to own every account and receive the approval requests yourself).")
        return out


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _significant(value: float, digits: int = 2) -> int:
    if value <= 0:
        return 0
    step = 10 ** max(0, int(math.floor(math.log10(value))) - digits + 1)
    return int(round(value / step) * step)


def _company_name(rng: random.Random, industry: str, taken: set[str]) -> tuple[str, str]:
    """(name, stem): syllables + an industry suffix, unique in the program."""
    suffixes = INDUSTRIES[industry].suffixes
    for attempt in range(200):
        parts = 2 if attempt < 100 else 3
        stem = "".join(rng.choice(_STARTS if i == 0 else _ENDS) for i in range(parts))
        stem = stem[0] + stem[1:].lower()
        name = f"{stem} {rng.choice(suffixes)}"
        if name not in taken:
            taken.add(name)
            return name, stem
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    taken.add(f"{name} {n}")
    return f"{name} {n}", stem


def _csv(columns: tuple[str, ...], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def generate(
    *, today: dt.date, accounts: int = 220, contacts: int = 660, seed: int = 7, owner: str | None = None
) -> dict[str, str]:
    """The demo program as CSV texts {"accounts.csv": …, "contacts.csv": …, "activities.csv": …}."""
    rng = random.Random(seed)
    industries = list(INDUSTRIES)
    region_names = list(REGIONS)
    taken: set[str] = set()
    acc_rows: list[list[object]] = []
    acc_meta: list[tuple[Country, str, float]] = []  # country, email domain, weight for extra contacts
    for i in range(accounts):
        industry = industries[i % len(industries)] if i < len(industries) else rng.choice(industries)
        spec = INDUSTRIES[industry]
        name, stem = _company_name(rng, industry, taken)
        region = rng.choices(region_names, weights=[REGIONS[r][0] for r in region_names])[0]
        countries = REGIONS[region][1]
        country = rng.choices(countries, weights=[c.weight for c in countries])[0]
        employees = _significant(math.exp(rng.uniform(math.log(50), math.log(200_000))))
        revenue = _significant(employees * rng.uniform(*spec.revenue_per_employee))
        products = []
        for _ in range(rng.choices((1, 2, 3), weights=(5, 4, 2))[0]):
            product = rng.choices(PRODUCTS, weights=spec.products)[0]
            if product not in products:
                products.append(product)
        use_cases = rng.sample(spec.use_cases, k=rng.choice((1, 1, 2)))
        competitor = rng.choice(COMPETITORS[products[0]]) if rng.random() < 0.55 else ""
        roll = rng.random()
        status = "retired" if roll < 0.01 else "paused" if roll < 0.04 else "active"
        deployment = "on_prem" if rng.random() < spec.on_prem else rng.choice(("cloud", "cloud", "hybrid"))
        domain = f"{_slug(name)}.example.com"
        case_study = f"https://example.com/customers/{_slug(name)}" if rng.random() < 0.25 else ""
        since = today.year - rng.randint(1, 6)
        notes = f"Customer since {since}; runs {', '.join(products)} for {use_cases[0].lower()}."
        if competitor:
            notes += f" Replaced {competitor}."
        drawn_owner = rng.choice(OWNERS)  # drawn even with --owner, so both runs load the same program
        acc_rows.append([f"{DEMO_PREFIX}A{i + 1:04d}", name, industry, employees, revenue, country.iso, "", ";".join(products),
                         ";".join(use_cases), competitor, owner or drawn_owner, status, case_study, notes,
                         deployment])
        acc_meta.append((country, domain, 1 + math.log10(employees)))

    con_rows: list[list[object]] = []
    act_rows: list[list[object]] = []
    emails: set[str] = set()
    weights = [m[2] for m in acc_meta]
    for j in range(contacts):
        a = j if j < accounts else rng.choices(range(accounts), weights=weights)[0]
        country, domain, _ = acc_meta[a]
        firsts, lasts = NAMES[country.names]
        first, last = rng.choice(firsts), rng.choice(lasts)
        title, persona = rng.choices([(t, p) for t, p, _ in TITLES], weights=[w for _, _, w in TITLES])[0]
        local = f"{_slug(first)}.{_slug(last)}".replace("-", "")
        email, n = f"{local}@{domain}", 2
        while email in emails:
            email, n = f"{local}{n}@{domain}", n + 1
        emails.add(email)
        phone = f"+{country.calling_code} 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        roll = rng.random()
        status = "opted_out" if roll < 0.05 else "paused" if roll < 0.09 else "active"
        agreed = ["call", *rng.sample(ACTIVITY_EXTRAS, k=rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0])]
        languages = [country.language]
        if country.language != "English" and rng.random() < 0.7:
            languages.append("English")
        limit = rng.choices(("", "1", "3"), weights=(85, 10, 5))[0]
        contact_id = f"{DEMO_PREFIX}C{j + 1:05d}"
        con_rows.append([contact_id, acc_rows[a][0], f"{first} {last}", title, "", persona, email, phone,
                         ";".join(rng.sample(TOPICS, k=rng.randint(1, 4))), ";".join(agreed), limit, status,
                         rng.choice(country.timezones), ";".join(languages)])

        # A year of history. Popular contacts were used twice or more in the last 90 days (fatigued);
        # opted-out contacts have only older history.
        if status == "opted_out":
            ages = [rng.randint(120, 365) for _ in range(rng.choice((0, 1, 2)))]
        elif rng.random() < 0.09:
            ages = [rng.randint(1, 89) for _ in range(rng.choice((2, 2, 3)))] + [rng.randint(90, 365)]
        else:
            ages = [rng.randint(1, 365) for _ in range(rng.choices((0, 1, 2, 3), weights=(40, 35, 17, 8))[0])]
        seen: set[tuple[dt.date, str]] = set()
        for age in sorted(ages, reverse=True):
            day = today - dt.timedelta(days=age)
            if day.weekday() >= 5:  # calls happen on weekdays: the Monday after, or the Friday before
                monday = day + dt.timedelta(days=7 - day.weekday())
                day = monday if monday < today else day - dt.timedelta(days=day.weekday() - 4)
            kind = rng.choices(agreed, weights=[6 if t == "call" else 1 for t in agreed])[0]
            if (day, kind) in seen:
                continue
            seen.add((day, kind))
            prospect, _ = _company_name(rng, rng.choice(industries), set())
            act_rows.append([contact_id, day.isoformat(), kind, f"{prospect} ({rng.choice(_DEAL_KINDS)})",
                             rng.choice(_ACTIVITY_NOTES)])

    return {
        FILE_NAMES["accounts"]: _csv(ACCOUNT_COLUMNS, acc_rows),
        FILE_NAMES["contacts"]: _csv(CONTACT_COLUMNS, con_rows),
        FILE_NAMES["activities"]: _csv(ACTIVITY_COLUMNS, act_rows),
    }


def load_demo(
    *,
    session: Session,
    today: dt.date,
    accounts: int = 220,
    contacts: int = 660,
    seed: int = 7,
    owner: str | None = None,
) -> DemoReport:
    """Upsert the demo program through the importer (never duplicates) and describe what was loaded."""
    if accounts < 1 or contacts < 1:
        raise ValidationFailed("The demo needs at least 1 account and 1 contact.")
    real = session.scalars(
        sa.select(Account.external_id).where(~Account.external_id.startswith(DEMO_PREFIX)).limit(3)
    ).all()
    if real:
        raise ValidationFailed(
            f"This database already holds your own accounts ({', '.join(real)}…); the demo only loads into an "
            "empty database (or one holding only the demo), so made-up customers never mix with real ones. "
            "Point DATABASE_URL at another database to try it, e.g. DATABASE_URL=sqlite:///demo.db."
        )
    files = generate(today=today, accounts=accounts, contacts=contacts, seed=seed, owner=owner)
    imported = import_files(session=session, files=list(files.items()), activity_source=DEMO_SOURCE)

    accounts_csv = list(csv.DictReader(io.StringIO(files[FILE_NAMES["accounts"]])))
    contacts_csv = list(csv.DictReader(io.StringIO(files[FILE_NAMES["contacts"]])))
    activities_csv = list(csv.DictReader(io.StringIO(files[FILE_NAMES["activities"]])))

    # History generated on an earlier day: drop the demo's own activities of these contacts that it no
    # longer contains (activities from real requests and imports are never touched).
    ids = dict(session.execute(sa.select(Contact.external_id, Contact.id)).tuples().all())
    demo_contacts = {ids[c["contact_id"]] for c in contacts_csv}
    keep = {(ids[r["contact_id"]], dt.date.fromisoformat(r["date"]), ActivityType(r["type"]), r["opportunity"])
            for r in activities_csv}
    stale = [a.id for a in session.scalars(sa.select(Activity).where(Activity.source == DEMO_SOURCE))
             if a.contact_id in demo_contacts
             and (a.contact_id, a.occurred_on, ActivityType(a.type), a.opportunity) not in keep]
    for i in range(0, len(stale), 500):
        session.execute(sa.delete(Activity).where(Activity.id.in_(stale[i : i + 500])))

    recent: Counter[str] = Counter()
    last_30: set[str] = set()
    for r in activities_csv:
        age = (today - dt.date.fromisoformat(r["date"])).days
        if age < 90:
            recent[r["contact_id"]] += 1
        if age < 30:
            last_30.add(r["contact_id"])
    statuses = Counter(c["status"] for c in contacts_csv)
    return DemoReport(
        imported=imported,
        removed_activities=len(stale),
        industries=len({a["industry"] for a in accounts_csv}),
        countries=len({a["country"] for a in accounts_csv}),
        regions=dict(Counter(_region(a["country"]) for a in accounts_csv).most_common()),
        opted_out=statuses["opted_out"],
        paused=statuses["paused"],
        fatigued=sum(1 for n in recent.values() if n >= 2),
        used_last_30_days=len(last_30),
        owners=sorted({a["owner"] for a in accounts_csv}),
    )


def _region(iso: str) -> str:
    return next(r for r, (_, countries) in REGIONS.items() if any(c.iso == iso for c in countries))
