"""The OpenAI fake rejects what the real endpoint rejects, and the conversation history the engine keeps is always
accepted: cancelled tool calls answered, no empty assistant turns, interrupted replies cut to what was heard."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.agent.brains.base import Conversation
from shared.agent.tools import TOOLS
from tests.fakes.openai_fake import validate_request

TOOL_SCHEMAS = [spec.schema() for spec in TOOLS.values()]
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_customer_options", "arguments": "{}"}}


def body(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": messages, "tools": TOOL_SCHEMAS, "parallel_tool_calls": False,
            "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 300, **extra}


SYSTEM = {"role": "system", "content": "You are Alex."}
USER = {"role": "user", "content": "Hi."}


def test_a_well_formed_request_is_accepted() -> None:
    msgs = [SYSTEM, USER, {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{}"}, {"role": "assistant", "content": "Okay."}]
    assert validate_request(body(msgs)) == []


@pytest.mark.parametrize("messages,fragment", [
    ([SYSTEM, {"role": "assistant", "content": None, "tool_calls": [CALL]}, USER], "must be followed by tool messages"),
    ([SYSTEM, {"role": "assistant", "content": None, "tool_calls": [CALL]}], "must be followed by tool messages"),
    ([SYSTEM, USER, {"role": "tool", "tool_call_id": "call_9", "content": "{}"}], "must be a response to a preceding"),
    ([SYSTEM, USER, {"role": "assistant", "content": None}], "needs 'content' or 'tool_calls'"),
    ([SYSTEM, USER, {"role": "assistant", "content": ""}], "needs 'content' or 'tool_calls'"),
    ([SYSTEM, {"role": "narrator", "content": "x"}], "role 'narrator'"),
    ([SYSTEM, {"role": "assistant", "content": "Hi.", "interrupted": True}], "additional properties"),
    ([SYSTEM, {"role": "user", "content": ""}], "non-empty string"),
])
def test_what_the_real_api_rejects_is_rejected(messages: list[dict[str, Any]], fragment: str) -> None:
    problems = validate_request(body(messages))
    assert problems and any(fragment in p for p in problems), problems


def test_tool_schemas_must_obey_strict_mode() -> None:
    loose = copy.deepcopy(TOOL_SCHEMAS)
    params = loose[0]["function"]["parameters"]
    params.pop("additionalProperties")
    assert any("additionalProperties" in p for p in validate_request(body([SYSTEM, USER], tools=loose)))
    missing = copy.deepcopy(TOOL_SCHEMAS)
    pay = next(t for t in missing if t["function"]["name"] == "process_payment")["function"]["parameters"]
    pay["required"] = ["amount"]
    assert any("required" in p for p in validate_request(body([SYSTEM, USER], tools=missing)))
    broken = copy.deepcopy(TOOL_SCHEMAS)
    broken[0]["function"]["parameters"]["type"] = "nonsense"
    assert any("not a valid JSON Schema" in p for p in validate_request(body([SYSTEM, USER], tools=broken)))


def test_request_options_need_their_companions() -> None:
    no_tools = body([SYSTEM, USER])
    del no_tools["tools"]
    assert any("parallel_tool_calls" in p for p in validate_request(no_tools))
    assert any("stream_options" in p for p in validate_request(body([SYSTEM, USER], stream=False)))
    assert any("Unrecognized" in p for p in validate_request(body([SYSTEM, USER], temprature=0.2)))


def test_a_cancelled_tool_call_gets_an_error_result_before_the_next_turn() -> None:
    conv = Conversation()
    conv.user("Call me tomorrow.")
    conv.assistant("", [CALL, {**CALL, "id": "call_2"}])
    conv.tool("call_1", "{}")                          # the barge-in cancelled call_2 before its result
    conv.user("Wait.")
    assert validate_request(body([SYSTEM, *conv.sendable()])) == []
    results = [m for m in conv.messages if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in results] == ["call_1", "call_2"] and "cancelled" in results[1]["content"]


def test_an_empty_assistant_turn_is_never_stored() -> None:
    conv = Conversation()
    conv.user("Hello?")
    conv.assistant("")
    assert conv.messages == [{"role": "user", "content": "Hello?"}]


def test_an_interrupted_reply_keeps_only_what_was_heard() -> None:
    conv = Conversation()
    conv.user("What can I do?")
    conv.assistant("You can pay in full today. Or set up a plan.")
    conv.interrupted("You can pay in full")
    assert conv.messages[-1] == {"role": "assistant", "content": "You can pay in full"}
    assert conv.interrupted_after == "You can pay in full"
    conv.user("Hold on.")
    assert validate_request(body([SYSTEM, *conv.sendable()])) == []


def test_a_reply_cut_before_it_was_stored_is_added_as_heard() -> None:
    conv = Conversation()
    conv.user("What can I do?")
    conv.interrupted("You can pay")                    # the stream was cut: nothing stored yet
    assert conv.messages[-1] == {"role": "assistant", "content": "You can pay"}


def test_a_reply_interrupted_before_a_word_was_heard_disappears() -> None:
    conv = Conversation()
    conv.user("What can I do?")
    conv.assistant("You can pay in full today.")
    conv.interrupted("")
    assert conv.messages == [{"role": "user", "content": "What can I do?"}]


def test_a_fixed_line_spoken_between_a_call_and_its_result_follows_the_results() -> None:
    conv = Conversation()
    conv.user("4821 and 10001.")
    conv.assistant("", [CALL, {**CALL, "id": "call_2"}])
    conv.tool("call_1", '{"verified": true}')
    conv.assistant("This is an attempt to collect a debt.")    # the disclosure after the first result
    conv.tool("call_2", "{}")
    assert [m["role"] for m in conv.messages] == ["user", "assistant", "tool", "tool", "assistant"]
    assert validate_request(body([SYSTEM, *conv.sendable()])) == []
