"""Every librdkafka client EventFlow creates gets its configuration from ``client_config``
(so the security settings reach all of them), checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "eventflow"
CLIENTS = {"Producer", "Consumer", "AdminClient", "SerializingProducer", "DeserializingConsumer"}
# client_config itself checks the operator's extra properties with a bootstrap-less handle
EXEMPT = {"kafka/_client_config.py"}


def _client_constructions() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in CLIENTS:
                found.append((where, node.lineno, node))
    return found


def _is_client_config_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "client_config"
    )


def test_every_client_is_built_from_client_config():
    constructions = _client_constructions()
    assert len(constructions) >= 8  # producer, group/reader/offsets consumers, admin, probe, log
    offending = [
        f"{where}:{line}"
        for where, line, call in constructions
        if where not in EXEMPT and not (call.args and _is_client_config_call(call.args[0]))
    ]
    assert offending == []
