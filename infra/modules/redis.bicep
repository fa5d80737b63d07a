// Azure Managed Redis (Microsoft.Cache/redisEnterprise) with Entra authentication only (access keys disabled).
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Cluster name.')
param name string

@description('Azure Managed Redis SKU, e.g. Balanced_B0, Balanced_B1, MemoryOptimized_M10.')
param skuName string = 'Balanced_B0'

@description('High availability (replication across zones).')
@allowed([
  'Enabled'
  'Disabled'
])
param highAvailability string = 'Enabled'

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability
    publicNetworkAccess: 'Enabled'
  }
}

// Azure Managed Redis requires the database to be named 'default'.
resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'NoCluster'
    evictionPolicy: 'NoEviction'
    accessKeysAuthentication: 'Disabled'
  }
}

output name string = cluster.name
output databaseName string = database.name
@description('Host part of REDIS_URL.')
output hostName string = cluster.properties.hostName
output port int = database.properties.port
