"""Design fields in a small subset of jinja2, rendered without loading jinja2.

The packaged designs' fields are one-liners such as ``{{ unit.heading or
unit.name }}`` or ``{{ occasion_short if kind == 'phuon' else occasion }}``.
Importing jinja2 and compiling such a field takes longer than writing the PDF,
so a field written in this subset is read here instead:

- text without braces or line breaks, and ``{{ expression }}`` tags;
- expressions of names from the context, ``.attribute``, 'quoted' text,
  ``( )``, ``==``, ``!=``, ``not``, ``and``, ``or``, ``A if B else C`` and the
  filter ``|replace('old', 'new')``.

Every other template goes to the sandbox (``sandbox.py``), as before. The
subset is a strict part of jinja2's syntax, and a field is answered here only
when the answer is certain to be the sandbox's own: values are plain text,
whole numbers, booleans or None; an attribute is read as the sandbox reads it;
any name that is not in the context, any other kind of value and any text
longer than a field may write leave the field to the sandbox, which renders it
or reports the problem in its own words.
"""

from __future__ import annotations

import re
import types
from functools import lru_cache
from typing import Any

from poster_gen.limits import MAX_FIELD_CHARS

# the longest field source read here (the sandbox's own bound is larger; it reports a longer one)
MAX_SOURCE_CHARS = 2_000

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<end>\}\})
    | (?P<name>[A-Za-z][A-Za-z0-9_]*)
    | '(?P<sq>[^'\\\r\n]*)'
    | "(?P<dq>[^"\\\r\n]*)"
    | (?P<op>==|!=|[().|,])
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "if", "else"})
# names jinja2 gives a meaning of its own (constants, tests, template and loop variables)
_RESERVED = frozenset({
    "true", "false", "none", "True", "False", "None", "in", "is", "self", "loop", "super", "caller", "varargs",
    "kwargs",
})
_FILTERS = frozenset({"replace"})
# objects whose attributes jinja2 reads differently (function, method and class internals)
_SPECIAL = (
    type, types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.CodeType, types.TracebackType,
    types.FrameType, types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType,
)


class _Unsure(Exception):
    """The answer might differ from the sandbox's: leave the field to it."""


class _Syntax(Exception):
    """Not in the subset."""


# An expression is a tuple: ("name", n) ("attr", expr, n) ("text", s) ("not", e) ("and", a, b)
# ("or", a, b) ("eq", a, b) ("ne", a, b) ("if", test, then, else) ("replace", e, old, new).


class _Parser:
    def __init__(self, source: str, pos: int):
        self.source, self.pos = source, pos
        self.kind, self.value = "", ""
        self.advance()

    def advance(self) -> None:
        m = _TOKEN.match(self.source, self.pos)
        if m is None:
            raise _Syntax
        self.pos = m.end()
        self.kind = m.lastgroup or ""
        value = m.group(self.kind)
        if self.kind == "name" and value in _KEYWORDS:
            self.kind = value
        elif self.kind == "name" and value in _RESERVED:
            raise _Syntax
        elif self.kind in ("sq", "dq"):
            self.kind = "str"
        self.value = value

    def expect(self, kind: str, value: str | None = None) -> str:
        if self.kind != kind or (value is not None and self.value != value):
            raise _Syntax
        v = self.value
        self.advance()
        return v

    # jinja2's precedence, loosest first: A if B else C, or, and, not, comparison, filter, primary
    def expression(self) -> tuple:
        node = self.or_()
        if self.kind == "if":
            self.advance()
            test = self.or_()
            self.expect("else")
            return ("if", test, node, self.expression())
        return node

    def or_(self) -> tuple:
        node = self.and_()
        while self.kind == "or":
            self.advance()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> tuple:
        node = self.not_()
        while self.kind == "and":
            self.advance()
            node = ("and", node, self.not_())
        return node

    def not_(self) -> tuple:
        if self.kind == "not":
            self.advance()
            return ("not", self.not_())
        return self.compare()

    def compare(self) -> tuple:
        node = self.filtered()
        if self.kind == "op" and self.value in ("==", "!="):
            op = "eq" if self.value == "==" else "ne"
            self.advance()
            node = (op, node, self.filtered())
            if self.kind == "op" and self.value in ("==", "!="):
                raise _Syntax  # a chain of comparisons: left to jinja2
        return node

    def filtered(self) -> tuple:
        node = self.primary()
        while self.kind == "op" and self.value == "|":
            self.advance()
            name = self.expect("name")
            if name not in _FILTERS:
                raise _Syntax
            self.expect("op", "(")
            old = self.expect("str")
            self.expect("op", ",")
            new = self.expect("str")
            self.expect("op", ")")
            node = ("replace", node, old, new)
        return node

    def primary(self) -> tuple:
        if self.kind == "str":
            node: tuple = ("text", self.value)
            self.advance()
        elif self.kind == "name":
            node = ("name", self.value)
            self.advance()
        elif self.kind == "op" and self.value == "(":
            self.advance()
            node = self.expression()
            self.expect("op", ")")
        else:
            raise _Syntax
        while self.kind == "op" and self.value == ".":
            self.advance()
            node = ("attr", node, self.expect("name"))
        return node


@lru_cache(maxsize=512)
def parse(source: str) -> tuple | None:
    """The field as a tuple of parts (text, or an expression to write), or None when
    it is not in the subset (the sandbox compiles it)."""
    if len(source) > MAX_SOURCE_CHARS or "\n" in source or "\r" in source:
        return None
    parts: list = []
    pos = 0
    while pos < len(source):
        start = source.find("{{", pos)
        text = source[pos:] if start < 0 else source[pos:start]
        if "{" in text or "}" in text:  # another tag ({% %}, {# #}) or a brace jinja2 might read
            return None
        if text:
            parts.append(text)
        if start < 0:
            break
        if source.startswith(("{{-", "{{+"), start):  # whitespace control
            return None
        try:
            p = _Parser(source, start + 2)
            expr = p.expression()
            if p.kind != "end":
                return None
        except (_Syntax, RecursionError):
            return None
        parts.append(expr)
        pos = p.pos
    return tuple(parts)


def render(parts: tuple, context: dict) -> str | None:
    """The field's text, or None when the sandbox must answer (see the module)."""
    out = []
    n = 0
    try:
        for part in parts:
            if isinstance(part, str):
                piece = part
            else:
                piece = str(_plain(_eval(part, context)))
            n += len(piece)
            if n > MAX_FIELD_CHARS:
                return None
            out.append(piece)
    except (_Unsure, ValueError, RecursionError):  # ValueError: an integer too long to write
        return None
    return "".join(out)


def _plain(value: Any) -> Any:
    """Only values the sandbox passes through unchanged and writes with str(): text, whole
    numbers, booleans, None (not their subclasses, which may behave otherwise)."""
    if type(value) not in (str, int, bool) and value is not None:
        raise _Unsure
    return value


def _eval(node: tuple, ctx: dict) -> Any:
    op = node[0]
    if op == "text":
        return node[1]
    if op == "name":
        if node[1] not in ctx:  # a global (range, dict) or undefined
            raise _Unsure
        return ctx[node[1]]
    if op == "attr":
        return _attr(_eval(node[1], ctx), node[2])
    if op == "or":
        return _plain(_eval(node[1], ctx)) or _plain(_eval(node[2], ctx))
    if op == "and":
        return _plain(_eval(node[1], ctx)) and _plain(_eval(node[2], ctx))
    if op == "not":
        return not _plain(_eval(node[1], ctx))
    if op == "eq":
        return _plain(_eval(node[1], ctx)) == _plain(_eval(node[2], ctx))
    if op == "ne":
        return _plain(_eval(node[1], ctx)) != _plain(_eval(node[2], ctx))
    if op == "if":
        return _eval(node[2], ctx) if _plain(_eval(node[1], ctx)) else _eval(node[3], ctx)
    if op == "replace":
        s, old, new = _eval(node[1], ctx), node[2], node[3]
        if type(s) is not str:
            raise _Unsure
        count = s.count(old) if old else len(s) + 1
        if len(s) + count * max(0, len(new) - len(old)) > MAX_FIELD_CHARS:
            raise _Unsure  # the sandbox bounds it, or refuses it
        return s.replace(old, new)
    raise _Unsure


def _attr(obj: Any, name: str) -> Any:
    """``obj.name`` as the sandbox reads it: the attribute, else the item of a dict."""
    if isinstance(obj, _SPECIAL):
        raise _Unsure
    try:
        value = getattr(obj, name)
    except AttributeError:
        if type(obj) is dict and name in obj:
            return obj[name]
        raise _Unsure from None
    except Exception:  # a property that fails: the sandbox reports it
        raise _Unsure from None
    return _plain(value)
