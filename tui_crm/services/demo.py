"""A realistic German demo database of any size for ``tui-crm demo --customers N --seed S``.

``N`` is the number of party records (the customer master): about 85 % customers and 15 %
prospects, about a third of them companies with contact persons. Every customer brings
its history: documents over six years (quote → order → delivery note → invoice, some
credit notes, refunded the same day) with lines, an open item with payments for every
invoice and credit note (older than three years: settled; younger: partly open and
dunned), follow-ups, the contact log, phone numbers, emails and bank accounts.

Numbers (unique at any ``N``; the sequences continue after them):

- customers: ``str(100000 + k)`` for the ``k``-th customer (``100000`` …, 7 digits past
  900,000 customers); sequence ``customer``, prefix ``""``;
- prospects: ``"I" + str(100000 + k)`` (Interessent); sequence ``prospect``, prefix ``"I"``.
  Converted customers keep their former prospect number in ``number_history``;
- documents: prefix + ``str(100000 + k)`` per kind: ``AN`` quote, ``AB`` order,
  ``LS`` delivery note, ``RE`` invoice, ``GS`` credit note; sequences named as the kind;
- articles: ``<group code>-<nnnn>``.

Data is reproducible: the same ``seed`` and ``today`` give byte-identical tables. Only
``random.Random(seed)`` and a Faker seeded with it are used, Faker just once for pools of
names and streets, which the seeded generator then combines (Faker per row is too slow).
Money is computed in exact integer cents with half-up rounding, which gives the same
results as the Decimal rules of the app (line net = quantity * unit price * (1 - discount),
VAT per rate on the sum of the nets of that rate).
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from faker import Faker
from peewee import Database

from tui_crm.db import bulk, search_index
from tui_crm.db.migrations import m0005_open_item_indexes
from tui_crm.db.models import (
    Article,
    ArticleGroup,
    BankAccount,
    Clerk,
    ContactLog,
    ContactPerson,
    CustomerGroup,
    Document,
    DocumentLine,
    DocumentLink,
    DunningEvent,
    Email,
    FollowUp,
    NumberHistory,
    OpenItem,
    Party,
    Payment,
    PaymentTerms,
    Phone,
    PriceList,
)
from tui_crm.db.models import Sequence as NumberSequence
from tui_crm.db.text import words

Row = tuple[Any, ...]
"""One row of column values."""

BATCH = 2_500
"""Parties generated and written per transaction (bounds memory at any ``N``)."""

HISTORY_DAYS = 6 * 365
"""How far back customers and their documents go."""

OPEN_ITEM_DAYS = 3 * 365
"""Invoices younger than this may still be open (partly paid, dunned); older ones are settled."""

CUSTOMER_BASE = 100_000
"""First customer, prospect and document number."""

CUSTOMER_SHARE = 0.85
"""Share of customers among the parties; the rest are prospects."""

DOCUMENT_PREFIXES = {
    "quote": "AN",
    "order": "AB",
    "delivery_note": "LS",
    "invoice": "RE",
    "credit_note": "GS",
}
"""Number prefix of each document kind (also the prefix of its sequence)."""

CLERKS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", "Sabine Hartmann", "admin", "10"),
    ("mkoch", "Markus Koch", "clerk", "11"),
    ("jweber", "Julia Weber", "clerk", "12"),
    ("tbecker", "Thomas Becker", "accounting", "13"),
    ("lneumann", "Lena Neumann", "inquiry", "14"),
)
"""Login, name, role and extension of the demo clerks; ids are 1 … 5 in this order."""

CUSTOMER_GROUPS = (
    ("PRIV", "Privatkunden"),
    ("STAMM", "Stammkunden"),
    ("GEW", "Gewerbekunden"),
    ("HAND", "Handwerk"),
    ("WV", "Wiederverkäufer"),
    ("OEFF", "Öffentliche Hand"),
)
"""Code and name of the customer groups (ids 1 … 6)."""

PRICE_LISTS = (
    ("VK", "Verkaufspreise"),
    ("HAND", "Handwerkerpreise"),
    ("WV", "Wiederverkäuferpreise"),
    ("AKTION", "Aktionspreise"),
)
"""Code and name of the price lists (ids 1 … 4)."""

PAYMENT_TERMS = (
    ("SOFORT", "Sofort ohne Abzug", 0, 0, 0),
    ("14N", "14 Tage netto", 14, 0, 0),
    ("30N", "30 Tage netto", 30, 0, 0),
    ("10S2", "10 Tage 2 % Skonto, 30 Tage netto", 30, 10, 200),
    ("8S3", "8 Tage 3 % Skonto, 14 Tage netto", 14, 8, 300),
    ("LAST", "Lastschrift 7 Tage", 7, 0, 0),
)
"""Code, name, net days, discount days and discount (hundredths of %) (ids 1 … 6)."""

ARTICLE_GROUPS: tuple[tuple[str, str, int, tuple[tuple[str, int, str], ...]], ...] = (
    (
        "WZ",
        "Werkzeug",
        1900,
        (
            ("Akku-Bohrschrauber 18 V", 12900, "Stk"),
            ("Schlagbohrmaschine 750 W", 8990, "Stk"),
            ("Winkelschleifer 125 mm", 7450, "Stk"),
            ("Stichsäge 650 W", 9900, "Stk"),
            ("Schlosserhammer 500 g", 1490, "Stk"),
            ("Schraubendreher-Satz 6-tlg.", 1990, "Stk"),
            ("Wasserwaage 60 cm", 2490, "Stk"),
            ("Gliedermaßstab 2 m", 749, "Stk"),
            ("Bit-Satz 32-tlg.", 1690, "Stk"),
        ),
    ),
    (
        "BF",
        "Befestigung",
        1900,
        (
            ("Spanplattenschraube 4x40, 200 Stk", 890, "Pak"),
            ("Dübel 8 mm, 100 Stk", 650, "Pak"),
            ("Schwerlastanker M10", 320, "Stk"),
            ("Gewindestange M8, 1 m", 210, "Stk"),
            ("Unterlegscheiben M8, 100 Stk", 340, "Pak"),
            ("Holzleim 750 g", 980, "Stk"),
            ("Montagekleber 310 ml", 790, "Stk"),
            ("Kabelbinder 200 mm, 100 Stk", 450, "Pak"),
        ),
    ),
    (
        "EL",
        "Elektro",
        1900,
        (
            ("Mantelleitung NYM-J 3x1,5", 129, "m"),
            ("Schutzkontakt-Steckdose UP", 490, "Stk"),
            ("Wechselschalter UP", 540, "Stk"),
            ("LED-Lampe E27 9 W", 399, "Stk"),
            ("Verlängerungskabel 10 m", 1490, "Stk"),
            ("FI-Schutzschalter 40 A", 3900, "Stk"),
            ("Leitungsschutzschalter B16", 480, "Stk"),
            ("Abzweigdose AP", 220, "Stk"),
            ("Installationsrohr 20 mm", 89, "m"),
        ),
    ),
    (
        "SA",
        "Sanitär",
        1900,
        (
            ("Einhebelmischer Küche", 7900, "Stk"),
            ('Eckventil 1/2"', 890, "Stk"),
            ("Siphon DN 40", 1250, "Stk"),
            ("Sanitär-Silikon 310 ml", 690, "Stk"),
            ("HT-Rohr DN 50", 340, "m"),
            ("Handbrause", 2490, "Stk"),
            ("WC-Sitz", 3990, "Stk"),
            ("Kupferrohr 15 mm", 780, "m"),
        ),
    ),
    (
        "HZ",
        "Heizung",
        1900,
        (
            ("Heizkörperthermostat", 1990, "Stk"),
            ("Heizkörper Typ 22 600x1000", 18900, "Stk"),
            ("Heizungspumpe", 22900, "Stk"),
            ("Entlüftungsschlüssel", 150, "Stk"),
            ("Rohrisolierung 22 mm", 190, "m"),
            ("Ausdehnungsgefäß 25 l", 4900, "Stk"),
        ),
    ),
    (
        "FA",
        "Farben und Lacke",
        1900,
        (
            ("Wandfarbe weiß", 420, "l"),
            ("Tiefengrund", 360, "l"),
            ("Holzlasur", 1290, "l"),
            ("Klarlack seidenmatt", 1650, "l"),
            ("Abdeckfolie 4x5 m", 299, "Stk"),
            ("Malerkrepp 50 m", 349, "Stk"),
            ("Farbroller 25 cm", 690, "Stk"),
            ("Spachtelmasse", 180, "kg"),
        ),
    ),
    (
        "GA",
        "Garten",
        1900,
        (
            ('Gartenschlauch 1/2"', 149, "m"),
            ("Rasendünger", 290, "kg"),
            ("Astschere", 2990, "Stk"),
            ("Gartenhandschuhe", 499, "Stk"),
            ("Schubkarre 100 l", 5990, "Stk"),
            ("Rasenkantenstein", 189, "Stk"),
        ),
    ),
    (
        "PF",
        "Pflanzen und Saatgut",
        700,
        (
            ("Buchsbaum 30 cm", 990, "Stk"),
            ("Kirschlorbeer 60 cm", 1490, "Stk"),
            ("Rosenstock", 850, "Stk"),
            ("Rasensamen", 790, "kg"),
            ("Lavendel", 399, "Stk"),
            ("Apfelbaum Halbstamm", 3490, "Stk"),
        ),
    ),
    (
        "AS",
        "Arbeitsschutz",
        1900,
        (
            ("Schutzbrille", 690, "Stk"),
            ("Kapselgehörschutz", 1290, "Stk"),
            ("Arbeitshandschuhe", 349, "Stk"),
            ("Sicherheitsschuhe S3", 6900, "Stk"),
            ("Warnweste", 490, "Stk"),
            ("Atemschutzmaske FFP2, 10 Stk", 990, "Pak"),
        ),
    ),
    (
        "LI",
        "Fachliteratur",
        700,
        (
            ("Tabellenbuch Elektrotechnik", 3990, "Stk"),
            ("Fachkunde Sanitärtechnik", 4400, "Stk"),
            ("VOB Gesamtausgabe", 2990, "Stk"),
            ("Handbuch Holzbau", 4990, "Stk"),
        ),
    ),
    (
        "DL",
        "Dienstleistung",
        1900,
        (
            ("Arbeitszeit Geselle", 5800, "Std"),
            ("Arbeitszeit Meister", 7200, "Std"),
            ("Anfahrtspauschale", 3500, "Stk"),
            ("Entsorgung", 45, "kg"),
            ("Wartung Heizungsanlage", 12900, "Stk"),
            ("Leihgerät je Tag", 2500, "Stk"),
        ),
    ),
)
"""Article groups: code, name, VAT rate (hundredths of %) and base articles with price and unit."""

DEALS = (0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 5, 8)
"""Sales per customer, drawn uniformly (1.85 on average, a few regulars with many)."""

VARIANTS = (("", 100), (" Profi", 145), (" Eco", 75))
"""Product lines of every goods article: name suffix and price in % of the base price."""

WITHOUT_VARIANTS = ("LI", "DL")
"""Article groups whose articles come in one variant."""

FRACTIONAL_UNITS = ("m", "kg", "l", "Std")
"""Units sold in quarter steps instead of whole pieces."""

CITIES: tuple[tuple[str, int, int, str, int], ...] = (
    ("Berlin", 10115, 14199, "030", 12),
    ("Hamburg", 20095, 22769, "040", 7),
    ("München", 80331, 81929, "089", 6),
    ("Köln", 50667, 51149, "0221", 5),
    ("Frankfurt am Main", 60306, 60599, "069", 3),
    ("Stuttgart", 70173, 70619, "0711", 3),
    ("Düsseldorf", 40210, 40629, "0211", 3),
    ("Leipzig", 4103, 4357, "0341", 2),
    ("Dortmund", 44135, 44388, "0231", 2),
    ("Essen", 45127, 45359, "0201", 2),
    ("Bremen", 28195, 28779, "0421", 2),
    ("Dresden", 1067, 1328, "0351", 2),
    ("Hannover", 30159, 30669, "0511", 2),
    ("Nürnberg", 90402, 90491, "0911", 2),
    ("Duisburg", 47051, 47279, "0203", 1),
    ("Bochum", 44787, 44894, "0234", 1),
    ("Wuppertal", 42103, 42399, "0202", 1),
    ("Bielefeld", 33602, 33739, "0521", 1),
    ("Bonn", 53111, 53229, "0228", 1),
    ("Münster", 48143, 48167, "0251", 1),
    ("Karlsruhe", 76131, 76229, "0721", 1),
    ("Mannheim", 68159, 68309, "0621", 1),
    ("Augsburg", 86150, 86199, "0821", 1),
    ("Wiesbaden", 65183, 65207, "0611", 1),
    ("Mönchengladbach", 41061, 41239, "02161", 1),
    ("Gelsenkirchen", 45879, 45899, "0209", 1),
    ("Aachen", 52062, 52080, "0241", 1),
    ("Braunschweig", 38100, 38126, "0531", 1),
    ("Kiel", 24103, 24159, "0431", 1),
    ("Chemnitz", 9111, 9247, "0371", 1),
    ("Halle (Saale)", 6108, 6132, "0345", 1),
    ("Magdeburg", 39104, 39130, "0391", 1),
    ("Freiburg im Breisgau", 79098, 79117, "0761", 1),
    ("Krefeld", 47798, 47839, "02151", 1),
    ("Mainz", 55116, 55131, "06131", 1),
    ("Lübeck", 23552, 23570, "0451", 1),
    ("Erfurt", 99084, 99099, "0361", 1),
    ("Rostock", 18055, 18147, "0381", 1),
    ("Kassel", 34117, 34134, "0561", 1),
    ("Saarbrücken", 66111, 66133, "0681", 1),
    ("Potsdam", 14467, 14482, "0331", 1),
    ("Osnabrück", 49074, 49090, "0541", 1),
    ("Regensburg", 93047, 93059, "0941", 1),
    ("Würzburg", 97070, 97084, "0931", 1),
    ("Ulm", 89073, 89081, "0731", 1),
    ("Heidelberg", 69115, 69126, "06221", 1),
    ("Leverkusen", 51371, 51381, "0214", 1),
    ("Bergisch Gladbach", 51427, 51469, "02202", 1),
    ("Trier", 54290, 54296, "0651", 1),
    ("Siegen", 57072, 57080, "0271", 1),
)
"""City, postcode range, area code and weight (roughly by population)."""

MOBILE_PREFIXES = (
    ("0151", 8),
    ("0152", 8),
    ("0157", 8),
    ("0159", 8),
    ("0160", 7),
    ("0162", 7),
    ("0163", 7),
    ("0170", 7),
    ("0171", 7),
    ("0172", 7),
    ("0173", 7),
    ("0174", 7),
    ("0175", 7),
    ("0176", 7),
    ("0177", 7),
    ("0178", 7),
    ("0179", 7),
)
"""German mobile prefixes and the length of the subscriber number after them."""

BANKS = (
    ("Sparkasse KölnBonn", "37050198", "COLSDE33XXX"),
    ("Kreissparkasse Köln", "37050299", "COKSDE33XXX"),
    ("Deutsche Bank", "10070000", "DEUTDEBBXXX"),
    ("Commerzbank", "20040000", "COBADEHHXXX"),
    ("Postbank", "10010010", "PBNKDEFFXXX"),
    ("ING", "50010517", "INGDDEFFXXX"),
    ("Berliner Sparkasse", "10050000", "BELADEBEXXX"),
    ("Hamburger Sparkasse", "20050550", "HASPDEHHXXX"),
    ("Stadtsparkasse München", "70150000", "SSKMDEMMXXX"),
    ("Frankfurter Sparkasse", "50050201", "HELADEF1822"),
    ("Sparkasse Hannover", "25050180", "SPKHDE2HXXX"),
    ("Volksbank Köln Bonn", "38060186", "GENODED1BRS"),
    ("GLS Bank", "43060967", "GENODEM1GLS"),
    ("Deutsche Kreditbank", "12030000", "BYLADEM1001"),
)
"""Bank name, Bankleitzahl and BIC of the demo bank accounts."""

TRADES = (
    "Autohaus",
    "Bäckerei",
    "Elektro",
    "Sanitär",
    "Malerbetrieb",
    "Schreinerei",
    "Tischlerei",
    "Dachdeckerei",
    "Metallbau",
    "Garten- und Landschaftsbau",
    "Heizungsbau",
    "Fliesen",
    "Hausverwaltung",
    "Gebäudereinigung",
    "Kfz-Werkstatt",
    "Immobilien",
    "Getränke",
    "Zahnarztpraxis",
    "Steuerberatung",
    "Hausmeisterservice",
)
"""Trades that company names are made of."""

LEGAL_FORMS = (
    "GmbH",
    "GmbH",
    "GmbH & Co. KG",
    "e.K.",
    "GbR",
    "KG",
    "AG",
    "UG (haftungsbeschränkt)",
)
"""Legal forms appended to company names."""

POSITIONS = (
    ("Geschäftsführer", "Geschäftsführung"),
    ("Geschäftsführerin", "Geschäftsführung"),
    ("Einkäufer", "Einkauf"),
    ("Leiterin Einkauf", "Einkauf"),
    ("Buchhalterin", "Buchhaltung"),
    ("Werkstattleiter", "Werkstatt"),
    ("Assistenz", "Sekretariat"),
    ("Projektleiter", "Technik"),
    ("Bauleiter", "Technik"),
    ("Inhaber", ""),
    ("Prokurist", "Verwaltung"),
)
"""Position and department of contact persons."""

MARKETING_SOURCES = (
    "",
    "",
    "Empfehlung",
    "Empfehlung",
    "Website",
    "Google",
    "Messe",
    "Zeitungsanzeige",
    "Flyer",
    "Laufkundschaft",
    "Branchenbuch",
    "Social Media",
)
"""Where a party heard of us; ``Empfehlung`` gets a ``referred_by`` party."""

PARTY_NOTES = (
    "Bitte nur vormittags anrufen.",
    "Lieferung immer an Lager, Tor 3.",
    "Zahlt zuverlässig.",
    "Rechnungen bitte per E-Mail.",
    "Hund auf dem Grundstück, vorher klingeln.",
    "Möchte keine Werbung.",
    "Ansprechpartner wechselt häufig, immer nach Einkauf fragen.",
    "Abholung durch Kunden, nicht liefern.",
)
"""Free-text notes some parties carry."""

CONTACT_KIND_WEIGHTS = (
    ("phone_in", 30),
    ("phone_out", 25),
    ("missed", 5),
    ("visit", 10),
    ("letter", 8),
    ("email", 20),
    ("other", 2),
)
"""Kinds of the contact log (see ``models.CONTACT_KINDS``) with their frequency."""

CONTACT_TOPICS = (
    "Anfrage Angebot",
    "Rückfrage zur Rechnung",
    "Liefertermin",
    "Reklamation",
    "Terminvereinbarung",
    "Beratung",
    "Preisanfrage",
    "Zahlungserinnerung",
    "Wartungstermin",
    "Neue Lieferadresse",
    "Katalog angefordert",
    "Allgemeine Anfrage",
)
"""Topics of contact log entries."""

AGREEMENTS = (
    "",
    "",
    "",
    "Rückruf nächste Woche.",
    "Angebot wird per E-Mail geschickt.",
    "Kunde meldet sich selbst.",
    "Liefertermin bestätigt.",
    "Gutschrift zugesagt.",
    "Termin vor Ort vereinbart.",
)
"""What was agreed in a contact (mostly nothing)."""

FOLLOW_UP_SUBJECTS = (
    "Angebot nachfassen",
    "Rückruf",
    "Zahlungseingang prüfen",
    "Termin vereinbaren",
    "Wartung fällig",
    "Katalog schicken",
    "Reklamation klären",
    "Neue Preisliste zusenden",
    "Jahresgespräch",
    "Lieferung bestätigen",
)
"""Subjects of follow-ups."""

REFERENCES = ("", "", "", "", "telefonisch", "per E-Mail", "Ihre Anfrage", "Bestellung Baustelle")
"""Customer references on orders."""

PAYMENT_METHODS = ("transfer", "transfer", "transfer", "direct_debit", "cash", "card")
"""How payments arrive."""

DUNNING_FEES = (0, 0, 500, 1000, 1500)
"""Fee in cents charged at each dunning level (index = level)."""

PRIVATE_MAIL_DOMAINS = ("web.de", "gmx.de", "t-online.de", "gmail.com", "outlook.de", "posteo.de")
"""Mail providers of private customers."""

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


TABLES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (
        Party,
        _columns(
            "id number kind salutation title first_name last_name company company2 street"
            " postcode city country birthday group_id price_list_id payment_terms_id clerk_id"
            " contact_interval_days marketing_source referred_by_id credit_limit blocked notes"
            " last_contact_at contact_count suggestion_snoozed_until converted_at created_at"
            " updated_at version search_key"
        ),
    ),
    (NumberHistory, _columns("id party_id number kind valid_until")),
    (
        ContactPerson,
        _columns(
            "id party_id salutation title first_name last_name position department birthday"
            " notes version search_key"
        ),
    ),
    (
        Phone,
        _columns(
            "id party_id contact_person_id kind e164 as_entered extension reversed_digits is_main"
        ),
    ),
    (Email, _columns("id party_id contact_person_id address kind is_main")),
    (
        BankAccount,
        _columns("id party_id iban bic bank_name holder mandate_reference mandate_date is_main"),
    ),
    (
        Document,
        _columns(
            "id number kind party_id date status clerk_id due_date reference notes net_total"
            " vat_total gross_total created_at version"
        ),
    ),
    (DocumentLink, ("id", "source_id", "target_id")),
    (
        DocumentLine,
        _columns(
            "id document_id position article_id text quantity unit unit_price discount_percent"
            " vat_rate net"
        ),
    ),
    (
        OpenItem,
        _columns(
            "id document_id party_id amount paid due_date dunning_level last_dunning_date"
            " closed_at version"
        ),
    ),
    (
        Payment,
        _columns("id open_item_id party_id date amount method note clerk_id created_at version"),
    ),
    (DunningEvent, _columns("id open_item_id level date fee clerk_id letter_id")),
    (
        FollowUp,
        _columns(
            "id party_id contact_person_id due_date due_time subject note owner_id priority"
            " recurrence days_after_contact done_at done_by_id created_at created_by_id"
            " version"
        ),
    ),
    (
        ContactLog,
        _columns(
            "id party_id contact_person_id at kind topic agreements duration_seconds phone_e164"
            " clerk_id follow_up_id letter_id"
        ),
    ),
)
"""The tables written per batch, parents first, with the columns of their rows."""

BULK_MODELS: tuple[Any, ...] = (
    Clerk,
    CustomerGroup,
    PriceList,
    PaymentTerms,
    ArticleGroup,
    Article,
    *(model for model, _ in TABLES),
)
"""Every table the demo writes with explicit ids (indexes rebuilt, sequences moved after)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`generate` wrote."""

    customers: int
    """Parties of kind ``customer``."""
    prospects: int
    """Parties of kind ``prospect``."""
    contact_persons: int
    """Contact persons of companies."""
    phones: int
    """Phone numbers of parties and contact persons."""
    documents: int
    """Quotes, orders, delivery notes, invoices and credit notes."""
    document_lines: int
    """Lines of all documents."""
    open_items: int
    """Open items, settled or not."""
    follow_ups: int
    """Follow-ups, done or not."""
    contacts: int
    """Contact log entries."""
    seconds: float
    """Wall time of the whole generation."""


def generate(
    database: Database,
    customers: int,
    seed: int,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with ``customers`` demo parties and their history.

    Args:
        database: The open database with empty tables (SQLite or PostgreSQL).
        customers: How many parties (customers and prospects) to create.
        seed: Seed of the random generator; the same seed and ``today`` give the same data.
        today: The day the data is relative to (due follow-ups, overdue items); default today.
        progress: Called after each batch with the parties done so far and ``customers``.

    Returns:
        The counts written and the seconds it took.

    Raises:
        ValueError: ``customers`` is negative.
    """
    if customers < 0:
        raise ValueError("customers must not be negative")
    started = time.perf_counter()
    generator = _Generator(seed, today or date.today())
    with bulk.loading(database, BULK_MODELS, m0005_open_item_indexes.DEFERRED):
        with database.atomic():
            for model, columns, rows in generator.reference_rows():
                bulk.insert_rows(database, model, columns, rows)
        done = 0
        while done < customers:
            count = min(BATCH, customers - done)
            batch = generator.batch(count)
            with database.atomic():
                for (model, columns), rows in zip(TABLES, batch, strict=True):
                    bulk.insert_rows(database, model, columns, rows)
            done += count
            if progress is not None:
                progress(done, customers)
        with database.atomic():
            model, columns, rows = generator.sequence_rows()
            bulk.insert_rows(database, model, columns, rows)
    search_index.rebuild(database)
    return generator.summary(time.perf_counter() - started)


def iban_check_digits(country: str, bban: str) -> str:
    """Return the two ISO 13616 check digits of an IBAN (mod 97)."""
    digits = "".join(str(int(char, 36)) for char in bban + country) + "00"
    return f"{98 - int(digits) % 97:02d}"


def ascii_slug(text: str) -> str:
    """Turn a name into the lowercase ASCII of an email address (Müller → mueller)."""
    text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS)).lower().replace(" ", "-")
    slug = "".join(char for char in text if char.isascii() and (char.isalnum() or char == "-"))
    return "-".join(part for part in slug.split("-") if part)


def _grouped(digits: str) -> str:
    """Write a subscriber number in pairs the way people do (``12 34 56``, ``123 45 67``)."""
    head = 3 if len(digits) % 2 else 2
    pairs = [digits[index : index + 2] for index in range(head, len(digits), 2)]
    return " ".join([digits[:head], *pairs])


def landline_raw(area: str, subscriber: str, extension: str, style: int) -> str:
    """Write a landline the way people type it; ``area`` keeps its leading 0.

    Args:
        area: Area code with the trunk prefix (``0221``).
        subscriber: The subscriber number (``123456``).
        extension: A direct-dial extension of a company number, or ``""``.
        style: Which of the seven common spellings (0 … 6).
    """
    tail = f"-{extension}" if extension else ""
    if style == 0:
        return f"{area} / {_grouped(subscriber)}{tail}"
    if style == 1:
        return f"+49 (0){area[1:]}-{subscriber}{tail}"
    if style == 2:
        return f"{area} {subscriber}{tail}"
    if style == 3:
        return f"{area}-{subscriber}{tail}"
    if style == 4:
        return f"({area}) {subscriber}{tail}"
    if style == 5:
        return f"+49 {area[1:]} {subscriber}{tail}"
    return f"{area}/{subscriber}{tail}"


def mobile_raw(prefix: str, subscriber: str, style: int) -> str:
    """Write a mobile number the way people type it (``0171 1234567`` …), style 0 … 4."""
    if style == 0:
        return f"{prefix} {subscriber}"
    if style == 1:
        return f"{prefix}/{subscriber}"
    if style == 2:
        return f"+49 {prefix[1:]} {subscriber}"
    if style == 3:
        return f"+49 (0){prefix[1:]} {subscriber}"
    return f"{prefix} {_grouped(subscriber)}"


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (both ≥ 0 here)."""
    return (2 * numerator + denominator) // (2 * denominator)


class _Pools:
    """Names, streets and companies drawn from Faker once, combined per row afterwards."""

    def __init__(self, seed: int) -> None:
        fake = Faker("de_DE")
        fake.seed_instance(seed)
        self.male = _unique(fake.first_name_male() for _ in range(600))
        """Male first names."""
        self.female = _unique(fake.first_name_female() for _ in range(600))
        """Female first names."""
        self.last = _unique(
            name for name in (fake.last_name() for _ in range(2500)) if name[:1].isupper()
        )
        """Last names (Faker's odd ``auch …`` names left out)."""
        self.streets = _unique(fake.street_name() for _ in range(2000))
        """Street names."""


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


class _Generator:
    """The seeded state of one demo run: pools, reference ids and the id counters."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        """The only source of randomness besides the seeded Faker."""
        self.today = today
        """The day the data is relative to."""
        self.pools = _Pools(seed)
        """Faker-made names and streets."""
        rand = self.rng.random
        base = today.toordinal()
        first = -HISTORY_DAYS - 400
        self.day_zero = -first
        """Index of ``today`` in :attr:`days`."""
        self.days = [date.fromordinal(base + offset).isoformat() for offset in range(first, 400)]
        """ISO dates from before the history until a year ahead, indexed by offset + zero."""
        self.times = [
            f"{minute // 60:02d}:{minute % 60:02d}:{int(rand() * 60):02d}"
            for minute in range(7 * 60 + 30, 18 * 60)
        ]
        """Times of day in business hours."""
        self.cities = [city for city in CITIES for _ in range(city[4])]
        """Cities repeated by weight, so a uniform pick is weighted."""
        self.contact_kinds = [kind for kind, weight in CONTACT_KIND_WEIGHTS for _ in range(weight)]
        """Contact kinds repeated by weight."""
        self.articles: list[tuple[int, str, str, int, int, bool]] = []
        """Id, name, unit, price in cents, VAT in hundredths of % and fractional-unit flag."""
        self.words: dict[str, list[str]] = {}
        """Search words of repeated strings (names, streets, cities)."""
        self.ids = dict.fromkeys((model._meta.table_name for model, _ in TABLES), 0)
        """Last id used per table."""
        self.numbers = dict.fromkeys(("customer", "prospect", *DOCUMENT_PREFIXES), 0)
        """How many numbers each sequence handed out."""
        self.counts = dict.fromkeys(self.ids, 0)
        """Rows written per table."""
        self.rows: dict[str, list[Row]] = {}
        """The rows of the current batch by table name."""

    # Reference data --------------------------------------------------------------------

    def reference_rows(self) -> list[tuple[Any, tuple[str, ...], list[Row]]]:
        """Clerks, groups, price lists, payment terms, article groups and articles."""
        rand = self.rng.random
        clerks = [
            (number, login, name, role, f"{login}@crm-demo.example", f"2{extension}", True)
            for number, (login, name, role, extension) in enumerate(CLERKS, start=1)
        ]
        groups = [(number, *row) for number, row in enumerate(CUSTOMER_GROUPS, start=1)]
        lists = [(number, *row) for number, row in enumerate(PRICE_LISTS, start=1)]
        terms = [(number, *row) for number, row in enumerate(PAYMENT_TERMS, start=1)]
        article_groups: list[Row] = []
        articles: list[Row] = []
        for group_id, (code, name, vat, items) in enumerate(ARTICLE_GROUPS, start=1):
            article_groups.append((group_id, code, name))
            variants = VARIANTS[:1] if code in WITHOUT_VARIANTS else VARIANTS
            serial = 0
            for item, price, unit in items:
                for suffix, percent in variants:
                    serial += 1
                    article_id = len(articles) + 1
                    cents = _half_up(price * percent, 100)
                    active = rand() > 0.03
                    text = f"{item}{suffix}"
                    articles.append(
                        (
                            article_id,
                            f"{code}-{serial:04d}",
                            text,
                            group_id,
                            unit,
                            cents,
                            vat,
                            active,
                        )
                    )
                    self.articles.append(
                        (article_id, text, unit, cents, vat, unit in FRACTIONAL_UNITS)
                    )
        return [
            (Clerk, ("id", "login", "name", "role", "email", "extension", "active"), clerks),
            (CustomerGroup, ("id", "code", "name"), groups),
            (PriceList, ("id", "code", "name"), lists),
            (
                PaymentTerms,
                ("id", "code", "name", "days_net", "discount_days", "discount_percent"),
                terms,
            ),
            (ArticleGroup, ("id", "code", "name"), article_groups),
            (
                Article,
                ("id", "number", "name", "group_id", "unit", "price", "vat_rate", "active"),
                articles,
            ),
        ]

    def sequence_rows(self) -> tuple[Any, tuple[str, ...], list[Row]]:
        """The number sequences, continuing after the numbers the demo used."""
        prefixes = {"customer": "", "prospect": "I", **DOCUMENT_PREFIXES}
        rows = [(name, prefixes[name], CUSTOMER_BASE + used) for name, used in self.numbers.items()]
        rows.append(("article", "", len(self.articles) + 1))
        return NumberSequence, ("name", "prefix", "next_value"), rows

    def summary(self, seconds: float) -> DemoSummary:
        """The counts written so far."""
        counts = self.counts
        return DemoSummary(
            customers=self.numbers["customer"],
            prospects=counts["party"] - self.numbers["customer"],
            contact_persons=counts["contact_person"],
            phones=counts["phone"],
            documents=counts["document"],
            document_lines=counts["document_line"],
            open_items=counts["open_item"],
            follow_ups=counts["follow_up"],
            contacts=counts["contact_log"],
            seconds=round(seconds, 3),
        )

    # Helpers ----------------------------------------------------------------------------

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def _number(self, sequence: str) -> int:
        self.numbers[sequence] += 1
        return CUSTOMER_BASE + self.numbers[sequence] - 1

    def _day(self, offset: int) -> str:
        return self.days[self.day_zero + offset]

    def _stamp(self, offset: int) -> str:
        times = self.times
        return f"{self.days[self.day_zero + offset]} {times[int(self.rng.random() * len(times))]}"

    def _birthday(self, youngest: int, span: int) -> str:
        """An ISO birthday of someone ``youngest`` to ``youngest + span`` years old."""
        age_days = int(youngest * 365.25 + self.rng.random() * span * 365.25)
        return date.fromordinal(self.today.toordinal() - age_days).isoformat()

    def _pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def _words(self, text: str) -> list[str]:
        found = self.words.get(text)
        if found is None:
            if len(self.words) > 200_000:
                self.words.clear()
            found = self.words[text] = words(text)
        return found

    def _search_key(self, cached: Sequence[str], once: Sequence[str]) -> str:
        """Same result as ``text.search_key(*cached, *once)``; ``cached`` parts repeat often."""
        seen: dict[str, None] = {}
        for part in cached:
            for word in self._words(part):
                seen.setdefault(word, None)
        for part in once:
            for word in words(part):
                seen.setdefault(word, None)
        return " ".join(seen)

    # One batch ---------------------------------------------------------------------------

    def batch(self, count: int) -> list[list[Row]]:
        """Generate the next ``count`` parties with everything they own.

        Returns:
            One list of rows per entry of :data:`TABLES`, ids continuing the last batch.
        """
        self.rows = {table: [] for table in self.ids}
        for _ in range(count):
            self._party()
        for table, rows in self.rows.items():
            self.counts[table] += len(rows)
        return [self.rows[model._meta.table_name] for model, _ in TABLES]

    def _party(self) -> None:
        """One party with its phones, emails, bank, people, documents, follow-ups, contacts."""
        rng = self.rng
        rand = rng.random
        pick = self._pick
        pools = self.pools
        party_id = self._next("party")
        is_customer = rand() < CUSTOMER_SHARE
        is_company = rand() < 0.33
        if is_customer:
            since = -int(rand() * HISTORY_DAYS) - 20
            number = str(self._number("customer"))
        else:
            since = -int(rand() * 2 * 365)
            number = f"I{self._number('prospect')}"
        city, low, high, area, _ = pick(self.cities)
        postcode = f"{low + int(rand() * (high - low + 1)):05d}"
        street = f"{pick(pools.streets)} {1 + int(rand() * rand() * 180)}"
        if rand() < 0.08:
            street += "abc"[int(rand() * 3)]
        title = salutation = first = last = company = company2 = ""
        birthday = None
        persons: list[tuple[int, str, str]] = []
        if is_company:
            company, domain = self._company(city)
            salutation = "Firma"
            if rand() < 0.15:
                company2 = pick(("z. Hd. Buchhaltung", "Niederlassung " + city, "Lager"))
            group = pick((3, 3, 4, 4, 5, 6))
            price_list = pick((1, 2, 2, 3, None))
            terms = pick((2, 3, 3, 4, 5, 6))
            credit = int(rand() * 10 + 1) * 500_000
            display = company
        else:
            domain = ""
            female = rand() < 0.5
            first = pick(pools.female if female else pools.male)
            last = pick(pools.last)
            salutation = "Frau" if female else "Herr"
            roll = rand()
            title = "Dr." if roll < 0.05 else "Prof. Dr." if roll < 0.056 else ""
            if rand() < 0.7:
                birthday = self._birthday(18, 70)
            group = 2 if rand() < 0.15 else 1
            price_list = 1 if rand() < 0.8 else None
            terms = pick((1, 1, 2, 2, 6))
            credit = pick((0, 0, 100_000, 250_000))
            display = f"{first} {last}"
        clerk = pick((1, 2, 2, 3, 3)) if rand() < 0.9 else None
        emails: list[str] = []
        main_e164 = ""
        if is_company:
            # A company line is a block of extensions: -0 switchboard, -99 fax, -NN people.
            block = self._subscriber(area, short=2)
            main_e164 = self._phone(party_id, None, "phone", area, block, "0", True)
            if rand() < 0.5:
                self._phone(party_id, None, "fax", area, block, "99", False)
            if rand() < 0.8:
                emails.append(self._email(party_id, None, f"info@{domain}", "work", True))
            for _ in range(1 + int(rand() * rand() * 4)):
                persons.append(self._person(party_id, domain, area, block))
        else:
            has_landline = rand() < 0.7
            if has_landline:
                main_e164 = self._phone(
                    party_id, None, "phone", area, self._subscriber(area), "", True
                )
            if not has_landline or rand() < 0.45:
                e164 = self._mobile(party_id, None, not has_landline)
                main_e164 = main_e164 or e164
            if rand() < 0.08:
                self._phone(party_id, None, "other", area, self._subscriber(area), "", False)
            if rand() < 0.65:
                emails.append(self._private_email(party_id, None, first, last, True))
                if rand() < 0.1:
                    emails.append(self._private_email(party_id, None, first, last, False))
        if rand() < (0.6 if is_company else 0.4):
            self._bank_account(party_id, display, number, since, terms == 6)
        converted_at = None
        if is_customer and rand() < 0.1:
            converted_offset = since + int(rand() * 60)
            converted_at = self._stamp(min(converted_offset, 0))
            self.rows["number_history"].append(
                (
                    self._next("number_history"),
                    party_id,
                    f"I{self._number('prospect')}",
                    "prospect",
                    converted_at,
                )
            )
        # Documents: deals spread over the party's history.
        worst_dunning = 0
        if is_customer:
            deals = pick(DEALS)
            days_net = PAYMENT_TERMS[terms - 1][2]
            for _ in range(deals):
                day = since + int(rand() * (-since + 1))
                worst_dunning = max(
                    worst_dunning, self._deal(party_id, clerk, day, days_net, terms == 6)
                )
        elif rand() < 0.3:
            self._deal(party_id, clerk, since + int(rand() * (-since + 1)), 14, False, True)
        blocked = (worst_dunning >= 3 and rand() < 0.5) or rand() < 0.005
        self._follow_ups(party_id, persons, since)
        last_contact, contact_count = self._contacts(party_id, persons, since, main_e164)
        source = pick(MARKETING_SOURCES)
        referred_by = None
        if source == "Empfehlung" and party_id > 1:
            referred_by = 1 + int(rand() * (party_id - 1))
        interval = pick((30, 60, 90, 90, 180, 365)) if rand() < 0.2 else None
        notes = pick(PARTY_NOTES) if rand() < 0.06 else ""
        created_at = self._stamp(since)
        updated_at = self._stamp(since + int(rand() * (-since + 1)))
        search_key = self._search_key(
            (first, last, company, company2, street, postcode, city), (number, *emails)
        )
        self.rows["party"].append(
            (
                party_id,
                number,
                "customer" if is_customer else "prospect",
                salutation,
                title,
                first,
                last,
                company,
                company2,
                street,
                postcode,
                city,
                "DE",
                birthday,
                group,
                price_list,
                terms,
                clerk,
                interval,
                source,
                referred_by,
                credit,
                blocked,
                notes,
                last_contact,
                contact_count,
                None,
                converted_at,
                created_at,
                max(created_at, updated_at),
                1,
                search_key,
            )
        )

    def _company(self, city: str) -> tuple[str, str]:
        """A company name and the mail domain that goes with it."""
        rand = self.rng.random
        pick = self._pick
        last = pick(self.pools.last)
        trade = pick(TRADES)
        roll = rand()
        if roll < 0.3:
            name = f"{trade} {last} {pick(LEGAL_FORMS)}"
            slug = f"{ascii_slug(trade)}-{ascii_slug(last)}"
        elif roll < 0.55:
            name = f"{last} {trade} {pick(LEGAL_FORMS)}"
            slug = f"{ascii_slug(last)}-{ascii_slug(trade)}"
        elif roll < 0.75:
            other = pick(self.pools.last)
            name = f"{last} & {other} {pick(LEGAL_FORMS)}"
            slug = f"{ascii_slug(last)}-{ascii_slug(other)}"
        elif roll < 0.9:
            name = f"{trade} {last}"
            slug = f"{ascii_slug(trade)}-{ascii_slug(last)}"
        else:
            name = f"{trade} {city} {pick(LEGAL_FORMS)}"
            slug = f"{ascii_slug(trade)}-{ascii_slug(city)}"
        return name, f"{slug}.de"

    def _subscriber(self, area: str, short: int = 0) -> str:
        """A subscriber number that makes 9 to 10 digits with the area code (no leading 0/1)."""
        rand = self.rng.random
        length = (9 if rand() < 0.5 else 10) - (len(area) - 1) - short
        return str(2 + int(rand() * 8)) + str(int(rand() * 10 ** (length - 1))).zfill(length - 1)

    def _phone(
        self,
        party_id: int,
        person_id: int | None,
        kind: str,
        area: str,
        subscriber: str,
        extension: str,
        main: bool,
    ) -> str:
        raw = landline_raw(area, subscriber, extension, int(self.rng.random() * 7))
        digits = f"49{area[1:]}{subscriber}{extension}"
        e164 = f"+{digits}"
        self.rows["phone"].append(
            (self._next("phone"), party_id, person_id, kind, e164, raw, "", digits[::-1], main)
        )
        return e164

    def _mobile(self, party_id: int, person_id: int | None, main: bool) -> str:
        rand = self.rng.random
        prefix, length = self._pick(MOBILE_PREFIXES)
        subscriber = str(int(rand() * 10**length)).zfill(length)
        raw = mobile_raw(prefix, subscriber, int(rand() * 5))
        digits = f"49{prefix[1:]}{subscriber}"
        e164 = f"+{digits}"
        self.rows["phone"].append(
            (self._next("phone"), party_id, person_id, "mobile", e164, raw, "", digits[::-1], main)
        )
        return e164

    def _email(
        self, party_id: int, person_id: int | None, address: str, kind: str, main: bool
    ) -> str:
        self.rows["email"].append((self._next("email"), party_id, person_id, address, kind, main))
        return address

    def _private_email(
        self, party_id: int, person_id: int | None, first: str, last: str, main: bool
    ) -> str:
        rand = self.rng.random
        roll = rand()
        first_slug = ascii_slug(first)
        last_slug = ascii_slug(last)
        if roll < 0.4:
            local = f"{first_slug}.{last_slug}"
        elif roll < 0.6:
            local = f"{first_slug[:1]}.{last_slug}"
        elif roll < 0.8:
            local = f"{first_slug}{last_slug}{int(rand() * 99) + 1}"
        else:
            local = f"{last_slug}.{first_slug}{1950 + int(rand() * 55)}"
        address = f"{local}@{self._pick(PRIVATE_MAIL_DOMAINS)}"
        return self._email(party_id, person_id, address, "private", main)

    def _person(self, party_id: int, domain: str, area: str, block: str) -> tuple[int, str, str]:
        rand = self.rng.random
        pick = self._pick
        person_id = self._next("contact_person")
        female = rand() < 0.45
        first = pick(self.pools.female if female else self.pools.male)
        last = pick(self.pools.last)
        title = "Dr." if rand() < 0.04 else ""
        position, department = pick(POSITIONS)
        birthday = self._birthday(20, 45) if rand() < 0.3 else None
        address = ""
        if rand() < 0.7:
            address = f"{ascii_slug(first)[:1]}.{ascii_slug(last)}@{domain}"
            self._email(party_id, person_id, address, "work", False)
        if rand() < 0.5:
            extension = str(10 + int(rand() * 89))
            self._phone(party_id, person_id, "phone", area, block, extension, False)
        if rand() < 0.3:
            self._mobile(party_id, person_id, False)
        search_key = self._search_key((first, last, position, department), (address,))
        self.rows["contact_person"].append(
            (
                person_id,
                party_id,
                "Frau" if female else "Herr",
                title,
                first,
                last,
                position,
                department,
                birthday,
                "",
                1,
                search_key,
            )
        )
        return person_id, first, last

    def _bank_account(
        self, party_id: int, holder: str, number: str, since: int, mandate: bool
    ) -> None:
        rand = self.rng.random
        name, code, bic = self._pick(BANKS)
        account = str(int(rand() * 10**10)).zfill(10)
        bban = code + account
        iban = f"DE{iban_check_digits('DE', bban)}{bban}"
        self.rows["bank_account"].append(
            (
                self._next("bank_account"),
                party_id,
                iban,
                bic,
                name,
                holder,
                f"MR-{number}" if mandate else "",
                self._day(since) if mandate else None,
                True,
            )
        )

    # Documents ---------------------------------------------------------------------------

    def _deal(
        self,
        party_id: int,
        clerk: int | None,
        day: int,
        days_net: int,
        direct_debit: bool,
        quote_only: bool = False,
    ) -> int:
        """Write one sale as a chain of documents; return the dunning level it reached."""
        rand = self.rng.random
        articles = self.articles
        count = len(articles)
        specs: list[tuple[Any, ...]] = []
        net19 = net7 = 0
        lines = 1 + int(rand() * 3) + int(rand() * 3) if rand() < 0.95 else 5 + int(rand() * 6)
        for _ in range(lines):
            article_id, text, unit, price, vat, fractional = articles[int(rand() * count)]
            if fractional:
                quantity = (1 + int(rand() * 40)) * 250
            else:
                quantity = (1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50)[int(rand() * 15)]
                quantity *= 1000
            roll = rand()
            discount = 0 if roll < 0.75 else (200, 300, 500, 1000, 1250, 1500)[int(rand() * 6)]
            net = _half_up(quantity * price * (10000 - discount), 10_000_000)
            if vat == 1900:
                net19 += net
            else:
                net7 += net
            specs.append((article_id, text, quantity, unit, price, discount, vat, net))
        totals = self._totals(net19, net7)
        if quote_only:
            chain = ["quote"]
        else:
            roll = rand()
            if roll < 0.12:
                chain = ["quote"]
            elif roll < 0.35:
                chain = ["quote", "order", "delivery_note", "invoice"]
            elif roll < 0.6:
                chain = ["order", "delivery_note", "invoice"]
            elif roll < 0.75:
                chain = ["delivery_note", "invoice"]
            else:
                chain = ["invoice"]
        dates = [min(day, 0)]
        for _ in chain[1:]:
            dates.append(dates[-1] + int(rand() * 12))
        while len(dates) > 1 and dates[-1] > 0:
            dates.pop()
        chain = chain[: len(dates)]
        if clerk is None or rand() < 0.2:
            clerk = 1 + int(rand() * 4)
        previous = None
        dunning = 0
        for position, (kind, offset) in enumerate(zip(chain, dates, strict=True)):
            last = position == len(chain) - 1
            due_date = None
            if kind == "invoice":
                due_date = self._day(offset + days_net)
            document_id = self._next("document")
            if kind == "invoice":
                status, dunning = self._open_item(
                    document_id, party_id, totals[2], offset, days_net, direct_debit
                )
            elif not last:
                status = "done"
            elif kind == "quote" and offset < -30:
                status = "cancelled" if rand() < 0.7 else "done"
            else:
                draft = kind in ("quote", "order") and offset > -3 and rand() < 0.3
                status = "draft" if draft else "open"
            self._document(
                document_id, kind, party_id, offset, status, clerk, due_date, totals, specs
            )
            if previous is not None:
                self.rows["document_link"].append(
                    (self._next("document_link"), previous, document_id)
                )
            previous = document_id
        if chain[-1] == "invoice" and rand() < 0.04:
            offset = dates[-1] + 3 + int(rand() * 40)
            if offset <= 0:
                credit_specs = specs[:1]
                vat, net = specs[0][6:8]
                credit_totals = self._totals(net if vat == 1900 else 0, net if vat == 700 else 0)
                document_id = self._next("document")
                self._document(
                    document_id,
                    "credit_note",
                    party_id,
                    offset,
                    "done",
                    clerk,
                    None,
                    credit_totals,
                    credit_specs,
                )
                self.rows["document_link"].append(
                    (self._next("document_link"), previous, document_id)
                )
                # The credit is refunded the same day: a settled open item of minus the
                # gross total and a negative payment, so the account sheet balances.
                item_id = self._next("open_item")
                refund = -credit_totals[2]
                self._payment(item_id, party_id, offset, refund, "transfer", fixed=True)
                self.rows["open_item"].append(
                    (
                        item_id,
                        document_id,
                        party_id,
                        refund,
                        refund,
                        self._day(offset),
                        0,
                        None,
                        f"{self._day(offset)} 12:00:00",
                        1,
                    )
                )
        return dunning

    @staticmethod
    def _totals(net19: int, net7: int) -> tuple[int, int, int]:
        vat = _half_up(net19 * 1900, 10_000) + _half_up(net7 * 700, 10_000)
        return net19 + net7, vat, net19 + net7 + vat

    def _document(
        self,
        document_id: int,
        kind: str,
        party_id: int,
        offset: int,
        status: str,
        clerk: int,
        due_date: str | None,
        totals: tuple[int, int, int],
        specs: list[tuple[Any, ...]],
    ) -> None:
        number = f"{DOCUMENT_PREFIXES[kind]}{self._number(kind)}"
        reference = self._pick(REFERENCES) if kind == "order" else ""
        self.rows["document"].append(
            (
                document_id,
                number,
                kind,
                party_id,
                self._day(offset),
                status,
                clerk,
                due_date,
                reference,
                "",
                totals[0],
                totals[1],
                totals[2],
                self._stamp(offset),
                1,
            )
        )
        lines = self.rows["document_line"]
        ids = self.ids
        for position, spec in enumerate(specs, start=1):
            ids["document_line"] += 1
            lines.append((ids["document_line"], document_id, position, *spec))

    def _open_item(
        self,
        document_id: int,
        party_id: int,
        amount: int,
        offset: int,
        days_net: int,
        direct_debit: bool,
    ) -> tuple[str, int]:
        """Write the open item of an invoice; return the invoice status and dunning level."""
        if offset < -OPEN_ITEM_DAYS:
            # Settled long ago: paid in full halfway through the terms. No random draw, so
            # everything else a seed gives stays the same.
            item_id = self._next("open_item")
            pay_day = offset + days_net // 2
            method = "direct_debit" if direct_debit else "transfer"
            self._payment(item_id, party_id, pay_day, amount, method, fixed=True)
            self.rows["open_item"].append(
                (
                    item_id,
                    document_id,
                    party_id,
                    amount,
                    amount,
                    self._day(offset + days_net),
                    0,
                    None,
                    f"{self._day(pay_day)} 12:00:00",
                    1,
                )
            )
            return "done", 0
        rand = self.rng.random
        due = offset + days_net
        overdue = -due
        roll = rand()
        if overdue < 0:
            state = "paid" if roll < 0.15 and offset < 0 else "part" if roll < 0.25 else "open"
        elif overdue > 120:
            state = "paid" if roll < 0.99 else "part" if roll < 0.995 else "open"
        else:
            state = "paid" if roll < 0.7 else "part" if roll < 0.8 else "open"
        if direct_debit and state != "open" and overdue >= 0:
            state = "paid"
        item_id = self._next("open_item")
        method = "direct_debit" if direct_debit else self._pick(PAYMENT_METHODS)
        paid = 0
        closed_at = None
        if state == "paid":
            pay_day = min(offset + int(rand() * (days_net + 20)), 0)
            self._payment(item_id, party_id, pay_day, amount, method)
            paid = amount
            closed_at = self._stamp(pay_day)
        elif state == "part":
            instalments = 1 if rand() < 0.7 else 2
            pay_day = offset
            for _ in range(instalments):
                pay_day = min(pay_day + int(rand() * (days_net + 10)), 0)
                part = _half_up((amount - paid) * (20 + int(rand() * 50)), 100)
                if 0 < part < amount - paid:
                    self._payment(item_id, party_id, pay_day, part, method)
                    paid += part
        level = 0
        last_dunning = None
        if closed_at is None and overdue >= 14:
            level = min(4, overdue // 14)
            for step in range(1, level + 1):
                last_dunning = self._day(due + 14 * step)
                self.rows["dunning_event"].append(
                    (
                        self._next("dunning_event"),
                        item_id,
                        step,
                        last_dunning,
                        DUNNING_FEES[step],
                        4,
                        None,
                    )
                )
        self.rows["open_item"].append(
            (
                item_id,
                document_id,
                party_id,
                amount,
                paid,
                self._day(due),
                level,
                last_dunning,
                closed_at,
                1,
            )
        )
        return ("done" if closed_at else "open"), level

    def _payment(
        self, item_id: int, party_id: int, day: int, amount: int, method: str, fixed: bool = False
    ) -> None:
        """Write a payment; ``fixed`` stamps it at noon instead of drawing a time."""
        stamp = f"{self._day(day)} 12:00:00" if fixed else self._stamp(day)
        self.rows["payment"].append(
            (
                self._next("payment"),
                item_id,
                party_id,
                self._day(day),
                amount,
                method,
                "",
                4,
                stamp,
                1,
            )
        )

    # Follow-ups and contacts -----------------------------------------------------------

    def _follow_ups(self, party_id: int, persons: list[tuple[int, str, str]], since: int) -> None:
        rand = self.rng.random
        pick = self._pick
        roll = rand()
        count = 0 if roll < 0.7 else 1 if roll < 0.92 else 2
        for _ in range(count):
            person = pick(persons)[0] if persons and rand() < 0.5 else None
            owner = 1 + int(rand() * 4)
            creator = 1 + int(rand() * 4)
            kind = rand()
            if kind < 0.35:
                due = -1 - int(rand() * 30)
            elif kind < 0.5:
                due = 0
            else:
                due = 1 + int(rand() * 60)
            done_at = done_by = None
            if rand() < 0.35:
                due = max(since, -1 - int(rand() * 400))
                done_at = self._stamp(min(due + int(rand() * 4), 0))
                done_by = owner
            created = max(since, min(due, 0) - int(rand() * 30))
            due_time = pick(self.times)[:5] + ":00" if rand() < 0.3 else None
            self.rows["follow_up"].append(
                (
                    self._next("follow_up"),
                    party_id,
                    person,
                    self._day(due),
                    due_time,
                    pick(FOLLOW_UP_SUBJECTS),
                    "",
                    owner,
                    1 + int(rand() * 3),
                    "",
                    None,
                    done_at,
                    done_by,
                    self._stamp(created),
                    creator,
                    1,
                )
            )

    def _contacts(
        self, party_id: int, persons: list[tuple[int, str, str]], since: int, e164: str
    ) -> tuple[str | None, int]:
        """Write the contact log of a party; return its last contact time and count."""
        rand = self.rng.random
        pick = self._pick
        count = int(rand() * 4) + int(rand() * 4)
        offsets = sorted(since + int(rand() * (-since + 1)) for _ in range(count))
        rows = self.rows["contact_log"]
        last = None
        for offset in offsets:
            kind = pick(self.contact_kinds)
            phone = kind in ("phone_in", "phone_out", "missed")
            at = self._stamp(offset)
            last = at if last is None or at > last else last
            rows.append(
                (
                    self._next("contact_log"),
                    party_id,
                    pick(persons)[0] if persons and rand() < 0.5 else None,
                    at,
                    kind,
                    pick(CONTACT_TOPICS),
                    pick(AGREEMENTS),
                    30 + int(rand() * 900) if kind in ("phone_in", "phone_out") else None,
                    e164 if phone else "",
                    1 + int(rand() * 5),
                    None,
                    None,
                )
            )
        return last, count
