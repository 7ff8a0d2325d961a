"""Semantic diff: each kind of change, and its impact taken from the engine per direction."""

from __future__ import annotations

import copy
import json

import pytest

from eventflow.contracts import parse_schema
from eventflow.contracts._diff import ChangeKind, diff_schemas

BASE = {
    "type": "record",
    "name": "Order",
    "namespace": "com.eventflow.events",
    "doc": "An order.",
    "fields": [
        {"name": "order_id", "type": "string", "doc": "Id."},
        {"name": "quantity", "type": "int", "doc": "Units."},
        {"name": "note", "type": ["null", "string"], "default": None, "doc": "Note."},
        {
            "name": "status",
            "doc": "S.",
            "type": {"type": "enum", "name": "Status", "symbols": ["OPEN", "CLOSED"]},
        },
        {"name": "tags", "doc": "T.", "type": {"type": "array", "items": "string"}},
        {"name": "digest", "doc": "D.", "type": {"type": "fixed", "name": "Digest", "size": 16}},
        {"name": "channel", "type": "string", "default": "web", "doc": "C."},
    ],
}


def diff(mutate):
    new = copy.deepcopy(BASE)
    mutate(new)
    old_s = parse_schema(json.dumps(BASE, indent=2), source="old.avsc")
    new_s = parse_schema(json.dumps(new, indent=2), source="new.avsc")
    return diff_schemas(old_s, new_s)


def kinds(result):
    return [(c.kind, c.path, c.backward_breaking, c.forward_breaking) for c in result.changes]


def field(doc, name):
    return next(f for f in doc["fields"] if f["name"] == name)


def test_identical_schemas_have_no_changes():
    result = diff(lambda d: None)
    assert result.changes == ()
    assert result.backward_compatible and result.forward_compatible


def test_optional_field_added_is_fully_compatible():
    result = diff(
        lambda d: d["fields"].append(
            {"name": "coupon", "type": ["null", "string"], "default": None, "doc": "C."}
        )
    )
    assert kinds(result) == [(ChangeKind.FIELD_ADDED, "Order.coupon", False, False)]
    assert result.changes[0].impact == "fully compatible"


def test_required_field_added_breaks_backward():
    result = diff(lambda d: d["fields"].append({"name": "region", "type": "string", "doc": "R."}))
    assert kinds(result) == [(ChangeKind.FIELD_ADDED, "Order.region", True, False)]
    assert not result.backward_compatible and result.forward_compatible
    assert "consumers cannot upgrade first" in result.changes[0].impact


def test_field_without_default_removed_breaks_forward_with_default_does_not():
    result = diff(lambda d: d["fields"].remove(field(d, "quantity")))
    assert kinds(result) == [(ChangeKind.FIELD_REMOVED, "Order.quantity", False, True)]
    result = diff(lambda d: d["fields"].remove(field(d, "channel")))
    assert kinds(result) == [(ChangeKind.FIELD_REMOVED, "Order.channel", False, False)]


def test_defaults_added_changed_removed():
    result = diff(lambda d: field(d, "quantity").__setitem__("default", 1))
    assert kinds(result) == [(ChangeKind.DEFAULT_ADDED, "Order.quantity", False, False)]
    result = diff(lambda d: field(d, "channel").__setitem__("default", "app"))
    assert kinds(result) == [(ChangeKind.DEFAULT_CHANGED, "Order.channel", False, False)]
    assert result.changes[0].description == 'default "web" -> "app"'
    result = diff(lambda d: field(d, "channel").pop("default"))
    assert kinds(result) == [(ChangeKind.DEFAULT_REMOVED, "Order.channel", False, False)]


def test_type_promoted_is_backward_only_and_type_changed_breaks_both():
    result = diff(lambda d: field(d, "quantity").__setitem__("type", "long"))
    assert kinds(result) == [(ChangeKind.TYPE_PROMOTED, "Order.quantity", False, True)]
    result = diff(lambda d: field(d, "quantity").__setitem__("type", "string"))
    assert kinds(result) == [(ChangeKind.TYPE_CHANGED, "Order.quantity", True, True)]
    assert result.changes[0].description == "int -> string"


def test_enum_symbols_added_and_removed():
    result = diff(lambda d: field(d, "status")["type"]["symbols"].append("CANCELLED"))
    assert kinds(result) == [(ChangeKind.ENUM_SYMBOL_ADDED, "Order.status", False, True)]
    result = diff(lambda d: field(d, "status")["type"]["symbols"].remove("CLOSED"))
    assert kinds(result) == [(ChangeKind.ENUM_SYMBOL_REMOVED, "Order.status", True, False)]


def test_enum_default_makes_added_symbol_safe_for_old_readers():
    def both(d):
        field(d, "status")["type"]["symbols"].append("CANCELLED")

    old_with_default = copy.deepcopy(BASE)
    field(old_with_default, "status")["type"]["default"] = "OPEN"
    new = copy.deepcopy(old_with_default)
    both(new)
    result = diff_schemas(
        parse_schema(json.dumps(old_with_default), source="o"),
        parse_schema(json.dumps(new), source="n"),
    )
    assert kinds(result) == [(ChangeKind.ENUM_SYMBOL_ADDED, "Order.status", False, False)]


def test_union_branches_and_nested_array_items():
    result = diff(lambda d: field(d, "note").__setitem__("type", ["null", "string", "int"]))
    assert kinds(result) == [(ChangeKind.UNION_BRANCH_ADDED, "Order.note", False, True)]
    result = diff(lambda d: field(d, "tags")["type"].__setitem__("items", "int"))
    assert kinds(result) == [(ChangeKind.TYPE_CHANGED, "Order.tags[]", True, True)]


def test_rename_through_alias_and_alias_added():
    def rename(d):
        f = field(d, "order_id")
        f["name"], f["aliases"] = "id", ["order_id"]

    result = diff(rename)
    assert kinds(result) == [(ChangeKind.FIELD_RENAMED, "Order.id", False, True)]
    result = diff(lambda d: field(d, "quantity").__setitem__("aliases", ["qty"]))
    assert kinds(result) == [(ChangeKind.ALIAS_ADDED, "Order.quantity", False, False)]


def test_fixed_size_name_namespace_and_doc():
    result = diff(lambda d: field(d, "digest")["type"].__setitem__("size", 32))
    assert kinds(result) == [(ChangeKind.FIXED_SIZE_CHANGED, "Order.digest", True, True)]
    result = diff(lambda d: d.__setitem__("namespace", "com.eventflow.orders"))
    # nested named types inherit the namespace, so they move too
    assert [(c.kind, c.path) for c in result.changes] == [
        (ChangeKind.NAMESPACE_CHANGED, "Order"),
        (ChangeKind.NAMESPACE_CHANGED, "Order.status"),
        (ChangeKind.NAMESPACE_CHANGED, "Order.digest"),
    ]
    # Avro Java matches record names unqualified: a namespace move alone stays compatible
    assert result.backward_compatible and result.forward_compatible
    result = diff(lambda d: d.__setitem__("name", "Purchase"))
    assert kinds(result) == [(ChangeKind.NAME_CHANGED, "Purchase", True, True)]
    result = diff(lambda d: field(d, "note").__setitem__("doc", "Free text."))
    assert kinds(result) == [(ChangeKind.DOC_CHANGED, "Order.note", False, False)]


def test_logical_type_change_is_reported():
    result = diff(
        lambda d: field(d, "order_id").__setitem__(
            "type", {"type": "string", "logicalType": "uuid"}
        )
    )
    assert kinds(result) == [(ChangeKind.LOGICAL_TYPE_CHANGED, "Order.order_id", False, False)]


@pytest.mark.parametrize("direction", ["backward", "forward"])
def test_every_engine_finding_is_attributed_or_kept(direction):
    def many(d):
        d["fields"].remove(field(d, "quantity"))
        d["fields"].append({"name": "region", "type": "string", "doc": "R."})
        field(d, "status")["type"]["symbols"] = ["OPEN"]
        field(d, "digest")["type"]["size"] = 8

    result = diff(many)
    found = result.backward if direction == "backward" else result.forward
    assert found
    flagged = [
        c
        for c in result.changes
        if (c.backward_breaking if direction == "backward" else c.forward_breaking)
    ]
    assert len(flagged) + len([u for u in result.unattributed if u[0] == direction]) >= 1
    assert len(flagged) == len(found)
