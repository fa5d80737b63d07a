// The Function app on Flex Consumption (FC1, Python 3.11): HTTP API + Durable Functions.
// Storage and Key Vault are reached through the user-assigned identity; no keys or connection strings.
@description('Region.')
param location string

@description('Tags; include azd-service-name api.')
param tags object = {}

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Storage account for AzureWebJobsStorage, the Durable task hub and the deployment package.')
param storageAccountName string

@description('Blob endpoint of that account (ends with a slash).')
param storageBlobEndpoint string

@description('Container holding the deployment package.')
param deploymentContainerName string

@description('Maximum instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Key Vault URI (ends with a slash).')
param keyVaultUri string

@description('Setting name -> Key Vault secret name (from keyvault.bicep).')
param secretNames object

@description('Browser origins allowed to call the API (the admin Static Web App).')
param allowedOrigins array = []

@description('Non-secret app settings (ARCHITECTURE section 4), name -> value.')
param settings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

// Identity-based host storage: the runtime and the Durable extension read these three settings.
var storageSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
]

// Key Vault references, resolved by the platform with keyVaultReferenceIdentity.
var secretSettings = [
  {
    name: 'TWILIO_ACCOUNT_SID'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.TWILIO_ACCOUNT_SID}/)'
  }
  {
    name: 'TWILIO_AUTH_TOKEN'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.TWILIO_AUTH_TOKEN}/)'
  }
  {
    name: 'CARTESIA_API_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.CARTESIA_API_KEY}/)'
  }
  {
    name: 'OPENAI_API_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.OPENAI_API_KEY}/)'
  }
]

var plainSettings = [for item in items(settings): {
  name: item.key
  value: item.value
}]

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
      }
      appSettings: concat(storageSettings, secretSettings, plainSettings)
    }
  }
}

output name string = functionApp.name
@description('Feeds PUBLIC_BASE_URL.')
output url string = 'https://${functionApp.properties.defaultHostName}'
