"""Word templates: the field catalogue, checking placeholders, and rendering with docxtpl.

A template is a ``.docx`` with Jinja2 placeholders (``{{ customer.name }}``, loops such as
``{%tr for item in open_items %}``). docxtpl's :meth:`~docxtpl.DocxTemplate.patch_xml` joins
placeholders that Word split across runs, in the body (tables and text boxes included), the
headers, the footers and the footnotes; typographic quotes inside a placeholder become plain
ones. Each part is compiled once on a :class:`jinja2.sandbox.SandboxedEnvironment` with
autoescape and :class:`jinja2.StrictUndefined`, so a template cannot reach Python internals,
customer data with ``&``, ``<`` and quotes appears literally, and an unknown field is an
error. Before anything is rendered, :func:`check` walks the compiled templates and names every
placeholder that is not in the catalogue, with its part and paragraph.

Rendering a letter renders the compiled parts with a context of plain strings and writes a
new zip from the template's other entries: the template is parsed once per process, not
once per letter (docxtpl's own ``render`` reloads and recompiles the template every time).
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_crm.errors import CrmError

if TYPE_CHECKING:
    import zipfile

    from jinja2 import Template
    from jinja2.nodes import Node as JinjaNode


class TemplateProblem(CrmError):
    """A template cannot be used: unknown fields, bad syntax, or not a ``.docx``.

    Args:
        msg: One line naming the template and the first problem.
        problems: Every problem, one line each, with its location.
    """

    def __init__(self, msg: str, problems: list[str] | None = None) -> None:
        super().__init__(msg, title="Template")
        self.problems = problems or [msg]
        """Every problem found, one line each."""


# The field catalogue --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    """A value a template prints (always a string)."""

    description: str
    """What it holds."""


@dataclass(frozen=True, slots=True)
class Obj:
    """A group of fields (``customer``, ``company`` …)."""

    description: str
    """What it is."""
    fields: dict[str, Leaf | Obj | ListOf]
    """Its fields by name."""


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list a template loops over (``open_items``, ``document.lines``)."""

    description: str
    """What it holds."""
    item: Obj
    """The fields of each entry."""


class _Any:
    """Something the checker cannot know (a ``{% set %}`` variable, ``loop``)."""


ANY = _Any()

Node = Leaf | Obj | ListOf | _Any


def _leaves(**fields: str) -> dict[str, Leaf | Obj | ListOf]:
    return {name: Leaf(text) for name, text in fields.items()}


_PERSON = _leaves(
    salutation="Herr, Frau … as stored",
    title="academic title (Dr.)",
    first_name="first name",
    last_name="last name",
    name="salutation, title, first and last name",
    position="position",
    department="department",
    salutation_line="the greeting: Sehr geehrte Frau Dr. Müller,",
    email="main email address",
    phone="main phone number, national format",
)

_CUSTOMER = Obj(
    "the customer or prospect the letter goes to",
    {
        **_leaves(
            number="customer or prospect number",
            kind="Kunde or Interessent (Customer or Prospect in English)",
            salutation="Herr, Frau, Firma … as stored",
            title="academic title (Dr.)",
            first_name="first name",
            last_name="last name",
            company="company name",
            company2="second line of the company name",
            name="company, else first and last name",
            person="salutation, title, first and last name (empty for a company without one)",
            street="street and house number",
            postcode="postcode",
            city="city",
            country="country code (DE)",
            country_name="country name (empty for the home country)",
            address_block="DIN 5008 address block, one line each",
            salutation_line="the greeting: Sehr geehrte Frau Dr. Müller, / Sehr geehrte Damen "
            "und Herren, (of the contact person when one is chosen)",
            birthday="birthday (24.12.1970)",
            age="age in years on the letter's date",
            group="customer group",
            price_list="price list",
            payment_terms="payment terms",
            marketing_source="where the customer came from",
            credit_limit="credit limit (1.234,56 €)",
            email="main email address",
            phone="main phone number, national format",
            mobile="first mobile number, national format",
            fax="first fax number, national format",
            clerk="name of the customer's clerk",
            iban="IBAN of the main bank account",
            bic="BIC of the main bank account",
            mandate_reference="SEPA mandate reference",
            customer_since="day the prospect became a customer, or the record was created",
            open_balance="open items balance (1.234,56 €)",
        ),
        "address_lines": ListOf(
            "the address block as a list", Obj("a line", _leaves(text="the line"))
        ),
    },
)

_ITEM = Obj(
    "an open item",
    _leaves(
        number="invoice number",
        kind="Rechnung or Gutschrift",
        date="invoice date",
        due_date="due date",
        days_overdue="days past the due date (0 when not due)",
        amount="invoice amount",
        paid="amount paid",
        balance="amount still open",
        dunning_level="dunning level (0 = never dunned)",
        reference="the customer's reference",
    ),
)

_LINE = Obj(
    "a document line",
    _leaves(
        position="position number",
        article="article number",
        text="line text",
        quantity="quantity",
        unit="unit",
        unit_price="unit price",
        discount="discount percent",
        vat_rate="VAT rate percent",
        net="line total, net",
    ),
)

CATALOGUE: dict[str, Leaf | Obj | ListOf] = {
    "customer": _CUSTOMER,
    "contact": Obj("the contact person chosen (all fields empty when none)", dict(_PERSON)),
    "clerk": Obj(
        "the clerk writing the letter",
        _leaves(
            login="login name",
            name="full name",
            email="email address",
            phone="the company phone with the clerk's extension",
            extension="phone extension",
        ),
    ),
    "company": Obj(
        "your own company, from the [company] section of the config",
        _leaves(
            name="company name",
            street="street",
            postcode="postcode",
            city="city",
            country="country name",
            sender_line="one-line return address above the address block",
            phone="phone",
            fax="fax",
            email="email",
            website="website",
            vat_id="VAT id (USt-IdNr.)",
            tax_number="tax number",
            register="commercial register (Amtsgericht Köln HRB 12345)",
            managing_director="managing director(s)",
            bank="bank name",
            iban="IBAN",
            bic="BIC",
        ),
    ),
    "today": Leaf("the letter's date (24.11.2026)"),
    "today_long": Leaf("the letter's date written out (24. November 2026)"),
    "subject": Leaf("the subject line given when writing the letter"),
    "open_items": ListOf("the customer's open items, oldest due first", _ITEM),
    "open_total": Leaf("sum of the open items' balances"),
    "overdue_total": Leaf("sum of the overdue balances"),
    "dunning": Obj(
        "the dunning notice (empty outside a dunning run)",
        _leaves(
            level="dunning level of this notice (1, 2, 3)",
            fee="dunning fee",
            interest="default interest",
            total="open total plus fee and interest",
            pay_by="day the payment is due",
        ),
    ),
    "document": Obj(
        "a document (quote, order, invoice …) the letter is about; empty when none",
        {
            **_leaves(
                number="document number",
                kind="document kind",
                date="document date",
                due_date="due date",
                reference="the customer's reference",
                net_total="net total",
                vat_total="VAT",
                gross_total="gross total",
            ),
            "lines": ListOf("the document's lines", _LINE),
        },
    ),
}
"""Every field a template may use."""


def catalogue_lines() -> list[tuple[str, str]]:
    """``(placeholder, description)`` of every field, for ``tui-crm templates fields``."""
    result: list[tuple[str, str]] = []

    def walk(prefix: str, node: Leaf | Obj | ListOf) -> None:
        if isinstance(node, Leaf):
            result.append((prefix, node.description))
        elif isinstance(node, Obj):
            for name, child in node.fields.items():
                walk(f"{prefix}.{name}", child)
        else:
            result.append((prefix, f"{node.description} ({{% for item in {prefix} %}})"))
            for name, child in node.item.fields.items():
                walk(f"item.{name}" if "." not in prefix else f"line.{name}", child)

    for name, node in CATALOGUE.items():
        walk(name, node)
    return result


# Compiling and checking -----------------------------------------------------------------

_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"

_QUOTES = {
    # Read from Word documents, never drawn on the screen (hence chr(): the glyph check of
    # the UI's strings does not apply to them).
    chr(0x201E): '"',  # low double quote, German opening
    chr(0x201F): '"',
    chr(0x00AB): '"',  # guillemets
    chr(0x00BB): '"',
    chr(0x201A): "'",  # low single quote, German opening
    chr(0x201B): "'",
    chr(0x2039): "'",
    chr(0x203A): "'",
}
"""Typographic quotes docxtpl does not straighten itself (it does the curly English ones)."""

_INSIDE_TAG = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})")
_STRING_METHODS = frozenset(
    {"upper", "lower", "title", "capitalize", "strip", "replace", "startswith", "endswith"}
)
"""Methods of a printed value a template may call (``{{ customer.city.upper() }}``)."""

_LIST_FILTERS = frozenset({"sort", "reverse", "list", "selectattr", "rejectattr", "unique"})
_ITEM_FILTERS = frozenset({"first", "last", "random"})
_JINJA_GLOBALS = frozenset({"range", "loop", "namespace", "dict", "cycler", "joiner", "lipsum"})

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without characters XML cannot hold or docxtpl reads as layout (``\\f``)."""
    return _CONTROL.sub("", text)


@dataclass(slots=True)
class _Part:
    """One templated XML part of the document."""

    name: str
    """Zip entry name (``word/document.xml``)."""
    label: str
    """How a message names it (``body``, ``header 1``)."""
    source: str
    """The patched XML, one paragraph a line (docxtpl's layout for Jinja)."""
    template: Template | None = None
    """The compiled part; None for a part without placeholders (copied as it is)."""
    encoding: str = "utf-8"
    """The part's XML encoding."""


@dataclass(frozen=True, slots=True)
class _Packed:
    """A zip entry deflated once, copied into every letter as it is."""

    name: bytes
    """The entry name, UTF-8."""
    data: bytes
    """Raw deflate stream."""
    crc: int
    """CRC-32 of the uncompressed bytes."""
    size: int
    """Uncompressed size."""


def _pack(name: str, data: bytes) -> _Packed:
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    return _Packed(name.encode("utf-8"), packed, zlib.crc32(data), len(data))


_DOS_TIME = (0, (1 << 5) | 1)  # 1980-01-01 00:00: files of the same content are the same bytes


def _zip(entries: list[_Packed]) -> bytes:
    """A zip archive of deflated entries (what zipfile writes, without deflating again)."""
    body = bytearray()
    directory = bytearray()
    for entry in entries:
        offset = len(body)
        flags = 0x800 if not entry.name.isascii() else 0
        common = struct.pack(
            "<HHHHHIIIH",
            20,
            flags,
            8,
            *_DOS_TIME,
            entry.crc,
            len(entry.data),
            entry.size,
            len(entry.name),
        )
        body += b"PK\x03\x04" + common + b"\x00\x00" + entry.name + entry.data
        directory += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + common
            + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
            + entry.name
        )
    end = struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return bytes(body + directory + b"PK\x05\x06" + end)


@dataclass(slots=True)
class CompiledTemplate:
    """A ``.docx`` template parsed and compiled once, rendered many times."""

    name: str
    """The template's file name (shown in messages and stored on letters)."""
    entries: list[tuple[zipfile.ZipInfo, bytes]]
    """The template's zip entries, in order."""
    parts: dict[str, _Part] = field(default_factory=dict)
    """Templated parts by zip entry name."""
    packed: dict[str, _Packed] = field(default_factory=dict)
    """The entries without placeholders, deflated once."""

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The finished ``.docx`` for ``context`` (a dict of strings, lists and dicts).

        Raises:
            TemplateProblem: The template failed at render time (a sandbox violation).
        """
        from jinja2 import TemplateError as JinjaError
        from jinja2.exceptions import SecurityError

        rendered: dict[str, bytes] = {}
        for name, part in self.parts.items():
            if part.template is None:
                continue
            try:
                xml = part.template.render(context)
            except SecurityError as error:
                raise TemplateProblem(f"{self.name}: {part.label}: not allowed: {error}") from None
            except JinjaError as error:
                raise TemplateProblem(f"{self.name}: {part.label}: {error}") from None
            rendered[name] = _finish(xml, part.encoding)
        if not self.packed:
            self.packed = {
                info.filename: _pack(info.filename, data)
                for info, data in self.entries
                if info.filename not in rendered
            }
        return _zip(
            [
                self.packed[info.filename]
                if info.filename in self.packed
                else _pack(info.filename, rendered[info.filename])
                for info, _data in self.entries
            ]
        )


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def _templated_parts(data: bytes) -> list[tuple[str, str]]:
    """``(zip entry, label)`` of the body, headers, footers and footnotes."""
    import zipfile

    from lxml import etree

    found = [("word/document.xml", "body")]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            rels = etree.fromstring(archive.read("word/_rels/document.xml.rels"))
        except KeyError:
            return found
        numbers = {"header": 0, "footer": 0}
        for rel in rels:
            kind = rel.get("Type", "")
            target = rel.get("Target", "")
            for label, uri in (("header", _HEADER), ("footer", _FOOTER)):
                if kind == uri:
                    numbers[label] += 1
                    found.append((f"word/{target.lstrip('/')}", f"{label} {numbers[label]}"))
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        if _FOOTNOTES in content_types and "word/footnotes.xml" in archive.namelist():
            found.append(("word/footnotes.xml", "footnotes"))
    return found


def _patch(source: str) -> str:
    """docxtpl's clean-up of Word's XML, typographic quotes inside tags included."""
    from docxtpl import DocxTemplate

    def straighten(match: re.Match[str]) -> str:
        text = match.group(0)
        for typographic, plain in _QUOTES.items():
            text = text.replace(typographic, plain)
        return text

    patched = DocxTemplate.patch_xml(None, source)  # uses no state
    patched = _INSIDE_TAG.sub(straighten, patched)
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)


def _finish(xml: str, encoding: str) -> bytes:
    """docxtpl's clean-up of the rendered XML (line breaks in values become ``<w:br/>``)."""
    from docxtpl import DocxTemplate

    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    xml = DocxTemplate.resolve_listing(None, xml)  # uses no state
    return xml.encode(encoding)


def _snippet(source: str, lineno: int) -> str:
    lines = source.split("\n")
    if not 0 < lineno <= len(lines):
        return ""
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1])
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return text if len(text) <= 70 else text[:67] + "…"


def _where(template: str, part: _Part, lineno: int | None) -> str:
    if not lineno:
        return f"{template}: {part.label}"
    # docxtpl puts every paragraph on a line of its own: count the paragraphs begun so far.
    lines = part.source.split("\n")[:lineno]
    paragraph = sum(1 for line in lines if _PARAGRAPH.match(line))
    if not paragraph:
        return f"{template}: {part.label}"
    snippet = _snippet(part.source, lineno)
    shown = f' "{snippet}"' if snippet else ""
    return f"{template}: {part.label}, paragraph {paragraph}{shown}"


_PARAGRAPH = re.compile(r"<w:p[ >]")


def compile_template(data: bytes, name: str) -> CompiledTemplate:
    """Parse and compile a ``.docx`` template, checking every placeholder.

    Args:
        data: The template file's bytes.
        name: Its file name, for messages.

    Raises:
        TemplateProblem: It is no ``.docx``, has a syntax error or uses a field that is not
            in :data:`CATALOGUE`; ``problems`` lists each with its location.
    """
    import zipfile

    from jinja2 import TemplateSyntaxError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [(info, archive.read(info)) for info in archive.infolist()]
        if not any(info.filename == "word/document.xml" for info, _data in entries):
            raise zipfile.BadZipFile("no word/document.xml")
        part_names = _templated_parts(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TemplateProblem(f"{name}: not a Word .docx file ({error})") from None
    contents = {info.filename: content for info, content in entries}
    compiled = CompiledTemplate(name=name, entries=entries)
    environment = _environment()
    problems: list[str] = []
    for entry, label in part_names:
        raw = contents.get(entry)
        if raw is None:
            continue
        text = raw.decode("utf-8", "replace")
        found = re.match(r'<\?xml[^?]+\bencoding="([^"]+)"', text, re.I)
        encoding = found.group(1) if found else "utf-8"
        part = _Part(entry, label, _patch(text), encoding=encoding)
        compiled.parts[entry] = part
        if not re.search(r"\{[{%#]", part.source):
            continue
        try:
            tree = environment.parse(part.source)
        except TemplateSyntaxError as error:
            problems.append(f"{_where(name, part, error.lineno)}: {error.message}")
            continue
        for lineno, problem in check_tree(tree):
            problems.append(f"{_where(name, part, lineno)}: {problem}")
        if not problems:
            try:
                part.template = environment.from_string(part.source)
            except TemplateSyntaxError as error:  # an unknown filter or test
                problems.append(f"{_where(name, part, error.lineno)}: {error.message}")
    if problems:
        count = len(problems)
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise TemplateProblem(f"{problems[0]}{more}", problems)
    return compiled


def check_file(path: Path) -> list[str]:
    """Every problem of the template at ``path`` (empty when it can be used)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return [f"{path}: cannot read: {error.strerror or error}"]
    try:
        compile_template(data, path.name)
    except TemplateProblem as problem:
        return problem.problems
    return []


_cache: dict[tuple[str, int, int], CompiledTemplate] = {}


def load(path: Path) -> CompiledTemplate:
    """The compiled template at ``path``, compiled once per process (until the file changes).

    Raises:
        TemplateProblem: The file cannot be read or used.
    """
    try:
        stat = path.stat()
    except OSError as error:
        raise TemplateProblem(f"{path}: cannot read: {error.strerror or error}") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    found = _cache.get(key)
    if found is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise TemplateProblem(f"{path}: cannot read: {error.strerror or error}") from None
        found = compile_template(data, path.name)
        _cache.clear()  # one template at a time is what a clerk or a merge uses
        _cache[key] = found
    return found


# The checker ----------------------------------------------------------------------------


def check_tree(tree: JinjaNode) -> list[tuple[int, str]]:
    """``(line, problem)`` for every placeholder of a parsed template not in the catalogue."""
    problems: list[tuple[int, str]] = []
    scope: dict[str, Node] = {name: node for name, node in CATALOGUE.items()}
    for name in _JINJA_GLOBALS:
        scope[name] = ANY
    _Checker(problems).body(tree, scope)
    return problems


class _Checker:
    """Walks a Jinja AST, resolving each expression against the catalogue."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems

    def problem(self, node: JinjaNode, text: str) -> _Any:
        self.problems.append((getattr(node, "lineno", 0), text))
        return ANY

    def body(self, node: JinjaNode, scope: dict[str, Node]) -> None:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            iterated = self.expr(node.iter, scope)
            inner = dict(scope)
            item: Node = iterated.item if isinstance(iterated, ListOf) else ANY
            if isinstance(iterated, Leaf | Obj):
                self.problem(node.iter, f"{_name(node.iter)} is not a list to loop over")
            self.bind(node.target, item, inner)
            inner["loop"] = ANY
            if node.test is not None:
                self.expr(node.test, inner)
            for child in node.body:
                self.body(child, inner)
            for child in node.else_:
                self.body(child, scope)
            return
        if isinstance(node, nodes.Assign):
            value = self.expr(node.node, scope)
            self.bind(node.target, value, scope)
            return
        if isinstance(node, nodes.AssignBlock):
            for child in node.body:
                self.body(child, scope)
            self.bind(node.target, ANY, scope)
            return
        if isinstance(node, nodes.With):
            inner = dict(scope)
            for target, given in zip(node.targets, node.values, strict=False):
                self.bind(target, self.expr(given, scope), inner)
            for child in node.body:
                self.body(child, inner)
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for argument in node.args:
                self.bind(argument, ANY, inner)
            inner.update(varargs=ANY, kwargs=ANY, caller=ANY)
            if isinstance(node, nodes.Macro):
                scope[node.name] = ANY
            else:
                self.expr(node.call, scope)
            for child in node.body:
                self.body(child, inner)
            return
        if isinstance(node, nodes.Expr):
            self.expr(node, scope)
            return
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.expr(child, scope)
            else:
                self.body(child, scope)

    def bind(self, target: JinjaNode, value: Node, scope: dict[str, Node]) -> None:
        from jinja2 import nodes

        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for name in target.items:
                self.bind(name, ANY, scope)
        # Anything else is a namespace attribute (``ns.total``); ``set ns = namespace()``
        # bound the namespace itself.

    def expr(self, node: JinjaNode, scope: dict[str, Node]) -> Node:
        from jinja2 import nodes

        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            return self.problem(node, f"unknown field {node.name}")
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            base = self.expr(node.node, scope)
            if isinstance(node, nodes.Getattr):
                key: object = node.attr
            elif isinstance(node.arg, nodes.Const):
                key = node.arg.value
            else:
                self.expr(node.arg, scope)
                return base.item if isinstance(base, ListOf) else ANY
            return self.member(node, base, key)
        if isinstance(node, nodes.Call):
            function = self.expr(node.node, scope)
            for child in (*node.args, *(kw.value for kw in node.kwargs)):
                self.expr(child, scope)
            for extra in (node.dyn_args, node.dyn_kwargs):
                if extra is not None:
                    self.expr(extra, scope)
            return Leaf("") if isinstance(function, Leaf) else ANY
        if isinstance(node, nodes.Filter):
            value = self.expr(node.node, scope) if node.node is not None else ANY
            for child in (*node.args, *(kw.value for kw in node.kwargs)):
                self.expr(child, scope)
            if node.name in _LIST_FILTERS and isinstance(value, ListOf):
                return value
            if node.name in _ITEM_FILTERS and isinstance(value, ListOf):
                return value.item
            return Leaf("")
        if isinstance(node, nodes.Test):
            self.expr(node.node, scope)
            for child in node.args:
                self.expr(child, scope)
            return Leaf("")
        if isinstance(node, nodes.Const):
            return Leaf("")
        for part in node.iter_child_nodes():
            self.expr(part, scope)
        return ANY

    def member(self, node: JinjaNode, base: Node, key: object) -> Node:
        path = _name(node)
        if isinstance(key, str) and key.startswith("_"):
            return self.problem(node, f"{path}: names starting with _ are not allowed")
        if isinstance(base, Obj):
            found = base.fields.get(str(key))
            if found is None:
                return self.problem(node, f"unknown field {path}")
            return found
        if isinstance(base, ListOf):
            if isinstance(key, int):
                return base.item
            return self.problem(
                node, f"unknown field {path} ({_name(getattr(node, 'node', node))} is a list)"
            )
        if isinstance(base, Leaf):
            if key in _STRING_METHODS:
                return Leaf("")
            return self.problem(node, f"unknown field {path}")
        return ANY


def _name(node: JinjaNode) -> str:
    """The dotted name of an expression, as the template wrote it (roughly)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return str(node.name)
    if isinstance(node, nodes.Getattr):
        return f"{_name(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        inner = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return f"{_name(node.node)}[{inner!r}]"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Call):
        return f"{_name(node.node)}()"
    return type(node).__name__.lower()
