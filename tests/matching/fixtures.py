"""A fixed, hand-written reference program (30 accounts, 48 contacts) for the matching tests.

TODAY is the search day. Usage dates are relative to it so the fatigue states are easy to read:
Anna Schmidt (Rheinbank CIO) was used twice in the last 90 days, Nina Patel 10 days ago, Sara Gruber is
busy with an open request, Kenji Sato has a personal limit of 1 and was used 50 days ago.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from refbot.domain import AccountStatus, ActivityType, ContactStatus, Persona, Region, Seniority
from refbot.geo import region_of
from refbot.matching.candidates import Candidate

TODAY = dt.date(2026, 3, 2)

C, VP, DIR, MGR, IC = (
    Seniority.c_level,
    Seniority.vp,
    Seniority.director,
    Seniority.manager,
    Seniority.individual,
)
TECH, BIZ = Persona.technical, Persona.business
A = ActivityType


def ago(*days: int) -> tuple[dt.date, ...]:
    return tuple(TODAY - dt.timedelta(days=d) for d in days)


# external id: name, industry, employees, revenue, country, products, use cases, competitor, status, notes
ACCOUNTS: dict[str, tuple] = {
    "A01": ("Rheinbank AG", "Banking", 4800, 2_100_000_000, "DE", ("Payments", "Analytics"),
            ("Fraud detection",), "Oracle", AccountStatus.active, "Live in 9 months; PSD2 compliance story."),
    "A02": ("Hanse Sparkasse", "Banking", 1200, 400_000_000, "DE", ("Lending",), ("Loan origination",), "SAP",
            AccountStatus.active, "Regional savings bank, strong on branch adoption."),
    "A03": ("Banque Lumière", "Banking", 15000, 6_000_000_000, "FR", ("Payments",),
            ("Fraud detection", "Customer onboarding"), "Oracle", AccountStatus.active, ""),
    "A04": ("Alpen Versicherung", "Insurance", 3500, 1_500_000_000, "AT", ("Claims", "Customer Portal"),
            ("Claims automation",), "Pega", AccountStatus.active, ""),
    "A05": ("Nordic Mutual", "Insurance", 900, 300_000_000, "SE", ("Claims",), ("Claims automation",), None,
            AccountStatus.active, "Cloud migration in 2024."),
    "A06": ("Klinikum Nord", "Healthcare", 5200, 900_000_000, "DE", ("Integration Hub", "Analytics"),
            ("Patient scheduling", "Integration"), "Oracle", AccountStatus.active, "HL7 and FHIR interfaces to 40 systems."),
    "A07": ("St. Mary's Health System", "Healthcare", 12000, 3_000_000_000, "US", ("Integration Hub", "Customer Portal"),
            ("Patient scheduling",), "Salesforce", AccountStatus.active, "Epic integration."),
    "A08": ("Lakeside Clinic", "Healthcare", 300, 60_000_000, "US", ("Customer Portal",), ("Self-service portal",),
            None, AccountStatus.active, ""),
    "A09": ("MediSanté", "Healthcare", 4500, 1_000_000_000, "FR", ("Integration Hub",), ("Integration",), "IBM",
            AccountStatus.active, ""),
    "A10": ("Basel Pharma AG", "Pharmaceuticals", 9000, 5_000_000_000, "CH", ("Analytics",), ("Data migration",),
            None, AccountStatus.active, "Validated GxP environment."),
    "A11": ("ShopSmart", "Retail", 25000, 8_000_000_000, "US", ("Payments", "Customer Portal"), ("Fraud detection",),
            "Salesforce", AccountStatus.active, "Black Friday scale: 3,000 orders per second."),
    "A12": ("ModeHaus", "Retail", 2000, 500_000_000, "DE", ("Customer Portal",), ("Self-service portal",), None,
            AccountStatus.active, "Fashion e-commerce."),
    "A13": ("Tokyo Mart", "Retail", 8000, 3_000_000_000, "JP", ("Payments",), ("Customer onboarding",), None,
            AccountStatus.active, ""),
    "A14": ("Südwerk GmbH", "Manufacturing", 6000, 2_000_000_000, "DE", ("Analytics", "Integration Hub"),
            ("Predictive maintenance", "Supply chain visibility"), "SAP", AccountStatus.active, "Automotive supplier."),
    "A15": ("Great Lakes Steel", "Manufacturing", 11000, 4_000_000_000, "US", ("Analytics",), ("Predictive maintenance",),
            None, AccountStatus.active, ""),
    "A16": ("Southern Cross Freight", "Transportation", 3000, 800_000_000, "AU", ("Integration Hub",),
            ("Supply chain visibility",), None, AccountStatus.active, ""),
    "A17": ("City of Utrecht", "Public Sector", 4000, None, "NL", ("Customer Portal",), ("Self-service portal",), None,
            AccountStatus.active, "Citizen services portal."),
    "A18": ("Ohio Revenue Agency", "Public Sector", 2500, None, "US", ("Customer Portal", "Integration Hub"),
            ("Integration",), None, AccountStatus.active, ""),
    "A19": ("Pampas Banco", "Banking", 7000, 1_800_000_000, "AR", ("Payments", "Lending"), ("Fraud detection",), "Oracle",
            AccountStatus.active, ""),
    "A20": ("Banco do Sol", "Banking", 5000, 2_000_000_000, "BR", ("Lending",), ("Loan origination",), None,
            AccountStatus.active, ""),
    "A21": ("LionPay", "Financial Services", 400, 90_000_000, "SG", ("Payments",), ("Fraud detection",), None,
            AccountStatus.active, "Fintech, mobile wallets."),
    "A22": ("Maple Credit Union", "Banking", 800, 150_000_000, "CA", ("Lending",), ("Loan origination", "Customer onboarding"),
            None, AccountStatus.active, ""),
    "A23": ("Energia Verde", "Energy", 7000, 5_000_000_000, "ES", ("Analytics",), ("Predictive maintenance",), None,
            AccountStatus.active, "Wind farms."),
    "A24": ("TechNova", "Technology", 1500, 350_000_000, "US", ("Integration Hub",), ("Integration", "Data migration"),
            "MuleSoft", AccountStatus.active, ""),
    "A25": ("OldBank", "Banking", 5000, 2_000_000_000, "DE", ("Payments",), ("Fraud detection",), "Oracle",
            AccountStatus.retired, ""),
    "A26": ("PausedCare", "Healthcare", 5000, 1_000_000_000, "DE", ("Integration Hub",), ("Integration",), None,
            AccountStatus.paused, ""),
    "A27": ("Limmat Privatbank", "Banking", 600, 250_000_000, "CH", ("Payments",), ("Customer onboarding",), None,
            AccountStatus.active, "Private banking."),
    "A28": ("Thames Building Society", "Banking", 3000, 900_000_000, "GB", ("Lending", "Customer Portal"),
            ("Loan origination", "Customer onboarding"), "SAP", AccountStatus.active, ""),
    "A29": ("Kiwi Health", "Healthcare", 2000, 400_000_000, "NZ", ("Integration Hub",), ("Patient scheduling",), None,
            AccountStatus.active, ""),
    "A30": ("Gulf Insurance Co", "Insurance", 5000, 2_000_000_000, "AE", ("Claims",), ("Claims automation",), "Oracle",
            AccountStatus.active, ""),
}

# external id: account, name, title, seniority, persona, topics, activities, languages, extra fields
CONTACTS: list[tuple] = [
    ("C01", "A01", "Anna Schmidt", "CIO", C, TECH, ("implementation", "integration", "security"),
     (A.call, A.site_visit, A.case_study), ("German", "English"), {"recent_activity_dates": ago(20, 60)}),
    ("C02", "A01", "Jonas Weber", "VP Payments", VP, BIZ, ("roi", "adoption"), (), ("German", "English"), {}),
    ("C03", "A02", "Petra Lang", "Head of Lending IT", VP, TECH, ("integration", "migration"), (A.call,), ("German",), {}),
    ("C04", "A02", "Max Vogel", "IT Manager", MGR, TECH, ("administration",), (), ("German",), {}),
    ("C05", "A03", "Claire Martin", "Chief Digital Officer", C, BIZ, ("roi", "change management"),
     (A.call, A.event, A.press), ("French", "English"), {}),
    ("C06", "A03", "Hugo Bernard", "Fraud Director", DIR, TECH, ("implementation",), (), ("French",), {}),
    ("C07", "A04", "Lukas Huber", "Head of Claims", VP, BIZ, ("roi",), (), ("German",), {}),
    ("C08", "A04", "Sara Gruber", "IT Director", DIR, TECH, ("integration",), (), ("German", "English"),
     {"open_requests": 1}),
    ("C09", "A05", "Erik Lund", "CTO", C, TECH, ("migration",), (), ("Swedish", "English"), {}),
    ("C10", "A06", "Julia Brandt", "CIO", C, TECH, ("integration", "implementation"), (A.call, A.site_visit),
     ("German",), {"recent_activity_dates": ago(200)}),
    ("C11", "A06", "Tim Koch", "Integration Manager", MGR, TECH, ("integration",), (), ("German",), {}),
    ("C12", "A06", "Sabine Roth", "VP Operations", VP, BIZ, ("roi", "adoption"), (A.call, A.site_visit), ("German",), {}),
    ("C13", "A07", "Linda Carter", "VP IT", VP, TECH, ("integration", "security"), (A.call, A.video, A.case_study),
     ("English",), {}),
    ("C14", "A07", "Mark Davis", "CFO", C, BIZ, ("roi",), (), ("English",), {}),
    ("C15", "A07", "Nina Patel", "Director Patient Access", DIR, BIZ, ("adoption",), (), ("English",),
     {"recent_activity_dates": ago(10)}),
    ("C16", "A08", "Tom Reed", "IT Manager", MGR, TECH, ("administration",), (), ("English",), {}),
    ("C17", "A09", "Luc Dubois", "Directeur des systèmes d'information", C, TECH, ("integration",), (), ("French",), {}),
    ("C18", "A10", "Markus Keller", "VP Data", VP, TECH, ("migration",), (), ("German", "English"), {}),
    ("C19", "A11", "Rachel Kim", "SVP Payments", VP, BIZ, ("roi", "implementation"), (A.call, A.press, A.event),
     ("English", "Korean"), {}),
    ("C20", "A11", "Dan Lopez", "Fraud Operations Manager", MGR, BIZ, ("implementation",), (), ("English", "Spanish"), {}),
    ("C21", "A12", "Lena Fischer", "Head of E-Commerce", VP, BIZ, ("adoption",), (), ("German",), {}),
    ("C22", "A13", "Kenji Sato", "IT Director", DIR, TECH, ("integration",), (), ("Japanese", "English"),
     {"max_per_quarter": 1, "recent_activity_dates": ago(50)}),
    ("C23", "A14", "Stefan Braun", "CIO", C, TECH, ("implementation", "integration"), (A.call, A.site_visit),
     ("German", "English"), {}),
    ("C24", "A14", "Eva Schulz", "Plant Manager", MGR, BIZ, ("adoption",), (), ("German",), {}),
    ("C25", "A15", "Bob Miller", "VP Operations", VP, BIZ, ("roi",), (), ("English",), {}),
    ("C26", "A16", "Olivia Brown", "Director Logistics IT", DIR, TECH, ("integration",), (), ("English",), {}),
    ("C27", "A17", "Pieter de Vries", "Head of Digital Services", VP, BIZ, ("adoption",), (), ("Dutch", "English"), {}),
    ("C28", "A18", "Karen White", "CIO", C, TECH, ("integration", "security"), (), ("English",), {}),
    ("C29", "A19", "Diego Fernández", "CTO", C, TECH, ("migration", "integration"), (), ("Spanish", "English"), {}),
    ("C30", "A19", "Lucía Gómez", "VP Payments", VP, BIZ, ("roi",), (), ("Spanish",), {}),
    ("C31", "A20", "Rafael Souza", "Diretor de TI", DIR, TECH, ("implementation",), (), ("Portuguese",), {}),
    ("C32", "A21", "Wei Lim", "CEO", C, BIZ, ("roi",), (A.call, A.press), ("English", "Chinese"), {}),
    ("C33", "A22", "Sophie Tremblay", "VP Lending", VP, BIZ, ("roi",), (), ("French", "English"), {}),
    ("C34", "A23", "Carmen Ruiz", "Maintenance Director", DIR, TECH, ("implementation",), (), ("Spanish",), {}),
    ("C35", "A24", "Alex Chen", "VP Engineering", VP, TECH, ("migration", "integration"), (), ("English",), {}),
    ("C36", "A25", "Otto Alt", "CIO", C, TECH, ("integration",), (), ("German",), {}),
    ("C37", "A26", "Paula Pause", "CIO", C, TECH, ("integration",), (), ("German",), {}),
    ("C38", "A27", "Reto Meier", "COO", C, BIZ, ("roi",), (), ("German", "French"), {}),
    ("C39", "A28", "James Wilson", "CIO", C, TECH, ("migration",), (), ("English",), {}),
    ("C40", "A28", "Emma Taylor", "Lending Manager", MGR, BIZ, ("adoption",), (), ("English",), {}),
    ("C41", "A29", "Aroha Ngata", "IT Director", DIR, TECH, ("integration",), (), ("English",), {}),
    ("C42", "A30", "Omar Haddad", "VP Claims", VP, BIZ, ("roi",), (), ("Arabic", "English"), {}),
    # Never offered: opted out, paused, retired contacts.
    ("C43", "A01", "Clara Opt", "CISO", C, TECH, ("security",), (), ("German",), {"contact_status": ContactStatus.opted_out}),
    ("C44", "A06", "Paul Paused", "CTO", C, TECH, ("integration",), (), ("German",), {"contact_status": ContactStatus.paused}),
    ("C45", "A07", "Rita Retired", "CIO", C, TECH, ("integration",), (), ("English",), {"contact_status": ContactStatus.retired}),
    # Only for some activity types.
    ("C46", "A01", "Felix Wolf", "Director Fraud", DIR, TECH, ("implementation",), (A.case_study,), ("German",), {}),
    ("C47", "A11", "Priya Shah", "Head of Communications", VP, BIZ, ("roi",), (A.press,), ("English",), {}),
    ("C48", "A14", "Jan Hofer", "VP Supply Chain", VP, BIZ, ("roi", "adoption"), (), ("German",),
     {"recent_activity_dates": ago(100, 150)}),
]


def _candidate(index: int, row: tuple) -> Candidate:
    ext, acc_ext, name, title, seniority, persona, topics, activities, languages, extra = row
    (acc_name, industry, employees, revenue, country, products, use_cases, competitor, acc_status, notes) = ACCOUNTS[
        acc_ext
    ]
    base = Candidate(
        contact_id=index,
        contact_external_id=ext,
        contact_name=name,
        title=title,
        seniority=seniority,
        persona=persona,
        topics=topics,
        activities=activities,
        languages=languages,
        contact_status=ContactStatus.active,
        max_per_quarter=None,
        account_id=int(acc_ext[1:]),
        account_external_id=acc_ext,
        account_name=acc_name,
        industry=industry,
        employees=employees,
        annual_revenue=revenue,
        country=country,
        region=region_of(country) or Region.EMEA,
        products=products,
        use_cases=use_cases,
        competitor_replaced=competitor,
        account_status=acc_status,
        notes=notes,
        recent_activity_dates=(),
        open_requests=0,
    )
    return replace(base, **extra)


def program() -> list[Candidate]:
    return [_candidate(i, row) for i, row in enumerate(CONTACTS, start=1)]


_DEFAULTS: dict = {
    "contact_name": "Pat Example",
    "title": "VP IT",
    "seniority": VP,
    "persona": TECH,
    "topics": (),
    "activities": (),
    "languages": (),
    "contact_status": ContactStatus.active,
    "max_per_quarter": None,
    "account_name": "Example Co",
    "industry": "Banking",
    "employees": 5000,
    "annual_revenue": 1_000_000_000,
    "country": "DE",
    "products": (),
    "use_cases": (),
    "competitor_replaced": None,
    "account_status": AccountStatus.active,
    "notes": "",
    "recent_activity_dates": (),
    "open_requests": 0,
}


def candidate(contact_id: int, *, account_id: int | None = None, **fields) -> Candidate:
    """A one-off candidate for unit tests: a German bank's technical VP unless told otherwise.
    Each contact gets its own account unless `account_id` is given."""
    data = {**_DEFAULTS, **fields}
    acc = account_id if account_id is not None else 1000 + contact_id
    if "region" not in fields:
        data["region"] = region_of(data["country"])
    return Candidate(
        contact_id=contact_id,
        contact_external_id=f"T{contact_id}",
        account_id=acc,
        account_external_id=f"TA{acc}",
        **data,
    )
