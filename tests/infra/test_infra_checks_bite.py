"""The offline infra checks fail on broken templates: each test breaks a copy of the repository's
infra/, workflows and azure.yaml in one way and asserts the matching check reports it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import infra_checks as checks
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "infra", tmp_path / "infra")
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    shutil.copy(ROOT / "azure.yaml", tmp_path / "azure.yaml")
    shutil.copy(ROOT / "host.json", tmp_path / "host.json")
    shutil.copy(ROOT / "function_app.py", tmp_path / "function_app.py")
    shutil.copytree(ROOT / "functions", tmp_path / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "shared", tmp_path / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"fixture drifted: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def sub(path: Path, pattern: str, new: str) -> None:
    text, n = re.subn(pattern, new, path.read_text(), count=1, flags=re.MULTILINE | re.DOTALL)
    assert n == 1, f"fixture drifted: {pattern!r} not in {path.name}"
    path.write_text(text)


def failures(check: Callable[[Path], list[str]], root: Path) -> list[str]:
    problems = check(root)
    assert problems, f"{check.__name__} did not notice the breakage"
    return problems


def test_the_unbroken_copy_passes(copy: Path) -> None:
    assert [p for check in checks.ALL_CHECKS for p in check(copy)] == []


def test_module_param_no_longer_declared(copy: Path) -> None:
    sub(
        copy / "infra/modules/redis.bicep",
        r"^@description\('High availability.*?\n(@allowed.*?\]\n)?param highAvailability[^\n]*\n",
        "",
    )
    assert any("highAvailability" in p for p in failures(checks.check_module_params, copy))


def test_required_module_param_not_passed(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "    adminPrincipalName: identity.outputs.name\n", "")
    assert any("adminPrincipalName" in p for p in failures(checks.check_module_params, copy))


def test_purge_protection_off(copy: Path) -> None:
    edit(copy / "infra/modules/keyvault.bicep", "enablePurgeProtection: true", "enablePurgeProtection: false")
    assert any("PurgeProtection" in p for p in failures(checks.check_keyvault, copy))


def test_voice_min_replicas_zero(copy: Path) -> None:
    path = copy / "infra/modules/containerapps.bicep"
    edit(path, "minReplicas: minReplicas", "minReplicas: 0")
    assert any("minReplicas" in p for p in failures(checks.check_voice_app, copy))


def test_voice_min_replicas_parameter_allows_zero(copy: Path) -> None:
    edit(
        copy / "infra/main.bicep",
        "@minValue(1)\nparam voiceMinReplicas int = 1",
        "@minValue(0)\nparam voiceMinReplicas int = 0",
    )
    assert any("minReplicas" in p for p in failures(checks.check_voice_app, copy))


def test_voice_ingress_internal_or_tcp(copy: Path) -> None:
    edit(copy / "infra/modules/containerapps.bicep", "transport: 'auto'", "transport: 'tcp'")
    edit(copy / "infra/modules/containerapps.bicep", "external: true", "external: false")
    problems = failures(checks.check_voice_app, copy)
    assert any("websockets" in p for p in problems) and any("external" in p for p in problems)


def test_voice_probes_and_grace_removed(copy: Path) -> None:
    path = copy / "infra/modules/containerapps.bicep"
    edit(path, "var probePath = usePlaceholder ? '/' : '/healthz'", "var probePath = '/'")
    edit(
        path,
        "terminationGracePeriodSeconds: terminationGracePeriodSeconds",
        "terminationGracePeriodSeconds: 30",
    )
    problems = failures(checks.check_voice_app, copy)
    assert any("liveness" in p for p in problems) and any("terminationGrace" in p for p in problems)


def test_voice_secret_with_inline_value(copy: Path) -> None:
    edit(
        copy / "infra/modules/containerapps.bicep",
        "    keyVaultUrl: '${keyVaultUri}secrets/${secretNames.TWILIO_AUTH_TOKEN}'\n"
        "    identity: identityId\n",
        "    value: 'inline'\n",
    )
    assert any("twilio-auth-token" in p for p in failures(checks.check_voice_app, copy))


def test_postgres_password_auth_on(copy: Path) -> None:
    edit(copy / "infra/modules/postgres.bicep", "passwordAuth: 'Disabled'", "passwordAuth: 'Enabled'")
    assert any("passwordAuth" in p for p in failures(checks.check_postgres, copy))


def test_storage_shared_keys_and_connection_string(copy: Path) -> None:
    edit(copy / "infra/modules/storage.bicep", "allowSharedKeyAccess: false", "allowSharedKeyAccess: true")
    edit(
        copy / "infra/modules/functionapp.bicep",
        "name: 'AzureWebJobsStorage__accountName'",
        "name: 'AzureWebJobsStorage'",
    )
    problems = failures(checks.check_function_storage_identity, copy)
    assert any("allowSharedKeyAccess" in p for p in problems)
    assert any("AzureWebJobsStorage__accountName" in p for p in problems)


def test_function_deployment_storage_by_connection_string(copy: Path) -> None:
    edit(
        copy / "infra/modules/functionapp.bicep",
        "type: 'UserAssignedIdentity'",
        "type: 'StorageAccountConnectionString'",
    )
    assert any("deployment storage" in p for p in failures(checks.check_function_storage_identity, copy))


def test_secret_literal_in_parameter_file(copy: Path) -> None:
    path = copy / "infra/main.bicepparam"
    path.write_text(path.read_text() + "param twilioAuthToken = 'not-a-real-token-but-a-literal'\n")
    assert any("twilioAuthToken" in p for p in failures(checks.check_no_secrets_in_param_files, copy))


def test_secret_shaped_value_in_parameter_file(copy: Path) -> None:
    path = copy / "infra/main.bicepparam"
    path.write_text(path.read_text() + "param bankName = 'x;AccountKey=abc'\n")
    assert failures(checks.check_no_secrets_in_param_files, copy)


def test_setting_dropped_from_wiring(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "  CALLBACK_NUMBER: callbackNumber\n", "")
    problems = failures(checks.check_settings_wiring, copy)
    assert any("CALLBACK_NUMBER" in p and "functionapp" in p for p in problems)
    assert any("CALLBACK_NUMBER" in p and "containerapps" in p for p in problems)


def test_setting_hardcoded_instead_of_output(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "  REDIS_URL: redisUrl\n", "  REDIS_URL: 'rediss://localhost:10000'\n")
    assert any("REDIS_URL" in p for p in failures(checks.check_settings_wiring, copy))


def test_function_secret_not_a_key_vault_reference(copy: Path) -> None:
    sub(
        copy / "infra/modules/functionapp.bicep",
        r"name: 'OPENAI_API_KEY'\n    value: '@Microsoft\.KeyVault\([^\n]*\n",
        "name: 'OPENAI_API_KEY'\n    value: ''\n",
    )
    assert any("OPENAI_API_KEY" in p for p in failures(checks.check_function_key_vault_references, copy))


def test_resource_kind_missing(copy: Path) -> None:
    edit(
        copy / "infra/modules/redis.bicep",
        "Microsoft.Cache/redisEnterprise@2025-07-01' = {",
        "Microsoft.Cache/redis@2024-11-01' = {",
    )
    assert any("redisEnterprise" in p for p in failures(checks.check_resource_kinds, copy))
    assert failures(checks.check_redis, copy)


def test_role_assignment_missing(copy: Path) -> None:
    edit(
        copy / "infra/modules/roles.bicep",
        "7f951dda-4ed3-4680-a7ca-43fe172d538d",
        "00000000-0000-0000-0000-000000000000",
    )
    assert any("AcrPull" in p for p in failures(checks.check_resource_kinds, copy))


def test_unparseable_bicep(copy: Path) -> None:
    (copy / "infra/modules/broken.bicep").write_text("resource x 'A/b@2020-01-01' = {\n  name: \n")
    assert any("broken.bicep" in p for p in failures(checks.check_bicep_parses, copy))


def test_unpinned_action(copy: Path) -> None:
    edit(copy / ".github/workflows/ci.yml", "actions/checkout@v7", "actions/checkout@main")
    edit(copy / ".github/workflows/deploy.yml", "azure/login@v3", "azure/login", count=1)
    problems = failures(checks.check_workflow_pins, copy)
    assert any("actions/checkout@main" in p for p in problems)
    assert any("'azure/login'" in p for p in problems)


def test_workflow_that_does_not_parse(copy: Path) -> None:
    (copy / ".github/workflows/ci.yml").write_text("on: [push\njobs: {\n")
    assert any("ci.yml" in p for p in failures(checks.check_workflow_pins, copy))


def test_deploy_without_oidc_or_concurrency(copy: Path) -> None:
    edit(copy / ".github/workflows/deploy.yml", "  id-token: write", "  id-token: none")
    sub(copy / ".github/workflows/deploy.yml", r"^concurrency:\n(  .*\n)+", "")
    problems = failures(checks.check_deploy_workflow, copy)
    assert any("id-token" in p for p in problems) and any("concurrency" in p for p in problems)


def test_azure_yaml_without_migrations(copy: Path) -> None:
    edit(copy / "infra/scripts/migrate.sh", '"$PYTHON" -m shared.db.migrate', "true")
    assert any("migrations" in p for p in failures(checks.check_azure_yaml, copy))


def test_placeholder_port_not_matching_the_target_port(copy: Path) -> None:
    path = copy / "infra/modules/containerapps.bicep"
    edit(path, "var placeholderPort = 80", "var placeholderPort = 8080")
    problems = failures(checks.check_voice_app, copy)
    assert any("placeholder" in p for p in problems)


def test_probe_on_another_port(copy: Path) -> None:
    path = copy / "infra/modules/containerapps.bicep"
    edit(path, "      path: probePath\n      port: port", "      path: probePath\n      port: 8080")
    problems = failures(checks.check_voice_app, copy)
    assert any("probe's port" in p for p in problems)


def test_host_setting_not_set_by_bicep(copy: Path) -> None:
    edit(copy / "host.json", '"hubName": "%DURABLE_TASK_HUB%"', '"hubName": "%ARCHER_TASK_HUB_NAME%"')
    problems = failures(checks.check_production_settings, copy)
    assert any("%ARCHER_TASK_HUB_NAME%" in p for p in problems)


def test_timer_schedule_setting_not_set_by_bicep(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "      RETENTION_PURGE_SCHEDULE: retentionPurgeSchedule\n", "")
    problems = failures(checks.check_production_settings, copy)
    assert any("RETENTION_PURGE_SCHEDULE" in p for p in problems)


def test_production_setting_missing_on_the_voice_app(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "  PAYMENT_PORTAL_URL_TEMPLATE: paymentPortalUrlTemplate\n", "")
    problems = failures(checks.check_production_settings, copy)
    assert any("containerapps" in p and "PAYMENT_PORTAL_URL_TEMPLATE" in p for p in problems)


def test_app_role_renamed(copy: Path) -> None:
    edit(copy / "infra/modules/appregistrations.bicep", "value: 'Archer.Supervisor'", "value: 'Archer.Super'")
    problems = failures(checks.check_app_registrations, copy)
    assert any("Archer.Supervisor" in p for p in problems)


def test_web_build_without_entra_client_id(copy: Path) -> None:
    edit(copy / ".github/workflows/deploy.yml",
         "          VITE_ENTRA_CLIENT_ID: ${{ steps.infra.outputs.VITE_ENTRA_CLIENT_ID }}\n", "")
    problems = failures(checks.check_app_registrations, copy)
    assert any("VITE_ENTRA_CLIENT_ID" in p for p in problems)


def test_action_group_receiver_hard_coded(copy: Path) -> None:
    edit(copy / "infra/modules/alerts.bicep", "emailAddress: alertEmail", "emailAddress: 'ops@example.com'")
    problems = failures(checks.check_monitoring, copy)
    assert any("alertEmail" in p for p in problems)


def test_postgres_connections_alert_removed(copy: Path) -> None:
    edit(copy / "infra/modules/alerts.bicep", "metricName: 'active_connections'", "metricName: 'cpu_percent'")
    problems = failures(checks.check_monitoring, copy)
    assert any("PostgreSQL connections" in p for p in problems)


def test_both_apps_export_under_one_service_name(copy: Path) -> None:
    edit(copy / "infra/main.bicep", "OTEL_SERVICE_NAME: 'archer-voice'", "OTEL_SERVICE_NAME: 'archer-api'")
    problems = failures(checks.check_production_settings, copy)
    assert any("archer-voice" in p for p in problems)
