// Archer: the whole Azure stack (azd template layout: one module per resource kind).
// Outputs are named for the app settings / azd environment values they feed.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (e.g. dev, prod); part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Primary Azure region for all resources.')
param location string

@description('Region of the Static Web App (only some regions host Static Web Apps).')
param staticWebAppLocation string = 'eastus2'

@description('Object id of the person or pipeline running the deployment; gets Key Vault Secrets Officer so it can set the secret values. Empty to skip.')
param principalId string = ''

@description('Principal type of principalId: User or ServicePrincipal.')
param principalType string = 'User'

@description('Entra name of principalId (user principal name, or the service principal display name); with principalId it becomes a PostgreSQL Entra admin so migrations can run. Empty to skip.')
param principalName string = ''

@description('Name of the resource group to create; empty uses rg-<environmentName>.')
param resourceGroupName string = ''

// ---- SKUs and scale limits ----
@description('Maximum instance count of the Function app (Flex Consumption).')
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Instance memory of the Function app in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

@description('Minimum replicas of the voice Container App; at least 1 so a call never waits for a cold start.')
@minValue(1)
param voiceMinReplicas int = 1

@description('Maximum replicas of the voice Container App.')
@minValue(1)
@maxValue(300)
param voiceMaxReplicas int = 10

@description('Concurrent requests (websocket calls) per voice replica before scaling out. bench/voice_load.py holds the ARCHITECTURE §9 targets at 200 calls on one pinned core (issue #21); 150 keeps 25 % headroom for a 1-vCPU replica, longer real prompts and scale-out lag.')
@minValue(1)
param voiceConcurrentRequests int = 150

@description('CPU cores per voice replica (string, e.g. 1.0).')
param voiceCpu string = '1.0'

@description('Memory per voice replica (e.g. 2Gi; must match the CPU per Container Apps rules).')
param voiceMemory string = '2Gi'

@description('Voice container image (set by azd after the first deploy); empty uses a public placeholder until then.')
param voiceImage string = ''

@description('True once the Twilio/Cartesia/OpenAI secrets have values in Key Vault; the voice app then references them (a Container App fails to provision against a missing secret).')
param voiceKeyVaultSecretsSet bool = false

@description('Container registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param registrySku string = 'Basic'

@description('PostgreSQL Flexible Server SKU name (e.g. Standard_B1ms, Standard_D2ds_v5).')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL Flexible Server tier matching postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL storage size in GB.')
param postgresStorageSizeGB int = 32

@description('PostgreSQL backup retention in days (7-35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 14

@description('Geo-redundant PostgreSQL backups (only settable at server creation).')
@allowed([
  'Enabled'
  'Disabled'
])
param postgresGeoRedundantBackup string = 'Disabled'

@description('PostgreSQL high availability mode (not available on Burstable).')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param postgresHighAvailability string = 'Disabled'

@description('Azure Managed Redis SKU (e.g. Balanced_B0, Balanced_B1, MemoryOptimized_M10).')
param redisSkuName string = 'Balanced_B0'

@description('Azure Managed Redis high availability.')
@allowed([
  'Enabled'
  'Disabled'
])
param redisHighAvailability string = 'Enabled'

@description('Static Web App SKU.')
@allowed([
  'Free'
  'Standard'
])
param staticWebAppSku string = 'Standard'

@description('Log Analytics retention in days.')
param logRetentionInDays int = 30

// ---- Non-secret application settings (ARCHITECTURE section 4) ----
@description('Twilio caller id used for outbound calls, E.164 (not a secret).')
param twilioFromNumber string = ''

@description('Number live transfers dial, E.164.')
param humanTransferNumber string = ''

@description('Number read to customers for call-backs, E.164.')
param callbackNumber string = ''

@description('Bank name spoken in disclosures.')
param bankName string = 'Archer Bank'

@description('Agent brain: llm or rules.')
@allowed([
  'llm'
  'rules'
])
param agentBrain string = 'llm'

@description('OpenAI model name (or empty when Azure OpenAI is used).')
param openAiModel string = 'gpt-4o-mini'

@description('OpenAI-compatible base URL override; empty for api.openai.com.')
param openAiBaseUrl string = ''

@description('Azure OpenAI endpoint; empty to use OpenAI.')
param azureOpenAiEndpoint string = ''

@description('Azure OpenAI deployment name.')
param azureOpenAiDeployment string = ''

@description('Azure OpenAI API version.')
param azureOpenAiApiVersion string = '2024-10-21'

@description('Cartesia base URL override; empty for the public API.')
param cartesiaBaseUrl string = ''

@description('Cartesia TTS model.')
param cartesiaTtsModel string = 'sonic-2'

@description('Cartesia STT model.')
param cartesiaSttModel string = 'ink-whisper'

@description('Cartesia voice id (not a secret).')
param cartesiaVoiceId string = ''

@description('Twilio REST base URL override; empty for api.twilio.com.')
param twilioApiBase string = ''

@description('Issuer of admin JWTs (e.g. https://login.microsoftonline.com/<tenant>/v2.0).')
param authIssuer string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('Audience of admin JWTs (the API app registration id or URI).')
param authAudience string = ''

@description('JWKS URL for admin JWTs.')
param authJwksUrl string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'

@description('Register the API and admin SPA apps (with the Archer.Viewer/Supervisor/Admin app roles) through the Microsoft Graph Bicep extension; false when the deployer may not create app registrations (then set authAudience and run infra/scripts/app-registrations.sh, see infra/DEPLOY.md).')
param createAppRegistrations bool = true

@description('Payment link texted to customers; placeholders {arrangement_id}, {amount}, {reference}. Required: production refuses to start without a real one.')
param paymentPortalUrlTemplate string = ''

@description('NCRONTAB schedule of the retention purge timer (Function app).')
param retentionPurgeSchedule string = '0 30 3 * * *'

@description('Email address that receives the alert notifications (action group).')
param alertEmail string = ''

@description('Voice-to-voice p95 budget in milliseconds; the latency alert fires above it.')
param voiceToVoiceP95BudgetMs int = 1500

var abbrs = {
  logAnalytics: 'log-'
  appInsights: 'appi-'
  identity: 'id-'
  keyVault: 'kv-'
  storage: 'st'
  functionPlan: 'plan-'
  functionApp: 'func-'
  containerEnv: 'cae-'
  containerApp: 'ca-voice-'
  registry: 'cr'
  postgres: 'psql-'
  redis: 'amr-'
  staticWebApp: 'stapp-'
  actionGroup: 'ag-'
  workbook: 'wb-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.functionApp}${resourceToken}'
// Durable task hub: letters and digits only, 3-45 characters, unique per environment (host.json %DURABLE_TASK_HUB%).
var durableTaskHub = 'archer${take(resourceToken, 13)}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.logAnalytics}${resourceToken}'
    appInsightsName: '${abbrs.appInsights}${resourceToken}'
    retentionInDays: logRetentionInDays
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.identity}${resourceToken}'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.keyVault}${resourceToken}'
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.storage}${resourceToken}'
    deploymentContainerName: deploymentContainerName
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.registry}${resourceToken}'
    sku: registrySku
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.postgres}${resourceToken}'
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    highAvailabilityMode: postgresHighAvailability
    adminPrincipalId: identity.outputs.principalId
    adminPrincipalName: identity.outputs.name
    deployerPrincipalId: principalId
    deployerPrincipalName: principalName
    deployerPrincipalType: principalType
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.redis}${resourceToken}'
    skuName: redisSkuName
    highAvailability: redisHighAvailability
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    registryName: registry.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    redisName: redis.outputs.name
    redisDatabaseName: redis.outputs.databaseName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  scope: rg
  params: {
    location: staticWebAppLocation
    tags: union(tags, { 'azd-service-name': 'web' })
    name: '${abbrs.staticWebApp}${resourceToken}'
    sku: staticWebAppSku
  }
}

module appRegistrations 'modules/appregistrations.bicep' = if (createAppRegistrations) {
  name: 'appregistrations'
  scope: rg
  params: {
    namePrefix: 'archer-${environmentName}-${resourceToken}'
    spaRedirectUris: [
      staticWebApp.outputs.url
    ]
  }
}

var apiAudience = createAppRegistrations ? appRegistrations.outputs.apiClientId : authAudience

// Settings both deployables read (ARCHITECTURE section 4). Secrets are not here: the Function app gets Key Vault
// references and the voice app Key Vault-backed Container App secrets, both inside their modules.
var databaseUrl = 'postgresql://${identity.outputs.name}@${postgres.outputs.fqdn}:5432/${postgres.outputs.databaseName}?sslmode=require'
var redisUrl = 'rediss://${redis.outputs.hostName}:${redis.outputs.port}'
var publicBaseUrl = 'https://${functionAppName}.azurewebsites.net'
var sharedSettings = {
  ARCHER_ENV: 'production'
  DATABASE_URL: databaseUrl
  REDIS_URL: redisUrl
  PUBLIC_BASE_URL: publicBaseUrl
  AZURE_CLIENT_ID: identity.outputs.clientId
  KEY_VAULT_URL: keyVault.outputs.uri
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  TWILIO_FROM_NUMBER: twilioFromNumber
  TWILIO_API_BASE: twilioApiBase
  HUMAN_TRANSFER_NUMBER: humanTransferNumber
  CARTESIA_BASE_URL: cartesiaBaseUrl
  CARTESIA_TTS_MODEL: cartesiaTtsModel
  CARTESIA_STT_MODEL: cartesiaSttModel
  CARTESIA_VOICE_ID: cartesiaVoiceId
  OPENAI_BASE_URL: openAiBaseUrl
  OPENAI_MODEL: openAiModel
  AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
  AZURE_OPENAI_DEPLOYMENT: azureOpenAiDeployment
  AZURE_OPENAI_API_VERSION: azureOpenAiApiVersion
  AGENT_BRAIN: agentBrain
  AUTH_MODE: 'jwt'
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: apiAudience
  AUTH_JWKS_URL: authJwksUrl
  BANK_NAME: bankName
  CALLBACK_NUMBER: callbackNumber
  PAYMENT_PORTAL_URL_TEMPLATE: paymentPortalUrlTemplate
  LOG_LEVEL: 'INFO'
}

module containerApps 'modules/containerapps.bicep' = {
  name: 'containerapps'
  scope: rg
  params: {
    location: location
    tags: tags
    environmentName: '${abbrs.containerEnv}${resourceToken}'
    appName: '${abbrs.containerApp}${resourceToken}'
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    identityId: identity.outputs.id
    registryLoginServer: registry.outputs.loginServer
    image: voiceImage
    minReplicas: voiceMinReplicas
    maxReplicas: voiceMaxReplicas
    concurrentRequests: voiceConcurrentRequests
    cpu: voiceCpu
    memory: voiceMemory
    keyVaultUri: keyVault.outputs.uri
    secretNames: keyVault.outputs.secretNames
    useKeyVaultSecrets: voiceKeyVaultSecretsSet
    settings: union(sharedSettings, {
      OTEL_SERVICE_NAME: 'archer-voice'
    })
  }
  dependsOn: [
    roles
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    name: functionAppName
    planName: '${abbrs.functionPlan}${resourceToken}'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    keyVaultUri: keyVault.outputs.uri
    secretNames: keyVault.outputs.secretNames
    allowedOrigins: [
      staticWebApp.outputs.url
    ]
    settings: union(sharedSettings, {
      VOICE_WS_URL: containerApps.outputs.VOICE_WS_URL
      DURABLE_TASK_HUB: durableTaskHub
      RETENTION_PURGE_SCHEDULE: retentionPurgeSchedule
      OTEL_SERVICE_NAME: 'archer-api'
      // host.json's telemetryMode OpenTelemetry: the host exports OTel too, and the Python worker carries the
      // host's trace context into the function's spans (configure_azure_monitor in shared/telemetry/otel.py).
      PYTHON_ENABLE_OPENTELEMETRY: 'true'
    })
  }
  dependsOn: [
    roles
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    actionGroupName: '${abbrs.actionGroup}${resourceToken}'
    workbookName: '${abbrs.workbook}${resourceToken}'
    alertEmail: alertEmail
    appInsightsName: monitoring.outputs.appInsightsName
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    containerAppName: containerApps.outputs.appName
    postgresServerName: postgres.outputs.name
    functionAppName: functionApp.outputs.name
    voiceToVoiceP95BudgetMs: voiceToVoiceP95BudgetMs
  }
}

// ---- Outputs (azd exports them to the environment; named for the settings they feed) ----
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_CONTAINER_APP_NAME string = containerApps.outputs.appName
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerApps.outputs.environmentName
output AZURE_STATIC_WEB_APP_NAME string = staticWebApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output POSTGRES_SERVER_NAME string = postgres.outputs.name
output POSTGRES_HOST string = postgres.outputs.fqdn
output POSTGRES_DATABASE string = postgres.outputs.databaseName
output POSTGRES_USER string = identity.outputs.name
output DATABASE_URL string = databaseUrl
output REDIS_HOST string = redis.outputs.hostName
output REDIS_URL string = redisUrl
output PUBLIC_BASE_URL string = functionApp.outputs.url
output VOICE_WS_URL string = containerApps.outputs.VOICE_WS_URL
output VOICE_HTTPS_URL string = containerApps.outputs.url
output WEB_URL string = staticWebApp.outputs.url
output KEY_VAULT_URL string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output DURABLE_TASK_HUB string = durableTaskHub
output AUTH_AUDIENCE string = apiAudience
// The admin UI's build-time settings (azd: the web service's prepackage hook; CI: the deploy workflow).
output VITE_API_BASE_URL string = functionApp.outputs.url
output VITE_VOICE_WS_URL string = containerApps.outputs.VOICE_WS_URL
output VITE_ENTRA_CLIENT_ID string = createAppRegistrations ? appRegistrations.outputs.spaClientId : ''
output VITE_ENTRA_TENANT_ID string = tenant().tenantId
output VITE_API_SCOPE string = createAppRegistrations ? appRegistrations.outputs.apiScope : ''
