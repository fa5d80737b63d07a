"""Schema migrations: `python -m shared.db.migrate [upgrade head|downgrade base|...]` over Alembic.

Migrations are raw SQL in shared/db/migrations/versions; this module only wires Alembic to DATABASE_URL. It is the
deploy's migration step too (runtime dependency, idempotent: at head it changes nothing) and prints one line naming
the revision before and after.
"""
from __future__ import annotations

import sys
from pathlib import Path

from shared.settings import SettingsError, get_settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def sqlalchemy_url(database_url: str | None) -> str:
    """The SQLAlchemy form of a libpq URL, always on the psycopg 3 driver."""
    url = database_url or get_settings().database_url
    if not url:
        raise SettingsError("invalid setting DATABASE_URL: required to run migrations")
    _, _, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}"


def _config(database_url: str | None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(_config(database_url), revision)


def current_revision(database_url: str | None = None) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config("postgresql://unused/")).get_current_head()
    assert head is not None
    return head


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "upgrade"
    target = argv[1] if len(argv) > 1 else ("head" if action == "upgrade" else "base")
    if action not in ("upgrade", "downgrade"):
        print(f"usage: python -m shared.db.migrate [upgrade|downgrade] [revision]; got {action!r}")
        return 2
    try:
        before = current_revision()
        (upgrade if action == "upgrade" else downgrade)(revision=target)
        after = current_revision()
    except SettingsError as exc:
        print(f"archer: {exc}", file=sys.stderr)
        return 2
    change = "no change" if before == after else f"{before or 'empty'} -> {after or 'empty'}"
    print(f"archer: database migrated ({action} {target}): revision {after or 'empty'} ({change})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
