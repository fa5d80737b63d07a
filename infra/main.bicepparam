// Parameters for main.bicep, read from the azd environment (azd env set NAME value) with safe defaults.
// Parameters restricted by @allowed are literals here: edit them (e.g. production HA) rather than pass strings.
// No secret values here, ever: secrets live in Key Vault (see infra/DEPLOY.md).
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'archer')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus2')
param staticWebAppLocation = readEnvironmentVariable('ARCHER_STATIC_WEB_APP_LOCATION', 'eastus2')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param principalName = readEnvironmentVariable('AZURE_PRINCIPAL_NAME', '')

// Set by azd after the first deploy of the voice service; empty means the placeholder image.
param voiceImage = readEnvironmentVariable('SERVICE_VOICE_IMAGE_NAME', '')
param voiceKeyVaultSecretsSet = bool(readEnvironmentVariable('ARCHER_KEY_VAULT_SECRETS_SET', 'false'))

param voiceMinReplicas = int(readEnvironmentVariable('ARCHER_VOICE_MIN_REPLICAS', '1'))
param voiceMaxReplicas = int(readEnvironmentVariable('ARCHER_VOICE_MAX_REPLICAS', '10'))
param functionMaximumInstanceCount = int(readEnvironmentVariable('ARCHER_FUNCTION_MAX_INSTANCES', '100'))

param postgresSkuName = readEnvironmentVariable('ARCHER_POSTGRES_SKU', 'Standard_B1ms')
param postgresSkuTier = 'Burstable'
param postgresHighAvailability = 'Disabled'
param postgresGeoRedundantBackup = 'Disabled'
param redisSkuName = readEnvironmentVariable('ARCHER_REDIS_SKU', 'Balanced_B0')

// Non-secret settings (phone numbers and ids are configuration, not credentials).
param twilioFromNumber = readEnvironmentVariable('TWILIO_FROM_NUMBER', '')
param humanTransferNumber = readEnvironmentVariable('HUMAN_TRANSFER_NUMBER', '')
param callbackNumber = readEnvironmentVariable('CALLBACK_NUMBER', '')
param bankName = readEnvironmentVariable('BANK_NAME', 'Archer Bank')
param agentBrain = 'llm'
param openAiModel = readEnvironmentVariable('OPENAI_MODEL', 'gpt-4o-mini')
param azureOpenAiEndpoint = readEnvironmentVariable('AZURE_OPENAI_ENDPOINT', '')
param azureOpenAiDeployment = readEnvironmentVariable('AZURE_OPENAI_DEPLOYMENT', '')
param cartesiaVoiceId = readEnvironmentVariable('CARTESIA_VOICE_ID', '')
param authAudience = readEnvironmentVariable('AUTH_AUDIENCE', '')
param createAppRegistrations = bool(readEnvironmentVariable('ARCHER_CREATE_APP_REGISTRATIONS', 'true'))
param paymentPortalUrlTemplate = readEnvironmentVariable('PAYMENT_PORTAL_URL_TEMPLATE', '')
param retentionPurgeSchedule = readEnvironmentVariable('RETENTION_PURGE_SCHEDULE', '0 30 3 * * *')
param alertEmail = readEnvironmentVariable('ARCHER_ALERT_EMAIL', '')
