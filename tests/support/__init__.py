"""Test infrastructure: real PostgreSQL and Redis servers for the suite (loopback, env, or embedded)."""
