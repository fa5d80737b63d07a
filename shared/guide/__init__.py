"""The Archer guide (issue #18): a brain (llm or rules), typed tools over the admin data, the quick tour and the
console catalog. voice/guide.py serves it on WS /guide."""
