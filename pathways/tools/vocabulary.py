"""The generator's vocabulary: subjects, towns, certifications, exams, grades and dates."""

from __future__ import annotations

from datetime import date

# --------------------------------------------------------------------------- vocabulary

GE_ENGLISH, GE_MATH, GE_AH, GE_SS, GE_NS = (
    "ot36.english",
    "ot36.math",
    "ot36.arts-humanities",
    "ot36.social-science",
    "ot36.natural-science",
)

# (code, name, general-education area or None)
ARTS_SCIENCES: tuple[tuple[str, str, str], ...] = (
    ("ENG", "English", GE_ENGLISH),
    ("MATH", "Mathematics", GE_MATH),
    ("STAT", "Statistics", GE_MATH),
    ("ARTS", "Art", GE_AH),
    ("HIST", "History", GE_AH),
    ("PHIL", "Philosophy", GE_AH),
    ("MUS", "Music", GE_AH),
    ("COMM", "Communication", GE_AH),
    ("SPAN", "Spanish", GE_AH),
    ("PSYC", "Psychology", GE_SS),
    ("SOC", "Sociology", GE_SS),
    ("ECON", "Economics", GE_SS),
    ("POLS", "Political Science", GE_SS),
    ("ANTH", "Anthropology", GE_SS),
    ("BIOL", "Biology", GE_NS),
    ("CHEM", "Chemistry", GE_NS),
    ("PHYS", "Physics", GE_NS),
    ("GEOL", "Geology", GE_NS),
)
PROFESSIONAL: tuple[tuple[str, str], ...] = (
    ("ACCT", "Accounting"),
    ("BUS", "Business Management"),
    ("MKTG", "Marketing"),
    ("ITNT", "Information Technology"),
    ("CSCI", "Computer Science"),
    ("CYBR", "Cybersecurity"),
    ("NURS", "Nursing"),
    ("HLTH", "Health Sciences"),
    ("EMS", "Emergency Medical Services"),
    ("CJUS", "Criminal Justice"),
    ("EDUC", "Education"),
    ("ECE", "Early Childhood Education"),
    ("ENGT", "Engineering Technology"),
    ("MECH", "Mechanical Engineering Technology"),
    ("ELEC", "Electrical Technology"),
    ("WELD", "Welding"),
    ("HVAC", "Heating, Ventilation and Air Conditioning"),
    ("AUTO", "Automotive Technology"),
    ("CULN", "Culinary Arts"),
    ("HOSP", "Hospitality Management"),
    ("GRPH", "Graphic Design"),
    ("AGRI", "Agriculture"),
    ("LOGI", "Supply Chain and Logistics"),
    ("PARA", "Paralegal Studies"),
    ("MEDA", "Medical Assisting"),
)
SUBJECT_NAMES = {code: name for code, name, *_ in (*ARTS_SCIENCES, *PROFESSIONAL)}
GE_AREA = {code: area for code, _, area in ARTS_SCIENCES}

# What each generated tag means, as reports print it ("needs 3 more credits of OT36
# Mathematics"): the general-education areas, as the generated programs label them, and the
# two course groupings; a subject's tag (its code in lower case) reads as the subject's name.
_GROUP_TITLES = {
    GE_ENGLISH: "OT36 English",
    GE_MATH: "OT36 Mathematics",
    GE_AH: "OT36 Arts and Humanities",
    GE_SS: "OT36 Social Sciences",
    GE_NS: "OT36 Natural Sciences",
    "lab": "Laboratory Science",
    "writing-intensive": "Writing Intensive",
}


def tag_title(tag: str) -> str:
    """The words a report shows for a generated ``tag``; ``KeyError`` for a tag nobody named."""
    if tag in _GROUP_TITLES:
        return _GROUP_TITLES[tag]
    return SUBJECT_NAMES[tag.upper()]


RELATED = {
    "ACCT": ("BUS",), "BUS": ("ACCT", "MKTG"), "MKTG": ("BUS", "GRPH"), "ITNT": ("CSCI", "CYBR"),
    "CSCI": ("ITNT", "MATH"), "CYBR": ("ITNT", "CSCI"), "NURS": ("HLTH", "BIOL"),
    "HLTH": ("NURS", "BIOL"), "EMS": ("HLTH",), "CJUS": ("SOC", "PARA"), "EDUC": ("ECE", "PSYC"),
    "ECE": ("EDUC", "PSYC"), "ENGT": ("MECH", "ELEC"), "MECH": ("ENGT", "WELD"),
    "ELEC": ("ENGT",), "WELD": ("MECH",), "HVAC": ("ELEC",), "AUTO": ("MECH", "ELEC"),
    "CULN": ("HOSP",), "HOSP": ("CULN", "BUS"), "GRPH": ("ARTS", "MKTG"), "AGRI": ("BIOL", "BUS"),
    "LOGI": ("BUS",), "PARA": ("CJUS", "BUS"), "MEDA": ("HLTH", "NURS"),
}  # fmt: skip
VOCATIONAL = ("WELD", "HVAC", "AUTO", "CULN", "MEDA", "ELEC", "ITNT", "EMS")

TOWNS = (
    "akron", "athens", "bowling-green", "canton", "chillicothe", "cincinnati", "cleveland",
    "columbus", "dayton", "defiance", "delaware", "elyria", "findlay", "gallipolis", "hamilton",
    "kent", "lancaster", "lima", "lorain", "mansfield", "marietta", "marion", "massillon",
    "mentor", "middletown", "newark", "new-philadelphia", "norwalk", "oxford", "piqua",
    "portsmouth", "sandusky", "sidney", "springfield", "steubenville", "tiffin", "toledo",
    "troy", "urbana", "wooster", "xenia", "youngstown", "zanesville", "ashland", "ashtabula",
    "bellefontaine", "bucyrus", "cambridge", "celina", "circleville", "coshocton", "eaton",
    "fremont", "georgetown", "hillsboro", "ironton", "jackson", "kenton", "lebanon", "logan",
    "london", "mcconnelsville", "medina", "millersburg", "mount-vernon", "napoleon", "ottawa",
    "painesville", "paulding", "pomeroy", "ravenna", "st-clairsville", "van-wert", "wapakoneta",
    "warren", "washington", "wauseon", "west-union", "woodsfield", "batavia", "berea", "bryan",
    "caldwell", "cadiz", "carrollton", "chardon", "greenville", "lisbon", "mcarthur",
    "mount-gilead", "port-clinton", "upper-sandusky", "waverly",
)  # fmt: skip

KIND_SUFFIX = {"university": "u", "community-college": "cc", "career-tech-center": "ctc"}
KIND_TITLE = {
    "university": "University",
    "community-college": "Community College",
    "career-tech-center": "Career Center",
}

# id | title | issuer | kind (cert, micro, license) | subject | cost | hours | weeks | valid_for |
# prerequisite ("-" for none)
_CERTIFICATION_TABLE = """
comptia.a-plus | CompTIA A+ | comptia | cert | ITNT | 492 | 120 | 12 | P3Y | -
comptia.network-plus | CompTIA Network+ | comptia | cert | ITNT | 358 | 90 | 10 | P3Y | -
comptia.security-plus | CompTIA Security+ | comptia | cert | CYBR | 392 | 40 | 8 | P3Y |
  comptia.network-plus
comptia.linux-plus | CompTIA Linux+ | comptia | cert | ITNT | 358 | 60 | 8 | P3Y | -
comptia.cysa-plus | CompTIA CySA+ | comptia | cert | CYBR | 392 | 60 | 10 | P3Y |
  comptia.security-plus
cisco.ccna | Cisco Certified Network Associate | cisco | cert | ITNT | 300 | 120 | 16 | P3Y | -
cisco.ccst-networking | Cisco Certified Support Technician Networking | cisco | cert | ITNT |
  125 | 40 | 6 | - | -
aws.cloud-practitioner | AWS Certified Cloud Practitioner | aws | cert | CSCI | 100 | 30 | 4 |
  P3Y | -
aws.solutions-architect | AWS Certified Solutions Architect - Associate | aws | cert | CSCI |
  150 | 80 | 10 | P3Y | aws.cloud-practitioner
microsoft.mos-word | Microsoft Office Specialist: Word | microsoft | cert | BUS | 100 | 20 | 3 |
  - | -
microsoft.mos-excel | Microsoft Office Specialist: Excel | microsoft | cert | BUS | 100 | 20 | 3 |
  - | -
microsoft.azure-fundamentals | Microsoft Azure Fundamentals | microsoft | cert | CSCI | 99 | 20 |
  3 | - | -
google.it-support | Google IT Support Professional Certificate | google | micro | ITNT | 294 |
  180 | 24 | - | -
google.data-analytics | Google Data Analytics Professional Certificate | google | micro | STAT |
  294 | 180 | 24 | - | -
google.project-management | Google Project Management Professional Certificate | google |
  micro | BUS | 294 | 140 | 24 | - | -
google.cybersecurity | Google Cybersecurity Professional Certificate | google | micro | CYBR |
  294 | 170 | 24 | - | -
servsafe.manager | ServSafe Food Protection Manager | servsafe | cert | CULN | 180 | 16 | 2 |
  P5Y | -
nremt.emt | NREMT Emergency Medical Technician | nremt | license | EMS | 104 | 150 | 16 | P2Y | -
ohio-bon.lpn-license | Ohio Licensed Practical Nurse | ohio-bon | license | NURS | 200 | 1300 |
  48 | - | -
aws-weld.certified-welder | AWS Certified Welder | aws-weld | cert | WELD | 350 | 300 | 20 | P6M |
  -
nate.hvac-core | NATE Core Service Technician | nate | cert | HVAC | 150 | 80 | 8 | P2Y | -
ase.engine-repair | ASE Engine Repair (A1) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
ase.brakes | ASE Brakes (A5) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
ase.electrical | ASE Electrical Systems (A6) | ase | cert | AUTO | 53 | 60 | 8 | P5Y | -
pmi.capm | PMI Certified Associate in Project Management | pmi | cert | BUS | 300 | 35 | 8 | P3Y |
  -
nccer.core | NCCER Core Curriculum | nccer | cert | ENGT | 90 | 72 | 8 | - | -
nha.ccma | NHA Certified Clinical Medical Assistant | nha | cert | MEDA | 160 | 160 | 16 | P2Y | -
osha.osha-30 | OSHA 30-Hour General Industry | osha | cert | ENGT | 189 | 30 | 2 | - | -
"""
_KINDS = {"cert": "industry-certification", "micro": "micro-credential", "license": "license"}


def _certifications() -> tuple[
    tuple[str, str, str, str, str, int, int, int, str | None, str | None], ...
]:
    rows = []
    for row in _CERTIFICATION_TABLE.replace("|\n  ", "| ").strip().splitlines():
        ident, title, issuer, kind, subject, cost, hours, weeks, valid, prereq = (
            cell.strip() for cell in row.split("|")
        )
        numbers = int(cost), int(hours), int(weeks)
        optional = None if valid == "-" else valid, None if prereq == "-" else prereq
        rows.append((ident, title, issuer, _KINDS[kind], subject, *numbers, *optional))
    return tuple(rows)


CERTIFICATIONS = _certifications()
"""(id, title, issuer, kind, subject, cost, hours, weeks, valid_for, prerequisite)"""
ACE_RECOMMENDED = ("google.it-support", "google.data-analytics", "google.project-management",
                   "google.cybersecurity")  # fmt: skip
PROVIDERS = {
    "comptia": "CompTIA", "cisco": "Cisco", "aws": "Amazon Web Services",
    "microsoft": "Microsoft", "google": "Google", "servsafe": "National Restaurant Association",
    "nremt": "National Registry of Emergency Medical Technicians",
    "ohio-bon": "Ohio Board of Nursing",
    "aws-weld": "American Welding Society", "nate": "North American Technician Excellence",
    "ase": "National Institute for Automotive Service Excellence",
    "pmi": "Project Management Institute", "nccer": "NCCER",
    "nha": "National Healthcareer Association",
    "osha": "Occupational Safety and Health Administration",
}  # fmt: skip

# (exam id, title, subject, tier-1 (score, credits), tier-2 (score, credits))
AP_EXAMS: tuple[tuple[str, str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("calculus-ab", "AP Calculus AB", "MATH", (3, 4), (4, 5)),
    ("calculus-bc", "AP Calculus BC", "MATH", (3, 5), (4, 10)),
    ("english-language", "AP English Language and Composition", "ENG", (3, 3), (4, 6)),
    ("english-literature", "AP English Literature and Composition", "ENG", (3, 3), (4, 6)),
    ("biology", "AP Biology", "BIOL", (3, 4), (4, 8)),
    ("chemistry", "AP Chemistry", "CHEM", (3, 4), (4, 8)),
    ("physics-1", "AP Physics 1", "PHYS", (3, 4), (4, 5)),
    ("us-history", "AP United States History", "HIST", (3, 3), (4, 6)),
    ("world-history", "AP World History", "HIST", (3, 3), (4, 6)),
    ("psychology", "AP Psychology", "PSYC", (3, 3), (4, 3)),
    ("macroeconomics", "AP Macroeconomics", "ECON", (3, 3), (4, 3)),
    ("microeconomics", "AP Microeconomics", "ECON", (3, 3), (4, 3)),
    ("us-government", "AP United States Government and Politics", "POLS", (3, 3), (4, 3)),
    ("statistics", "AP Statistics", "STAT", (3, 3), (4, 3)),
    ("spanish-language", "AP Spanish Language and Culture", "SPAN", (3, 4), (4, 8)),
    ("art-history", "AP Art History", "ARTS", (3, 3), (4, 6)),
)
CLEP_EXAMS: tuple[tuple[str, str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("college-algebra", "CLEP College Algebra", "MATH", (50, 3), (60, 4)),
    ("american-government", "CLEP American Government", "POLS", (50, 3), (60, 3)),
    ("intro-psychology", "CLEP Introductory Psychology", "PSYC", (50, 3), (60, 3)),
    ("intro-sociology", "CLEP Introductory Sociology", "SOC", (50, 3), (60, 3)),
    ("biology", "CLEP Biology", "BIOL", (50, 4), (60, 8)),
    ("chemistry", "CLEP Chemistry", "CHEM", (50, 4), (60, 8)),
    ("college-composition", "CLEP College Composition", "ENG", (50, 3), (60, 6)),
    ("principles-of-management", "CLEP Principles of Management", "BUS", (50, 3), (60, 3)),
    ("principles-of-marketing", "CLEP Principles of Marketing", "MKTG", (50, 3), (60, 3)),
    ("financial-accounting", "CLEP Financial Accounting", "ACCT", (50, 3), (60, 3)),
)
MILITARY = (
    ("army.68w-combat-medic", "Army Combat Medic Specialist (68W)", "EMS", 9),
    ("navy.hospital-corpsman", "Navy Hospital Corpsman", "HLTH", 8),
    ("af.cyber-transport", "Air Force Cyber Transport Systems", "ITNT", 12),
    ("army.wheeled-vehicle-mechanic", "Army Wheeled Vehicle Mechanic (91B)", "AUTO", 9),
)
SOURCE = "https://example.org/synthetic-state-system"
EPOCH = date(2010, 1, 1)
TODAY = date(2026, 6, 30)
"""Latest date a synthetic holding may carry (records are dated, not relative to the clock)."""
GRADES_GOOD = ("A", "A", "A-", "B+", "B", "B", "B-", "C+", "C")
GRADES_ANY = ("A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "F", "W")
