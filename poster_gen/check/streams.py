"""PDF streams decoded here, in pieces and bounded, whatever their dictionary claims."""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib

from poster_gen.check import limits
from poster_gen.check.fmt import fmt_num, short
from poster_gen.check.limits import Budget, Refused, TooBig, inflate
from poster_gen.check.objects import resolve
from poster_gen.i18n import _

_FILTER_NAMES = {"/Fl": "/FlateDecode", "/A85": "/ASCII85Decode", "/AHx": "/ASCIIHexDecode", "/DCT": "/DCTDecode",
                 "/CCF": "/CCITTFaxDecode", "/LZW": "/LZWDecode", "/RL": "/RunLengthDecode"}
_IMAGE_FILTERS = {"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"}  # image codecs: pixels not needed


def stream_damage(obj, num: int, budget: Budget, keep: int = 0) -> str:
    """The problem of a stream that does not decode, or "". Decoded here, in pieces and bounded (pypdf forgives and
    trusts). With ``keep``, a stream that decodes to at most ``keep`` bytes keeps them in ``obj.decoded``.

    Raises Refused when it inflates past MAX_STREAM_BYTES or the file's streams past MAX_PDF_INFLATED_BYTES.
    """
    filters = resolve(obj.get("/Filter"))
    if filters is None:
        filters = []
    elif not isinstance(filters, list):
        filters = [filters]
    filters = [_FILTER_NAMES.get(str(resolve(f)), str(resolve(f))) for f in filters]
    if len(filters) > limits.MAX_PDF_FILTERS:
        return _("damaged PDF: stream {num} chains {n} filters; render it again").format(num=num, n=len(filters))
    data = bytes(getattr(obj, "_data", None) or b"")
    size = len(data)  # of the output so far
    left = min(limits.MAX_STREAM_BYTES, limits.MAX_PDF_INFLATED_BYTES - budget.inflated)
    try:
        for i, f in enumerate(filters):
            if f in _IMAGE_FILTERS:
                break
            if f == "/FlateDecode":
                last = i == len(filters) - 1  # then only the size is needed, unless it is small and kept
                data, size, ended = inflate(data, left, keep=keep if last else left)
                if not ended:
                    return _("damaged PDF: stream {num} is cut short; render it again").format(num=num)
                continue
            body = re.sub(rb"\s", b"", data)
            if f == "/ASCII85Decode":
                body = body.removesuffix(b"~>")
                if len(body) + 4 * body.count(b"z") > left:  # 'z' stands for four zero bytes
                    raise TooBig
                data = a85decode(body)
            elif f == "/ASCIIHexDecode":
                body = body.removesuffix(b">")
                data = binascii.unhexlify(body + b"0" * (len(body) % 2))
            else:
                return _("damaged PDF: stream {num} uses the {filter} filter, which poster-gen does not write; render "
                         "it again").format(num=num, filter=short(f, 40))
            size = len(data)
    except TooBig:
        if left < limits.MAX_STREAM_BYTES:
            raise Refused(_("the PDF's streams inflate to more than {mb} MB in all (the limit for one PDF); it is not "
                            "a file poster-gen wrote, so render it again").format(
                mb=fmt_num(limits.MAX_PDF_INFLATED_BYTES / limits.MB, ".0f"))) from None
        raise Refused(_("stream {num} inflates to more than {mb} MB (the limit for one stream); it is not a file "
                        "poster-gen wrote, so render it again").format(
            num=num, mb=fmt_num(limits.MAX_STREAM_BYTES / limits.MB, ".0f"))) from None
    except (zlib.error, ValueError) as exc:  # binascii.Error is a ValueError
        return _("damaged PDF: stream {num} does not decode ({error}); render it again").format(
            num=num, error=type(exc).__name__)
    budget.inflated += size
    budget.sizes[num] = size
    if keep and size <= keep and len(data) == size and not _IMAGE_FILTERS.intersection(filters):
        obj.decoded = data
    length1 = resolve(obj.get("/Length1"))
    if length1 is not None and int(length1) != size:
        return _("damaged PDF: stream {num} holds {size} of the {length} bytes its font should have; render it "
                 "again").format(num=num, size=size, length=int(length1))
    return ""


_A85_DIGITS = bytes(range(33, 118))  # "!" to "u"
_A85_VALUES = bytes(range(256)).translate(bytes((b - 33) % 256 for b in range(256)))


def a85decode(body: bytes) -> bytes:
    """ASCII85 data (white space and the closing "~>" removed) decoded; ValueError when it is not ASCII85.

    As ``base64.a85decode``, in a fraction of its time for the common case: no
    "z" groups (four zero bytes), every character a digit. Any other case is
    left to ``base64.a85decode``, and so are its errors.
    """
    if b"z" in body or body.translate(None, _A85_DIGITS):
        return base64.a85decode(body)
    pad = -len(body) % 5
    if pad == 4:  # one character left over: not ASCII85
        return base64.a85decode(body)
    v = body.translate(_A85_VALUES) + b"\x54" * pad  # "u" (84) pads the last group
    groups = [(((a * 85 + b) * 85 + c) * 85 + d) * 85 + e
              for a, b, c, d, e in zip(v[0::5], v[1::5], v[2::5], v[3::5], v[4::5])]
    try:
        out = struct.pack(f">{len(groups)}I", *groups)
    except struct.error:  # a group over 2**32 - 1
        return base64.a85decode(body)
    return out[: len(out) - pad] if pad else out
