"""The Ministry's XML → the canonical record, through the profile the file names.

Steps, each refusing with the exact path and reason: hardened parsing (``safe``); the profile
from PHIEN_BAN and THONG_TU; no empty tag; the profile's XSD; the mapping back to the
record's JSON (codes the record cannot hold are refused); the record model's own checks,
reported at the element the value came from. Signatures (ds:Signature) are ignored here:
verifying them is the signing step's business.

A file written by hocba reads back to an equal record. A file from another system has no
hb:MO_RONG block; the few values only that block carries are then derived (docs/record.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hocba.domain.moet import safe, schema, values
from hocba.domain.moet.errors import MoetXmlError, Problem
from hocba.domain.moet.nodes import Block, Custom, Leaf, Node, Repeat, Values, split, tag_map
from hocba.domain.moet.profiles import PROFILES, Profile, detect
from hocba.domain.moet.state import State, Steps, local_name, parse_path, xml_path
from hocba.domain.record import HocBa, RecordError
from hocba.domain.record.book import start_year

_INDEX = re.compile(r"\[\d+\]")
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"


class _Reader:
    def __init__(self, state: State) -> None:
        self.state = state
        self.derived: list[tuple[Leaf, str, Any]] = []

    def children(self, parent: Any, nodes: tuple[Node, ...], base: Steps) -> None:
        first: dict[str, Any] = {}  # tag → its first child element: one pass, no find()
        for child in parent:
            first.setdefault(child.tag, child)
        for node in nodes:
            if isinstance(node, Leaf):
                self.leaf(first.get(node.tag), node, base)
            elif isinstance(node, Block):
                element = first.get(node.tag)
                if element is not None:
                    if node.id is not None and element.get("Id") != node.id:
                        self.state.problem(element, f"Id phải là “{node.id}”")
                    self.children(element, node.children, base)
            elif isinstance(node, Repeat):
                self.repeat(first.get(node.container), node, base)
            elif isinstance(node, Values):
                self.values(parent, node, base)
            else:
                assert isinstance(node, Custom)
                node.read(parent, self.state)

    def leaf(self, element: Any, node: Leaf, base: Steps) -> None:
        if element is None or not node.read:
            return
        text = element.text or ""
        if node.derive is not None:
            self.derived.append((node, text, element))
            return
        try:
            value = values.read(node.kind, text, node.codes)
        except values.Unmappable as exc:
            self.state.problem(element, str(exc))
            return
        self.state.set(base + node.steps, value, element)
        for other in node.also:
            self.state.set(split(other), value, element)

    def repeat(self, container: Any, node: Repeat, base: Steps) -> None:
        if container is None:
            return
        items = [child for child in container if child.tag == node.tag]
        for i, element in enumerate(items):
            steps = (*base, *split(node.path), i)
            self.children(element, node.children, steps)
            item = self.state.get(steps)
            if node.id_format is not None and isinstance(item, dict):
                try:
                    expected = node.id_format.format(**item)
                except KeyError:
                    continue
                if element.get("Id") != expected:
                    self.state.problem(element, (
                        f"Id “{element.get('Id')}” phải là “{expected}”: chữ ký tham chiếu "
                        f"Id này (hồ sơ ghép Id theo mã môn)"))

    def values(self, parent: Any, node: Values, base: Steps) -> None:
        steps = (*base, *split(node.path))
        for i, element in enumerate(c for c in parent if c.tag == node.tag):
            value = values.read(node.kind, element.text or "")
            index = i
            if node.key is not None:
                attribute, item_field = node.key
                items = self.state.get(steps) or []
                wanted = element.get(attribute)
                index = next((j for j, item in enumerate(items)
                              if isinstance(item, dict) and item.get(item_field) == wanted), -1)
                if index < 0:
                    self.state.problem(element, f"{attribute}=“{wanted}” không có trong bảng "
                                                f"điểm của học bạ")
                    continue
            self.state.set((*steps, index, node.item_field), value, element)


def _empty_tags(root: Any, profile: Profile) -> list[Problem]:
    """CV 2088 PL1 II.1: a null value omits the tag; only unsigned slots may be empty."""
    problems = []
    for element in root.iter():
        if element.tag.startswith(DSIG):  # a signature's own elements may well be empty
            continue
        if len(element) == 0 and not (element.text or "").strip():
            if local_name(element.tag) not in profile.slot_tags:
                problems.append(Problem(xml_path(element), (
                    f"thẻ {local_name(element.tag)} rỗng: giá trị không có thì bỏ hẳn thẻ, "
                    f"không để thẻ rỗng (CV 2088 PL1 II.1)"), element.sourceline))
    return problems


def profile_of(root: Any) -> Profile:
    info = root.find("DU_LIEU_HOC_BA/THONG_TIN_CHUNG")
    version = info.findtext("PHIEN_BAN") if info is not None else None
    thong_tu = info.findtext("THONG_TU") if info is not None else None
    found = detect(version, thong_tu)
    if found is None:
        known = "; ".join(f"{p.key} (PHIEN_BAN {p.version}, THONG_TU "
                          f"{' hoặc '.join(p.thong_tu.values())})" for p in PROFILES.values())
        where = xml_path(info) if info is not None else "/HOC_BA"
        raise MoetXmlError([Problem(where, (
            f"không nhận ra hồ sơ của tệp (PHIEN_BAN “{version}”, THONG_TU “{thong_tu}”); các "
            f"hồ sơ đã biết: {known}"), info.sourceline if info is not None else None)])
    return found


def checked_root(data: bytes) -> tuple[Any, Profile]:
    """Parse safely, find the profile, and refuse empty tags and XSD violations."""
    root = safe.parse(data)
    profile = profile_of(root)
    problems = _empty_tags(root, profile) or schema.check(root, profile)
    if problems:
        raise MoetXmlError(problems)
    return root, profile


def read(data: bytes) -> HocBa:
    """The canonical record of a học bạ XML file; ``MoetXmlError`` names the path and reason."""
    root, profile = checked_root(data)
    state = State()
    reader = _Reader(state)
    reader.children(root, profile.tree.children, ())
    if state.problems:
        raise MoetXmlError(state.problems)
    _derive_missing(state.data)
    state.data["schema"] = "hocba.record/1"
    try:
        record = HocBa.from_json(state.data, absent_is_null=True)
    except RecordError as exc:
        raise MoetXmlError([_locate(exc, state, profile)]) from None
    document = record.to_json()
    for node, text, element in reader.derived:
        assert node.derive is not None
        expected = node.derive(document)
        if text != expected:
            raise MoetXmlError([Problem(xml_path(element), (
                f"{node.tag} “{text}” không khớp với bản ghi: cần “{expected}”"),
                element.sourceline)])
    return record


def _derive_missing(data: dict[str, Any]) -> None:
    """Values only hb:MO_RONG carries, for files from other systems: the composition time is
    the creation date; a history line's school year starts in August of the year it began
    (a date in January–July belongs to the year begun the previous August) [D]; the book was
    opened in the first year of the history."""
    history = data.get("history") or []
    for line in history:
        if isinstance(line, dict) and line.get("school_year") is None and line.get("since"):
            since = date.fromisoformat(line["since"])
            start = since.year if since.month >= 8 else since.year - 1
            line["school_year"] = f"{start}-{start + 1}"
    if data.get("composed_at") is None and data.get("created_on"):
        data["composed_at"] = f"{data['created_on']}{values.MIDNIGHT}"
    book = data.setdefault("book", {})
    if isinstance(book, dict) and book.get("first_year") is None:
        years = [h["school_year"] for h in history if isinstance(h, dict) and
                 isinstance(h.get("school_year"), str)] + [data.get("school_year")]
        known = [y for y in years if isinstance(y, str) and re.match(r"^\d{4}-\d{4}$", y)]
        if known:
            book["first_year"] = min(known, key=start_year)


def _locate(exc: RecordError, state: State, profile: Profile) -> Problem:
    """The element behind a value the record model refused, or its nearest known neighbour."""
    path = exc.path
    tag = tag_map(profile.tree).get(_INDEX.sub("[*]", path))
    reason = f"{tag + ': ' if tag else ''}{exc.message} (bản ghi: {path})"
    probe = parse_path(path)
    while probe:
        element = state.origin.get(probe)
        if element is not None:
            return Problem(xml_path(element), reason, element.sourceline)
        near = next((el for steps, el in state.origin.items()
                     if steps[:len(probe)] == probe), None)
        if near is not None:
            parent = near.getparent()
            return Problem(xml_path(parent), reason, parent.sourceline)
        probe = probe[:-1]
    return Problem("/HOC_BA", reason)


__all__ = ["checked_root", "profile_of", "read"]
