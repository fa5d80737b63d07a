"""Offline structural checks over infra/ (Bicep parsed with pycep-parser), azure.yaml and the workflows.

Every check takes the repository root and returns a list of problems (empty = pass), so the same functions
run against the real templates and against deliberately broken copies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from lark.exceptions import LarkError
from pycep import BicepParser

# ARCHITECTURE section 4: every setting the deployables read.
SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "VOICE_WS_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_API_BASE",
    "HUMAN_TRANSFER_NUMBER",
    "CARTESIA_API_KEY",
    "CARTESIA_BASE_URL",
    "CARTESIA_TTS_MODEL",
    "CARTESIA_STT_MODEL",
    "CARTESIA_VOICE_ID",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_DEPLOYMENT",
    "AZURE_OPENAI_API_VERSION",
    "AGENT_BRAIN",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "AUTH_JWKS_URL",
    "AUTH_MODE",
    "KEY_VAULT_URL",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "BANK_NAME",
    "CALLBACK_NUMBER",
)
AZURE_ONLY_SETTINGS = ("ARCHER_ENV", "AZURE_CLIENT_ID")
SECRET_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "CARTESIA_API_KEY", "OPENAI_API_KEY")
FUNCTION_APP_SETTINGS = SETTINGS + AZURE_ONLY_SETTINGS
# The voice service is the target of VOICE_WS_URL; it does not need its own address.
VOICE_APP_SETTINGS = tuple(s for s in FUNCTION_APP_SETTINGS if s != "VOICE_WS_URL")
# Settings whose value must come from another resource's output, not a literal.
WIRED_FROM_OUTPUTS = (
    "DATABASE_URL",
    "REDIS_URL",
    "KEY_VAULT_URL",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "AZURE_CLIENT_ID",
)
MAIN_OUTPUTS = (
    "PUBLIC_BASE_URL",
    "VOICE_WS_URL",
    "KEY_VAULT_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "AZURE_CLIENT_ID",
    "POSTGRES_HOST",
    "REDIS_HOST",
)

REQUIRED_RESOURCE_TYPES = (
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/components",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Web/serverfarms",
    "Microsoft.Web/sites",
    "Microsoft.App/managedEnvironments",
    "Microsoft.App/containerApps",
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.DBforPostgreSQL/flexibleServers",
    "Microsoft.DBforPostgreSQL/flexibleServers/administrators",
    "Microsoft.DBforPostgreSQL/flexibleServers/databases",
    "Microsoft.Cache/redisEnterprise",
    "Microsoft.Cache/redisEnterprise/databases",
    "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
    "Microsoft.Web/staticSites",
    "Microsoft.Authorization/roleAssignments",
)
REQUIRED_MODULES = (
    "monitoring",
    "identity",
    "keyvault",
    "storage",
    "functionapp",
    "containerapps",
    "registry",
    "postgres",
    "redis",
    "staticwebapp",
    "roles",
    "alerts",
    "appregistrations",
)
# Built-in role definition ids the app identity needs.
REQUIRED_ROLE_IDS = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}

Template = dict[str, Any]


# ---------------------------------------------------------------- parsing helpers


@lru_cache(maxsize=1)
def _parser() -> BicepParser:
    return BicepParser()


def bicep_files(root: Path) -> list[Path]:
    return sorted((root / "infra").rglob("*.bicep"))


def parse(path: Path) -> Template:
    return _parser().parse(text=path.read_text())


def _load(root: Path, rel: str) -> Template:
    return parse(root / "infra" / rel)


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == "'" else key


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _config(resource: Template) -> Template:
    """Resource body, looking through an `if (...)` deploy condition."""
    config = resource.get("config", {})
    if isinstance(config, dict) and "condition" in config and isinstance(config.get("config"), dict):
        return config["config"]
    return config


def _resources(tpl: Template, type_suffix: str) -> list[Template]:
    """Non-`existing` resources whose type is, or ends with, type_suffix (child resources are flattened)."""
    found = []
    for res in tpl.get("resources", {}).values():
        rtype = res.get("type", "")
        if res.get("existing"):
            continue
        if rtype.lower() == type_suffix.lower() or rtype.lower().endswith(
            "/" + type_suffix.split("/")[-1].lower()
        ):
            found.append(res)
    return found


def _resource_types(tpl: Template) -> set[str]:
    """Full types of declared (non-existing) resources, rebuilding nested child types from their parents."""
    resources = tpl.get("resources", {})
    types = set()
    for name, res in resources.items():
        if res.get("existing"):
            continue
        rtype = res.get("type", "")
        if "." not in rtype.split("/")[0] and "__" in name:  # nested child: type relative to its parent
            parent = resources.get(name.rsplit("__", 1)[0], {})
            rtype = f"{parent.get('type', '')}/{rtype}"
        types.add(rtype)
    return types


def _get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _resolve(tpl: Template, value: Any, depth: int = 0) -> Any:
    """Follow a bare identifier to the variable it names, or to the default of the parameter it names."""
    if depth > 10 or not isinstance(value, str):
        return value
    if value in tpl.get("variables", {}):
        return _resolve(tpl, tpl["variables"][value]["value"], depth + 1)
    if value in tpl.get("parameters", {}):
        return _resolve(tpl, tpl["parameters"][value].get("default"), depth + 1)
    return value


def _outcomes(tpl: Template, value: Any, depth: int = 0) -> list[Any]:
    """Every value an expression can take: a conditional's two branches (followed through variables), else one."""
    value = _resolve(tpl, value)
    if depth < 10 and isinstance(value, dict) and _get(value, "operator", "type") == "conditional":
        ops = value["operator"]["operands"]
        return _outcomes(tpl, ops["true_value"], depth + 1) + _outcomes(tpl, ops["false_value"], depth + 1)
    return [value]


def _placeholder_branches(tpl: Template, value: Any) -> tuple[Any, Any] | None:
    """(placeholder, real image) values of `usePlaceholder ? a : b` (followed through variables); None otherwise."""
    value = _resolve(tpl, value)
    if isinstance(value, dict) and _get(value, "operator", "type") == "conditional":
        ops = value["operator"]["operands"]
        if "usePlaceholder" in json.dumps(ops.get("condition"), default=str):
            return _resolve(tpl, ops["true_value"]), _resolve(tpl, ops["false_value"])
    return None


# The first provision's placeholder image and the port it serves on (it has no /healthz).
PLACEHOLDER_PORTS = {"mcr.microsoft.com/azuredocs/containerapps-helloworld:latest": 80}
VOICE_PORT = 8080  # voice/Dockerfile: ENV PORT=8080, EXPOSE 8080


def _param_min(tpl: Template, name: str) -> int | None:
    """The smallest value a parameter can take: its @minValue, else its default."""
    param = tpl.get("parameters", {}).get(name)
    if param is None:
        return None
    for decorator in param.get("decorators", []):
        if decorator.get("type") == "min_value" and isinstance(decorator.get("argument"), int):
            return decorator["argument"]
    return None


def _int_floor(tpl: Template, value: Any) -> int | None:
    """Lowest possible value of an int expression: a literal, or a parameter's @minValue."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value in tpl.get("parameters", {}):
        return _param_min(tpl, value)
    if isinstance(value, str) and value in tpl.get("variables", {}):
        return _int_floor(tpl, tpl["variables"][value]["value"])
    return None


def _setting_names(tpl: Template, value: Any, depth: int = 0) -> set[str]:
    """Names in an app-settings / env array expression: literal `name:` entries, followed through variables,
    concat(), conditionals and the items() loops over an object parameter (returned as '<param:...>')."""
    names: set[str] = set()
    if depth > 10:
        return names
    if isinstance(value, str):
        if value in tpl.get("variables", {}):
            return _setting_names(tpl, tpl["variables"][value]["value"], depth + 1)
        return names
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(item["name"])
        return names
    if isinstance(value, dict):
        if "loop_type" in value:
            source = _get(value, "loop_type", "detail", "array_name", "function")
            if source and source.get("type") == "items":
                names.add(f"<param:{source['parameters']['arg_1']}>")
            return names
        if "function" in value:
            for arg in (value["function"].get("parameters") or {}).values():
                names |= _setting_names(tpl, arg, depth + 1)
        if "operator" in value and value["operator"].get("type") == "conditional":
            ops = value["operator"]["operands"]
            names |= _setting_names(tpl, ops["true_value"], depth + 1)
            names |= _setting_names(tpl, ops["false_value"], depth + 1)
    return names


def _object_keys(tpl: Template, value: Any, depth: int = 0) -> dict[str, Any]:
    """Keys -> values of an object expression in main.bicep (literal object, variable, or union())."""
    if depth > 10:
        return {}
    if isinstance(value, str) and value in tpl.get("variables", {}):
        return _object_keys(tpl, tpl["variables"][value]["value"], depth + 1)
    if isinstance(value, dict) and "function" in value and value["function"].get("type") == "union":
        merged: dict[str, Any] = {}
        for arg in value["function"]["parameters"].values():
            merged.update(_object_keys(tpl, arg, depth + 1))
        return merged
    if isinstance(value, dict) and not ({"function", "operator"} & value.keys()):
        return {_unquote(k): v for k, v in value.items()}
    return {}


def _mentions_output(tpl: Template, value: Any, depth: int = 0) -> bool:
    """True if the expression reads some module/resource output (following variables)."""
    if depth > 10:
        return False
    text = json.dumps(value, default=str)
    if '"outputs"' in text or ".outputs." in text or '"properties"' in text:
        return True
    for node in _walk(value):
        if isinstance(node, str):
            for ident in re.findall(r"[A-Za-z_]\w*", node):
                var = tpl.get("variables", {}).get(ident)
                if var is not None and _mentions_output(tpl, var["value"], depth + 1):
                    return True
    return False


def _module_path(main: Template, rel: str) -> str | None:
    for name, module in main.get("modules", {}).items():
        if module["detail"]["path"] == rel:
            return name
    return None


def _module_params(main: Template, module_file: str) -> dict[str, Any]:
    name = _module_path(main, f"modules/{module_file}.bicep")
    if name is None:
        return {}
    return {_unquote(k): v for k, v in _config(main["modules"][name]).get("params", {}).items()}


# ---------------------------------------------------------------- checks


def check_bicep_parses(root: Path) -> list[str]:
    files = bicep_files(root)
    problems = [] if files else ["no .bicep files under infra/"]
    for path in files:
        try:
            parse(path)
        except (LarkError, ValueError) as exc:  # syntax errors, unbalanced ''' strings
            problems.append(f"{path.relative_to(root)}: does not parse: {str(exc).splitlines()[0][:200]}")
    return problems


def check_module_params(root: Path) -> list[str]:
    """Every param main.bicep passes to a module is declared there; every required one is passed."""
    problems = []
    main = _load(root, "main.bicep")
    for name, module in main.get("modules", {}).items():
        rel = module["detail"]["path"]
        path = root / "infra" / rel
        if not path.exists():
            problems.append(f"module {name}: {rel} does not exist")
            continue
        declared = parse(path).get("parameters", {})
        passed = {_unquote(k) for k in _config(module).get("params", {})}
        for param in sorted(passed - declared.keys()):
            problems.append(f"module {name}: passes '{param}' which {rel} does not declare")
        for param, spec in declared.items():
            if spec.get("default") is None and param not in passed:
                problems.append(f"module {name}: required param '{param}' of {rel} is not passed")
    return problems


def check_modules_present(root: Path) -> list[str]:
    main = _load(root, "main.bicep")
    used = {Path(m["detail"]["path"]).stem for m in main.get("modules", {}).values()}
    problems = [f"main.bicep does not use modules/{m}.bicep" for m in REQUIRED_MODULES if m not in used]
    for path in sorted((root / "infra" / "modules").glob("*.bicep")):
        if path.stem not in used:
            problems.append(f"modules/{path.name} is not used by main.bicep")
    return problems


def check_resource_kinds(root: Path) -> list[str]:
    types: set[str] = set()
    text = ""
    for path in bicep_files(root):
        types |= {t.lower() for t in _resource_types(parse(path))}
        text += path.read_text()
    problems = [f"no resource of type {t}" for t in REQUIRED_RESOURCE_TYPES if t.lower() not in types]
    problems += [
        f"role '{role}' ({rid}) is never assigned"
        for role, rid in REQUIRED_ROLE_IDS.items()
        if rid not in text
    ]
    return problems


def check_parameters_described(root: Path) -> list[str]:
    problems = []
    for path in bicep_files(root):
        for name, spec in parse(path).get("parameters", {}).items():
            if not any(d.get("type") == "description" for d in spec.get("decorators", [])):
                problems.append(f"{path.relative_to(root)}: param '{name}' has no @description")
    return problems


def check_naming_and_tags(root: Path) -> list[str]:
    main = _load(root, "main.bicep")
    problems = []
    token = json.dumps(main.get("variables", {}).get("resourceToken", {}))
    if not all(
        f in token for f in ("unique_string", "to_lower", "subscription", "environmentName", "location")
    ):
        problems.append(
            "main.bicep: resourceToken is not "
            "toLower(uniqueString(subscription().id, environmentName, location))"
        )
    text = "".join(p.read_text() for p in bicep_files(root))
    if "'azd-env-name'" not in text:
        problems.append("no azd-env-name tag")
    for service in ("api", "voice", "web"):
        if not re.search(rf"'azd-service-name':\s*'{service}'", text):
            problems.append(f"no resource tagged azd-service-name '{service}'")
    return problems


# A parameter whose name ends like this holds a credential (voiceKeyVaultSecretsSet, a flag, does not).
SECRET_NAME = re.compile(
    r"(password|passwd|secret|secrets|token|apikey|api_key|key|sid|connectionstring|credentials?)$",
    re.IGNORECASE,
)
SECRET_VALUE_PATTERNS = (
    re.compile(r"AccountKey=", re.IGNORECASE),
    re.compile(r"SharedAccessSignature|sig=[A-Za-z0-9%]{20,}", re.IGNORECASE),
    re.compile(r"password\s*=", re.IGNORECASE),
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    re.compile(r"\bAC[0-9a-f]{32}\b"),
    re.compile(r"\b[0-9a-f]{32}\b"),
    re.compile(r"-----BEGIN"),
)


def check_no_secrets_in_param_files(root: Path) -> list[str]:
    """A .bicepparam may read secret-named params from the environment, never hold a literal for them."""
    problems = []
    for path in sorted((root / "infra").rglob("*.bicepparam")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            where = f"{path.relative_to(root)}:{lineno}"
            match = re.match(r"\s*param\s+(\w+)\s*=\s*(.+)$", code)
            if match:
                name, value = match.groups()
                # Drop the variable names read from the environment; what is left are the literal values.
                literals = re.sub(
                    r"readEnvironmentVariable\('[^']*'", "readEnvironmentVariable(", value.strip()
                )
                if SECRET_NAME.search(name) and re.search(r"'[^']+'", literals):
                    problems.append(f"{where}: secret-like param '{name}' is given a literal value")
            for pattern in SECRET_VALUE_PATTERNS:
                if pattern.search(code):
                    problems.append(f"{where}: looks like a secret value ({pattern.pattern})")
    return problems


def check_no_secret_values_in_templates(root: Path) -> list[str]:
    """Templates declare secret names only: no Key Vault secret resource with a value, no @secure defaults."""
    problems = []
    for path in bicep_files(root):
        tpl = parse(path)
        rel = path.relative_to(root)
        for res in _resources(tpl, "Microsoft.KeyVault/vaults/secrets"):
            if _get(_config(res), "properties", "value") is not None:
                problems.append(f"{rel}: a Key Vault secret is given a value in the template")
        for name, spec in tpl.get("parameters", {}).items():
            secure = any(d.get("type") == "secure" for d in spec.get("decorators", []))
            if secure and spec.get("default") not in (None, ""):
                problems.append(f"{rel}: @secure param '{name}' has a default value")
        for pattern in SECRET_VALUE_PATTERNS[:5]:
            if pattern.search(path.read_text()):
                problems.append(f"{rel}: looks like a secret value ({pattern.pattern})")
    return problems


def check_keyvault(root: Path) -> list[str]:
    tpl = _load(root, "modules/keyvault.bicep")
    vaults = _resources(tpl, "Microsoft.KeyVault/vaults")
    if not vaults:
        return ["keyvault.bicep: no Key Vault"]
    props = _config(vaults[0]).get("properties", {})
    problems = []
    if props.get("enablePurgeProtection") is not True:
        problems.append("Key Vault: enablePurgeProtection is not true")
    if props.get("enableRbacAuthorization") is not True:
        problems.append("Key Vault: enableRbacAuthorization is not true (RBAC mode)")
    if props.get("enableSoftDelete") is False:
        problems.append("Key Vault: soft delete disabled")
    names = _object_keys(tpl, tpl.get("outputs", {}).get("secretNames", {}).get("value"))
    for setting in SECRET_SETTINGS:
        if setting not in names:
            problems.append(f"Key Vault: no secret name declared for {setting}")
    return problems


def check_postgres(root: Path) -> list[str]:
    tpl = _load(root, "modules/postgres.bicep")
    servers = [
        r
        for r in tpl.get("resources", {}).values()
        if r["type"].lower() == "microsoft.dbforpostgresql/flexibleservers" and not r.get("existing")
    ]
    if not servers:
        return ["postgres.bicep: no Flexible Server"]
    props = _config(servers[0]).get("properties", {})
    problems = []
    if _resolve(tpl, _get(props, "authConfig", "passwordAuth")) != "Disabled":
        problems.append("PostgreSQL: authConfig.passwordAuth is not Disabled")
    if _resolve(tpl, _get(props, "authConfig", "activeDirectoryAuth")) != "Enabled":
        problems.append("PostgreSQL: authConfig.activeDirectoryAuth is not Enabled")
    if "administratorLoginPassword" in json.dumps(props):
        problems.append("PostgreSQL: an administrator password is set")
    if _get(props, "backup", "backupRetentionDays") is None:
        problems.append("PostgreSQL: no backup retention")
    if _get(props, "highAvailability", "mode") in (None, "Disabled"):
        problems.append("PostgreSQL: high availability is not a parameter")
    admins = [r for r in tpl.get("resources", {}).values() if r["type"].lower().endswith("/administrators")]
    if not admins or _get(_config(admins[0]), "properties", "principalType") != "ServicePrincipal":
        problems.append("PostgreSQL: the managed identity is not the Entra administrator")
    dbs = [
        r
        for r in tpl.get("resources", {}).values()
        if r["type"].lower().endswith("flexibleservers/databases")
    ]
    if not dbs or _resolve(tpl, _config(dbs[0]).get("name")) != "archer":
        problems.append("PostgreSQL: no database 'archer'")
    return problems


def check_redis(root: Path) -> list[str]:
    tpl = _load(root, "modules/redis.bicep")
    problems = []
    if not [r for r in tpl.get("resources", {}).values() if r["type"] == "Microsoft.Cache/redisEnterprise"]:
        problems.append("redis.bicep: no Microsoft.Cache/redisEnterprise (Azure Managed Redis)")
    if [r for r in tpl.get("resources", {}).values() if r["type"] == "Microsoft.Cache/redis"]:
        problems.append("redis.bicep: uses retiring Azure Cache for Redis (Microsoft.Cache/redis)")
    dbs = [
        r
        for r in tpl.get("resources", {}).values()
        if r["type"] == "Microsoft.Cache/redisEnterprise/databases"
    ]
    if not dbs or _get(_config(dbs[0]), "properties", "accessKeysAuthentication") != "Disabled":
        problems.append("Redis: database access keys are not disabled (Entra only)")
    return problems


def check_function_storage_identity(root: Path) -> list[str]:
    problems = []
    storage = _load(root, "modules/storage.bicep")
    accounts = [
        r for r in storage.get("resources", {}).values() if r["type"] == "Microsoft.Storage/storageAccounts"
    ]
    if not accounts or _get(_config(accounts[0]), "properties", "allowSharedKeyAccess") is not False:
        problems.append("Storage: allowSharedKeyAccess is not false")
    func = _load(root, "modules/functionapp.bicep")
    sites = _resources(func, "Microsoft.Web/sites")
    if not sites:
        return problems + ["functionapp.bicep: no Function app"]
    props = _config(sites[0]).get("properties", {})
    app_config = props.get("functionAppConfig", {})
    auth = _get(app_config, "deployment", "storage", "authentication", "type")
    if auth not in ("UserAssignedIdentity", "SystemAssignedIdentity"):
        problems.append(f"Function app: deployment storage authentication is {auth!r}, not an identity")
    runtime = app_config.get("runtime", {})
    if (runtime.get("name"), str(runtime.get("version"))) != ("python", "3.11"):
        problems.append("Function app: runtime is not python 3.11")
    plans = _resources(func, "Microsoft.Web/serverfarms")
    if not plans or _get(_config(plans[0]), "sku", "name") != "FC1":
        problems.append("Function app: plan is not Flex Consumption FC1")
    settings = _get(props, "siteConfig", "appSettings")
    names = _setting_names(func, settings)
    for required in (
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
    ):
        if required not in names:
            problems.append(f"Function app: no {required} setting")
    for forbidden in (
        "AzureWebJobsStorage",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "DEPLOYMENT_STORAGE_CONNECTION_STRING",
    ):
        if forbidden in names:
            problems.append(f"Function app: {forbidden} connection-string setting present")
    for path in bicep_files(root):
        text = path.read_text()
        if re.search(r"AccountKey|storage\w*\.listKeys\(|DefaultEndpointsProtocol", text, re.IGNORECASE):
            problems.append(f"{path.relative_to(root)}: storage account key / connection string used")
    return problems


def check_voice_app(root: Path) -> list[str]:
    tpl = _load(root, "modules/containerapps.bicep")
    apps = _resources(tpl, "Microsoft.App/containerApps")
    if not apps:
        return ["containerapps.bicep: no Container App"]
    props = _config(apps[0]).get("properties", {})
    problems = []
    ingress = _get(props, "configuration", "ingress") or {}
    if ingress.get("external") is not True:
        problems.append("voice: ingress is not external")
    if _resolve(tpl, ingress.get("transport")) not in ("auto", "http"):
        problems.append("voice: ingress transport does not carry websockets (needs auto or http)")
    target = ingress.get("targetPort")
    ports = _placeholder_branches(tpl, target) or (_resolve(tpl, target), _resolve(tpl, target))
    placeholder = _resolve(tpl, "placeholderImage")
    if ports[1] != VOICE_PORT:
        problems.append(f"voice: ingress targetPort for the voice image is not {VOICE_PORT}")
    if ports[0] != PLACEHOLDER_PORTS.get(placeholder, VOICE_PORT):
        problems.append(f"voice: the placeholder image {placeholder} does not serve on the ingress targetPort")
    scale = _get(props, "template", "scale") or {}
    floor = _int_floor(tpl, scale.get("minReplicas"))
    if floor is None or floor < 1:
        problems.append("voice: minReplicas can be below 1")
    if not any(_get(rule, "http", "metadata", "concurrentRequests") for rule in scale.get("rules", [])):
        problems.append("voice: no http scale rule on concurrent requests")
    grace = _int_floor(tpl, _get(props, "template", "terminationGracePeriodSeconds"))
    if grace is None or grace < 300:
        problems.append("voice: terminationGracePeriodSeconds is under 300 s (calls would be cut)")
    containers = _get(props, "template", "containers") or [{}]
    probes = _resolve(tpl, containers[0].get("probes")) or []
    kinds = set()
    for p in probes:
        if not isinstance(p, dict):
            continue
        path = _get(p, "httpGet", "path")
        paths = _placeholder_branches(tpl, path) or (_resolve(tpl, path), _resolve(tpl, path))
        if paths[1] == "/healthz":
            kinds.add(p.get("type", "").lower())
        if _get(p, "httpGet", "port") != target:
            problems.append(f"voice: the {p.get('type')} probe's port is not the ingress targetPort")
    for kind in ("liveness", "readiness"):
        if kind not in kinds:
            problems.append(f"voice: no {kind} probe on /healthz")
    secrets_expr = _get(props, "configuration", "secrets")
    secrets = [
        s
        for node in _walk(secrets_expr)
        if isinstance(node, str)
        for s in (_resolve(tpl, node),)
        if isinstance(s, list)
    ] + ([secrets_expr] if isinstance(secrets_expr, list) else [])
    entries = [e for group in secrets for e in group if isinstance(e, dict)]
    if not entries:
        problems.append("voice: no Key Vault-backed secrets")
    for entry in entries:
        if "value" in entry or not entry.get("keyVaultUrl") or not entry.get("identity"):
            problems.append(
                f"voice: secret {entry.get('name')} is not a Key Vault reference through the identity"
            )
    if not _get(props, "configuration", "registries"):
        problems.append("voice: no registry pulled through the identity")
    # main.bicep must not override the floor with something lower.
    main = _load(root, "main.bicep")
    passed = _module_params(main, "containerapps").get("minReplicas")
    main_floor = _int_floor(main, passed) if passed is not None else 1
    if main_floor is None or main_floor < 1:
        problems.append("main.bicep: voice minReplicas can be below 1")
    return problems


def deployed_settings(root: Path) -> dict[str, set[str]]:
    """Setting names each app gets from Bicep: 'functionapp' (app settings) and 'containerapps' (container env),
    the object parameters main.bicep passes included."""
    main = _load(root, "main.bicep")
    found: dict[str, set[str]] = {}
    for module_file, site_type in (("functionapp", "Microsoft.Web/sites"), ("containerapps", "Microsoft.App/containerApps")):
        tpl = _load(root, f"modules/{module_file}.bicep")
        apps = _resources(tpl, site_type)
        names: set[str] = set()
        if apps:
            props = _config(apps[0]).get("properties", {})
            if module_file == "functionapp":
                names = _setting_names(tpl, _get(props, "siteConfig", "appSettings"))
            else:
                for container in _get(props, "template", "containers") or []:
                    names |= _setting_names(tpl, container.get("env"))
        passed = _module_params(main, module_file)
        for marker in [n for n in names if n.startswith("<param:")]:
            names |= set(_object_keys(main, passed.get(marker[len("<param:") : -1])))
        found[module_file] = {n for n in names if not n.startswith("<param:")}
    return found


def host_references(root: Path) -> set[str]:
    """Every %NAME% app-setting reference of host.json and of the function bindings in functions/ and function_app.py."""
    texts = [(root / "host.json").read_text(), (root / "function_app.py").read_text()]
    texts += [p.read_text() for p in sorted((root / "functions").rglob("*.py"))]
    return {name for text in texts for name in re.findall(r"%([A-Za-z_][A-Za-z0-9_]*)%", text)}


def check_production_settings(root: Path) -> list[str]:
    """What production refuses to start without (shared/settings.py PRODUCTION_REQUIRED), every %NAME% the Functions
    host resolves, and the telemetry service names are set by Bicep on the app that needs them."""
    import sys

    sys.path.insert(0, str(root))
    from shared.settings import PRODUCTION_REQUIRED

    required = {name.upper() for name in PRODUCTION_REQUIRED} | {"ARCHER_ENV", "OTEL_SERVICE_NAME"}
    found = deployed_settings(root)
    problems = [f"functionapp: production setting {n} is not set" for n in sorted(required - found["functionapp"])]
    problems += [f"containerapps: production setting {n} is not set" for n in sorted(required - found["containerapps"])]
    problems += [f"functionapp: host setting %{n}% is not set" for n in sorted(host_references(root) - found["functionapp"])]
    main = _load(root, "main.bicep")
    for module_file, service in (("functionapp", "archer-api"), ("containerapps", "archer-voice")):
        values = _object_keys(main, _module_params(main, module_file).get("settings"))
        if _unquote(str(values.get("OTEL_SERVICE_NAME", ""))) != service:
            problems.append(f"{module_file}: OTEL_SERVICE_NAME is not {service}")
    params = (root / "infra" / "main.bicepparam").read_text()
    if "readEnvironmentVariable('PAYMENT_PORTAL_URL_TEMPLATE'" not in params:
        problems.append("main.bicepparam: PAYMENT_PORTAL_URL_TEMPLATE is not read from the environment")
    return problems


WEB_BUILD_SETTINGS = ("VITE_API_BASE_URL", "VITE_VOICE_WS_URL", "VITE_ENTRA_CLIENT_ID", "VITE_ENTRA_TENANT_ID",
                      "VITE_API_SCOPE")
ARCHER_APP_ROLES = ("Archer.Viewer", "Archer.Supervisor", "Archer.Admin")


def check_app_registrations(root: Path) -> list[str]:
    """The API and SPA registrations with exactly the app roles shared/auth.py accepts, fed to the apps and the web
    build; CORS admits the Static Web App."""
    problems = []
    tpl = _load(root, "modules/appregistrations.bicep")
    config = json.loads((root / "infra" / "bicepconfig.json").read_text())
    if "microsoftGraphV1" not in (config.get("extensions") or {}):
        problems.append("bicepconfig.json: the Microsoft Graph extension is not configured")
    apps = _resources(tpl, "Microsoft.Graph/applications")
    if len(apps) < 2:
        problems.append("appregistrations.bicep: the API and SPA applications are not both registered")
    text = json.dumps(tpl)
    for role in ARCHER_APP_ROLES:
        if f'"{role}"' not in text:
            problems.append(f"appregistrations.bicep: app role {role} missing")
    if "spa" not in json.dumps([_config(a) for a in apps]):
        problems.append("appregistrations.bicep: no SPA redirect URIs")
    main = _load(root, "main.bicep")
    outputs = main.get("outputs", {})
    problems += [f"main.bicep: no output {o} for the web build" for o in WEB_BUILD_SETTINGS if o not in outputs]
    deploy = json.dumps(load_workflow(root, "deploy.yml"))
    problems += [f"deploy.yml: web build lacks {o}" for o in WEB_BUILD_SETTINGS if f"outputs.{o}" not in deploy]
    azure = (root / "azure.yaml").read_text()
    if "web-env.sh" not in azure or "VITE_" not in (root / "infra/scripts/web-env.sh").read_text():
        problems.append("azure.yaml: the web service does not get the VITE_* outputs before its build")
    origins = _module_params(main, "functionapp").get("allowedOrigins")
    if "staticWebApp" not in json.dumps(origins):
        problems.append("main.bicep: the Function app's CORS does not admit the Static Web App")
    return problems


ALERTS = ("voice-to-voice-p95", "api-error-rate", "compliance-event-spike")
METRIC_ALERTS = {"UsageNanoCores": "voice replica CPU", "active_connections": "PostgreSQL connections"}
WORKBOOK_PANELS = ("voice_to_voice", "llm_ttft", "tts_ttfb", "Active calls", "outcome", "ompliance", "4xx", "Durable")


def check_monitoring(root: Path) -> list[str]:
    """Workbook with the panels ops needs, the alert rules, and an action group whose receiver is a parameter."""
    tpl = _load(root, "modules/alerts.bicep")
    problems = []
    for kind in ("Microsoft.Insights/workbooks", "Microsoft.Insights/scheduledQueryRules",
                 "Microsoft.Insights/metricAlerts", "Microsoft.Insights/actionGroups"):
        if not _resources(tpl, kind):
            problems.append(f"alerts.bicep: no {kind}")
    text = json.dumps(tpl)
    problems += [f"alerts.bicep: no alert {a}" for a in ALERTS if a not in text]
    problems += [f"alerts.bicep: no {what} alert" for metric, what in METRIC_ALERTS.items() if metric not in text]
    problems += [f"alerts.bicep: workbook has no {p} panel" for p in WORKBOOK_PANELS if p not in text]
    groups = _resources(tpl, "Microsoft.Insights/actionGroups")
    if groups and '"emailAddress": "alertEmail"' not in json.dumps(_config(groups[0])):
        problems.append("alerts.bicep: the action group's receiver is not the alertEmail parameter")
    for kind in ("Microsoft.Insights/scheduledQueryRules", "Microsoft.Insights/metricAlerts"):
        for rule in _resources(tpl, kind):
            if "actionGroup" not in json.dumps(_config(rule)):
                problems.append(f"alerts.bicep: a {kind} rule notifies no action group")
    if "alertEmail" not in json.dumps(_module_params(_load(root, "main.bicep"), "alerts")):
        problems.append("main.bicep: alertEmail is not passed to the alerts module")
    return problems


def check_settings_wiring(root: Path) -> list[str]:
    """Every section-4 setting reaches the Function app and the voice app, wired from outputs if it must."""
    main = _load(root, "main.bicep")
    problems = []
    for module_file, site_type, required in (
        ("functionapp", "Microsoft.Web/sites", FUNCTION_APP_SETTINGS),
        ("containerapps", "Microsoft.App/containerApps", VOICE_APP_SETTINGS),
    ):
        tpl = _load(root, f"modules/{module_file}.bicep")
        apps = _resources(tpl, site_type)
        if not apps:
            problems.append(f"{module_file}.bicep: no {site_type}")
            continue
        props = _config(apps[0]).get("properties", {})
        if module_file == "functionapp":
            names = _setting_names(tpl, _get(props, "siteConfig", "appSettings"))
        else:
            names = set()
            for container in _get(props, "template", "containers") or []:
                names |= _setting_names(tpl, container.get("env"))
        passed = _module_params(main, module_file)
        for marker in [n for n in names if n.startswith("<param:")]:
            param = marker[len("<param:") : -1]
            values = _object_keys(main, passed.get(param))
            names |= set(values)
            for setting in WIRED_FROM_OUTPUTS:
                if setting in values and not _mentions_output(main, values[setting]):
                    problems.append(f"{module_file}: {setting} is not wired from a resource output")
            if "VOICE_WS_URL" in values and not _mentions_output(main, values["VOICE_WS_URL"]):
                problems.append(f"{module_file}: VOICE_WS_URL is not wired from the Container App")
        for setting in required:
            if setting not in names:
                problems.append(f"{module_file}: setting {setting} is not wired")
    outputs = main.get("outputs", {})
    problems += [f"main.bicep: no output {o}" for o in MAIN_OUTPUTS if o not in outputs]
    return problems


def check_function_key_vault_references(root: Path) -> list[str]:
    tpl = _load(root, "modules/functionapp.bicep")
    text = json.dumps(tpl)
    problems = []
    for setting in SECRET_SETTINGS:
        pattern = rf'"name": "{setting}", "value": "@Microsoft\.KeyVault\(SecretUri=[^"]*\)"'
        if not re.search(pattern, text):
            problems.append(f"Function app: {setting} is not a Key Vault reference")
    sites = _resources(tpl, "Microsoft.Web/sites")
    if sites and not _get(_config(sites[0]), "properties", "keyVaultReferenceIdentity"):
        problems.append("Function app: keyVaultReferenceIdentity is not the user-assigned identity")
    return problems


# ---------------------------------------------------------------- azure.yaml and workflows

PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def _uses(node: Any) -> list[str]:
    found = []
    for item in _walk(node):
        if isinstance(item, dict) and isinstance(item.get("uses"), str):
            found.append(item["uses"])
    return found


def load_workflow(root: Path, name: str) -> dict[str, Any]:
    data = yaml.safe_load((root / ".github" / "workflows" / name).read_text())
    if not isinstance(data, dict):
        raise TypeError(f"{name} is not a mapping")
    # PyYAML reads the bare key `on` as boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def check_workflow_pins(root: Path) -> list[str]:
    problems = []
    for name in ("ci.yml", "deploy.yml"):
        try:
            workflow = load_workflow(root, name)
        except (OSError, yaml.YAMLError, TypeError) as exc:
            problems.append(f"{name}: does not load: {exc}")
            continue
        uses = _uses(workflow)
        if not uses:
            problems.append(f"{name}: uses no actions")
        for action in uses:
            if action.startswith("./"):
                continue
            if not PINNED_ACTION.match(action):
                problems.append(f"{name}: action {action!r} is not pinned to a version tag or commit SHA")
    return problems


def _step_text(workflow: dict[str, Any]) -> str:
    return json.dumps(workflow)


def check_ci_workflow(root: Path) -> list[str]:
    wf = load_workflow(root, "ci.yml")
    problems = []
    triggers = wf.get("on") or {}
    for event in ("push", "pull_request"):
        if event not in triggers:
            problems.append(f"ci.yml: not triggered on {event}")
    services = {name for job in wf.get("jobs", {}).values() for name in (job.get("services") or {})}
    for service in ("postgres", "redis"):
        if service not in services:
            problems.append(f"ci.yml: no {service} service container")
    text = _step_text(wf)
    for needle, what in (
        ("actions/setup-python", "Python set-up"),
        ("make test", "make test"),
        ("npm run build", "web build"),
        ("az bicep build", "Bicep build"),
        ("bicep lint", "Bicep lint"),
        ("actions/setup-node", "Node set-up"),
    ):
        if needle not in text:
            problems.append(f"ci.yml: no {what}")
    return problems


def check_deploy_workflow(root: Path) -> list[str]:
    wf = load_workflow(root, "deploy.yml")
    problems = []
    permissions = wf.get("permissions") or {}
    if permissions.get("id-token") != "write":
        problems.append("deploy.yml: permissions id-token: write missing (OIDC)")
    if not wf.get("concurrency"):
        problems.append("deploy.yml: no concurrency group")
    elif isinstance(wf["concurrency"], dict) and wf["concurrency"].get("cancel-in-progress") is True:
        problems.append("deploy.yml: cancel-in-progress would abort a running deploy")
    envs = [job.get("environment") for job in wf.get("jobs", {}).values() if job.get("environment")]
    if not any("production" in json.dumps(e) for e in envs):
        problems.append("deploy.yml: no job runs in the production environment")
    uses = [u.split("@")[0].lower() for u in _uses(wf)]
    for action in (
        "azure/login",
        "azure/bicep-deploy",
        "azure/functions-action",
        "azure/container-apps-deploy-action",
        "azure/static-web-apps-deploy",
    ):
        if action not in uses:
            problems.append(f"deploy.yml: does not use {action}")
    text = _step_text(wf)
    for needle, what in (
        ("what-if", "what-if on pull requests"),
        ("flexconsumption", "Flex Consumption sku"),
        ("remote-build", "remote build"),
        ("shared.db.migrate", "migrations"),
        ("/api/v1/health", "API smoke test"),
        ("/healthz", "voice smoke test"),
    ):
        if needle not in text:
            problems.append(f"deploy.yml: no {what}")
    return problems


def check_azure_yaml(root: Path) -> list[str]:
    path = root / "azure.yaml"
    if not path.exists():
        return ["azure.yaml missing"]
    data = yaml.safe_load(path.read_text()) or {}
    services = data.get("services") or {}
    problems = []
    for name, host in (("api", "function"), ("voice", "containerapp"), ("web", "staticwebapp")):
        if (services.get(name) or {}).get("host") != host:
            problems.append(f"azure.yaml: service {name} is not host {host}")
    if (services.get("api") or {}).get("language") != "python":
        problems.append("azure.yaml: api is not python")
    hook = json.dumps((data.get("hooks") or {}).get("postprovision"))
    # The hook may run the migration command itself or through a script in the repository.
    for script in re.findall(r"[\w./-]+\.sh", hook):
        if (root / script).exists():
            code = [ln for ln in (root / script).read_text().splitlines() if not ln.lstrip().startswith("#")]
            hook += "\n".join(code)
    if "-m shared.db.migrate" not in hook:
        problems.append("azure.yaml: postprovision hook does not run the migrations")
    if (data.get("infra") or {}).get("path", "infra") != "infra":
        problems.append("azure.yaml: infra path is not infra")
    return problems


ALL_CHECKS = (
    check_bicep_parses,
    check_module_params,
    check_modules_present,
    check_resource_kinds,
    check_parameters_described,
    check_naming_and_tags,
    check_no_secrets_in_param_files,
    check_no_secret_values_in_templates,
    check_keyvault,
    check_postgres,
    check_redis,
    check_function_storage_identity,
    check_function_key_vault_references,
    check_voice_app,
    check_settings_wiring,
    check_workflow_pins,
    check_ci_workflow,
    check_deploy_workflow,
    check_azure_yaml,
    check_production_settings,
    check_app_registrations,
    check_monitoring,
)
