"""Use cases behind the admin REST API: customer import/export, call search, rollups, campaign control."""
