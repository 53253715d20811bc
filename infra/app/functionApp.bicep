// The function app on a Flex Consumption plan (Linux), running as the user-assigned identity.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param identityPrincipalId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
param nodeVersion string
param maximumInstanceCount int
param instanceMemoryMB int
param workerHeapMib int
param queueName string
param auditTablePrefix string
param sweepSchedule string
param protectedUsers string
param protectedGroupIds string
param callbackAllowedHosts string
param allowedCallerIds string

// Every app setting, in one literal: test/unit/ecosystem/infraSettings.test.ts compares it with src/settings.ts.
// Flex Consumption sets the runtime in functionAppConfig, so FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not appear here.
var appSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_TENANT_ID: tenant().tenantId
  AZURE_CLIENT_ID: identityClientId
  AUTH_MODE: 'managed-identity'
  SERVICE_OBJECT_ID: identityPrincipalId
  SIGNOUT_QUEUE_NAME: queueName
  AUDIT_TABLE_PREFIX: auditTablePrefix
  SWEEP_SCHEDULE: sweepSchedule
  PROTECTED_USERS: protectedUsers
  PROTECTED_GROUP_IDS: protectedGroupIds
  CALLBACK_ALLOWED_HOSTS: callbackAllowedHosts
  ALLOWED_CALLER_IDS: allowedCallerIds
  // App Service authentication (app/authentication.bicep) is on: a function key alone is never enough.
  AUTH_REQUIRED: 'true'
  // Read by Node.js itself when the host starts the worker: its heap ceiling (main.bicep, workerHeapMib).
  NODE_OPTIONS: '--max-old-space-size=${workerHeapMib}'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the deployment target of service "api" by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (e.g. AUDIT_SIGNING_KEY, docs/audit.md) resolve with this identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // azd deploys with an Entra token; publishing user names and passwords stay off.
  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }

  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
