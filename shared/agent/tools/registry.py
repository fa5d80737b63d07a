"""The tool decorator: a plain async function becomes a tool whose JSON schema comes from its signature and
docstring (LiveKit-style); arguments are validated with pydantic before the function runs."""
from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

ToolFn = Callable[..., Awaitable[dict[str, Any]]]


class ToolRefused(Exception):
    """The tool will not do this (not verified, outside policy...); the message is safe to tell the model."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    fn: ToolFn
    args_model: type[BaseModel]
    requires_verification: bool
    speaks_filler: bool

    def schema(self) -> dict[str, Any]:
        """The OpenAI `tools` entry."""
        params = self.args_model.model_json_schema()
        params.pop("title", None)
        for prop in params.get("properties", {}).values():
            prop.pop("title", None)
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": params}}

    def parse_args(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments; raises ToolRefused with a readable reason on bad input."""
        try:
            model = self.args_model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise ToolRefused(f"invalid argument {where}: {first['msg']}") from None
        return {name: getattr(model, name) for name in type(model).model_fields}


TOOLS: dict[str, ToolSpec] = {}


def _doc_parts(doc: str) -> tuple[str, dict[str, str]]:
    """Summary text and per-argument descriptions from a Google-style docstring."""
    summary, _, rest = doc.partition("Args:")
    args: dict[str, str] = {}
    for m in re.finditer(r"^\s+(\w+):\s*(.+?)(?=^\s+\w+:|\Z)", rest, re.M | re.S):
        args[m.group(1)] = " ".join(m.group(2).split())
    return " ".join(summary.split()), args


def tool(*, requires_verification: bool = True, filler: bool = True) -> Callable[[ToolFn], ToolFn]:
    """Register `fn(ctx, **args)` as a tool. The first parameter is the ToolContext and is not in the schema."""

    def register(fn: ToolFn) -> ToolFn:
        summary, arg_docs = _doc_parts(inspect.getdoc(fn) or "")
        hints = get_type_hints(fn)
        fields: dict[str, Any] = {}
        for i, (pname, param) in enumerate(inspect.signature(fn).parameters.items()):
            if i == 0:
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[pname] = (hints[pname], Field(default, description=arg_docs.get(pname)))
        model = create_model(f"{fn.__name__}_args", __config__=ConfigDict(extra="ignore"), **fields)
        TOOLS[fn.__name__] = ToolSpec(fn.__name__, summary, fn, model, requires_verification, filler)
        return fn

    return register
