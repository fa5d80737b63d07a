"""Which address a per-source limit counts against (shared/ratelimit.py source_address): behind Azure's proxies the
right-most external X-Forwarded-For entry, never a client-written entry to its left, never one bucket for everyone."""
from __future__ import annotations

import pytest

from shared.ratelimit import source_address


@pytest.mark.parametrize(("peer", "forwarded_for", "expected"), [
    # The Functions host hands the app no peer; its front end appends "ip:port".
    (None, "203.0.113.7:51234", "203.0.113.7"),
    # The caller wrote its own entries; the front end appended the real one last.
    (None, "198.51.100.1, 192.0.2.200, 203.0.113.7:51234", "203.0.113.7"),
    (None, "8.8.8.8,  203.0.113.7", "203.0.113.7"),
    # Container Apps: the ingress connects from a private address; internal hops after the client are skipped.
    ("100.100.0.9", "203.0.113.7, 10.0.0.4", "203.0.113.7"),
    ("10.1.2.3", "[2001:4860:4860::8888]:443", "2001:4860:4860::8888"),
    ("10.1.2.3", "2001:4860:4860::8888", "2001:4860:4860::8888"),
    # An external peer talks to the app directly: it is the source, whatever it claims.
    ("203.0.113.9", "8.8.8.8", "203.0.113.9"),
    # Nothing external to go on: the peer, else one named bucket.
    ("127.0.0.1", None, "127.0.0.1"),
    ("127.0.0.1", "unknown, _hidden, 10.0.0.1", "127.0.0.1"),
    (None, None, "unknown"),
    (None, "garbage, 300.1.1.1", "unknown"),
])
def test_the_source_is_the_right_most_external_forwarded_address(peer: str | None, forwarded_for: str | None,
                                                                  expected: str) -> None:
    assert source_address(peer, forwarded_for) == expected


def test_a_caller_cannot_pick_a_fresh_source_by_forging_the_left_of_the_header() -> None:
    forged = {source_address(None, f"198.51.100.{i}, 203.0.113.7:4000{i}") for i in range(50)}
    assert forged == {"203.0.113.7"}
