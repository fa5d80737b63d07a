// The one user-assigned managed identity both deployables run as (storage, Key Vault, ACR, PostgreSQL, Redis).
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Identity name; also the PostgreSQL Entra role name used in DATABASE_URL.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
@description('Feeds AZURE_CLIENT_ID.')
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
