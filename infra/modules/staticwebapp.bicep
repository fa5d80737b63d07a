// Static Web App hosting the admin UI (web/dist); azd deploys it with the deployment token.
@description('Region (Static Web Apps run in a subset of regions).')
param location string

@description('Tags; include azd-service-name web.')
param tags object = {}

@description('Static Web App name.')
param name string

@description('SKU.')
@allowed([
  'Free'
  'Standard'
])
param sku string = 'Standard'

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Enabled'
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostname}'
