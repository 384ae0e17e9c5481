"""One sandbox for every template poster-gen renders.

Two kinds of jinja2 template are rendered, both through this module:

- the text fields of designs (``[fields]`` in a design TOML file). Designs
  travel between offices over chat, so a field is treated as if a stranger
  wrote it;
- the proof page, ``templates/proof.html.j2``, which is packaged (never taken
  from a user's folder) and rendered with autoescaping on.

A design field written in the small subset of jinja2 that ``fieldexpr.py``
reads (the packaged designs' one-line fields) is answered there, without
loading jinja2, when its answer is certain to be this module's; every other
field comes here, for loading and for rendering.

jinja2's ``SandboxedEnvironment`` already refuses ``_private`` attributes and
unsafe callables, but not work without end: ``range(10**9)|list``,
``'A ' * 10**8``, ``9**9**9``, a macro calling itself, or a loop in a loop in a
loop. This environment adds bounds that the template cannot get round, each
failing with a one-line ``SandboxError`` that names the template:

- **time**: while a design field that can repeat (a loop, a macro) runs, a
  trace function checks a deadline on every line of its compiled code, so no
  loop escapes it; every hook below checks the deadline too (straight-line
  code runs each bounded operation once, and the packaged proof page writes
  in every loop: neither is traced, see ``Limits.trace``);
- **size**: every operation that can multiply text or lists (``*``, ``+``,
  ``~``, ``%``, ``str.format``, string methods, the filters) is checked before
  it runs, from the sizes of its operands, and its result after; what a
  render writes, in its output and in macro or ``{% set %}`` buffers, is
  counted as it is written;
- **numbers**: ``**`` and ``*`` refuse integers over ``MAX_INT_BITS`` bits;
- **depth**: macros and recursive loops nest at most ``Limits.depth`` deep;
- **reach**: no loader, so ``{% include %}``, ``{% import %}`` and
  ``{% extends %}`` fail (design fields are refused at load time); the
  globals are only a bounded ``range`` and ``dict`` (no ``lipsum``,
  ``cycler``, ``joiner`` or ``namespace``); methods of built-in values are an
  allow-list; filters are an allow-list of bounded ones.
"""

from __future__ import annotations

import re
import string
import sys
import threading
import time
from dataclasses import dataclass
from collections.abc import Iterator, Sized
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Callable

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.filters import FILTERS, make_attrgetter, soft_str
from jinja2.sandbox import ImmutableSandboxedEnvironment

from poster_gen.errors import PosterGenError
from poster_gen.i18n import N_, _
from poster_gen.limits import MAX_FIELD_CHARS

# bounds of the sandbox (see Limits for what each means)
FIELD_SECONDS = 2.0  # a field renders in microseconds; 2 s is work without end
PAGE_SECONDS = 600.0  # the proof page of a national batch (60,000 artworks) takes seconds
MAX_FIELD_SOURCE_CHARS = 10_000  # the source of one design field
MAX_RANGE_ITEMS = 10_000
MAX_INT_BITS = 64  # whole numbers up to about 9.2e18: years, counts, sizes
MAX_DEPTH = 20  # macros calling macros, recursive loops
MAX_PAGE_CHARS = 512 * 1024 * 1024  # a proof page of 60,000 artworks is about 200 MB

# compiled templates carry this file name; the time limit traces only their code
TEMPLATE_FILENAME = "<poster-gen template>"


class SandboxError(PosterGenError):
    """A template broke a rule of the sandbox or went over one of its bounds.

    The message names the template (design file and field, or the proof page):
    what went wrong, where, and what to do.
    """


@dataclass(frozen=True)
class Limits:
    """The bounds of one kind of template."""

    seconds: float  # wall time of one render
    output_chars: int  # what one render returns
    value_chars: int  # the largest text or list (counted as written out) one operation may make
    written_chars: int  # everything one render writes: output, macro and {% set %} buffers
    range_items: int
    int_bits: int
    depth: int
    todo: str  # what to do, ending every error message (marked with N_, translated where shown)
    trace: bool = True  # check the deadline on every line the template runs (see render)


FIELD_LIMITS = Limits(
    seconds=FIELD_SECONDS,
    output_chars=MAX_FIELD_CHARS,
    value_chars=100 * MAX_FIELD_CHARS,
    written_chars=1_000 * MAX_FIELD_CHARS,
    range_items=MAX_RANGE_ITEMS,
    int_bits=MAX_INT_BITS,
    depth=MAX_DEPTH,
    todo=N_("fix the template"),
)
PAGE_LIMITS = Limits(
    seconds=PAGE_SECONDS,
    output_chars=MAX_PAGE_CHARS,
    value_chars=MAX_PAGE_CHARS,
    written_chars=2 * MAX_PAGE_CHARS,
    range_items=1_000_000,
    int_bits=MAX_INT_BITS,
    depth=MAX_DEPTH,
    todo=N_("the packaged proof template is at fault; report it"),
    # The page template is packaged, not user input, and every loop in it writes:
    # the deadline is checked on every write, call and filter. Tracing each line
    # too would make the page of a national batch several times slower.
    trace=False,
)


class _Refused(Exception):
    """Raised inside a render when a bound is crossed; ``render`` adds where.

    ``what`` and ``todo`` are in the user's language (made with ``_()`` where raised).
    """

    def __init__(self, what: str, todo: str = ""):
        super().__init__(what)
        self.what = what
        self.todo = todo


# ---- the state of the render under way -------------------------------------------


class _Render:
    """Per-render counters, kept per thread (renders do not nest)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.depth = 0
        self.written = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Refused(
                _("rendering took over {seconds:g} s and was stopped").format(seconds=self.limits.seconds),
                _("simplify the template (loops within loops, or a macro that calls itself)"),
            )

    def write(self, n: int) -> None:
        self.written += n
        if self.written > self.limits.written_chars:
            raise _Refused(
                _("the template wrote over {n:,} characters (in its output, macros and {tag} blocks)").format(
                    n=self.limits.written_chars, tag="{% set %}"),
                _("make the template shorter"),
            )


_LOCAL = threading.local()


def _current() -> _Render | None:
    return getattr(_LOCAL, "render", None)


def _tick() -> None:
    st = _current()
    if st is not None:
        st.tick()


# ---- what an operation is called in a message ---------------------------------------------
#
# A name without words ("'~'", "str.join()") is a str. A name in words is a pair
# (message marked with N_, its values), translated only when a message is made:
# the hooks below name what they check on every call, and most calls pass.

_AN_OPERATION = (N_("an operation"), {})
_A_CALL = (N_("a call"), {})


def _named(what: str | tuple[str, dict]) -> str:
    if isinstance(what, str):
        return what
    message, values = what
    return _(message).format(**values)


# ---- sizes -----------------------------------------------------------------------------


_DICT_ITEMS = type({}.items())


def text_len(value: Any, budget: int) -> int:
    """How many characters ``value`` takes written out, counted only up to just
    over ``budget`` (so measuring a huge value stays cheap).

    Text and containers count by their contents; an int by its digits; any
    other object (a unit, a date, a proof item) as 1: its text comes from the
    input data, which has its own bounds, not from what the template made.
    """
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return 1
    if isinstance(value, int):
        return value.bit_length() * 30103 // 100000 + 1
    if isinstance(value, dict):
        value = value.items()
    if isinstance(value, list | tuple | set | frozenset | _DICT_ITEMS):
        total = 2
        for item in value:
            total += text_len(item, budget - total) + 2
            if total > budget:
                break
        return total
    if isinstance(value, range):
        return 1 + min(len(value), budget + 1) * 2
    return 1


def _check_size(value: Any, limits: Limits, what: str | tuple = _AN_OPERATION) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > limits.int_bits:
        raise _Refused(
            _("{what} made a number of {bits:,} bits, larger than a template may compute (over {limit} bits)").format(
                what=_named(what), bits=value.bit_length(), limit=limits.int_bits),
            _("use smaller numbers"),
        )
    if text_len(value, limits.value_chars) > limits.value_chars:
        raise _Refused(
            _("{what} made a text or list of over {limit:,} characters").format(
                what=_named(what), limit=limits.value_chars),
            _("make the template simpler"),
        )
    return value


class _Metered:
    """An iterator (a generator from ``map``, ``select`` ...) whose items are
    measured as they come: whatever collects them (``list``, ``join``,
    ``loop.length``) collects at most ``Limits.value_chars``."""

    def __init__(self, it: Iterator, limits: Limits, what: str | tuple):
        self._it, self._limits, self._what, self._total = it, limits, what, 0

    def __iter__(self) -> _Metered:
        return self

    def __next__(self) -> Any:
        item = next(self._it)
        _tick()
        self._total += text_len(item, self._limits.value_chars) + 2
        if self._total > self._limits.value_chars:
            raise _Refused(
                _("{what} made a sequence of over {limit:,} characters").format(
                    what=_named(self._what), limit=self._limits.value_chars),
                _("make the template simpler"),
            )
        return item


_NOT_ITERATORS = frozenset({str, int, float, bool, type(None), list, tuple, dict, range})


def _meter(value: Any, limits: Limits, what: str | tuple) -> Any:
    if type(value) in _NOT_ITERATORS:  # the common case, without the slower ABC checks
        return value
    if isinstance(value, Iterator) and not isinstance(value, Sized | _Metered):
        return _Metered(value, limits, what)
    return value


def _refuse_size(estimate: int, limits: Limits, what: str | tuple) -> None:
    if estimate > limits.value_chars:
        raise _Refused(
            _("{what} would make {n:,} characters, over the limit of {limit:,}").format(
                what=_named(what), n=estimate, limit=limits.value_chars),
            _("make the text shorter"),
        )


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")  # flags, width, precision
_DIGITS = re.compile(r"\d+")


def _check_printf(fmt: str, limits: Limits) -> None:
    """``'%10s' % x`` and the ``format`` filter: widths and precisions are bounded."""
    total = len(fmt)
    for m in _PRINTF.finditer(fmt):
        width, precision = m.group(1), m.group(2)
        if "*" in (width, precision):
            raise _Refused(_("a '*' width in a % format is not allowed"), _("write the width as a number"))
        total += int(width or 0) + int(precision or 0)
    _refuse_size(total, limits, (N_("this % format"), {}))


def _check_format(fmt: str, limits: Limits) -> None:
    """``'{:>10}'.format(x)``: widths and precisions are bounded, nested fields refused."""
    total = len(fmt)
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise _Refused(_("format string {text}: {detail}").format(text=repr(fmt[:40]), detail=exc),
                       _("fix the format string")) from None
    for _literal, _field, spec, _conv in parts:
        if not spec:
            continue
        if "{" in spec:
            raise _Refused(_("a {field} inside a format spec is not allowed").format(field="{…}"),
                           _("write the width as a number"))
        total += sum(int(d) for d in _DIGITS.findall(spec))
    _refuse_size(total, limits, (N_("this format"), {}))


def _check_power(left: Any, right: Any, limits: Limits) -> None:
    if not (isinstance(left, int) and isinstance(right, int)) or right <= 0 or abs(left) <= 1:
        return  # float powers overflow with an OverflowError, which is reported
    bits = (abs(left).bit_length() - 1) * right  # a lower bound of the result's size
    if bits > limits.int_bits:
        raise _Refused(
            _("{left} ** {right} is larger than a template may compute (over {limit} bits)").format(
                left=left, right=right, limit=limits.int_bits),
            _("use smaller numbers"),
        )


# ---- methods of built-in values: an allow-list -----------------------------------------

_STR_METHODS = frozenset(
    "capitalize casefold center count endswith find format format_map index isalnum isalpha isascii isdecimal "
    "isdigit isidentifier islower isnumeric isprintable isspace istitle isupper join ljust lower lstrip partition "
    "removeprefix removesuffix replace rfind rindex rjust rpartition rsplit rstrip split splitlines startswith "
    "strip swapcase title upper zfill".split()
)
_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    int: frozenset({"bit_length", "conjugate"}),
    float: frozenset({"is_integer", "conjugate"}),
    list: frozenset({"count", "index", "copy"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"get", "items", "keys", "values", "copy"}),
    set: frozenset({"issubset", "issuperset", "isdisjoint", "copy"}),
    frozenset: frozenset({"issubset", "issuperset", "isdisjoint", "copy"}),
    range: frozenset({"count", "index"}),
    bytes: frozenset({"decode"}),
}


def _builtin_owner(obj: Any) -> type | None:
    """The built-in type whose method ``obj`` is (``''.upper``, ``{}.fromkeys``), if any."""
    owner = getattr(obj, "__self__", None)
    if owner is None:
        return None
    for base in (owner if isinstance(owner, type) else type(owner)).__mro__:
        if base in _SAFE_METHODS:
            return base
    return None


def _check_method(obj: Any, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Refuse methods of built-in values outside the allow-list, and bound the
    ones that can make large text."""
    base = _builtin_owner(obj)
    if base is None:
        return
    name = getattr(obj, "__name__", "")
    if name not in _SAFE_METHODS[base]:
        raise _Refused(
            _("{method}() is not allowed in a template").format(method=f"{base.__name__}.{name}"),
            _("use the filters (upper, lower, replace, join, format ...)"),
        )
    if base is not str or not isinstance(obj.__self__, str):
        return
    s: str = obj.__self__
    if name in ("center", "ljust", "rjust", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        if isinstance(width, int):
            _refuse_size(width, limits, f"str.{name}({width})")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        count = s.count(old) if old else len(s) + 1
        _refuse_size(len(s) + count * max(0, len(new) - len(old)), limits, "str.replace()")
    elif name == "join" and args and isinstance(args[0], list | tuple):  # (iterators are metered)
        items = args[0]
        _refuse_size(text_len(items, limits.value_chars) + len(s) * len(items), limits, "str.join()")


# ---- filters: an allow-list, each bounded --------------------------------------------------

_FILTER_NAMES = (
    "abs", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "format",
    "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
    "reverse", "round", "select", "selectattr", "sort", "string", "sum", "title", "trim", "truncate", "unique",
    "upper", "wordcount",
)


def _filters(env: "BoundedSandbox") -> dict[str, Callable]:
    limits = env.limits

    def pre_center(args: tuple, kwargs: dict) -> None:
        width = args[1] if len(args) > 1 else kwargs.get("width", 80)
        if isinstance(width, int):
            _refuse_size(width, limits, f"center({width})")

    def pre_format(args: tuple, kwargs: dict) -> None:
        _check_printf(soft_str(args[0]) if args else "", limits)

    def pre_replace(args: tuple, kwargs: dict) -> None:  # (eval_ctx, s, old, new, count=None)
        if len(args) >= 4:
            s, old, new = soft_str(args[1]), soft_str(args[2]), soft_str(args[3])
            count = s.count(old) if old else len(s) + 1
            _refuse_size(len(s) + count * max(0, len(new) - len(old)), limits, "replace")

    def pre_sum(args: tuple, kwargs: dict) -> None:  # (environment, iterable, attribute=None, start=0)
        start = args[3] if len(args) > 3 else kwargs.get("start", 0)
        if not isinstance(start, int | float):
            raise _Refused(_("sum adds numbers only"), _("use join for text"))

    pre: dict[str, Callable[[tuple, dict], None]] = {
        "center": pre_center, "format": pre_format, "replace": pre_replace, "sum": pre_sum,
    }

    def bounded(name: str, fn: Callable) -> Callable:
        check = pre.get(name)
        at = 1 if getattr(fn, "jinja_pass_arg", None) else 0  # pass_context & co. come first
        what = (N_("the filter '{name}'"), {"name": name})

        @wraps(fn)  # keeps jinja's pass_context / pass_eval_context marks
        def filter_(*args: Any, **kwargs: Any) -> Any:
            _tick()
            if len(args) > at:
                args = (*args[:at], _meter(args[at], limits, what), *args[at + 1:])
            if check is not None:
                check(args, kwargs)
            return _meter(_check_size(fn(*args, **kwargs), limits, what), limits, what)

        return filter_

    out = {name: bounded(name, FILTERS[name]) for name in _FILTER_NAMES}

    join = FILTERS["join"]

    @wraps(join)
    def join_(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        """join, measuring the parts before joining them."""
        _tick()
        items = list(_meter(value, limits, (N_("the filter '{name}'"), {"name": "join"})))
        if attribute is not None:
            get = make_attrgetter(eval_ctx.environment, attribute)
            items = [get(i) for i in items]
        estimate = len(soft_str(d)) * len(items)
        for item in items:
            estimate += text_len(item, limits.value_chars)
            _refuse_size(estimate, limits, "join")
        return _check_size(join(eval_ctx, items, d), limits, (N_("the filter '{name}'"), {"name": "join"}))

    out["join"] = join_
    return out


class BoundedRange:
    """``range`` for templates: refuses more than ``Limits.range_items`` items."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def __call__(self, *args: int) -> range:
        _tick()
        r = range(*args)
        try:
            n = len(r)
        except OverflowError:  # more items than a C integer holds
            n = sys.maxsize
        if n > self.limits.range_items:
            raise _Refused(
                _("range() of {n:,} items is over the limit of {limit:,}").format(n=n, limit=self.limits.range_items),
                _("use a smaller range"),
            )
        return r


# ---- the environment -----------------------------------------------------------------------


class _Buffer(list):
    """The list a compiled macro or {% set %} block writes into, counted."""

    def append(self, item: Any) -> None:
        st = _current()
        if st is not None:
            st.tick()
            st.write(text_len(item, st.limits.written_chars))
        super().append(item)

    def extend(self, items: Any) -> None:
        for item in items:
            self.append(item)


class _CodeGenerator(CodeGenerator):
    """jinja2's compiler, with macro/{% set %} buffers counted and ``~`` checked."""

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.sandbox_buffer()")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.sandbox_checked(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox with the bounds of ``Limits`` (see the module)."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self, limits: Limits, **kwargs: Any):
        super().__init__(undefined=StrictUndefined, finalize=self._finalize, **kwargs)
        self.limits = limits
        # nothing but these: no lipsum, cycler, joiner or namespace
        self.globals.clear()
        self.globals.update(range=BoundedRange(limits), dict=dict)
        self.filters = _filters(self)

    # hooks called by the compiled code

    def sandbox_buffer(self) -> list:
        return _Buffer()

    def sandbox_checked(self, value: Any) -> Any:
        _tick()
        return _check_size(value, self.limits, "'~'")

    def _finalize(self, value: Any) -> Any:
        """Every {{ … }}: bounded before it is turned into text."""
        n = len(value) if isinstance(value, str) else text_len(value, self.limits.output_chars)
        if n > self.limits.output_chars:
            raise _Refused(_("a {tag} would write over {limit:,} characters").format(
                tag="{{ … }}", limit=self.limits.output_chars), _("make the template simpler"))
        return value

    # jinja2's sandbox hooks

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        limits = self.limits
        if operator == "**":
            _check_power(left, right, limits)
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(n, int) and not isinstance(seq, int | float):
                    _refuse_size(text_len(seq, limits.value_chars) * max(n, 0), limits,
                                 (N_("'*' by {n:,}"), {"n": n}))
        elif operator == "+" and not isinstance(left, int | float):
            _refuse_size(text_len(left, limits.value_chars) + text_len(right, limits.value_chars), limits, "'+'")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, limits)
        return _check_size(super().call_binop(context, operator, left, right), limits, f"'{operator}'")

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        st = _current()
        if st is not None:
            st.tick()
        name = getattr(obj, "__name__", None)
        what = (N_("calling {name}"), {"name": name}) if name else (N_("calling a function"), {})
        args = tuple(_meter(a, self.limits, what) for a in args)
        kwargs = {k: _meter(v, self.limits, what) for k, v in kwargs.items()}
        _check_method(obj, args, kwargs, self.limits)
        if st is None:
            return _check_size(super().call(context, obj, *args, **kwargs), self.limits, _A_CALL)
        st.depth += 1
        try:
            if st.depth > self.limits.depth:
                raise _Refused(
                    _("macros or recursive loops call each other more than {depth} deep").format(
                        depth=self.limits.depth),
                    _("a macro must not call itself without end"),
                )
            result = super().call(context, obj, *args, **kwargs)
        finally:
            st.depth -= 1
        return _check_size(result, self.limits, what)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if getattr(value, "__name__", None) not in ("format", "format_map"):  # fast path: called on every attribute
            return None
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt, limits = value.__self__, self.limits

        def format_(*args: Any, **kwargs: Any) -> str:
            _tick()
            _check_format(fmt, limits)
            return _check_size(wrapped(*args, **kwargs), limits, "str.format()")

        return format_

    # templates come only from source strings compiled here

    def compile_source(self, source: str | nodes.Template) -> Template:
        code = self.compile(source, filename=TEMPLATE_FILENAME)
        return self.template_class.from_code(self, code, self.make_globals(None), None)


@lru_cache(maxsize=None)
def field_environment() -> BoundedSandbox:
    """For design fields: plain text out (the engine typesets it, no HTML)."""
    return BoundedSandbox(FIELD_LIMITS, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=None)
def page_environment() -> BoundedSandbox:
    """For the proof page: HTML, every value escaped."""
    return BoundedSandbox(PAGE_LIMITS, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                          keep_trailing_newline=True)


# ---- compiling -----------------------------------------------------------------------------------

_NO_LOADER_TAGS = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from … import",
                   nodes.Extends: "extends"}


def _compile(env: BoundedSandbox, source: str, forbid_other_templates: bool) -> Template:
    """Compile ``source``; raises _Refused with a message for the user."""
    try:
        tree = env.parse(source)
        if forbid_other_templates:
            for node in tree.find_all(tuple(_NO_LOADER_TAGS)):
                tag = _NO_LOADER_TAGS[type(node)]
                raise _Refused(
                    _("line {line}: {tag} is not allowed in a design field (a field cannot use other templates)")
                    .format(line=node.lineno, tag=f"{{% {tag} %}}"),
                    _("write the text in the field itself"),
                )
        template = env.compile_source(tree)
        # Straight-line code runs each of its bounded operations once; only a
        # template that can repeat (loops, macros, call blocks, blocks) needs tracing.
        repeating = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.Block)
        template.sandbox_repeats = any(True for _ in tree.find_all(repeating))
        return template
    except TemplateSyntaxError as exc:
        raise _Refused(_("template error at line {line}: {detail}").format(line=exc.lineno, detail=exc.message),
                       _("fix the template")) from None
    except (RecursionError, MemoryError):
        raise _Refused(_("the template is nested too deeply to read"), _("simplify the template")) from None
    except (SyntaxError, ValueError, OverflowError) as exc:  # e.g. an integer of 5,000 digits
        raise _Refused(_("the template cannot be compiled ({detail})").format(detail=f"{type(exc).__name__}: {exc}"),
                       _("fix the template")) from None


@lru_cache(maxsize=512)
def _compiled_field(source: str) -> Template:
    return _compile(field_environment(), source, forbid_other_templates=True)


def compile_field(source: str, where: str) -> Template:
    """A design field's template, compiled once per source. ``where`` names the
    design file and field for the error message."""
    if len(source) > MAX_FIELD_SOURCE_CHARS:
        raise SandboxError(
            _("{where}: {n:,} characters is over the limit of {limit:,} for a field; shorten the template").format(
                where=where, n=len(source), limit=MAX_FIELD_SOURCE_CHARS)
        )
    try:
        return _compiled_field(source)
    except _Refused as exc:
        raise SandboxError(f"{where}: {exc.what}; {exc.todo}") from None


def proof_template_path() -> Path:
    """The proof page template: only ever the packaged one."""
    from poster_gen.resources import templates_dir

    return templates_dir() / "proof.html.j2"


@lru_cache(maxsize=4)
def _page_template(path: str, mtime_ns: int) -> Template:
    source = Path(path).read_text(encoding="utf-8")
    return _compile(page_environment(), source, forbid_other_templates=False)


def page_template() -> Template:
    path = proof_template_path()
    where = page_where()
    try:
        return _page_template(str(path), path.stat().st_mtime_ns)
    except OSError as exc:
        raise SandboxError(_("{where}: cannot read it ({reason}); reinstall poster-gen").format(
            where=where, reason=exc.strerror)) from None
    except _Refused as exc:
        raise SandboxError(f"{where}: {exc.what}; {_(PAGE_LIMITS.todo)}") from None


def page_where() -> str:
    """The proof page template, as error messages name it."""
    return _("proof page template {path}").format(path=proof_template_path())


# ---- rendering ----------------------------------------------------------------------------------------


def _trace(st: _Render) -> Callable:
    """A trace function that runs the deadline check on every line of template code.

    Only frames of templates compiled here are traced (by their file name), so
    the cost elsewhere is one call per Python function call during the render.
    """

    def local(frame: Any, event: str, arg: Any) -> Callable:
        st.tick()
        return local

    def global_(frame: Any, event: str, arg: Any) -> Callable | None:
        if frame.f_code.co_filename == TEMPLATE_FILENAME:
            st.tick()
            return local
        return None

    return global_


def render(template: Template, context: dict, where: str, limits: Limits, names_hint: str = "") -> str:
    """Render ``template`` within ``limits``. Every failure is a one-line
    SandboxError: ``{where}: what went wrong; what to do``."""
    st = _Render(limits)
    previous_render, previous_trace = _current(), sys.gettrace()
    _LOCAL.render = st
    trace = limits.trace and getattr(template, "sandbox_repeats", True)
    if trace:
        sys.settrace(_trace(st))
    try:
        parts: list[str] = []
        n = 0
        for piece in template.generate(**context):
            n += len(piece)
            if n > limits.output_chars:
                raise _Refused(_("the text is over {limit:,} characters").format(limit=limits.output_chars),
                               _("make it shorter"))
            st.write(len(piece))
            st.tick()
            parts.append(piece)
        return "".join(parts)
    # (jinja2's and Python's own words, quoted in some messages, stay in English)
    except _Refused as exc:
        what, todo = exc.what, exc.todo or _(limits.todo)
    except UndefinedError as exc:
        what, todo = _undefined(_one_line(exc.message or str(exc)), names_hint), _(limits.todo)
    except SecurityError as exc:
        what = _("{detail} (not allowed in a template)").format(detail=_one_line(str(exc)).rstrip("."))
        todo = _(limits.todo)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        detail = _one_line(exc.message or str(exc))
        what = (_("template error at line {line}: {detail}").format(line=line, detail=detail) if line
                else _("template error: {detail}").format(detail=detail))
        todo = _(limits.todo)
    except RecursionError:
        what, todo = _("calls nest too deeply"), _(limits.todo)
    except MemoryError:
        what, todo = _("ran out of memory"), _(limits.todo)
    except OverflowError as exc:
        what = _("a number is too large ({detail})").format(detail=f"OverflowError: {_one_line(str(exc))}")
        todo = _(limits.todo)
    except Exception as exc:  # the template's own fault: 1/0, int('x'), a wrong type ...
        what, todo = f"{type(exc).__name__}: {_one_line(str(exc))}", _(limits.todo)
    finally:
        if trace:
            sys.settrace(previous_trace)
        _LOCAL.render = previous_render
    raise SandboxError(f"{where}: {what}; {todo}")


_UNDEFINED = re.compile(r"'([^']{1,200})' is undefined")


def _undefined(message: str, names_hint: str) -> str:
    """jinja2's "'x' is undefined" in the user's language, with the names a field sees."""
    m = _UNDEFINED.fullmatch(message)
    if m and names_hint:
        return _("'{name}' is undefined (a field sees {names})").format(name=m.group(1), names=names_hint)
    if m:
        return _("'{name}' is undefined").format(name=m.group(1))
    if names_hint:
        return _("{detail} (a field sees {names})").format(detail=message, names=names_hint)
    return message


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
