// Container registry for the voice image; pulled by the identity (AcrPull in roles.bicep), no admin user.
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Registry name (alphanumeric, 5-50).')
param name string

@description('Registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
