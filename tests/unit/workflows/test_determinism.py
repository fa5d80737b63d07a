"""Orchestrator code may only use the context's clock, uuids, activities and timers: scan it for anything else."""
from __future__ import annotations

import ast
import inspect

from functions.workflows import orchestrators
from shared.workflows import policy

FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "uuid1", "uuid4", "random",
                   "randint", "choice", "shuffle", "open", "sleep", "connect", "execute", "getenv", "urlopen"}
FORBIDDEN_MODULES = {"time", "random", "uuid", "requests", "httpx", "aiohttp", "psycopg", "psycopg_pool",
                     "asyncio", "os", "socket", "secrets", "shared.db", "urllib"}


def _violations(module: object) -> list[str]:
    return _scan(inspect.getsource(module))  # type: ignore[arg-type]


def _scan(source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {m}" for m in mods if m.split(".")[0] in FORBIDDEN_MODULES or m in FORBIDDEN_MODULES]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in FORBIDDEN_CALLS:
                found.append(f"call {ast.unparse(func)} at line {node.lineno}")
    return found


def test_orchestrators_make_no_nondeterministic_calls() -> None:
    assert _violations(orchestrators) == []


def test_the_planning_rules_they_call_are_pure_too() -> None:
    assert _violations(policy) == []


def test_the_scan_catches_forbidden_calls_and_imports() -> None:
    source = ("import uuid\nimport httpx\nfrom datetime import datetime\n"
              "def orch(ctx):\n    yield datetime.now()\n    uuid.uuid4()\n    open('x')\n")
    found = _scan(source)
    assert {"import uuid", "import httpx"} <= set(found)
    assert sum(f.startswith("call ") for f in found) == 3
