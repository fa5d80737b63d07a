"""Archer's PostgreSQL data layer: connection pool, repositories (one module per aggregate), migrations, seed.

SQL lives in each repository module next to the function that runs it; parameters are always bound.
"""
