// bc-force-signout on Azure Functions Flex Consumption. One user-assigned managed identity does everything: storage,
// Application Insights ingestion, Microsoft Graph and Business Central. No keys or secrets are created or stored.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource. Flex Consumption is not offered everywhere: az functionapp list-flexconsumption-locations.')
// azd offers its region picker for a parameter of this type and fills it from AZURE_LOCATION.
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Comma-separated UPNs or Entra object ids the service never touches (break-glass accounts, named admins).')
param protectedUsers string = ''

@description('Comma-separated group object ids whose transitive members the service never touches.')
param protectedGroupIds string = ''

@description('Comma-separated https hosts a request may name as callbackUrl, e.g. contoso.service-now.com or *.logic.azure.com. Empty = no callbacks.')
param callbackAllowedHosts string = ''

@description('Comma-separated object or app ids allowed to call the HTTP API, on top of their app roles. Empty = any caller holding a role.')
param allowedCallerIds string = ''

@description('Principal (object) ids of apps that put requests on the queue, e.g. the ServiceNow app registration, comma-separated. Each gets only Storage Queue Data Message Sender on the request queue.')
param queueSenderPrincipalIds string = ''

@description('Storage queue of sign-out requests; its poison queue is <name>-poison.')
param queueName string = 'signout-requests'

@description('Prefix of the audit tables (letters and digits).')
param auditTablePrefix string = 'signout'

@description('Six-field NCRONTAB schedule (UTC) of the reconnect sweep.')
param sweepSchedule string = '0 */5 * * * *'

// Node.js 20 reached end of life on 2026-04-30 (platform-facts §12); 20 stays allowed only to roll back to.
@allowed(['20', '22'])
@description('Node.js version of the Flex Consumption runtime.')
param nodeVersion string = '22'

// Every instance opens its own Graph and Business Central connections; BC allows only 5 concurrent calls per user,
// so the app scales low by default (40 is the lowest maximum Flex Consumption accepts).
@minValue(40)
@maxValue(1000)
@description('Most instances the app scales out to.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Memory of one instance, in MB (the sizes Flex Consumption offers).')
param instanceMemoryMB int = 2048

// The queue worker's heap ceiling (`--max-old-space-size`), so its memory is bounded by what it needs rather than
// by what V8 would take on the instance: a worker running two shards of a 10,000-user request against 20,000 sessions
// per environment keeps about 100 MiB live and peaks near 260 MiB in all at 256 (docs/performance.md). Raise it for
// tenants with many more sessions per environment.
@minValue(128)
@description('Heap ceiling of the Node.js worker, in MiB (NODE_OPTIONS --max-old-space-size).')
param workerHeapMib int = 256

@description('E-mail address that receives the alerts (dead-lettered, failed requests, lapsed watches, health). Empty = the alerts fire in Azure Monitor only.')
param alertEmailAddress string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// The audit tables are <prefix><suffix>. The code creates them idempotently too; creating them here makes the
// environment complete before the first request.
var auditTableNames = [
  for suffix in ['Requests', 'Events', 'UserIndex', 'Timeline', 'Watches', 'Holds', 'Leases', 'Usage']: '${auditTablePrefix}${suffix}'
]
// Comma-separated in the parameter so that azd can pass it from an environment variable.
var queueSenders = filter(map(split(queueSenderPrincipalIds, ','), id => trim(id)), id => !empty(id))
var deploymentContainerName = 'app-package-${resourceToken}'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts 'core/alerts.bicep' = {
  name: 'alerts'
  scope: resourceGroup
  params: {
    namePrefix: 'alert-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmailAddress: alertEmailAddress
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    queueNames: [queueName, '${queueName}-poison']
    tableNames: auditTableNames
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: resourceGroup
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    queueName: queueName
    queueSenderPrincipalIds: queueSenders
  }
}

module functionApp 'app/functionApp.bicep' = {
  name: 'functionApp'
  scope: resourceGroup
  // The host starts as soon as the app exists: give it its storage roles first.
  dependsOn: [rbac]
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    workerHeapMib: workerHeapMib
    queueName: queueName
    auditTablePrefix: auditTablePrefix
    sweepSchedule: sweepSchedule
    protectedUsers: protectedUsers
    protectedGroupIds: protectedGroupIds
    callbackAllowedHosts: callbackAllowedHosts
    allowedCallerIds: allowedCallerIds
  }
}

// Entra ID in front of the API: its app registration with the app roles, and App Service authentication.
module authentication 'app/authentication.bicep' = {
  name: 'authentication'
  scope: resourceGroup
  params: {
    functionAppName: functionApp.outputs.name
    apiAppUniqueName: 'bc-force-signout-${resourceToken}'
  }
}

// azd saves these in .azure/<env>/.env; the set-up steps in infra/README.md read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_HOST string = functionApp.outputs.defaultHostName
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output SIGNOUT_QUEUE_NAME string = queueName
output API_APP_ID string = authentication.outputs.apiAppId
output API_IDENTIFIER_URI string = authentication.outputs.apiIdentifierUri
output API_SERVICE_PRINCIPAL_ID string = authentication.outputs.apiServicePrincipalId
