"""Archer's domain package, shared by the Function app and the voice service.

No web framework or Azure Functions imports live here: adapters in functions/ and voice/ call into it.
"""
