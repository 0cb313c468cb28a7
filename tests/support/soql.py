"""A small SOQL subset for the Salesforce stand-in: what RefBot's connector sends, evaluated on dicts.

    SELECT Id, Name, Owner.Email FROM Account
    WHERE (Type IN ('Customer - Direct') OR IsClosed = false) AND SystemModstamp >= 2026-11-23T09:00:00Z
    ORDER BY SystemModstamp, Id LIMIT 10

Comparison operators = != < <= > >=, IN / NOT IN, LIKE (with %), AND / OR / NOT and parentheses; literals:
'strings', numbers, true / false / null, dates and datetimes. Unknown fields raise SOQLError with
Salesforce's INVALID_FIELD wording; a malformed query raises MALFORMED_QUERY.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


class SOQLError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Callable[[Callable[[str], Any]], bool] | None
    where_fields: list[str]
    order_by: list[tuple[str, bool]]  # (field, descending)
    limit: int | None


def parse_datetime(text: str) -> dt.datetime:
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text)


def _tokens(soql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    soql = soql.strip()
    while pos < len(soql):
        m = _TOKEN.match(soql, pos)
        if not m or m.end() == pos:
            raise SOQLError("MALFORMED_QUERY", f"unexpected token: '{soql[pos:pos + 20]}'")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(soql) and soql[pos].isspace():
            pos += 1
    return out


def _comparable(value: Any) -> Any:
    return _comparable_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=65536)
def _comparable_text(value: str) -> Any:
    if re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        return parse_datetime(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return value


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.IGNORECASE | re.DOTALL)


class _Parser:
    def __init__(self, soql: str) -> None:
        self.toks = _tokens(soql)
        self.i = 0
        self.where_fields: list[str] = []

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def word(self, *expected: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.upper() in expected:
            self.i += 1
            return True
        return False

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "eof":
            raise SOQLError("MALFORMED_QUERY", "unexpected end of query")
        self.i += 1
        return tok

    def expect_word(self, word: str) -> None:
        if not self.word(word):
            raise SOQLError("MALFORMED_QUERY", f"expecting '{word}', found '{self.peek()[1]}'")

    def parse(self) -> Query:
        self.expect_word("SELECT")
        fields = [self.field()]
        while self.peek() == ("punct", ","):
            self.i += 1
            fields.append(self.field())
        self.expect_word("FROM")
        sobject = self.field()
        where = None
        if self.word("WHERE"):
            where = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.word("ORDER"):
            self.expect_word("BY")
            while True:
                name = self.field()
                desc = self.word("DESC")
                if not desc:
                    self.word("ASC")
                order.append((name, desc))
                if self.peek() != ("punct", ","):
                    break
                self.i += 1
        limit = None
        if self.word("LIMIT"):
            kind, value = self.take()
            if kind != "num":
                raise SOQLError("MALFORMED_QUERY", "LIMIT needs a number")
            limit = int(value)
        if self.peek()[0] != "eof":
            raise SOQLError("MALFORMED_QUERY", f"unexpected token: '{self.peek()[1]}'")
        return Query(fields, sobject, where, self.where_fields, order, limit)

    def field(self) -> str:
        kind, value = self.take()
        if kind != "word":
            raise SOQLError("MALFORMED_QUERY", f"expecting a field name, found '{value}'")
        return value

    def or_expr(self) -> Callable[[Callable[[str], Any]], bool]:
        parts = [self.and_expr()]
        while self.word("OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda get: any(p(get) for p in parts))

    def and_expr(self) -> Callable[[Callable[[str], Any]], bool]:
        parts = [self.not_expr()]
        while self.word("AND"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda get: all(p(get) for p in parts))

    def not_expr(self) -> Callable[[Callable[[str], Any]], bool]:
        if self.word("NOT"):
            inner = self.not_expr()
            return lambda get: not inner(get)
        if self.peek() == ("punct", "("):
            self.i += 1
            inner = self.or_expr()
            if self.take() != ("punct", ")"):
                raise SOQLError("MALFORMED_QUERY", "missing ')'")
            return inner
        return self.condition()

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "dt":
            return parse_datetime(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "num":
            return float(value) if "." in value else int(value)
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "word" and value.lower() == "null":
            return None
        raise SOQLError("MALFORMED_QUERY", f"unexpected value '{value}'")

    def condition(self) -> Callable[[Callable[[str], Any]], bool]:
        name = self.field()
        self.where_fields.append(name)
        negate = self.word("NOT")
        if self.word("IN"):
            if self.take() != ("punct", "("):
                raise SOQLError("MALFORMED_QUERY", "IN needs a list")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.i += 1
                values.append(self.literal())
            if self.take() != ("punct", ")"):
                raise SOQLError("MALFORMED_QUERY", "missing ')'")
            options = {_comparable(v) for v in values}
            return lambda get: (_comparable(get(name)) in options) != negate
        if negate:
            raise SOQLError("MALFORMED_QUERY", "NOT must be followed by IN")
        if self.word("LIKE"):
            pattern = _like(str(self.literal()))
            return lambda get: bool(pattern.match(str(get(name) or "")))
        kind, op = self.take()
        if kind != "op":
            raise SOQLError("MALFORMED_QUERY", f"expecting an operator, found '{op}'")
        value = self.literal()

        def test(get: Callable[[str], Any]) -> bool:
            left = _comparable(get(name))
            if op == "=":
                return bool(left == value)
            if op in ("!=", "<>"):
                return bool(left != value)
            if left is None or value is None:
                return False
            if isinstance(value, dt.datetime) and isinstance(left, dt.date) and not isinstance(left, dt.datetime):
                left = dt.datetime.combine(left, dt.time(), dt.UTC)
            if op == "<":
                return bool(left < value)
            if op == "<=":
                return bool(left <= value)
            if op == ">":
                return bool(left > value)
            return bool(left >= value)

        return test


def parse(soql: str) -> Query:
    return _Parser(soql).parse()
