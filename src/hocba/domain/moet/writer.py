"""Record → the Ministry's XML, through a profile's mapping, checked against its XSD.

The output is UTF-8 with an XML declaration, indented by two spaces, with every absent value
omitted (never an empty tag, CV 2088 PL1 II.1) except the signature slots, which wait empty
for their ds:Signature. A value the profile marks mandatory but the record lacks is refused
before anything is written, naming the record path and the tag.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hocba.domain.moet import values
from hocba.domain.moet.errors import MoetXmlError, Problem
from hocba.domain.moet.nodes import (
    Block,
    Custom,
    Json,
    Leaf,
    Node,
    Repeat,
    Values,
    get,
)
from hocba.domain.moet.profiles import Profile

SubElement = etree.SubElement
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


class _Writer:
    def __init__(self, profile: Profile, record: Json) -> None:
        self.profile = profile
        self.record = record
        self.problems: list[Problem] = []

    def children(self, parent: Any, nodes: tuple[Node, ...], base: Json, where: str) -> None:
        for node in nodes:
            # A leaf is by far the most frequent node (a record has about 160): handled here,
            # without a call per leaf.
            if type(node) is Leaf:
                value: Any
                if node.derive is not None:
                    value = node.derive(self.record)
                else:
                    value = base
                    for step in node.steps:
                        value = value.get(step)
                        if value is None:
                            break
                if value is None:
                    if node.required:
                        self.missing(node, where)
                    continue
                SubElement(parent, node.tag).text = node.text_of(value)
            elif isinstance(node, Block):
                self.block(parent, node, base, where)
            elif isinstance(node, Repeat):
                self.repeat(parent, node, base, where)
            elif isinstance(node, Values):
                self.values(parent, node, base)
            else:
                assert isinstance(node, Custom)
                node.write(parent, self.record)

    def missing(self, node: Leaf, where: str) -> None:
        path = f"{where}{node.path}" if node.path else node.tag
        self.problems.append(Problem(path, (
            f"thiếu giá trị cho thẻ {node.tag}, bắt buộc trong hồ sơ {self.profile.key} "
            f"({node.note})")))

    def block(self, parent: Any, node: Block, base: Json, where: str) -> None:
        if node.when is not None and get(self.record, node.when) is None:
            return
        element = etree.SubElement(parent, node.tag, nsmap=node.nsmap)
        if node.id is not None:
            element.set("Id", node.id)
        self.children(element, node.children, base, where)
        if len(element) == 0 and not node.slot:
            parent.remove(element)

    def repeat(self, parent: Any, node: Repeat, base: Json, where: str) -> None:
        items = get(base, node.path) or []
        if not items:
            if node.required:
                self.problems.append(Problem(f"{where}{node.path}", (
                    f"cần ít nhất một {node.tag} trong {node.container} (hồ sơ "
                    f"{self.profile.key})")))
            return
        container = etree.SubElement(parent, node.container)
        for i, item in enumerate(items):
            element = etree.SubElement(container, node.tag)
            if node.id_format is not None:
                element.set("Id", node.id_format.format(**item))
            self.children(element, node.children, item, f"{where}{node.path}[{i}].")

    def values(self, parent: Any, node: Values, base: Json) -> None:
        for item in get(base, node.path) or []:
            value = item.get(node.item_field)
            if value is None:
                continue
            element = etree.SubElement(parent, node.tag)
            if node.key is not None:
                element.set(node.key[0], item[node.key[1]])
            element.text = values.write(node.kind, value)


def build(profile: Profile, record: Json) -> Any:
    """The XML tree of ``record`` (its JSON form) in ``profile``; ``MoetXmlError`` lists every
    mandatory value the record lacks."""
    writer = _Writer(profile, record)
    problems = [Problem(path, reason) for path, reason in profile.check(record)]
    root = etree.Element(profile.tree.tag)
    writer.children(root, profile.tree.children, record, "")
    problems += writer.problems
    if problems:
        raise MoetXmlError(problems)
    return root


def serialise(root: Any) -> bytes:
    etree.indent(root, space="  ")
    return DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"
