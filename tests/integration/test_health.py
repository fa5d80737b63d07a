"""GET /api/v1/health reports the real database state."""
import httpx

from functions.app import create_app


async def test_health_reports_database_ok_and_schema_revision(database_url: str) -> None:
    app = create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    from shared.db import migrate

    assert body["database"]["schema_revision"] == migrate.head_revision()


async def test_health_is_503_when_the_database_is_unreachable(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    try:
        app = create_app()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/api/v1/health")
    finally:
        monkeypatch.setenv("DATABASE_URL", database_url)
        get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "unavailable"
