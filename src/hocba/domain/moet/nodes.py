"""The shape of a profile: which tag holds which value of the record.

A profile's mapping is a tree of four kinds of node, read by ``writing`` (record → XML) and
``reading`` (XML → record) alike, so the two directions cannot drift apart:

* ``Leaf``: a simple tag holding one value of the record (``student.full_name`` →
  ``HO_VA_TEN``), or a value derived from the record (``NAM_HOC`` from ``school_year``);
* ``Block``: a complex tag grouping other nodes, possibly with the ``Id`` a signature
  references, or a signature slot kept even when it has nothing in it yet;
* ``Repeat``: one complex tag per element of a record list (a subject, a history line),
  with an optional ``Id`` built from the element (``dtk_{code}``);
* ``Values``: one simple tag per element of a record list, for a single field of each
  (by position, or keyed by an attribute such as ``MA_MON_HOC``).

Record paths are dotted JSON paths: absolute from the record, or relative to the list
element inside a ``Repeat``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hocba.domain.moet.values import Codes, Kind, writer_for

Json = dict[str, Any]


@dataclass(frozen=True)
class Leaf:
    tag: str
    path: str | None  # where the value lives in the record; None for a derived tag
    kind: Kind = Kind.TEXT
    required: bool = False
    codes: Codes | None = None
    derive: Callable[[Json], str] | None = None  # the text, computed from the whole record
    also: tuple[str, ...] = ()  # other record paths that hold the same value when reading
    read: bool = True  # False: written for the signer, not read back (slot metadata)
    note: str = "CV 2088 PL1 Phụ lục 1.1"  # where the tag and its "bắt buộc" come from
    steps: tuple[str, ...] = field(init=False, repr=False, compare=False)
    text_of: Callable[[Any], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind is Kind.CODE and self.codes is None:
            raise ValueError(f"{self.tag}: mã cần bảng mã")
        # Computed once: the writer runs these for every tag of every record.
        object.__setattr__(self, "steps", split(self.path) if self.path else ())
        object.__setattr__(self, "text_of", writer_for(self.kind, self.codes))


@dataclass(frozen=True)
class Block:
    tag: str
    children: tuple[Node, ...]
    id: str | None = None  # the Id a signature's Reference URI points at
    slot: bool = False  # a signature slot: written even when empty, awaiting ds:Signature
    when: str | None = None  # written only when this record path is not null
    nsmap: Mapping[str | None, str] | None = None


@dataclass(frozen=True)
class Repeat:
    container: str  # the wrapping tag (BANG_DIEM)
    tag: str  # one per list element (MON_HOC)
    path: str  # the record list
    children: tuple[Node, ...]  # paths relative to the list element
    id_format: str | None = None  # "dtk_{code}": the Id of each element, from its fields
    required: bool = False  # at least one element


@dataclass(frozen=True)
class Values:
    tag: str
    path: str  # the record list
    item_field: str  # the field of each element written as the tag's text
    kind: Kind = Kind.TEXT
    key: tuple[str, str] | None = None  # (XML attribute, element field); None: by position


@dataclass(frozen=True)
class Custom:
    """A part whose shape is not a plain mapping (the GVBM slots): its own writer and reader."""

    tag: str
    write: Callable[[Any, Json], None]  # (parent element, record JSON)
    read: Callable[[Any, Any], None]  # (parent element, reading state)
    extra: Mapping[str, Any] = field(default_factory=dict)


Node = Leaf | Block | Repeat | Values | Custom


def split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def get(data: Any, path: str) -> Any:
    """The value at a dotted path, None if any step is missing or null."""
    return get_steps(data, split(path))


def get_steps(data: Any, steps: tuple[str, ...]) -> Any:
    for step in steps:
        if data is None:
            return None
        data = data.get(step)
    return data


def tag_map(tree: Block) -> dict[str, str]:
    """Record path pattern (``primary.subjects[*].test``) → the tag that holds it."""
    found: dict[str, str] = {}

    def walk(nodes: tuple[Node, ...], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, Leaf) and node.path is not None:
                found.setdefault(prefix + node.path, node.tag)
            elif isinstance(node, Block):
                walk(node.children, prefix)
            elif isinstance(node, Repeat):
                found.setdefault(prefix + node.path, node.container)
                walk(node.children, f"{prefix}{node.path}[*].")
            elif isinstance(node, Values):
                found.setdefault(f"{prefix}{node.path}[*].{node.item_field}", node.tag)
            elif isinstance(node, Custom):
                for path in node.extra.get("paths", ()):
                    found.setdefault(path, node.tag)

    walk(tree.children, "")
    return {path: re.sub(r"^\{[^}]*\}", "hb:", tag) for path, tag in found.items()}
