"""Durable workflows: callbacks and campaigns (orchestrators, activities, blueprint, Durable client starter)."""
