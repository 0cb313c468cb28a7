"""Queries typed the way sellers write in Slack, labelled from the fixture program (fixtures.py) before
the engine ran on them.

Each label lists what a program manager would offer, as rows a seller sees (one row per account):
an account id ("A06": any contact there will do, the query says nothing about the person) or a contact
id ("C09": this person). Every label must be among the top 3 rows. A tuple's first item is the best
answer and must come first; a frozenset has no single best answer (equally good accounts).
"""

from __future__ import annotations

Label = tuple[str, ...] | frozenset[str]

SELLER_QUERIES: list[tuple[str, Label]] = [
    # ---- places: groups of countries, lists of countries, "the States"
    ("bank in DACH", frozenset({"A01", "A02", "A27"})),
    ("any banks in germany, austria or switzerland?", frozenset({"A01", "A02", "A27"})),
    ("insurer in the nordics", ("A05",)),
    ("insurance customer in scandinavia", ("A05",)),
    ("healthcare ANZ", ("A29",)),
    ("freight company in oceania", ("A16",)),
    ("benelux public sector", ("A17",)),
    ("bank in UK&I", ("A28",)),
    ("iberia predictive maintenance", ("A23",)),
    ("insurer in the GCC", ("A30",)),
    ("insurance MENA claims", ("A30",)),
    ("fintech in SEA", ("A21",)),
    ("healthcare in the States", frozenset({"A07", "A08"})),
    ("north america credit union", ("A22",)),
    ("retail in Europe", ("A12",)),
    ("hospital in Europe, integration", frozenset({"A06", "A09"})),
    ("insurance in EMEA", frozenset({"A04", "A05", "A30"})),
    ("bank in France or Belgium", ("A03",)),
    ("manufacturing in Germany or the US", frozenset({"A14", "A15"})),
    ("retailer in APAC", ("A13",)),
    ("Swiss pharma", ("A10",)),
    ("bank in Argentina or Brazil", frozenset({"A19", "A20"})),
    ("insurers in Austria, Sweden or the UAE", frozenset({"A04", "A05", "A30"})),
    ("any public sector in benelux or dach", ("A17",)),
    ("energy co in iberia", ("A23",)),
    # ---- industries: abbreviations and families
    ("FSI prospect in Germany", frozenset({"A01", "A02"})),
    ("fin serv in singapore", ("A21",)),
    ("BFSI claims automation", frozenset({"A04", "A05", "A30"})),
    ("financial services prospect, fraud detection, APAC", ("A21",)),
    ("financial services prospect in Germany", frozenset({"A01", "A02"})),
    ("mfg predictive maintenance", frozenset({"A14", "A15"})),
    ("HLS in France", ("A09",)),
    ("HLS data migration", ("A10",)),
    ("life sciences switzerland", ("A10",)),
    ("pub sec citizen portal", ("A17",)),
    ("public sector integration", ("A18",)),
    ("gov agency in the US", ("A18",)),
    ("CPG company self-service portal", ("A12",)),
    ("telco integration", ("A24",)),
    ("utilities predictive maintenance", ("A23",)),
    ("oil and gas predictive maintenance", ("A23",)),
    ("transport & logistics supply chain", ("A16",)),
    ("healthcare provider patient scheduling", frozenset({"A06", "A07", "A29"})),
    # ---- size: words, lists, bounds
    ("Fortune 500 retailer", ("A11",)),
    ("Fortune 500 bank", ("A03",)),
    ("small bank", frozenset({"A27", "A22"})),
    ("SMB healthcare", ("A08",)),
    ("enterprise healthcare US", ("A07",)),
    ("mid-market insurer", ("A04",)),
    ("bank 10k+ employees", ("A03",)),
    ("manufacturer over 10k people", ("A15",)),
    ("hospital under 500 people", ("A08",)),
    ("bank between 1k and 5k employees in germany", frozenset({"A01", "A02"})),
    ("retail ~2k employees", ("A12",)),
    ("insurance 2,000+ employees", frozenset({"A04", "A30"})),
    ("healthcare over 5k", frozenset({"A06", "A07"})),
    ("large bank in LATAM", frozenset({"A19", "A20"})),
    ("big US retailer, payments, fraud", ("A11",)),
    ("mid-size german retailer e-com portal", ("A12",)),
    # ---- seniority ranges
    ("healthcare germany VP or higher", ("A06",)),
    ("director+ at a bank in france", ("A03",)),
    ("C-suite at an insurer", ("C09",)),
    ("exec sponsor at a bank in DACH", ("C38",)),
    ("CIO at a hospital", frozenset({"C10", "C17"})),
    ("Looking for a CTO in LATAM banking — spanish pls", ("C29",)),
    ("ref for a nordic insurer moving off legacy, CTO", ("C09",)),
    # ---- soft wishes
    ("insurance claims automation, ideally in Austria", ("A04",)),
    ("bank fraud detection, preferably German-speaking", ("A01",)),
    ("bank in germany, bonus if they replaced Oracle", ("A01", "A02")),
    ("claims automation, ideally in Germany", frozenset({"A04", "A05", "A30"})),
    ("retail fraud detection ideally in Europe", ("A11",)),
    # ---- chatty messages with words that mean nothing for the search
    ("pls need a ref at a bank in germany co", frozenset({"A01", "A02"})),
    ("hey team, anyone got a hospital in germany? need a CIO level person for a call next wk", ("C10",)),
    ("looking for a german manufacturer, site visit if possible", ("C23",)),
    ("anyone have a FSI customer in the UK who did loan origination?", ("A28",)),
    ("need a healthcare ref in DACH for a 5k employee hospital, VP+ ideally", ("A06",)),
    ("Customer in the Middle East, claims", ("A30",)),
    ("MuleSoft replacement tech company", ("A24",)),
    ("replaced Salesforce healthcare US", ("A07",)),
    ("technical person at a German bank", ("A02",)),
    # ---- acronyms and synonyms (glossary)
    ("bank KYC France", ("A03",)),
    ("PdM manufacturing US", ("A15",)),
    ("SCM in ANZ", ("A16",)),
    ("OCM speaker at a bank", ("C05",)),
    ("self serve portal public sector", ("A17",)),
    ("ROI story from a retailer", ("C19",)),
]
