// Log alerts on the telemetry the app sends to Application Insights. The metric names are the telemetry contract
// copied in docs/operations.md ("Telemetry names"); test/unit/ecosystem/infraAlerts.test.ts keeps the two in step.
param namePrefix string
param location string
param tags object
param applicationInsightsId string
@description('Receives the alerts by e-mail; empty = no action group, the alerts show in Azure Monitor only.')
param alertEmailAddress string

// Every sweep records signout.health (1 healthy, 0 unhealthy); the sweep runs every 5 minutes by default
// (SWEEP_SCHEDULE). The health rule looks at the latest sample of the last 15 minutes, so a sweep that stops running
// alerts as surely as one that reports unhealthy. Widen windowSize if you make the sweep rarer.
var alertRules = [
  {
    name: 'dead-lettered'
    severity: 1
    description: 'A sign-out request was recorded dead-lettered: no delivery could run it. Find it with GET /api/signouts or bc-signout history, and see docs/operations.md.'
    query: 'customMetrics | where name == "signout.dead_lettered" and valueSum > 0'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    name: 'failed-requests'
    severity: 2
    description: 'A sign-out request ended failed: nothing could be done for its users. Its result names the cause per system (bc-signout status <id>).'
    query: 'customMetrics | where name == "signout.requests" and tostring(customDimensions.status) == "failed" and valueSum > 0'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    name: 'watches-lapsed'
    severity: 2
    description: 'A watch lapsed (log event watch-lapsed names the request): reconnects of a signed-out user may not have been cancelled. Check the user with bc-signout status <requestId>.'
    query: 'customMetrics | where name == "signout.watches.lapsed" and valueSum > 0'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
  }
  {
    name: 'unhealthy'
    severity: 1
    description: 'No healthy sweep in 15 minutes: the sweep reported unhealthy, or did not run. GET /api/health and the function app logs say why.'
    query: 'customMetrics | where name == "signout.health" | summarize arg_max(timestamp, valueMin) | where valueMin >= 1'
    operator: 'LessThan'
    threshold: 1
    windowSize: 'PT15M'
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmailAddress)) {
  name: '${namePrefix}-operations'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'bc-signout'
    enabled: true
    emailReceivers: [
      {
        name: 'operations'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in alertRules: {
    name: '${namePrefix}-${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: 'bc-force-signout: ${rule.name}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [applicationInsightsId]
      evaluationFrequency: 'PT5M'
      windowSize: rule.windowSize
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: empty(alertEmailAddress) ? [] : [actionGroup.id]
      }
    }
  }
]
