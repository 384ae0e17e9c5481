"""Colour: the colour spaces a page paints in, read from its content streams and the forms they draw.

Walking the drawing also checks every content stream it reaches (``content``):
each form once, however often it is drawn, forms in a loop found and not followed.
"""

from __future__ import annotations

from collections import Counter

from poster_gen.check import limits
from poster_gen.check.content import checked_ops
from poster_gen.check.fmt import fmt_num
from poster_gen.check.limits import Budget, Refused
from poster_gen.check.model import WARNING, Code, Problem
from poster_gen.check.objects import resolve
from poster_gen.i18n import _

CMYK_SPACES = {"DeviceCMYK", "Separation", "DeviceN"}  # what a CMYK file may paint in

_OP_SPACE = {b"rg": "DeviceRGB", b"RG": "DeviceRGB", b"g": "DeviceGray", b"G": "DeviceGray",
             b"k": "DeviceCMYK", b"K": "DeviceCMYK"}
_NAME_SPACE = {"/DeviceRGB": "DeviceRGB", "/RGB": "DeviceRGB", "/DeviceGray": "DeviceGray", "/G": "DeviceGray",
               "/DeviceCMYK": "DeviceCMYK", "/CMYK": "DeviceCMYK", "/Pattern": "Pattern"}


def space_of(cs, resources, depth: int = 0) -> str:
    """The name of a colour space given by name or array, resolving resources."""
    if depth > limits.MAX_COLOR_SPACE_DEPTH:
        raise Refused(_("damaged PDF: a colour space is defined through more than {n} others (or through itself); "
                        "render it again").format(n=limits.MAX_COLOR_SPACE_DEPTH))
    cs = resolve(cs)
    if isinstance(cs, str) or (hasattr(cs, "startswith") and not isinstance(cs, (list, tuple))):
        name = str(cs)
        if name in _NAME_SPACE:
            return _NAME_SPACE[name]
        named = resolve((resolve((resources or {}).get("/ColorSpace")) or {}).get(name))
        return space_of(named, resources, depth + 1) if named is not None else name.lstrip("/")
    if isinstance(cs, (list, tuple)) and cs:
        family = str(resolve(cs[0]))
        if family == "/ICCBased":
            n = int(resolve(cs[1]).get("/N", 0))
            return {1: "ICCBased Gray", 3: "ICCBased RGB", 4: "ICCBased CMYK"}.get(n, "ICCBased")
        if family == "/Indexed":
            return "Indexed " + space_of(cs[1], resources, depth + 1)
        return family.lstrip("/")
    return "unknown"


def color_spaces(page_content, resources, budget: Budget, page_no: int = 1) -> tuple[Counter, list[Problem]]:
    """The colour spaces the page paints in, each counted once per use (a form's uses once per time it is drawn),
    and the problems of its content streams (the page's and its forms', at most limits.MAX_CONTENT_PROBLEMS);
    a message names the page as page ``page_no``.

    Every content stream is tokenized and its operators checked (``content.checked_ops``).

    Each form is parsed once, however often it is drawn. Forms that draw one
    another in a loop, forms nested deeper than limits.MAX_FORM_DEPTH, more than
    limits.MAX_CONTENT_BYTES of operators or a drawing that expands to more than
    limits.MAX_DRAWING_OPS operations raise Refused: a text extraction (or a
    printer) would follow every one of them.
    """
    done: dict[tuple[int, int], tuple[Counter, int]] = {}  # form and resources -> its uses, its operations drawn
    path: list[tuple[int, int]] = []
    keep: list = []  # the resources whose id() is part of a key stay alive
    content: list[Problem] = []  # the first problem of each stream that has one
    parsed = 0

    def walk(stream, resources, form_num: int | None = None) -> tuple[Counter, int]:
        """Uses of colour spaces and operations drawn by one content stream, its forms included.

        The stream's first problem, if any, goes to ``content``.
        """
        nonlocal parsed
        spaces: Counter = Counter()
        if stream is None:
            return spaces, 0
        data = stream.get_data()  # decoded; its size was checked with all streams
        parsed += len(data)
        if parsed > limits.MAX_CONTENT_BYTES:
            raise Refused(_("the page's drawing is more than {mb} MB of operators (the limit for one PDF); it is not "
                            "a file poster-gen wrote, so render it again").format(
                mb=fmt_num(limits.MAX_CONTENT_BYTES / limits.MB, "g")))
        resources = resolve(resources) or {}
        operations, why = checked_ops(data, budget.tick)
        if len(operations) > limits.MAX_DRAWING_OPS:
            raise Refused(_("the page's drawing has more than {n} operations, a form counted each time it is "
                            "drawn (the limit for one PDF); it is not a file poster-gen wrote, so render it "
                             "again").format(n=fmt_num(limits.MAX_DRAWING_OPS, ",")))
        if why:
            where = _("page {n}").format(n=page_no) if form_num is None else _("form {num} drawn on page {n}").format(
                num=form_num, n=page_no)
            content.append(Problem(Code.CONTENT, _("content stream of {where}: {problem}; the file is damaged: "
                                                   "render it again").format(where=where, problem=why)))
        drawn = len(operations)
        for i, (operands, op, _at) in enumerate(operations):
            if i % 1000 == 0:
                budget.tick()
            if op in _OP_SPACE:
                spaces[_OP_SPACE[op]] += 1
            elif op in (b"cs", b"CS") and operands:
                spaces[space_of(operands[0], resources)] += 1
            elif op == b"BI":
                settings = operands[-1]
                cs = settings.get("/CS", settings.get("/ColorSpace"))
                if cs is not None:
                    spaces[space_of(cs, resources)] += 1
            elif op == b"sh" and operands:
                sh = resolve((resolve(resources.get("/Shading")) or {}).get(operands[0]))
                if sh is not None:
                    spaces[space_of(sh.get("/ColorSpace"), resources)] += 1
            elif op == b"Do" and operands:
                ref = (resolve(resources.get("/XObject")) or {}).get(operands[0])
                xo = resolve(ref)
                if xo is None:
                    continue
                if xo.get("/Subtype") == "/Image" and "/ColorSpace" in xo:
                    spaces[space_of(xo["/ColorSpace"], resources)] += 1
                elif xo.get("/Subtype") == "/Form":
                    form_spaces, form_drawn = form(xo, getattr(ref, "idnum", None), xo.get("/Resources", resources))
                    spaces.update(form_spaces)
                    drawn += form_drawn
            if drawn > limits.MAX_DRAWING_OPS:
                raise Refused(_("the page's drawing has more than {n} operations, a form counted each time it is "
                                "drawn (the limit for one PDF); it is not a file poster-gen wrote, so render it "
                                 "again").format(n=fmt_num(limits.MAX_DRAWING_OPS, ",")))
        return spaces, drawn

    def form(xo, num: int | None, resources) -> tuple[Counter, int]:
        resources = resolve(resources)
        keep.append(resources)
        key = (num if num is not None else id(xo), id(resources))
        if key in done:
            return done[key]
        if key in path:
            loop = [str(k[0]) for k in path[path.index(key):]] + [str(key[0])]
            raise Refused(_("damaged PDF: its forms draw one another in a loop (objects {objects}); it would never "
                            "finish printing, so render it again").format(objects=" -> ".join(loop)))
        if len(path) >= limits.MAX_FORM_DEPTH:
            raise Refused(_("the page draws forms inside forms more than {n} deep (the limit for one PDF); it is not "
                            "a file poster-gen wrote, so render it again").format(n=limits.MAX_FORM_DEPTH))
        path.append(key)
        done[key] = walk(xo, resources, num)
        path.pop()
        return done[key]

    spaces = walk(page_content, resources)[0]
    return spaces, content[:limits.MAX_CONTENT_PROBLEMS]


def color_claim_problems(spaces: Counter, kw: dict, color: str | None) -> list[Problem]:
    """The colour mode asked for (``color``, else the file's ``color=`` claim) against the spaces it paints in."""
    problems = []
    want = color or kw.get("color")
    if want not in ("rgb", "cmyk"):
        why = _("the file does not say its colour mode (color=rgb|cmyk); not checked")
        problems.append(Problem(Code.COLOR, why, WARNING))
    elif want == "cmyk":
        bad = {s: n for s, n in spaces.items() if s not in CMYK_SPACES}
        if bad:
            # one item of a list: a colour space and how many times it is used
            ops = ", ".join(_("{space} ({n}x)").format(space=s, n=n) for s, n in sorted(bad.items()))
            why = _("asked for CMYK only but it paints in {spaces}; render it with --color cmyk").format(spaces=ops)
            problems.append(Problem(Code.COLOR, why))
    if color and kw.get("color") and color != kw["color"]:
        why = _("asked for {wanted} but the file was made as {made}").format(wanted=color.upper(),
                                                                            made=kw["color"].upper())
        problems.append(Problem(Code.COLOR, why))
    return problems
