// Key Vault in RBAC mode with purge protection. It declares the secret NAMES the apps reference;
// the values are set by an operator (see infra/DEPLOY.md), never by a template or parameter file.
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Key Vault name (3-24 characters).')
@maxLength(24)
param name string

@description('Soft-delete retention in days.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

@description('Setting name -> Key Vault secret name. Values are put in by the operator.')
output secretNames object = {
  TWILIO_ACCOUNT_SID: 'twilio-account-sid'
  TWILIO_AUTH_TOKEN: 'twilio-auth-token'
  CARTESIA_API_KEY: 'cartesia-api-key'
  OPENAI_API_KEY: 'openai-api-key'
}
output name string = vault.name
@description('Feeds KEY_VAULT_URL (ends with a slash).')
output uri string = vault.properties.vaultUri
