// Monitoring as code: the Archer operations workbook, the alert rules of infra/DEPLOY.md's runbooks, and the action
// group that notifies the on-call address. Queries read the telemetry both deployables export (OTEL_SERVICE_NAME
// archer-api / archer-voice become cloud_RoleName; per-turn latencies are the archer.voice.* histograms).
@description('Region of the alert rules and workbook.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Action group name.')
param actionGroupName string

@description('Display name of the operations workbook.')
param workbookName string

@description('Email address that receives alert notifications (empty: the group exists without receivers).')
param alertEmail string = ''

@description('Application Insights component the queries run against.')
param appInsightsName string

@description('Log Analytics workspace of the Container Apps environment.')
param logAnalyticsName string

@description('Voice Container App (replica CPU alert).')
param containerAppName string

@description('PostgreSQL Flexible Server (connections alert).')
param postgresServerName string

@description('Function app (webhook and Durable panels).')
param functionAppName string

@description('Voice-to-voice p95 budget in milliseconds.')
param voiceToVoiceP95BudgetMs int = 1500

@description('Failed-request share of the API, in percent, above which the error-rate alert fires.')
param errorRatePercent int = 5

@description('Compliance events in 15 minutes above which the spike alert fires.')
param complianceEventsPer15Min int = 50

@description('Voice replica CPU (nano cores) above which the CPU alert fires (800000000 = 0.8 core).')
param voiceCpuNanoCores int = 800000000

@description('Active PostgreSQL connections above which the connections alert fires.')
param postgresConnections int = 80

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource voiceApp 'Microsoft.App/containerApps@2024-03-01' existing = {
  name: containerAppName
}

resource postgresServer 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' existing = {
  name: postgresServerName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'archer-ops'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'on-call'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var v2vQuery = 'customMetrics | where name == "archer.voice.voice_to_voice" | extend turn_ms = valueSum / todouble(valueCount) | summarize p95 = percentile(turn_ms, 95)'
var errorQuery = 'requests | where cloud_RoleName in ("archer-api", "archer-voice") | summarize failed = countif(success == false), total = count() | extend rate = iff(total == 0, 0.0, 100.0 * failed / total) | project rate'
var complianceQuery = 'traces | where cloud_RoleName in ("archer-api", "archer-voice") and (message has "compliance" or customDimensions has "compliance") | summarize events = count()'

var logAlerts = [
  {
    name: 'voice-to-voice-p95'
    description: 'Voice-to-voice p95 above budget (runbook: infra/DEPLOY.md#voice-to-voice-latency).'
    severity: 2
    query: v2vQuery
    measure: 'p95'
    threshold: voiceToVoiceP95BudgetMs
  }
  {
    name: 'api-error-rate'
    description: 'Failed requests above the error-rate budget (runbook: infra/DEPLOY.md#error-rate).'
    severity: 1
    query: errorQuery
    measure: 'rate'
    threshold: errorRatePercent
  }
  {
    name: 'compliance-event-spike'
    description: 'Compliance events spiking (runbook: infra/DEPLOY.md#compliance-event-spike).'
    severity: 2
    query: complianceQuery
    measure: 'events'
    threshold: complianceEventsPer15Min
  }
]

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in logAlerts: {
  name: 'archer-${alert.name}'
  location: location
  tags: tags
  properties: {
    displayName: 'Archer: ${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.measure
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

resource voiceCpuAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'archer-voice-replica-cpu'
  location: 'global'
  tags: tags
  properties: {
    description: 'Voice replica CPU high: calls risk audio starvation (runbook: infra/DEPLOY.md#voice-replica-cpu).'
    severity: 2
    enabled: true
    scopes: [
      voiceApp.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'cpu'
          metricName: 'UsageNanoCores'
          metricNamespace: 'Microsoft.App/containerApps'
          operator: 'GreaterThan'
          threshold: voiceCpuNanoCores
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource postgresConnectionsAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'archer-postgres-connections'
  location: 'global'
  tags: tags
  properties: {
    description: 'PostgreSQL connections near the limit (runbook: infra/DEPLOY.md#postgres-connections).'
    severity: 2
    enabled: true
    scopes: [
      postgresServer.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'connections'
          metricName: 'active_connections'
          metricNamespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
          operator: 'GreaterThan'
          threshold: postgresConnections
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// One KQL panel per question ops asks; the workbook JSON is built here so every query lives in this file.
var panels = [
  {
    title: 'Voice-to-voice latency p50 / p95 (ms)'
    query: 'customMetrics | where name == "archer.voice.voice_to_voice" | extend turn_ms = valueSum / todouble(valueCount) | summarize p50 = percentile(turn_ms, 50), p95 = percentile(turn_ms, 95) by bin(timestamp, 5m) | render timechart'
  }
  {
    title: 'Per-component latency (ms): STT, LLM first token, TTS first byte, overhead'
    query: 'customMetrics | where name in ("archer.voice.stt", "archer.voice.llm_ttft", "archer.voice.tts_ttfb", "archer.voice.overhead") | extend ms = valueSum / todouble(valueCount) | summarize p95 = percentile(ms, 95) by name, bin(timestamp, 5m) | render timechart'
  }
  {
    title: 'Active calls (voice replicas)'
    query: 'customMetrics | where name == "archer.voice.active_calls" | summarize active = sum(valueSum / todouble(valueCount)) by bin(timestamp, 1m), cloud_RoleInstance | summarize active_calls = sum(active) by bin(timestamp, 1m) | render timechart'
  }
  {
    title: 'Calls by outcome'
    query: 'traces | where cloud_RoleName == "archer-voice" and message == "call ended" | summarize calls = count() by reason = tostring(customDimensions.reason) | render piechart'
  }
  {
    title: 'Compliance blocks and events'
    query: 'traces | where message has "compliance" or customDimensions has "compliance" | summarize events = count() by bin(timestamp, 15m), severityLevel | render columnchart'
  }
  {
    title: 'Twilio webhooks: 4xx / 5xx'
    query: 'requests | where cloud_RoleName == "archer-api" and url has "/api/twilio/" | summarize count() by bin(timestamp, 5m), status = case(toint(resultCode) >= 500, "5xx", toint(resultCode) >= 400, "4xx", "2xx") | render timechart'
  }
  {
    title: 'Durable orchestration and activity failures'
    query: 'requests | where cloud_RoleName == "archer-api" and (name has "orchestrator" or name startswith "wf_") and success == false | summarize failures = count() by name, bin(timestamp, 15m) | render columnchart'
  }
]

var workbookContent = {
  version: 'Notebook/1.0'
  items: [for panel in panels: {
    type: 3
    content: {
      version: 'KqlItem/1.0'
      title: panel.title
      query: panel.query
      queryType: 0
      resourceType: 'microsoft.insights/components'
      size: 0
    }
  }]
  fallbackResourceIds: [
    appInsights.id
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, workbookName)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Archer operations (${functionAppName})'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(workbookContent)
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id
output logAnalyticsId string = logAnalytics.id
