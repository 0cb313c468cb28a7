"""A realistic generated reference program for trying RefBot in minutes (deterministic by seed).

The program is written as the three CSV files and loaded through the importer, so the demo
exercises — and is upserted by — exactly the code a real program uses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random

from sqlalchemy.orm import Session

from refbot.services.imports import (
    ACCOUNT_COLUMNS,
    ACTIVITY_COLUMNS,
    CONTACT_COLUMNS,
    ImportReport,
    import_files,
)

INDUSTRIES = {
    "Banking": ["Fraud detection", "Digital onboarding", "Core modernisation"],
    "Insurance": ["Claims automation", "Customer self-service", "Fraud detection"],
    "Healthcare": ["Patient engagement", "Integration", "Revenue cycle"],
    "Retail": ["Omnichannel checkout", "Customer analytics", "Loyalty"],
    "Manufacturing": ["Supply chain visibility", "Predictive maintenance", "Integration"],
    "Telecommunications": ["Customer self-service", "Billing modernisation", "Churn analytics"],
    "Public Sector": ["Citizen services", "Identity verification", "Cloud migration"],
    "Education": ["Student engagement", "Identity verification", "Analytics"],
    "Energy": ["Field service", "Predictive maintenance", "Billing modernisation"],
    "Logistics": ["Supply chain visibility", "Route analytics", "Integration"],
    "Media": ["Subscription billing", "Customer analytics", "Personalisation"],
    "Software": ["Usage-based billing", "Integration", "Identity verification"],
}
PRODUCTS = ["Payments", "Analytics", "Identity", "Data Platform", "Support Cloud"]
COMPETITORS = ["Oracle", "SAP", "Salesforce", "Legacy in-house", "Adyen", "Okta", "Zendesk", ""]
COUNTRIES = {
    "NA": [("US", 5), ("CA", 1)],
    "LATAM": [("BR", 2), ("MX", 2), ("AR", 1), ("CL", 1), ("CO", 1)],
    "EMEA": [("DE", 3), ("GB", 3), ("FR", 2), ("NL", 1), ("ES", 1), ("IT", 1), ("SE", 1), ("CH", 1), ("AE", 1),
             ("ZA", 1)],
    "APAC": [("AU", 2), ("JP", 2), ("SG", 1), ("IN", 2), ("NZ", 1)],
}
LANGUAGE = {"US": "English", "CA": "English", "GB": "English", "AU": "English", "NZ": "English", "SG": "English",
            "IN": "English", "ZA": "English", "AE": "English", "DE": "German", "CH": "German", "FR": "French",
            "ES": "Spanish", "MX": "Spanish", "AR": "Spanish", "CL": "Spanish", "CO": "Spanish", "BR": "Portuguese",
            "IT": "Italian", "NL": "Dutch", "SE": "Swedish", "JP": "Japanese"}
TIMEZONES = {"US": "America/New_York", "CA": "America/Toronto", "GB": "Europe/London", "AU": "Australia/Sydney",
             "NZ": "Pacific/Auckland", "SG": "Asia/Singapore", "IN": "Asia/Kolkata", "ZA": "Africa/Johannesburg",
             "AE": "Asia/Dubai", "DE": "Europe/Berlin", "CH": "Europe/Zurich", "FR": "Europe/Paris",
             "ES": "Europe/Madrid", "MX": "America/Mexico_City", "AR": "America/Argentina/Buenos_Aires",
             "CL": "America/Santiago", "CO": "America/Bogota", "BR": "America/Sao_Paulo", "IT": "Europe/Rome",
             "NL": "Europe/Amsterdam", "SE": "Europe/Stockholm", "JP": "Asia/Tokyo"}
TITLES = [
    ("Chief Information Officer", "technical"), ("Chief Financial Officer", "business"),
    ("Chief Technology Officer", "technical"), ("Chief Operating Officer", "business"),
    ("VP Engineering", "technical"), ("VP Finance", "business"), ("VP Customer Experience", "business"),
    ("VP IT Operations", "technical"), ("Director of IT", "technical"), ("Director of Operations", "business"),
    ("Head of Payments", "business"), ("Director, Data Platform", "technical"), ("IT Manager", "technical"),
    ("Engineering Manager", "technical"), ("Finance Manager", "business"), ("Product Manager", "business"),
    ("Solutions Architect", "technical"), ("Senior Developer", "technical"), ("Business Analyst", "business"),
]
TOPICS = ["implementation", "integration", "administration", "roi", "migration", "security", "change management",
          "support", "scalability", "vendor relationship"]
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kavya", "Luca", "Maya",
         "Nico", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe"]
LAST = ["Adler", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kumar",
        "Lopez", "Meyer", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Weber"]
SYLLABLES = ["glo", "bex", "ini", "tech", "umb", "rel", "sto", "nar", "vel", "dyn", "aqu", "tor", "lum", "cor",
             "zen", "pri", "mer", "ax", "hal", "ver", "sol", "nov", "cap", "ori", "tal"]
SUFFIX = {"Banking": ["Bank", "Financial", "Capital"], "Insurance": ["Insurance", "Assurance", "Mutual"],
          "Healthcare": ["Health", "Clinics", "Care"], "Retail": ["Stores", "Retail", "Market"],
          "Manufacturing": ["Industries", "Manufacturing", "Works"], "Telecommunications": ["Telecom", "Mobile"],
          "Public Sector": ["City Council", "Agency", "Authority"], "Education": ["University", "Academy"],
          "Energy": ["Energy", "Power", "Utilities"], "Logistics": ["Logistics", "Freight", "Transport"],
          "Media": ["Media", "Studios", "Publishing"], "Software": ["Software", "Labs", "Systems"]}
OWNERS = [f"UOWNER{i:02d}" for i in range(1, 9)]


def _weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def generate(*, accounts: int = 220, contacts: int = 660, seed: int = 7, today: dt.date,
             owner: str | None = None) -> dict[str, str]:
    """The demo program as CSV texts {"accounts.csv": …, "contacts.csv": …, "activities.csv": …}."""
    rng = random.Random(seed)
    acc_rows, con_rows, act_rows = [], [], []
    names: set[str] = set()
    regions = [("NA", 4), ("EMEA", 4), ("APAC", 2), ("LATAM", 2)]
    for i in range(accounts):
        industry = list(INDUSTRIES)[i % len(INDUSTRIES)]
        while True:
            stem = "".join(rng.sample(SYLLABLES, 2)).capitalize()
            name = f"{stem} {rng.choice(SUFFIX[industry])}"
            if name not in names:
                names.add(name)
                break
        region = _weighted(rng, regions)
        country = _weighted(rng, COUNTRIES[region])
        employees = int(round(math.exp(rng.uniform(math.log(50), math.log(200_000))), -1)) or 50
        revenue = int(employees * rng.uniform(120_000, 400_000))
        use_cases = rng.sample(INDUSTRIES[industry], k=rng.randint(1, 2))
        products = rng.sample(PRODUCTS, k=rng.randint(1, 3))
        status = "active" if rng.random() > 0.03 else "paused"
        acc_rows.append([f"ACC-{i + 1:04d}", name, industry, employees, revenue, country, "", ";".join(products),
                         ";".join(use_cases), rng.choice(COMPETITORS), owner or rng.choice(OWNERS), status,
                         f"https://example.com/customers/{stem.lower()}" if rng.random() < 0.3 else "",
                         f"{name} runs {', '.join(products)} for {use_cases[0].lower()}.",
                         rng.choice(["cloud", "cloud", "hybrid", "on_prem"])])
    for j in range(contacts):
        acc = acc_rows[j % accounts] if j < accounts else rng.choice(acc_rows)
        country = acc[5]
        title, persona = rng.choice(TITLES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        roll = rng.random()
        status = "opted_out" if roll < 0.05 else "paused" if roll < 0.08 else "active"
        activities = ["call"] + rng.sample(["site_visit", "case_study", "video", "press", "event", "analyst"],
                                           k=rng.randint(0, 3))
        langs = [LANGUAGE.get(country, "English")]
        if langs[0] != "English" and rng.random() < 0.7:
            langs.append("English")
        con_rows.append([f"CON-{j + 1:05d}", acc[0], f"{first} {last}", title, "", persona,
                         f"{first}.{last}.{j + 1}@example.com".lower(), f"+1 555 01{j % 100:02d}",
                         ";".join(rng.sample(TOPICS, k=rng.randint(1, 4))), ";".join(activities),
                         2 if rng.random() < 0.8 else rng.choice([1, 3, 4]), status, TIMEZONES.get(country, "UTC"),
                         ";".join(langs)])
        # a year of history: most contacts lightly used, some heavily (fatigued)
        uses = rng.choices([0, 1, 2, 3, 5], weights=[35, 30, 18, 10, 7])[0]
        for k in range(uses):
            days_ago = rng.randint(3, 360) if k else rng.randint(3, 200)
            when = today - dt.timedelta(days=days_ago)
            act_rows.append([con_rows[-1][0], when.isoformat(), rng.choice(activities),
                             f"Prospect {rng.choice(SYLLABLES).capitalize()}{rng.randint(10, 99)}", ""])

    def text(columns: tuple[str, ...], rows: list[list[object]]) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue()

    return {
        "accounts.csv": text(ACCOUNT_COLUMNS, acc_rows),
        "contacts.csv": text(CONTACT_COLUMNS, con_rows),
        "activities.csv": text(ACTIVITY_COLUMNS, act_rows),
    }


def load_demo(*, session: Session, today: dt.date, accounts: int = 220, contacts: int = 660, seed: int = 7,
              owner: str | None = None) -> ImportReport:
    files = generate(accounts=accounts, contacts=contacts, seed=seed, today=today, owner=owner)
    return import_files(session=session, files=list(files.items()))
