// Entra app registrations for the admin console (Microsoft Graph Bicep extension, configured in infra/bicepconfig.json):
// the API app with the Archer.Viewer / Archer.Supervisor / Archer.Admin app roles and an access_as_user scope, its
// service principal (users and groups are assigned roles on it), and the SPA that signs users in for that API.
// The deployer needs Application.ReadWrite.All (or Application Developer); otherwise set createAppRegistrations=false
// and run infra/scripts/app-registrations.sh (infra/DEPLOY.md).
extension microsoftGraphV1

@description('Unique name prefix of the two registrations (one pair per azd environment).')
param namePrefix string

@description('Redirect URIs of the admin SPA (the Static Web App origin).')
param spaRedirectUris array

var scopeId = guid(namePrefix, 'access_as_user')
var roles = [
  {
    value: 'Archer.Viewer'
    displayName: 'Viewer'
    description: 'Read calls, customers and reports with phone and account numbers masked.'
  }
  {
    value: 'Archer.Supervisor'
    displayName: 'Supervisor'
    description: 'Viewer, plus start calls and simulations, manage campaigns and callbacks.'
  }
  {
    value: 'Archer.Admin'
    displayName: 'Admin'
    description: 'Supervisor, plus manage tactics, policies, customers and the do-not-call list.'
  }
]

resource api 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: '${namePrefix}-api'
  displayName: 'Archer API (${namePrefix})'
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    'api://${namePrefix}-api'
  ]
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: scopeId
        value: 'access_as_user'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Use the Archer admin API'
        adminConsentDescription: 'Lets the Archer console call the admin API as the signed-in user.'
        userConsentDisplayName: 'Use Archer'
        userConsentDescription: 'Lets the Archer console call the admin API as you.'
      }
    ]
  }
  appRoles: [for role in roles: {
    id: guid(namePrefix, role.value)
    value: role.value
    displayName: role.displayName
    description: role.description
    allowedMemberTypes: [
      'User'
    ]
    isEnabled: true
  }]
}

resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: api.appId
  appRoleAssignmentRequired: true
}

resource spa 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: '${namePrefix}-web'
  displayName: 'Archer console (${namePrefix})'
  signInAudience: 'AzureADMyOrg'
  spa: {
    redirectUris: spaRedirectUris
  }
  requiredResourceAccess: [
    {
      resourceAppId: api.appId
      resourceAccess: [
        {
          id: scopeId
          type: 'Scope'
        }
      ]
    }
  ]
}

resource spaServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: spa.appId
}

@description('Feeds AUTH_AUDIENCE (v2 access tokens carry the API client id as aud).')
output apiClientId string = api.appId
@description('Feeds VITE_API_SCOPE.')
output apiScope string = 'api://${namePrefix}-api/access_as_user'
@description('Feeds VITE_ENTRA_CLIENT_ID.')
output spaClientId string = spa.appId
@description('Object id of the API service principal (assign users the app roles on it).')
output apiServicePrincipalId string = apiServicePrincipal.id
