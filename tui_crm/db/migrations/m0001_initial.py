"""Schema version 1: every table of the domain (a frozen copy; never import the live models)."""

from __future__ import annotations

from datetime import datetime

from peewee import (
    BooleanField,
    CharField,
    Database,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    TimeField,
)

from tui_crm.db.fields import FixedPointField, MoneyField

VERSION = 1


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = DateTimeField(default=now)


class Clerk(BaseModel):
    login = CharField(max_length=64, unique=True)
    name = CharField(max_length=100, default="")
    role = CharField(max_length=16, default="clerk")
    email = CharField(max_length=200, default="")
    extension = CharField(max_length=20, default="")
    active = BooleanField(default=True)


class Sequence(BaseModel):
    name = CharField(max_length=32, primary_key=True)
    prefix = CharField(max_length=10, default="")
    next_value = IntegerField(default=10000)


class CustomerGroup(BaseModel):
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class PriceList(BaseModel):
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class PaymentTerms(BaseModel):
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)
    days_net = IntegerField(default=14)
    discount_days = IntegerField(default=0)
    discount_percent = FixedPointField(2, default=0)


class Party(BaseModel):
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


class NumberHistory(BaseModel):
    party = ForeignKeyField(Party, backref="number_history", on_delete="CASCADE")
    number = CharField(max_length=20, index=True)
    kind = CharField(max_length=10)
    valid_until = DateTimeField(default=now)


class ContactPerson(BaseModel):
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
    party = ForeignKeyField(Party, backref="phones", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="CASCADE")
    kind = CharField(max_length=10, default="phone")
    e164 = CharField(max_length=20, index=True)
    as_entered = CharField(max_length=50, default="")
    extension = CharField(max_length=10, default="")
    reversed_digits = CharField(max_length=20, index=True, default="")
    is_main = BooleanField(default=False)


class Email(BaseModel):
    party = ForeignKeyField(Party, backref="emails", on_delete="CASCADE")
    contact_person = ForeignKeyField(ContactPerson, null=True, on_delete="CASCADE")
    address = CharField(max_length=254, index=True)
    kind = CharField(max_length=10, default="work")
    is_main = BooleanField(default=False)


class BankAccount(BaseModel):
    party = ForeignKeyField(Party, backref="bank_accounts", on_delete="CASCADE")
    iban = CharField(max_length=34)
    bic = CharField(max_length=11, default="")
    bank_name = CharField(max_length=100, default="")
    holder = CharField(max_length=200, default="")
    mandate_reference = CharField(max_length=35, default="")
    mandate_date = DateField(null=True)
    is_main = BooleanField(default=True)


class ArticleGroup(BaseModel):
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=100)


class Article(BaseModel):
    number = CharField(max_length=32, unique=True)
    name = CharField(max_length=200)
    group = ForeignKeyField(ArticleGroup, null=True, on_delete="SET NULL")
    unit = CharField(max_length=10, default="Stk")
    price = MoneyField(default=0)
    vat_rate = FixedPointField(2, default=19)
    active = BooleanField(default=True)


class Document(BaseModel):
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
        )


class DocumentLink(BaseModel):
    source = ForeignKeyField(Document, backref="links_out", on_delete="CASCADE")
    target = ForeignKeyField(Document, backref="links_in", on_delete="CASCADE")

    class Meta:
        indexes = ((("source", "target"), True), (("target",), False))


class DocumentLine(BaseModel):
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
        indexes = (
            (("closed_at", "due_date"), False),
            (("party", "closed_at"), False),
        )


class Payment(BaseModel):
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
    name = CharField(max_length=200)
    template = CharField(max_length=500)
    filters = TextField(default="")
    count = IntegerField(default=0)
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)


class Letter(BaseModel):
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
    open_item = ForeignKeyField(OpenItem, backref="dunning_events", on_delete="CASCADE")
    level = IntegerField()
    date = DateField()
    fee = MoneyField(default=0)
    clerk = ForeignKeyField(Clerk, null=True, on_delete="SET NULL")
    letter = ForeignKeyField(Letter, null=True, on_delete="SET NULL")


class ContactLog(BaseModel):
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


class Bookmark(BaseModel):
    clerk = ForeignKeyField(Clerk, on_delete="CASCADE")
    party = ForeignKeyField(Party, on_delete="CASCADE")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("clerk", "party"), True),)


class RecentParty(BaseModel):
    clerk = ForeignKeyField(Clerk, on_delete="CASCADE")
    party = ForeignKeyField(Party, on_delete="CASCADE")
    opened_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("clerk", "party"), True), (("clerk", "opened_at"), False))


class AuditLog(BaseModel):
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


TABLES: tuple[type[Model], ...] = (
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
    DunningEvent,
    FollowUp,
    Mailing,
    Letter,
    ContactLog,
    Bookmark,
    RecentParty,
    AuditLog,
)


def apply(database: Database) -> None:
    """Create every table and index of version 1."""
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES)
