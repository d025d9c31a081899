"""Hardened XML reading for pushes (expat), and the small writer the emulator and replies use.

WeChat's XML is flat, with CDATA text and the odd nested element (``info`` in fast-registration
pushes, ``Articles`` in replies). :func:`parse_xml` returns the root's children as a dict:
text for leaves, a dict for nested elements, a list where a name repeats. It refuses any
DOCTYPE, entity declaration or processing of external entities, and bodies over a size limit.

Internal module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Union
from xml.parsers import expat

from ..errors import BodyTooLarge, XMLError

__all__ = ["DEFAULT_MAX_BODY", "XMLValue", "build_xml", "envelope_encrypt", "parse_xml"]

DEFAULT_MAX_BODY = 64 * 1024

XMLValue = Union[str, "dict[str, XMLValue]", "list[XMLValue]"]


class _Refused(Exception):
    pass


def _refuse(*_args: object) -> None:
    raise _Refused("DOCTYPE and entity declarations are not accepted")


def _refuse_external(*_args: object) -> int:
    raise _Refused("external entities are not accepted")


class _Builder:
    __slots__ = ("stack", "texts")

    def __init__(self) -> None:
        # Each frame: (name, children dict, has_children)
        self.stack: list[tuple[str, dict[str, XMLValue]]] = []
        self.texts: list[list[str]] = []

    def start(self, name: str, _attrs: object) -> None:
        self.stack.append((name, {}))
        self.texts.append([])

    def end(self, name: str) -> None:
        _, children = self.stack.pop()
        text = "".join(self.texts.pop())
        value: XMLValue = children if children else text
        if not self.stack:
            self.stack.append((name, children))  # the root stays as the result
            return
        parent = self.stack[-1][1]
        if name in parent:
            existing = parent[name]
            if isinstance(existing, list):
                existing.append(value)
            else:
                parent[name] = [existing, value]
        else:
            parent[name] = value

    def data(self, text: str) -> None:
        if self.texts:
            self.texts[-1].append(text)


# The flat shape nearly every push has: <xml> then leaf children, each plain text (no markup,
# no entity) or one CDATA section, and nothing else. Such a document is read with a regular
# expression; anything else (nesting, attributes, repeated names, a prolog, entities, odd
# characters) goes to expat. Both paths give the same dict (a property test checks it).
_XML_SPACE = " \t\n"
# Characters XML forbids, and CR (which XML normalises): documents with any go to expat.
_BAD = "\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff"
_CHILD = re.compile(
    r"([ \t\n]*<([A-Za-z_][A-Za-z0-9_.-]*)>"
    rf"(?:<!\[CDATA\[([^\]{_BAD}]*(?:\](?!\]>)[^\]{_BAD}]*)*)\]\]>|([^<&>{_BAD}]*))</\2>)"
)
# The envelope of a push: optional AppId/ToUserName around one Encrypt, all ASCII.
_ID_VALUE = rb"(?:<!\[CDATA\[[A-Za-z0-9_-]*\]\]>|[A-Za-z0-9_-]*)"
_ENVELOPE_ID = (
    rb"(?:[ \t\n]*(?:<AppId>" + _ID_VALUE + rb"</AppId>|<ToUserName>" + _ID_VALUE
    + rb"</ToUserName>))?"
)
_ENVELOPE = re.compile(
    rb"[ \t\n]*<xml>" + _ENVELOPE_ID
    + rb"[ \t\n]*<Encrypt>(?:<!\[CDATA\[([A-Za-z0-9+/=]*)\]\]>|([A-Za-z0-9+/=]*))</Encrypt>"
    + _ENVELOPE_ID + rb"[ \t\n]*</xml>[ \t\n]*"
)


def _parse_flat(data: bytes) -> dict[str, XMLValue] | None:
    try:
        text = data.decode("utf-8").strip(_XML_SPACE)
    except UnicodeDecodeError:
        return None
    if not (text.startswith("<xml>") and text.endswith("</xml>")):
        return None
    inner = text[5:-6].rstrip(_XML_SPACE)
    out: dict[str, XMLValue] = {}
    covered = 0
    for whole, name, cdata, plain in _CHILD.findall(inner):
        if name in out:
            return None
        covered += len(whole)
        # findall gives "" for a group that did not take part.
        out[name] = cdata or plain
    return out if covered == len(inner) else None


def envelope_encrypt_bytes(body: bytes) -> bytes | None:
    """The ``Encrypt`` value (base64 bytes) of a well-formed push envelope, or None when it
    needs expat (or is empty)."""
    m = _ENVELOPE.fullmatch(body)
    if m is None:
        return None
    return m.group(1) or m.group(2) or None


def envelope_encrypt(body: bytes) -> str | None:
    """The ``Encrypt`` value of a well-formed push envelope, or None when it needs expat."""
    raw = envelope_encrypt_bytes(body)
    return None if raw is None else raw.decode("ascii")


def parse_xml(body: bytes | str, *, max_size: int = DEFAULT_MAX_BODY) -> dict[str, XMLValue]:
    """Parse a WeChat XML document into a dict of the root's children.

    Raises :class:`BodyTooLarge` over ``max_size`` bytes and :class:`XMLError` for anything
    malformed, a DOCTYPE, an entity declaration or a reference to an undefined entity.
    """
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise XMLError("the body must be bytes")
    if len(data) > max_size:
        raise BodyTooLarge(f"body of {len(data)} bytes exceeds the limit of {max_size} bytes")
    data = bytes(data)
    flat = _parse_flat(data)
    if flat is not None:
        return flat
    return _parse_expat(data)


def _parse_expat(data: bytes) -> dict[str, XMLValue]:
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise XMLError(str(exc)) from None
    except expat.ExpatError as exc:
        raise XMLError(f"malformed XML: {expat.ErrorString(exc.code)}") from None
    except (ValueError, RecursionError, UnicodeError) as exc:
        raise XMLError(f"malformed XML: {type(exc).__name__}") from None
    if len(builder.stack) != 1:
        raise XMLError("malformed XML: no root element")
    return builder.stack[0][1]


def _escape_cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def _write(name: str, value: object, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key, child in value.items():
            _write(str(key), child, out)
        out.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _write(name, item, out)
    elif isinstance(value, bool):
        out.append(f"<{name}>{int(value)}</{name}>")
    elif isinstance(value, int):
        out.append(f"<{name}>{value}</{name}>")
    else:
        out.append(f"<{name}><![CDATA[{_escape_cdata(str(value))}]]></{name}>")


def build_xml(fields: Mapping[str, object], root: str = "xml") -> str:
    """Write ``fields`` as WeChat-style XML: ints bare, text in CDATA, mappings nested."""
    out: list[str] = []
    _write(root, fields, out)
    return "".join(out)
