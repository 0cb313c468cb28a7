"""Matching engine benchmark: search latency at 1k, 10k and 100k contacts, next to a raw rapidfuzz scan.

    python bench/bench_search.py            # all sizes (about a minute on 2 cores)
    python bench/bench_search.py 1000 10000 # some sizes

For each size: synthetic program (fixed seed, about 4 contacts per account), engine build time, p50/p99
of MatchingEngine.search over ~200 varied queries (structured and parsed free text, with and without
keywords, relaxation cases, an empty search) as sellers see them (one row per account), the parser's own
cost per query (parse_query over ~40 seller-style messages: groups of places, size words and bounds,
soft wishes, acronyms, chatty asks), the time of one raw `rapidfuzz.process.extract(query,
profiles, limit=5)` over the same contacts' profile strings (the floor for any fuzzy search), and memory:
the engine's own allocations (tracemalloc peak during build / retained) and the process peak RSS.
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import process  # noqa: E402

from refbot.domain import AccountStatus, ActivityType, ContactStatus, Persona, Seniority  # noqa: E402
from refbot.geo import all_countries  # noqa: E402
from refbot.matching.candidates import Candidate  # noqa: E402
from refbot.matching.criteria import Criteria  # noqa: E402
from refbot.matching.engine import MatchingEngine  # noqa: E402
from refbot.matching.parser import Vocabulary, parse_query  # noqa: E402

TODAY = dt.date(2026, 3, 2)
SEED = 20260302
SIZES = (1_000, 10_000, 100_000)
QUERIES = 200
RAW_RUNS = {1_000: 50, 10_000: 30, 100_000: 12}

INDUSTRIES = [
    "Banking", "Insurance", "Financial Services", "Healthcare", "Life Sciences", "Pharmaceuticals", "Retail",
    "E-commerce", "Consumer Goods", "Manufacturing", "Automotive", "Energy", "Utilities", "Telecommunications",
    "Technology", "Software", "Public Sector", "Education", "Transportation", "Logistics", "Media",
    "Professional Services",
]
PRODUCTS = [
    "Payments", "Lending", "Analytics", "Integration Hub", "Customer Portal", "Claims", "Data Platform",
    "Workflow Automation", "Identity", "Mobile SDK", "Billing", "Field Service",
]
USE_CASES = [
    "Fraud detection", "Customer onboarding", "Claims automation", "Patient scheduling", "Integration",
    "Loan origination", "Data migration", "Self-service portal", "Predictive maintenance",
    "Supply chain visibility", "Regulatory reporting", "Churn reduction", "Order management",
    "Field workforce", "Subscription billing", "Identity verification", "Demand forecasting",
    "Contact center", "Document processing", "Partner portal", "Risk scoring", "Inventory optimisation",
    "Citizen services", "Clinical trials", "Asset tracking",
]
COMPETITORS = ["Oracle", "SAP", "Salesforce", "IBM", "Pega", "MuleSoft", "ServiceNow", "Microsoft", "Workday"]
TOPICS = ["implementation", "integration", "administration", "roi", "migration", "security", "adoption",
          "change management", "data quality", "governance"]
LANGUAGES = ["English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch", "Japanese", "Chinese",
             "Swedish", "Polish", "Arabic"]
TITLES = {
    Seniority.c_level: ["CIO", "CTO", "CFO", "COO", "Chief Digital Officer", "CEO"],
    Seniority.vp: ["VP IT", "VP Operations", "Head of Digital", "SVP Engineering", "VP Finance"],
    Seniority.director: ["IT Director", "Director of Operations", "Engineering Director", "Finance Director"],
    Seniority.manager: ["IT Manager", "Project Manager", "Operations Manager", "Integration Lead"],
    Seniority.individual: ["Solutions Architect", "Business Analyst", "Developer", "Administrator"],
}


def _words(text: str) -> list[str]:
    return text.split()


SYLLABLES = ["ra", "ven", "to", "mar", "lo", "qui", "sen", "dor", "ka", "li", "bri", "nex", "tal", "zo", "mi",
             "ver", "an", "cor", "sol", "tri", "vel", "on", "da", "ri", "ex", "ul", "po", "ga", "fen", "ho"]
SUFFIXES = ["Systems", "Group", "Bank", "Health", "Retail", "AG", "GmbH", "Inc", "Holdings", "Labs", "Energy",
            "Logistics", "Insurance", "Partners", "Foods", "Motors", "Telecom", "SA", "Ltd", "Co"]
NOTE_WORDS = _words(
    "went live in months strong story on compliance cloud migration from legacy platform global rollout "
    "regional pilot phase two expansion board sponsor data centre consolidation award winner keynote "
    "speaker reduced costs faster onboarding customer satisfaction grew revenue zero downtime agile team "
    "multi country rollout shared services center of excellence automation first api strategy open banking "
    "psd2 gdpr hipaa sox soc2 iso27001 hybrid cloud aws azure gcp kubernetes mainframe offload black friday"
)


def synthetic_program(n_contacts: int, rng: random.Random) -> list[Candidate]:
    countries = all_countries()
    weights = [30 if iso in ("US", "GB", "DE", "FR") else 8 if region.value == "EMEA" else 4 for iso, _, region in countries]
    out: list[Candidate] = []
    contact_id = 0
    account_id = 0
    while contact_id < n_contacts:
        account_id += 1
        iso, _, region = rng.choices(countries, weights)[0]
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        name = f"{name} {rng.choice(SUFFIXES)}"
        employees = int(10 ** rng.uniform(1.7, 5.3))
        revenue = int(employees * rng.uniform(80_000, 400_000)) if rng.random() < 0.85 else None
        products = tuple(rng.sample(PRODUCTS, rng.randint(1, 3)))
        use_cases = tuple(rng.sample(USE_CASES, rng.randint(1, 3)))
        competitor = rng.choice(COMPETITORS) if rng.random() < 0.5 else None
        status = AccountStatus.active if rng.random() < 0.96 else rng.choice([AccountStatus.paused, AccountStatus.retired])
        notes = " ".join(rng.choice(NOTE_WORDS) for _ in range(rng.randint(0, 14)))
        industry = rng.choice(INDUSTRIES) if rng.random() < 0.97 else None
        for _ in range(max(1, min(n_contacts - contact_id, int(rng.expovariate(1 / 4)) + 1))):
            contact_id += 1
            seniority = rng.choices(list(Seniority), [10, 20, 30, 25, 15])[0]
            title = rng.choice(TITLES[seniority])
            dates: tuple[dt.date, ...] = ()
            if rng.random() < 0.3:
                dates = tuple(TODAY - dt.timedelta(days=rng.randint(0, 400)) for _ in range(rng.randint(1, 4)))
            activities: tuple[ActivityType, ...] = ()
            if rng.random() < 0.5:
                activities = tuple(rng.sample(list(ActivityType), rng.randint(1, 4)))
            out.append(
                Candidate(
                    contact_id=contact_id,
                    contact_external_id=f"C{contact_id:06d}",
                    contact_name=f"Contact {contact_id}",
                    title=title,
                    seniority=seniority if rng.random() < 0.95 else None,
                    persona=rng.choice([Persona.business, Persona.technical, None]),
                    topics=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
                    activities=activities,
                    languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 2))),
                    contact_status=ContactStatus.active if rng.random() < 0.95 else rng.choice(
                        [ContactStatus.paused, ContactStatus.opted_out, ContactStatus.retired]
                    ),
                    max_per_quarter=rng.choice([None, None, None, 1, 3]),
                    account_id=account_id,
                    account_external_id=f"A{account_id:06d}",
                    account_name=name,
                    industry=industry,
                    employees=employees if rng.random() < 0.95 else None,
                    annual_revenue=revenue,
                    country=iso,
                    region=region,
                    products=products,
                    use_cases=use_cases,
                    competitor_replaced=competitor,
                    account_status=status,
                    notes=notes,
                    recent_activity_dates=dates,
                    open_requests=1 if rng.random() < 0.03 else 0,
                )
            )
    return out


def profile(c: Candidate) -> str:
    """What a naive fuzzy search would scan: the contact's and its account's searchable text."""
    return " ".join(
        [c.account_name, c.industry or "", c.country or "", c.title, *c.products, *c.use_cases,
         c.competitor_replaced or "", *c.topics, *c.languages, c.notes]
    ).lower()


def queries(cands: list[Candidate], vocab: Vocabulary, rng: random.Random) -> list[tuple[Criteria, str]]:
    """(criteria, text for the raw scan) pairs: structured, parsed free text, keywords, hard cases."""
    countries = [iso for iso, _, _ in all_countries()]
    texts = [
        "healthcare 5k employees germny VP integration", "bank in Germany CIO", "insurance claims automation VP",
        "retail fraud detection payments APAC", "manufacturing predictive maintenance replaced SAP site visit",
        "$2B revenue bank LATAM spanish speaking", "public sector citizen services netherlands", "press",
        "telco 20,000 employees technical migration", "energy 500m revenue director case study",
        "logistics supply chain visibility australia", "software integration hub CTO US", "helthcare franse",
        "pharma clinical trials switzerland German-speaking", "banking japan", "fintech singapore CEO",
        "bank in DACH", "FSI prospect in the Nordics, director+", "Fortune 500 retailer in the States",
        "mid-market insurer, ideally in Europe", "HLS over 5k employees ANZ", "KYC bank UK&I VP or higher",
    ]
    out: list[tuple[Criteria, str]] = []
    for t in texts:
        out.append((parse_query(t, vocab).criteria, t))
    out.append((Criteria(), ""))
    while len(out) < QUERIES:
        c = rng.choice(cands)
        data: dict = {}
        roll = rng.random()
        if rng.random() < 0.8 and c.industry:
            data["industry"] = c.industry
        if rng.random() < 0.5:
            data["employees"] = int(10 ** rng.uniform(2, 5))
        if rng.random() < 0.2:
            data["annual_revenue"] = int(10 ** rng.uniform(7, 10.5))
        if rng.random() < 0.6:
            data["country"] = c.country if rng.random() < 0.7 else rng.choice(countries)
        elif rng.random() < 0.3:
            data["region"] = rng.choice(["EMEA", "APAC", "NA", "LATAM"])
        if rng.random() < 0.3:
            data["products"] = [rng.choice(PRODUCTS)]
        if rng.random() < 0.35:
            data["use_case"] = rng.choice(USE_CASES)
        if rng.random() < 0.15:
            data["competitor"] = rng.choice(COMPETITORS)
        if rng.random() < 0.5:
            data["seniority"] = rng.choice(list(Seniority))
        if rng.random() < 0.3:
            data["persona"] = rng.choice(list(Persona))
        if rng.random() < 0.25:
            data["topics"] = [rng.choice(TOPICS)]
        if rng.random() < 0.15:
            data["activity"] = rng.choice(list(ActivityType))
        if rng.random() < 0.1:
            data["language"] = rng.choice(LANGUAGES)
        if roll < 0.15:
            data["keywords"] = [rng.choice(c.account_name.split()).lower()[:-1] + "x"]  # a typo'd name
        elif roll < 0.22:
            data["keywords"] = [rng.choice(NOTE_WORDS)]
        criteria = Criteria.model_validate(data)
        out.append((criteria, criteria.summary().replace(" · ", " ").lower() or c.industry or "bank"))
    return out


PARSE_TEXTS = [
    "bank in DACH", "any banks in germany, austria or switzerland?", "insurer in the nordics", "healthcare ANZ",
    "fintech in SEA", "healthcare in the States", "bank in UK&I", "FSI prospect in Germany", "HLS data migration",
    "pub sec citizen portal", "mfg predictive maintenance", "Fortune 500 retailer", "small bank",
    "bank 10k+ employees", "hospital under 500 people", "bank between 1k and 5k employees in germany",
    "retail ~2k employees", "healthcare germany VP or higher", "director+ at a bank in france",
    "exec sponsor at a bank in DACH", "insurance claims automation, ideally in Austria",
    "bank in germany, bonus if they replaced Oracle", "looking for a german manufacturer, site visit if possible",
    "pls need a ref at a bank in germany co",
    "hey team, anyone got a hospital in germany? need a CIO level person for a call next wk",
    "anyone have a FSI customer in the UK who did loan origination?", "bank KYC France", "PdM manufacturing US",
    "need a healthcare ref in DACH for a 5k employee hospital, VP+ ideally", "MuleSoft replacement tech company",
    "Looking for a CTO in LATAM banking — spanish pls", "healthcare 5k employees germny VP integration",
    "$2B revenue bank LATAM spanish speaking", "insurance middle east VP claims", "rheinbnk",
    "Anyone have a bank in Germany I can call? Need it by Friday.", "big US retailer, payments, fraud",
    "mid-size german retailer e-com portal", "ROI story from a retailer", "OCM speaker at a bank",
]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run(size: int) -> dict[str, float]:
    rng = random.Random(SEED + size)
    cands = synthetic_program(size, rng)
    vocab = Vocabulary.from_candidates(cands)
    qs = queries(cands, vocab, rng)
    gc.collect()

    t0 = time.perf_counter()
    engine = MatchingEngine(cands)
    build = time.perf_counter() - t0

    engine.search(Criteria(industry="Banking"), today=TODAY)  # first search of the day fills the rest cache
    latencies = []
    for criteria, _ in qs:
        t = time.perf_counter()
        engine.search(criteria, today=TODAY, limit=5, one_per_account=True)
        latencies.append((time.perf_counter() - t) * 1000)

    parse_query("warm up", vocab)  # builds the vocabulary index once, as the search service's cache does
    parses = []
    for text in PARSE_TEXTS:
        t = time.perf_counter()
        parse_query(text, vocab)
        parses.append((time.perf_counter() - t) * 1000)

    profiles = [profile(c) for c in cands]
    raw = []
    for _, text in qs[: RAW_RUNS[size]]:
        t = time.perf_counter()
        process.extract(text or "bank", profiles, limit=5)
        raw.append((time.perf_counter() - t) * 1000)

    del engine
    gc.collect()
    tracemalloc.start()
    engine = MatchingEngine(cands)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del engine
    return {
        "size": size,
        "accounts": len({c.account_id for c in cands}),
        "build_s": build,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "raw_p50": statistics.median(raw),
        "parse_ms": statistics.mean(parses),
        "parse_p99": percentile(parses, 0.99),
        "engine_mb": current / 2**20,
        "build_peak_mb": peak / 2**20,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    sizes = tuple(int(a) for a in argv) or SIZES
    started = time.perf_counter()
    rows = [run(size) for size in sizes]
    print(f"\nMatchingEngine.search, {QUERIES} queries per size, limit 5 (times in ms unless noted)\n")
    head = (
        f"{'contacts':>9} {'accounts':>8} {'build s':>7} {'p50':>6} {'p99':>6} {'max':>6} "
        f"{'raw extract':>11} {'p50/raw':>7} {'parse':>6} {'parse p99':>9} {'engine MB':>9} {'build peak MB':>13} "
        f"{'RSS MB':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['size']:>9,} {r['accounts']:>8,} {r['build_s']:>7.2f} {r['p50']:>6.1f} {r['p99']:>6.1f} "
            f"{r['max']:>6.1f} {r['raw_p50']:>11.1f} {r['p50'] / r['raw_p50']:>7.2f} {r['parse_ms']:>6.2f} "
            f"{r['parse_p99']:>9.2f} "
            f"{r['engine_mb']:>9.1f} {r['build_peak_mb']:>13.1f} {r['rss_mb']:>7.0f}"
        )
    print(
        "\nraw extract: one rapidfuzz.process.extract(query, profiles, limit=5) over every contact's profile string"
        " (default WRatio scorer), median.\nengine MB: memory the engine retains (tracemalloc); RSS: process peak,"
        " including the synthetic candidates themselves.\nparse: parse_query's own cost per seller message (mean"
        " and p99 over the messages in PARSE_TEXTS), on top of the search."
    )
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
