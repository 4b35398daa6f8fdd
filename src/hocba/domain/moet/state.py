"""The record being rebuilt from an XML file, with the element each value came from.

Every value read is stored under its JSON path and remembers its element, so that a value the
record model refuses later (``RecordError``) is reported at the exact XML path and line.
"""

from __future__ import annotations

import itertools
from typing import Any

from hocba.domain.moet.errors import Problem
from hocba.domain.moet.nodes import Json

Steps = tuple[str | int, ...]
PREFIXES = {"urn:hocba:mo-rong:1": "hb", "http://www.w3.org/2000/09/xmldsig#": "ds"}


def local_name(tag: str) -> str:
    if tag.startswith("{"):
        namespace, name = tag[1:].split("}", 1)
        return f"{PREFIXES.get(namespace, namespace)}:{name}"
    return tag


def xml_path(element: Any) -> str:
    """``/HOC_BA/DU_LIEU_HOC_BA/BANG_DIEM/MON_HOC[2]/MUC_DAT_DUOC``: a position is given when
    the parent has several children of the same name."""
    parts = []
    while element is not None:
        parent = element.getparent()
        name = local_name(element.tag)
        if parent is not None:
            same = [c for c in parent if c.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def parse_path(path: str) -> Steps:
    """``"primary.subjects[1].test"`` → ``("primary", "subjects", 1, "test")``."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.replace("]", "").split("[")
        if name:
            steps.append(name)
        steps.extend(int(i) for i in indexes)
    return tuple(steps)


def json_path(steps: Steps) -> str:
    out = ""
    for step in steps:
        out = f"{out}[{step}]" if isinstance(step, int) else (f"{out}.{step}" if out else step)
    return out


class State:
    def __init__(self) -> None:
        self.data: Json = {}
        self.origin: dict[Steps, Any] = {}  # the element each value was read from
        self.problems: list[Problem] = []

    def problem(self, element: Any, reason: str) -> None:
        self.problems.append(Problem(xml_path(element), reason, element.sourceline))

    def _parent(self, steps: Steps) -> Any:
        node: Any = self.data
        for step, after in itertools.pairwise(steps):
            if isinstance(step, int):
                while len(node) <= step:
                    node.append({})
                node = node[step]
            else:
                if node.get(step) is None:
                    node[step] = [] if isinstance(after, int) else {}
                node = node[step]
        return node

    def set(self, steps: Steps, value: Any, element: Any) -> None:
        """Store a value; the same value read twice (a CCCD in THONG_TIN_CHUNG and in its
        signature slot) must agree."""
        parent = self._parent(steps)
        key = steps[-1]
        if key in parent and parent[key] is not None and parent[key] != value:
            first = self.origin.get(steps)
            where = f" ở {xml_path(first)}" if first is not None else ""
            self.problem(element, f"“{value}” khác “{parent[key]}”{where}: hai thẻ này phải "
                                  f"cùng một giá trị")
            return
        parent[key] = value
        self.origin[steps] = element

    def append(self, steps: Steps, value: Any, element: Any) -> None:
        """Add a value to a list of plain values (a subject teacher's subject codes)."""
        items = self._parent((*steps, 0))  # the list at ``steps``, created if absent
        self.origin[(*steps, len(items))] = element
        items.append(value)

    def get(self, steps: Steps) -> Any:
        node: Any = self.data
        for step in steps:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        return node
