"""Semantic diff of two versions of a schema, each change with its compatibility impact (pure).

Not a text diff: the two documents are walked side by side (fields matched by name, then by
alias; union branches by type; named types by full name) and every change is one
:class:`Change`. Its impact per direction comes from the engine's verdicts:

* **backward** — the NEW schema reads data written with the OLD one (consumers upgrade first);
* **forward** — the OLD schema reads data written with the NEW one (producers upgrade first).

An engine incompatibility is attributed to the change whose JSON pointer (in that direction's
reader schema) encloses it or is enclosed by it; incompatibilities no change explains are kept
in :attr:`SchemaDiff.unattributed`, so nothing the engine found is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eventflow.contracts._compatibility import check_reader_writer
from eventflow.contracts._compatibility_types import Incompatibility
from eventflow.contracts._naming import NAMED_KINDS, PRIMITIVES, full_name
from eventflow.contracts._parsed_schema import ParsedSchema

# writer type -> reader types it can be read as (Avro specification, schema resolution)
_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


class ChangeKind(StrEnum):
    FIELD_ADDED = "FIELD_ADDED"
    FIELD_REMOVED = "FIELD_REMOVED"
    FIELD_RENAMED = "FIELD_RENAMED"  # new field carries the old name as an alias
    DEFAULT_ADDED = "DEFAULT_ADDED"
    DEFAULT_REMOVED = "DEFAULT_REMOVED"
    DEFAULT_CHANGED = "DEFAULT_CHANGED"
    TYPE_CHANGED = "TYPE_CHANGED"
    TYPE_PROMOTED = "TYPE_PROMOTED"  # old type can be read as the new (int -> long, ...)
    LOGICAL_TYPE_CHANGED = "LOGICAL_TYPE_CHANGED"
    UNION_BRANCH_ADDED = "UNION_BRANCH_ADDED"
    UNION_BRANCH_REMOVED = "UNION_BRANCH_REMOVED"
    ALIAS_ADDED = "ALIAS_ADDED"
    ALIAS_REMOVED = "ALIAS_REMOVED"
    ENUM_SYMBOL_ADDED = "ENUM_SYMBOL_ADDED"
    ENUM_SYMBOL_REMOVED = "ENUM_SYMBOL_REMOVED"
    ENUM_DEFAULT_CHANGED = "ENUM_DEFAULT_CHANGED"
    FIXED_SIZE_CHANGED = "FIXED_SIZE_CHANGED"
    NAME_CHANGED = "NAME_CHANGED"
    NAMESPACE_CHANGED = "NAMESPACE_CHANGED"
    DOC_CHANGED = "DOC_CHANGED"
    ORDER_CHANGED = "ORDER_CHANGED"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str  # readable path, e.g. "OrderPlaced.payload.currency"
    description: str
    old_pointer: str | None  # JSON pointer in the old document (None: not there)
    new_pointer: str | None
    backward_breaking: bool = False  # new cannot read old data because of this change
    forward_breaking: bool = False  # old cannot read new data because of this change

    @property
    def impact(self) -> str:
        if self.backward_breaking and self.forward_breaking:
            return "breaking (backward and forward)"
        if self.backward_breaking:
            return "forward compatible only (breaks backward: consumers cannot upgrade first)"
        if self.forward_breaking:
            return "backward compatible only (breaks forward: producers cannot upgrade first)"
        return "fully compatible"


@dataclass(frozen=True)
class SchemaDiff:
    changes: tuple[Change, ...]
    backward: tuple[Incompatibility, ...]  # reader = new, writer = old
    forward: tuple[Incompatibility, ...]  # reader = old, writer = new
    unattributed: tuple[tuple[str, Incompatibility], ...] = field(default=())  # (direction, inc)

    @property
    def backward_compatible(self) -> bool:
        return not self.backward

    @property
    def forward_compatible(self) -> bool:
        return not self.forward


def diff_schemas(old: ParsedSchema, new: ParsedSchema) -> SchemaDiff:
    """Every semantic change from ``old`` to ``new`` with its impact per direction."""
    walker = _Differ()
    root = (new.fullname or old.fullname or "schema").rpartition(".")[2]
    walker.type_(old.json, new.json, "", "", root)
    backward = check_reader_writer(new, old)
    forward = check_reader_writer(old, new)
    changes = walker.changes
    unattributed: list[tuple[str, Incompatibility]] = []
    back_hits = _attribute(changes, backward, new_side=True, leftovers=unattributed, tag="backward")
    fwd_hits = _attribute(changes, forward, new_side=False, leftovers=unattributed, tag="forward")
    final = tuple(
        Change(
            c.kind,
            c.path,
            c.description,
            c.old_pointer,
            c.new_pointer,
            index in back_hits,
            index in fwd_hits,
        )
        for index, c in enumerate(changes)
    )
    return SchemaDiff(final, backward, forward, tuple(unattributed))


def _encloses(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer + "/")


_NO_WIRE_EFFECT = {ChangeKind.DOC_CHANGED, ChangeKind.ORDER_CHANGED}
# changes that can only ever break one direction (so a shared pointer is not misattributed)
_ONLY_BACKWARD = {
    ChangeKind.ENUM_SYMBOL_REMOVED,  # the new reader lacks a symbol old data holds
    ChangeKind.UNION_BRANCH_REMOVED,  # the new reader lacks a branch old data holds
    ChangeKind.FIELD_ADDED,  # the new reader needs a default for old data
}
_ONLY_FORWARD = {
    ChangeKind.ENUM_SYMBOL_ADDED,
    ChangeKind.UNION_BRANCH_ADDED,
    ChangeKind.FIELD_REMOVED,
    ChangeKind.TYPE_PROMOTED,  # old readers cannot narrow long back to int
}


def _attribute(
    changes: list[Change],
    found: tuple[Incompatibility, ...],
    *,
    new_side: bool,
    leftovers: list[tuple[str, Incompatibility]],
    tag: str,
) -> set[int]:
    """Indexes of the changes that explain ``found`` (pointers in that direction's reader)."""
    pointers = [
        (index, ptr)
        for index, change in enumerate(changes)
        if change.kind not in _NO_WIRE_EFFECT
        and change.kind not in (_ONLY_FORWARD if new_side else _ONLY_BACKWARD)
        and (ptr := change.new_pointer if new_side else change.old_pointer) is not None
    ]
    hits: set[int] = set()
    for inc in found:
        enclosing = [(len(ptr), i) for i, ptr in pointers if _encloses(ptr, inc.location)]
        if enclosing:  # the most specific change that contains the location
            best = max(enclosing)[0]
            hits.update(i for length, i in enclosing if length == best)
            continue
        inside = [i for i, ptr in pointers if _encloses(inc.location, ptr)]
        if inside:  # the location is a node that holds the changes
            hits.update(inside)
        else:
            leftovers.append((tag, inc))
    return hits


def _describe(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union[" + ", ".join(_describe(b) for b in node) + "]"
    if isinstance(node, dict):
        kind = node.get("type")
        if kind in NAMED_KINDS:
            return f"{kind} {node.get('name')}"
        if kind == "array":
            return f"array<{_describe(node.get('items'))}>"
        if kind == "map":
            return f"map<{_describe(node.get('values'))}>"
        logical = node.get("logicalType")
        base = _describe(kind)
        return f"{base} ({logical})" if logical else base
    return json.dumps(node)


def _branch_key(node: Any, namespace: str | None) -> str:
    """What identifies a union branch: its primitive or container kind, or its full name."""
    if isinstance(node, str):
        return node if node in PRIMITIVES else full_name(node, namespace)
    if isinstance(node, dict):
        kind = node.get("type")
        if kind in NAMED_KINDS:
            return full_name(str(node.get("name")), node.get("namespace") or namespace)
        if isinstance(kind, str):
            return kind if kind in PRIMITIVES | {"array", "map"} else full_name(kind, namespace)
    return _describe(node)


def _plain(node: Any) -> Any:
    """``{"type": "int"}`` is ``"int"``; logical types and named types stay as they are."""
    if isinstance(node, dict) and set(node) == {"type"} and isinstance(node["type"], str):
        return node["type"]
    return node


class _Differ:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.seen: set[str] = set()
        self.old_ns: str | None = None
        self.new_ns: str | None = None

    def add(self, kind: ChangeKind, path: str, text: str, old: str | None, new: str | None) -> None:
        self.changes.append(Change(kind, path, text, old, new))

    def type_(self, old: Any, new: Any, op: str, np: str, path: str) -> None:
        old, new = _plain(old), _plain(new)
        if isinstance(old, list) and isinstance(new, list):
            self.union(old, new, op, np, path)
            return
        old_kind = old.get("type") if isinstance(old, dict) else old
        new_kind = new.get("type") if isinstance(new, dict) else new
        if isinstance(old, dict) and isinstance(new, dict):
            if old_kind in NAMED_KINDS and old_kind == new_kind:
                self.named(old, new, op, np, path)
                return
            if old_kind == new_kind == "array":
                self.type_(
                    old.get("items"), new.get("items"), f"{op}/items", f"{np}/items", f"{path}[]"
                )
                return
            if old_kind == new_kind == "map":
                self.type_(
                    old.get("values"),
                    new.get("values"),
                    f"{op}/values",
                    f"{np}/values",
                    f"{path}{{}}",
                )
                return
        if old == new:
            return
        if isinstance(old_kind, str) and old_kind == new_kind and old_kind in PRIMITIVES:
            self.add(
                ChangeKind.LOGICAL_TYPE_CHANGED,
                path,
                f"{_describe(old)} -> {_describe(new)}",
                op,
                np,
            )
            return
        if isinstance(old, str) and isinstance(new, str) and new in _PROMOTIONS.get(old, ()):
            self.add(ChangeKind.TYPE_PROMOTED, path, f"{old} -> {new} (promotion)", op, np)
            return
        if _branch_key(old, self.old_ns) == _branch_key(new, self.new_ns) and not isinstance(
            old, dict
        ):
            return  # the same named type, referred to by a short and a full name
        self.add(ChangeKind.TYPE_CHANGED, path, f"{_describe(old)} -> {_describe(new)}", op, np)

    def union(self, old: list[Any], new: list[Any], op: str, np: str, path: str) -> None:
        old_keys = [_branch_key(b, self.old_ns) for b in old]
        new_keys = [_branch_key(b, self.new_ns) for b in new]
        for index, key in enumerate(old_keys):
            if key not in new_keys:
                self.add(
                    ChangeKind.UNION_BRANCH_REMOVED,
                    path,
                    f"branch {key} removed",
                    f"{op}/{index}",
                    np,
                )
        for index, key in enumerate(new_keys):
            if key not in old_keys:
                self.add(
                    ChangeKind.UNION_BRANCH_ADDED, path, f"branch {key} added", op, f"{np}/{index}"
                )
            else:
                at = old_keys.index(key)
                self.type_(old[at], new[index], f"{op}/{at}", f"{np}/{index}", path)

    def named(self, old: dict[str, Any], new: dict[str, Any], op: str, np: str, path: str) -> None:
        old_name = full_name(str(old.get("name")), old.get("namespace") or self.old_ns)
        new_name = full_name(str(new.get("name")), new.get("namespace") or self.new_ns)
        if new_name in self.seen:
            return
        self.seen.add(new_name)
        old_space, _, old_short = old_name.rpartition(".")
        new_space, _, new_short = new_name.rpartition(".")
        if old_short != new_short:
            self.add(
                ChangeKind.NAME_CHANGED,
                path,
                f"{old_name} -> {new_name}",
                f"{op}/name",
                f"{np}/name",
            )
        if old_space != new_space:
            self.add(
                ChangeKind.NAMESPACE_CHANGED,
                path,
                f"namespace {old_space or '(none)'} -> {new_space or '(none)'}",
                f"{op}/name",
                f"{np}/name",
            )
        self.aliases(old, new, op, np, path)
        self.doc(old, new, op, np, path)
        saved = self.old_ns, self.new_ns
        self.old_ns, self.new_ns = old_space or None, new_space or None
        kind = new.get("type")
        if kind in {"record", "error"}:
            self.fields(old.get("fields") or [], new.get("fields") or [], op, np, path)
        elif kind == "enum":
            self.enum(old, new, op, np, path)
        elif kind == "fixed" and old.get("size") != new.get("size"):
            self.add(
                ChangeKind.FIXED_SIZE_CHANGED,
                path,
                f"size {old.get('size')} -> {new.get('size')}",
                f"{op}/size",
                f"{np}/size",
            )
        self.old_ns, self.new_ns = saved

    def enum(self, old: dict[str, Any], new: dict[str, Any], op: str, np: str, path: str) -> None:
        old_symbols = list(old.get("symbols") or [])
        new_symbols = list(new.get("symbols") or [])
        for symbol in old_symbols:
            if symbol not in new_symbols:
                self.add(
                    ChangeKind.ENUM_SYMBOL_REMOVED,
                    path,
                    f"symbol {symbol} removed",
                    f"{op}/symbols",
                    f"{np}/symbols",
                )
        for symbol in new_symbols:
            if symbol not in old_symbols:
                self.add(
                    ChangeKind.ENUM_SYMBOL_ADDED,
                    path,
                    f"symbol {symbol} added",
                    f"{op}/symbols",
                    f"{np}/symbols",
                )
        if old.get("default") != new.get("default"):
            self.add(
                ChangeKind.ENUM_DEFAULT_CHANGED,
                path,
                f"enum default {old.get('default')} -> {new.get('default')}",
                f"{op}/symbols",
                f"{np}/symbols",
            )

    def fields(self, old: list[Any], new: list[Any], op: str, np: str, path: str) -> None:
        old_by_name = {f.get("name"): i for i, f in enumerate(old) if isinstance(f, dict)}
        matched_old: set[int] = set()
        for index, field_ in enumerate(new):
            if not isinstance(field_, dict):
                continue
            name = field_.get("name")
            fpath, nptr = f"{path}.{name}", f"{np}/fields/{index}"
            at = old_by_name.get(name)
            renamed_from = None
            if at is None:
                for alias in field_.get("aliases") or []:
                    if alias in old_by_name and old_by_name[alias] not in matched_old:
                        at, renamed_from = old_by_name[alias], alias
                        break
            if at is None or at in matched_old:
                has_default = "default" in field_
                text = f"field added ({_describe(field_.get('type'))}, " + (
                    f"default {json.dumps(field_['default'])})" if has_default else "no default)"
                )
                self.add(ChangeKind.FIELD_ADDED, fpath, text, None, nptr)
                continue
            matched_old.add(at)
            optr = f"{op}/fields/{at}"
            if renamed_from is not None:
                self.add(
                    ChangeKind.FIELD_RENAMED,
                    fpath,
                    f"renamed from {renamed_from} (alias keeps old data readable)",
                    optr,
                    nptr,
                )
            self.field(old[at], field_, optr, nptr, fpath, renamed_from=renamed_from)
        for at, field_ in enumerate(old):
            if isinstance(field_, dict) and at not in matched_old:
                has_default = "default" in field_
                text = "field removed" + (" (it had a default)" if has_default else "")
                self.add(
                    ChangeKind.FIELD_REMOVED,
                    f"{path}.{field_.get('name')}",
                    text,
                    f"{op}/fields/{at}",
                    None,
                )

    def field(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        op: str,
        np: str,
        path: str,
        *,
        renamed_from: str | None = None,
    ) -> None:
        if "default" in old and "default" not in new:
            self.add(
                ChangeKind.DEFAULT_REMOVED,
                path,
                f"default {json.dumps(old['default'])} removed",
                op,
                np,
            )
        elif "default" not in old and "default" in new:
            self.add(
                ChangeKind.DEFAULT_ADDED,
                path,
                f"default {json.dumps(new['default'])} added",
                op,
                np,
            )
        elif "default" in old and old["default"] != new["default"]:
            self.add(
                ChangeKind.DEFAULT_CHANGED,
                path,
                f"default {json.dumps(old['default'])} -> {json.dumps(new['default'])}",
                op,
                np,
            )
        if old.get("order", "ascending") != new.get("order", "ascending"):
            self.add(
                ChangeKind.ORDER_CHANGED,
                path,
                f"sort order {old.get('order', 'ascending')} -> {new.get('order', 'ascending')}",
                op,
                np,
            )
        self.aliases(old, new, op, np, path, skip=renamed_from)
        self.doc(old, new, op, np, path)
        self.type_(old.get("type"), new.get("type"), f"{op}/type", f"{np}/type", path)

    def aliases(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        op: str,
        np: str,
        path: str,
        *,
        skip: str | None = None,
    ) -> None:
        old_aliases, new_aliases = old.get("aliases") or [], new.get("aliases") or []
        for alias in new_aliases:
            if alias not in old_aliases and alias != skip:
                self.add(ChangeKind.ALIAS_ADDED, path, f"alias {alias} added", op, np)
        for alias in old_aliases:
            if alias not in new_aliases:
                self.add(ChangeKind.ALIAS_REMOVED, path, f"alias {alias} removed", op, np)

    def doc(self, old: dict[str, Any], new: dict[str, Any], op: str, np: str, path: str) -> None:
        if old.get("doc") != new.get("doc"):
            self.add(ChangeKind.DOC_CHANGED, path, "doc changed", op, np)
