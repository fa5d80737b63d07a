"""The agent's tools, one family per module; importing this package registers them all in TOOLS."""
from shared.agent.tools import call_flow, callback, compliance, negotiation, options, payment, verification
from shared.agent.tools.registry import TOOLS, ToolRefused, ToolSpec, tool

__all__ = ["TOOLS", "ToolRefused", "ToolSpec", "call_flow", "callback", "compliance", "negotiation", "options",
           "payment", "tool", "verification"]
