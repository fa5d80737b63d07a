// PostgreSQL Flexible Server with Microsoft Entra authentication only (no passwords anywhere):
// the app identity is the Entra administrator and connects with a token as its password.
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Server name.')
param name string

@description('PostgreSQL major version.')
param version string = '16'

@description('Compute SKU name, e.g. Standard_B1ms or Standard_D2ds_v5.')
param skuName string = 'Standard_B1ms'

@description('Compute tier matching skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string = 'Burstable'

@description('Storage size in GB.')
param storageSizeGB int = 32

@description('Backup retention in days.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 14

@description('Geo-redundant backups.')
@allowed([
  'Enabled'
  'Disabled'
])
param geoRedundantBackup string = 'Disabled'

@description('High availability mode (needs GeneralPurpose or MemoryOptimized).')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param highAvailabilityMode string = 'Disabled'

@description('Object (principal) id of the managed identity made Entra administrator.')
param adminPrincipalId string

@description('Display name of that identity; it is the PostgreSQL role name.')
param adminPrincipalName string

@description('Object id of the deployer (user or pipeline) made a second Entra administrator to run migrations; empty to skip.')
param deployerPrincipalId string = ''

@description('Entra name of the deployer (UPN or service principal display name).')
param deployerPrincipalName string = ''

@description('Deployer principal type: User or ServicePrincipal.')
param deployerPrincipalType string = 'User'

@description('Application database name.')
param databaseName string = 'archer'

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenant().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup
    }
    highAvailability: {
      mode: highAvailabilityMode
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// Flexible Server admits one change at a time: the administrator, firewall rule and database go in sequence.
resource admin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: adminPrincipalId
  properties: {
    principalType: 'ServicePrincipal'
    principalName: adminPrincipalName
    tenantId: tenant().tenantId
  }
}

resource deployerAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = if (!empty(deployerPrincipalId) && !empty(deployerPrincipalName)) {
  parent: server
  name: deployerPrincipalId
  properties: {
    principalType: deployerPrincipalType
    principalName: deployerPrincipalName
    tenantId: tenant().tenantId
  }
  dependsOn: [
    admin
  ]
}

// 0.0.0.0 - 0.0.0.0 admits Azure services only (the Function app and Container App have no fixed egress IP).
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    admin
    deployerAdmin
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    allowAzure
  ]
}

output name string = server.name
@description('Host part of DATABASE_URL.')
output fqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
