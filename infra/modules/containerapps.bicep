// Container Apps environment + the voice service: long-lived Twilio/Cartesia websockets on port 8080.
@description('Region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Container Apps environment name.')
param environmentName string

@description('Voice Container App name.')
param appName string

@description('Log Analytics workspace receiving container logs.')
param logAnalyticsName string

@description('Resource id of the user-assigned identity (ACR pull, Key Vault secrets, app identity).')
param identityId string

@description('Login server of the container registry.')
param registryLoginServer string

@description('Voice image; empty uses a public placeholder until azd/CI deploys the real one.')
param image string = ''

@description('Minimum replicas (>= 1: a live call never waits for a cold start).')
@minValue(1)
param minReplicas int = 1

@description('Maximum replicas.')
@minValue(1)
@maxValue(300)
param maxReplicas int = 10

@description('Concurrent requests (calls) per replica before scaling out.')
@minValue(1)
param concurrentRequests int = 150

@description('CPU cores per replica, as a string (e.g. 1.0).')
param cpu string = '1.0'

@description('Memory per replica (e.g. 2Gi).')
param memory string = '2Gi'

@description('Seconds a replica being replaced keeps serving: calls in progress drain instead of being cut.')
@minValue(300)
@maxValue(600)
param terminationGracePeriodSeconds int = 600

@description('Key Vault URI (ends with a slash).')
param keyVaultUri string

@description('Setting name -> Key Vault secret name (from keyvault.bicep).')
param secretNames object

@description('Reference the Key Vault secrets (true once they have values; a missing secret fails provisioning).')
param useKeyVaultSecrets bool = false

@description('Non-secret settings (ARCHITECTURE section 4), name -> value.')
param settings object

// The placeholder (first provision, before azd/CI pushes the voice image) serves on 80 and has no /healthz: the
// ingress target port and both probes follow whichever image runs, so the first revision comes up healthy too.
var voicePort = 8080
var placeholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'
var placeholderPort = 80
var usePlaceholder = empty(image)
var port = usePlaceholder ? placeholderPort : voicePort
var probePath = usePlaceholder ? '/' : '/healthz'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

// Secrets resolved by the platform from Key Vault through the identity: the template never holds a value.
var keyVaultSecrets = [
  {
    name: 'twilio-account-sid'
    keyVaultUrl: '${keyVaultUri}secrets/${secretNames.TWILIO_ACCOUNT_SID}'
    identity: identityId
  }
  {
    name: 'twilio-auth-token'
    keyVaultUrl: '${keyVaultUri}secrets/${secretNames.TWILIO_AUTH_TOKEN}'
    identity: identityId
  }
  {
    name: 'cartesia-api-key'
    keyVaultUrl: '${keyVaultUri}secrets/${secretNames.CARTESIA_API_KEY}'
    identity: identityId
  }
  {
    name: 'openai-api-key'
    keyVaultUrl: '${keyVaultUri}secrets/${secretNames.OPENAI_API_KEY}'
    identity: identityId
  }
]

var secretEnv = [
  {
    name: 'TWILIO_ACCOUNT_SID'
    secretRef: 'twilio-account-sid'
  }
  {
    name: 'TWILIO_AUTH_TOKEN'
    secretRef: 'twilio-auth-token'
  }
  {
    name: 'CARTESIA_API_KEY'
    secretRef: 'cartesia-api-key'
  }
  {
    name: 'OPENAI_API_KEY'
    secretRef: 'openai-api-key'
  }
]

var plainEnv = [for item in items(settings): {
  name: item.key
  value: item.value
}]

var probes = [
  {
    type: 'Liveness'
    httpGet: {
      path: probePath
      port: port
    }
    initialDelaySeconds: 5
    periodSeconds: 15
    failureThreshold: 3
  }
  {
    type: 'Readiness'
    httpGet: {
      path: probePath
      port: port
    }
    initialDelaySeconds: 3
    periodSeconds: 5
    failureThreshold: 3
  }
]

resource voice 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'voice' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: managedEnvironment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        // 'auto' negotiates HTTP/1.1 upgrades, which carry the websockets (/twilio/media, /sim, /live).
        transport: 'auto'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      secrets: useKeyVaultSecrets ? keyVaultSecrets : []
    }
    template: {
      terminationGracePeriodSeconds: terminationGracePeriodSeconds
      containers: [
        {
          name: 'voice'
          image: usePlaceholder ? placeholderImage : image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(plainEnv, useKeyVaultSecrets ? secretEnv : [], [
            {
              name: 'PORT'
              value: string(port)
            }
            {
              // The address Twilio signs the media-stream handshake for: this app's own public wss origin.
              name: 'VOICE_WS_URL'
              value: 'wss://${appName}.${managedEnvironment.properties.defaultDomain}'
            }
          ])
          probes: probes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'concurrent-calls'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

output environmentName string = managedEnvironment.name
output appName string = voice.name
output url string = 'https://${voice.properties.configuration.ingress.fqdn}'
@description('Feeds VOICE_WS_URL.')
output VOICE_WS_URL string = 'wss://${voice.properties.configuration.ingress.fqdn}'
