"""The conversation engine: per-call state, tools, tactics → prompt, the llm and rules brains.

Transport-agnostic: the voice service, the /sim websocket and the tests drive it through shared.agent.events.
"""
