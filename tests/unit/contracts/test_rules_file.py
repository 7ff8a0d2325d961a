"""An event type's rules file: Confluent's rule set plus EventFlow's code rules, every problem
named with the file and line (ADR 0010)."""

from __future__ import annotations

import pytest

from eventflow.contracts import (
    CodeRule,
    DataContract,
    DataContractError,
    contract_changes,
    parse_rules_file,
)

CEL = "    kind: CONDITION\n    mode: WRITE\n    type: CEL\n"
GOOD = (
    "domainRules:\n"
    "  - name: positive\n" + CEL + "    expr: message.n > 0\n"
    "eventflowCodeRules:\n"
    "  - name: sums\n"
    "    function: eventflow.consumers.code_rules:sum_matches\n"
    "    params: {items: payload.items, quantity: q, price: p, total: payload.total}\n"
    "    onFailure: none\n"
)


def test_a_rules_file_holds_the_registered_rule_set_and_the_code_rules() -> None:
    parsed = parse_rules_file(GOOD, "X.rules.yaml")
    assert [r["name"] for r in (parsed.rule_set or {})["domainRules"]] == ["positive"]
    assert "eventflowCodeRules" not in (parsed.rule_set or {})  # never registered
    [rule] = parsed.code_rules
    assert rule == CodeRule(
        "sums",
        "eventflow.consumers.code_rules:sum_matches",
        {"items": "payload.items", "price": "p", "quantity": "q", "total": "payload.total"},
        "NONE",
    )
    assert rule.where == "X.rules.yaml:8" and not rule.refuses
    assert parse_rules_file("# only a comment\n", "X.rules.yaml").code_rules == ()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("domainRules: [\n", "X.rules.yaml:2: not valid YAML"),
        ("- a\n", "X.rules.yaml:1: a rules file is a mapping"),
        ("domainRule: []\n", "X.rules.yaml:1: unknown key `domainRule`"),
        (
            GOOD.replace("    expr:", "    exp:"),
            "X.rules.yaml:2: unknown key `exp` in rule 'positive'",
        ),
        (
            GOOD.replace("message.n > 0", "message.n >"),
            "X.rules.yaml:2: Rule 'positive': expr is not valid CEL",
        ),
        (GOOD.replace("name: positive", "name: 1st"), "X.rules.yaml:2: Illegal initial character"),
        ("domainRules: 5\n", "X.rules.yaml:1: `domainRules` must be a list of rules"),
        (
            GOOD.replace("sum_matches", "sum matches"),
            "X.rules.yaml:8: code rule 'sums': `function` must be",
        ),
        (
            GOOD.replace("onFailure: none", "onFailure: LOG"),
            "X.rules.yaml:8: code rule 'sums': onFailure must be one of",
        ),
        (
            GOOD.replace("    params:", "    args:"),
            "X.rules.yaml:8: unknown key `args` in rule 'sums'",
        ),
        (
            GOOD.replace("{items: payload.items,", "{items: 5,"),
            "X.rules.yaml:8: code rule 'sums': `params` maps names to strings",
        ),
        (
            GOOD.replace("name: sums", "name: positive"),
            "X.rules.yaml:8: rule name 'positive' is used twice",
        ),
        (
            GOOD + "  - name: sums\n    function: a:b\n",
            "X.rules.yaml:12: rule name 'sums' is used twice",
        ),
    ],
)
def test_a_bad_rules_file_is_refused_naming_file_and_line(text: str, error: str) -> None:
    with pytest.raises(DataContractError) as info:
        parse_rules_file(text, "X.rules.yaml")
    assert error in str(info.value)


def test_contract_changes_report_code_rules_added_changed_and_removed() -> None:
    def contract(*rules: CodeRule) -> DataContract:
        return DataContract({}, None, rules)

    a = CodeRule("a", "m:f", {"x": "1"})
    assert contract_changes(contract(), contract(a)) == ["code rule a added: m:f"]
    assert contract_changes(contract(a), contract(CodeRule("a", "m:f", {"x": "2"}))) == [
        "code rule a changed: params {'x': '1'} -> {'x': '2'}"
    ]
    assert contract_changes(contract(a), contract()) == ["code rule a removed"]
