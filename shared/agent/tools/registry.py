"""The tool decorator: a plain async function becomes a tool whose JSON schema comes from its signature and
docstring (LiveKit-style); arguments are validated with pydantic before the function runs.

Schemas are OpenAI strict function schemas: money is a decimal string with a pattern, choices are enums, every
property is required (optional ones nullable), no additional properties. `model_view` shapes a tool's result for
the model: the `say` sentence and `next` question first, no ids, schedules summarized."""
from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin, get_type_hints

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
    enums: dict[str, tuple[Any, ...]] = field(default_factory=dict)   # schema-only choices offered to the model

    def schema(self) -> dict[str, Any]:
        """The OpenAI `tools` entry, strict."""
        properties: dict[str, Any] = {}
        for pname, f in self.args_model.model_fields.items():
            prop = _property_schema(f.annotation)
            if pname in self.enums:
                prop["enum"] = list(self.enums[pname])
            if f.description:
                prop["description"] = f.description
            if not f.is_required():
                prop["type"] = [prop["type"], "null"] if isinstance(prop["type"], str) else prop["type"]
                if "enum" in prop:
                    prop["enum"] = [*prop["enum"], None]
                prop["description"] = (prop.get("description", "") + " (null if not given)").strip()
            properties[pname] = prop
        params = {"type": "object", "properties": properties, "required": list(properties),
                  "additionalProperties": False}
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": params, "strict": True}}

    def parse_args(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments; raises ToolRefused with a readable reason on bad input. A null optional
        argument takes its default."""
        raw = {k: v for k, v in raw.items() if v is not None}
        try:
            model = self.args_model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise ToolRefused(f"invalid argument {where}: {first['msg']}") from None
        return {name: getattr(model, name) for name in type(model).model_fields}


TOOLS: dict[str, ToolSpec] = {}
MONEY_PATTERN = r"^\d{1,7}(\.\d{1,2})?$"


def _property_schema(annotation: Any) -> dict[str, Any]:
    """A strict-mode property schema for one parameter type (str, int, bool, Decimal money, Literal enums)."""
    if annotation is Decimal:
        return {"type": "string", "pattern": MONEY_PATTERN}
    if get_origin(annotation) is Literal:
        choices = list(get_args(annotation))
        kind = "integer" if all(isinstance(c, int) for c in choices) else "string"
        return {"type": kind, "enum": choices}
    for py, js in ((bool, "boolean"), (int, "integer"), (str, "string")):
        if annotation is py:
            return {"type": js}
    raise TypeError(f"tool parameter type {annotation!r} has no strict schema")


def _doc_parts(doc: str) -> tuple[str, dict[str, str]]:
    """Summary text and per-argument descriptions from a Google-style docstring."""
    summary, _, rest = doc.partition("Args:")
    args: dict[str, str] = {}
    for m in re.finditer(r"^\s+(\w+):\s*(.+?)(?=^\s+\w+:|\Z)", rest, re.M | re.S):
        args[m.group(1)] = " ".join(m.group(2).split())
    return " ".join(summary.split()), args


def tool(*, requires_verification: bool = True, filler: bool = True,
         enums: dict[str, tuple[Any, ...]] | None = None) -> Callable[[ToolFn], ToolFn]:
    """Register `fn(ctx, **args)` as a tool. The first parameter is the ToolContext and is not in the schema.
    `enums` restricts what the model may send for a parameter (the engine's own calls are not restricted)."""

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
        TOOLS[fn.__name__] = ToolSpec(fn.__name__, summary, fn, model, requires_verification, filler,
                                      dict(enums or {}))
        return fn

    return register


_HIDDEN = re.compile(r"(^|_)(id|ids|instance|workflow_instance|schedule|arrangement_id|callback_id)$")


def model_view(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """A tool result as the model sees it: `say` and `next` first, no ids or workflow handles, a schedule
    summarized to its first date, nested options trimmed to what is spoken."""
    view: dict[str, Any] = {}
    for key in ("ok", "error", "say", "next"):
        if key in result:
            view[key] = result[key]
    for key, value in result.items():
        if key in view or _HIDDEN.search(key):
            continue
        if key == "nearest_valid_plan" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if not _HIDDEN.search(k)}
        if key == "plans" and isinstance(value, list):
            value = [{k: p[k] for k in ("months", "instalment") if k in p} for p in value]
        view[key] = value
    return view
