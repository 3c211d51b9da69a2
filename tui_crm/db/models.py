"""The whole domain as Peewee models, bound to the :data:`~tui_crm.db.connection.db` proxy.

Every table the later features use is here from the first schema version, so features add
behaviour, not schema churn. Money is :class:`MoneyField` (integer cents).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
    TimeField,
)

from tui_crm.db.connection import db
from tui_crm.db.fields import FixedPointField, MoneyField

PARTY_KINDS = ("customer", "prospect")
PHONE_KINDS = ("phone", "mobile", "fax", "other")
DOCUMENT_KINDS = ("quote", "order", "delivery_note", "invoice", "credit_note")
DOCUMENT_STATUSES = ("draft", "open", "done", "cancelled")
CONTACT_KINDS = ("phone_in", "phone_out", "missed", "visit", "letter", "email", "other")
ROLES = ("inquiry", "clerk", "accounting", "admin")


def now() -> datetime:
    """The current local time without microseconds (what every ``*_at`` column stores)."""
    return datetime.now().replace(microsecond=0)


class BaseModel(Model):
    """Base of every model: bound to the proxy, snake_case table names."""

    if TYPE_CHECKING:
        id = AutoField()

    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row per applied migration."""

    version = IntegerField(primary_key=True)
    applied_at = DateTimeField(default=now)


class Clerk(BaseModel):
    """A user of the app (Sachbearbeiter) with a role."""

    login = CharField(max_length=64, unique=True)
    name = CharField(max_length=100, default="")
    role = CharField(max_length=16, default="clerk")
    email = CharField(max_length=200, default="")
    extension = CharField(max_length=20, default="")
    active = BooleanField(default=True)


class Sequence(BaseModel):
    """Number ranges (customer, prospect, invoice …); ``next_value`` is handed out next."""

    name = CharField(max_length=32, primary_key=True)
    prefix = CharField(max_length=10, default="")
    next_value = IntegerField(default=10000)


class CustomerGroup(BaseModel):
    """Kundengruppe."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class PriceList(BaseModel):
    """Preisliste."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class PaymentTerms(BaseModel):
    """Zahlungsbedingung: net days and optional cash discount."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)
    days_net = IntegerField(default=14)
    discount_days = IntegerField(default=0)
    discount_percent = FixedPointField(2, default=0)


class Party(BaseModel):
    """A customer or prospect; converting a prospect keeps the row and all its history."""

    number = CharField(max_length=20, unique=True)
    kind = CharField(max_length=10, default="customer", index=True)
    salutation = CharField(max_length=20, default="")
    title = CharField(max_length=40, default="")
    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    company = CharField(max_length=200, default="")
    company2 = CharField(max_length=200, default="")
    street = CharField(max_length=200, default="")
    postcode = CharField(max_length=16, default="")
    city = CharField(max_length=100, default="")
    country = CharField(max_length=2, default="DE")
    birthday = DateField(null=True)
    group = ForeignKeyField(CustomerGroup, null=True, on_delete="SET NULL")
    price_list = ForeignKeyField(PriceList, null=True, on_delete="SET NULL")
    payment_terms = ForeignKeyField(PaymentTerms, null=True, on_delete="SET NULL")
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    contact_interval_days = IntegerField(null=True)
    marketing_source = CharField(max_length=100, default="")
    referred_by = ForeignKeyField("self", null=True, on_delete="SET NULL")
    credit_limit = MoneyField(default=0)
    blocked = BooleanField(default=False)
    notes = TextField(default="")
    last_contact_at = DateTimeField(null=True)
    contact_count = IntegerField(default=0)
    suggestion_snoozed_until = DateField(null=True)
    converted_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)
    version = IntegerField(default=1)
    search_key = TextField(default="")

    class Meta:
        indexes = (
            (("postcode",), False),
            (("city",), False),
            (("last_name", "first_name"), False),
            (("company",), False),
            (("search_key",), False),
            (("kind", "last_contact_at"), False),
            (("birthday",), False),
        )

    @property
    def display_name(self) -> str:
        """Company, else ``first last``."""
        person = " ".join(part for part in (self.first_name, self.last_name) if part)
        return self.company or person


class NumberHistory(BaseModel):
    """Numbers a party had before (a prospect number kept after conversion)."""

    party = ForeignKeyField(Party, backref="number_history", on_delete="CASCADE")
    number = CharField(max_length=20, index=True)
    kind = CharField(max_length=10)
    valid_until = DateTimeField(default=now)


class ContactPerson(BaseModel):
    """Ansprechpartner of a party."""

    party = ForeignKeyField(Party, backref="contact_persons", on_delete="CASCADE")
    salutation = CharField(max_length=20, default="")
    title = CharField(max_length=40, default="")
    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    position = CharField(max_length=100, default="")
    department = CharField(max_length=100, default="")
    birthday = DateField(null=True)
    notes = TextField(default="")
    version = IntegerField(default=1)
    search_key = TextField(default="")

    class Meta:
        indexes = ((("search_key",), False),)


class Phone(BaseModel):
    """A phone number of a party or one of its contact persons, stored E.164."""

    party = ForeignKeyField(Party, backref="phones", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="CASCADE")
    kind = CharField(max_length=10, default="phone")
    e164 = CharField(max_length=20, index=True)
    as_entered = CharField(max_length=50, default="")
    extension = CharField(max_length=10, default="")
    reversed_digits = CharField(max_length=20, index=True, default="")
    is_main = BooleanField(default=False)


class Email(BaseModel):
    """An email address of a party or contact person."""

    party = ForeignKeyField(Party, backref="emails", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="CASCADE")
    address = CharField(max_length=254, index=True)
    kind = CharField(max_length=10, default="work")
    is_main = BooleanField(default=False)


class BankAccount(BaseModel):
    """IBAN/BIC and SEPA mandate of a party."""

    party = ForeignKeyField(Party, backref="bank_accounts", on_delete="CASCADE")
    iban = CharField(max_length=34)
    bic = CharField(max_length=11, default="")
    bank_name = CharField(max_length=100, default="")
    holder = CharField(max_length=200, default="")
    mandate_reference = CharField(max_length=35, default="")
    mandate_date = DateField(null=True)
    is_main = BooleanField(default=True)


class ArticleGroup(BaseModel):
    """Artikelgruppe."""

    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class Article(BaseModel):
    """An article that document lines refer to."""

    number = CharField(max_length=32, unique=True)
    name = CharField(max_length=200)
    group = ForeignKeyField(ArticleGroup, null=True, on_delete="SET NULL")
    unit = CharField(max_length=10, default="Stk")
    price = MoneyField(default=0)
    vat_rate = FixedPointField(2, default=19)
    active = BooleanField(default=True)


class Document(BaseModel):
    """A quote, order, delivery note, invoice or credit note (Beleg); totals are cached."""

    number = CharField(max_length=32, unique=True)
    kind = CharField(max_length=16)
    party = ForeignKeyField(Party, backref="documents", on_delete="RESTRICT")
    date = DateField()
    status = CharField(max_length=12, default="open")
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    due_date = DateField(null=True)
    reference = CharField(max_length=100, default="")
    notes = TextField(default="")
    net_total = MoneyField(default=0)
    vat_total = MoneyField(default=0)
    gross_total = MoneyField(default=0)
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("party", "date"), False),
            (("kind", "date"), False),
            (("date",), False),
            # Covering indexes of the sales figures (schema version 6): company sales and
            # revenue since a day read the first, a customer's sales and the lapsed
            # customers the second, neither touching the table.
            (("kind", "date", "party", "status", "net_total"), False),
            (("party", "kind", "date", "status", "net_total"), False),
        )


class DocumentLink(BaseModel):
    """An edge of the document chain (quote → order → delivery note → invoice → credit note)."""

    source = ForeignKeyField(Document, backref="links_out", on_delete="CASCADE")
    target = ForeignKeyField(Document, backref="links_in", on_delete="CASCADE")

    class Meta:
        indexes = ((("source", "target"), True), (("target",), False))


class DocumentLine(BaseModel):
    """One line of a document; ``net`` is the cached line total."""

    document = ForeignKeyField(Document, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    article = ForeignKeyField(Article, null=True, on_delete="SET NULL")
    text = CharField(max_length=300, default="")
    quantity = FixedPointField(3, default=1)
    unit = CharField(max_length=10, default="Stk")
    unit_price = MoneyField(default=0)
    discount_percent = FixedPointField(2, default=0)
    vat_rate = FixedPointField(2, default=19)
    net = MoneyField(default=0)

    class Meta:
        indexes = ((("document", "position"), True), (("article",), False))


class OpenItem(BaseModel):
    """An unpaid (or settled) invoice or credit note with its dunning state."""

    document = ForeignKeyField(Document, unique=True, on_delete="CASCADE")
    party = ForeignKeyField(Party, backref="open_items", on_delete="RESTRICT")
    amount = MoneyField()
    paid = MoneyField(default=0)
    due_date = DateField()
    dunning_level = IntegerField(default=0)
    last_dunning_date = DateField(null=True)
    closed_at = DateTimeField(null=True)
    version = IntegerField(default=1)

    class Meta:
        # The unsettled items' partial indexes are in migration 5 (m0005_open_item_indexes).
        indexes = ((("party", "closed_at"), False),)


class Payment(BaseModel):
    """A payment against an open item."""

    open_item = ForeignKeyField(OpenItem, backref="payments", on_delete="RESTRICT")
    party = ForeignKeyField(Party, on_delete="RESTRICT")
    date = DateField()
    amount = MoneyField()
    method = CharField(max_length=20, default="transfer")
    note = CharField(max_length=200, default="")
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("party", "date"), False),)


class FollowUp(BaseModel):
    """Wiedervorlage: something to do for a party by a clerk on a date."""

    party = ForeignKeyField(Party, backref="follow_ups", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="SET NULL")
    due_date = DateField()
    due_time = TimeField(null=True)
    subject = CharField(max_length=200)
    note = TextField(default="")
    owner = ForeignKeyField(Clerk, backref="follow_ups", on_delete="RESTRICT")
    priority = IntegerField(default=2)
    recurrence = CharField(max_length=16, default="")
    days_after_contact = IntegerField(null=True)
    done_at = DateTimeField(null=True)
    done_by = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    created_by = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("done_at", "owner", "due_date"), False),
            (("done_at", "due_date"), False),
            (("party", "due_date"), False),
        )


class Mailing(BaseModel):
    """A mail merge run (Serienbrief)."""

    name = CharField(max_length=200)
    template = CharField(max_length=500)
    filters = TextField(default="")
    count = IntegerField(default=0)
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)


class Letter(BaseModel):
    """A generated letter kept on the party."""

    party = ForeignKeyField(Party, backref="letters", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="SET NULL")
    mailing = ForeignKeyField(Mailing, null=True, backref="letters", on_delete="SET NULL")
    template = CharField(max_length=500)
    subject = CharField(max_length=200, default="")
    path = CharField(max_length=1000)
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("party", "created_at"), False),)


class DunningEvent(BaseModel):
    """A dunning level raised on an open item, with its fee and letter."""

    open_item = ForeignKeyField(OpenItem, backref="dunning_events", on_delete="CASCADE")
    level = IntegerField()
    date = DateField()
    fee = MoneyField(default=0)
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    letter = ForeignKeyField(Letter, null=True, on_delete="SET NULL")


class ContactLog(BaseModel):
    """Kontakt: a call, visit, letter or email with a party."""

    party = ForeignKeyField(Party, backref="contacts", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="SET NULL")
    at = DateTimeField(default=now)
    kind = CharField(max_length=10)
    topic = CharField(max_length=200, default="")
    agreements = TextField(default="")
    duration_seconds = IntegerField(null=True)
    phone_e164 = CharField(max_length=20, default="")
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    follow_up = ForeignKeyField(FollowUp, null=True, on_delete="SET NULL")
    letter = ForeignKeyField(Letter, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("party", "at"), False), (("kind", "at"), False))


class UnknownCall(BaseModel):
    """A missed call from a number no party has, or a withheld one (schema version 4)."""

    at = DateTimeField()
    number = CharField(max_length=64, default="")
    phone_e164 = CharField(max_length=20, default="")
    withheld = BooleanField(default=False)

    class Meta:
        indexes = ((("at",), False),)


class Bookmark(BaseModel):
    """A party a clerk marked (Merken)."""

    clerk = ForeignKeyField(Clerk, on_delete="CASCADE")
    party = ForeignKeyField(Party, on_delete="CASCADE")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("clerk", "party"), True),)


class RecentParty(BaseModel):
    """A party a clerk opened recently (one row per clerk and party)."""

    clerk = ForeignKeyField(Clerk, on_delete="CASCADE")
    party = ForeignKeyField(Party, on_delete="CASCADE")
    opened_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("clerk", "party"), True), (("clerk", "opened_at"), False))


class AuditLog(BaseModel):
    """One changed field: who changed what, when, from what to what."""

    table_name = CharField(max_length=32)
    row_id = IntegerField()
    party = ForeignKeyField(Party, null=True, on_delete="SET NULL")
    field = CharField(max_length=64)
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    clerk = CharField(max_length=64)
    at = DateTimeField(default=now)

    class Meta:
        indexes = ((("party", "at"), False), (("table_name", "row_id"), False), (("at",), False))


class SearchWord(BaseModel):
    """A folded word of a party's names, address or emails (see :mod:`.search_index`)."""

    word = CharField(max_length=64)
    party = ForeignKeyField(Party, on_delete="CASCADE")
    kind = SmallIntegerField()

    class Meta:
        primary_key = False
        indexes = ((("word", "kind", "party"), False), (("party", "word"), False))


MODELS: tuple[type[BaseModel], ...] = (
    SchemaVersion,
    Clerk,
    Sequence,
    CustomerGroup,
    PriceList,
    PaymentTerms,
    Party,
    NumberHistory,
    ContactPerson,
    Phone,
    Email,
    BankAccount,
    ArticleGroup,
    Article,
    Document,
    DocumentLink,
    DocumentLine,
    OpenItem,
    Payment,
    Mailing,
    Letter,
    DunningEvent,
    FollowUp,
    ContactLog,
    UnknownCall,
    Bookmark,
    RecentParty,
    AuditLog,
    SearchWord,
)
"""Every model, in an order that satisfies foreign keys on create."""


def row_dict(model: Model) -> dict[str, Any]:
    """Return the column values of ``model`` by field name."""
    return {name: getattr(model, name) for name in model._meta.fields}
