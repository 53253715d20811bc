// Who may call the API: an app registration for it, defining the app roles the code checks
// (src/core/callers/roles.ts), and App Service authentication on the function app, which validates each caller's
// Entra ID token, answers 401 without one, and hands the app the caller's claims, roles included
// (platform-facts §9). The deploying identity needs Application.ReadWrite.All (or to own the registration).
extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('Name of the function app to protect.')
param functionAppName string

@description('Unique name of the API app registration; its display name and identifier URI derive from it.')
param apiAppUniqueName string

@description('Paths reachable without a token: the shallow health probe, which tells nothing but "up".')
param anonymousPaths array = ['/api/health']

var identifierUri = 'api://${tenant().tenantId}/${apiAppUniqueName}'

// Role ids derive from the registration, so a redeployment keeps every assignment made to them.
var appRoles = [
  {
    value: 'SignOut.Request'
    displayName: 'Request sign-outs'
    description: 'Sign users out (revoke sessions, cancel Business Central sessions, watch for reconnects) and preview.'
  }
  {
    value: 'SignOut.Block'
    displayName: 'Block users'
    description: 'Also block sign-in, disable Business Central users, hold them permanently, or sign out more than BULK_THRESHOLD users at once.'
  }
  {
    value: 'SignOut.Read'
    displayName: 'Read sign-outs'
    description: 'Read requests, their results and history, including who else had sessions.'
  }
]

resource api 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiAppUniqueName
  displayName: 'bc-force-signout API (${apiAppUniqueName})'
  signInAudience: 'AzureADMyOrg'
  identifierUris: [identifierUri]
  api: {
    // v2 tokens: `aud` is the app id, the issuer is <login endpoint>/<tenant>/v2.0 (validated below).
    requestedAccessTokenVersion: 2
    // A connection signed in as a user (Power Automate) asks for this scope; the user's app roles still decide.
    oauth2PermissionScopes: [
      {
        id: guid(apiAppUniqueName, 'user_impersonation')
        value: 'user_impersonation'
        type: 'Admin'
        isEnabled: true
        adminConsentDisplayName: 'Call bc-force-signout as the signed-in user'
        adminConsentDescription: 'Lets a client call the bc-force-signout API as the signed-in user, with the app roles assigned to that user.'
      }
    ]
  }
  appRoles: [
    for role in appRoles: {
      id: guid(apiAppUniqueName, role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      // Users and groups (admins, a Power Automate connection's user) and applications (a Logic App's managed
      // identity, ServiceNow's app registration).
      allowedMemberTypes: ['User', 'Application']
      isEnabled: true
    }
  ]
}

resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: api.appId
  // Only principals assigned one of the roles get a token for the API at all.
  appRoleAssignmentRequired: true
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: anonymousPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: api.appId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [api.appId, identifierUri]
        }
      }
    }
    login: {
      // Bearer tokens only: no browser sign-in, nothing to store.
      tokenStore: {
        enabled: false
      }
    }
  }
}

output apiAppId string = api.appId
output apiIdentifierUri string = identifierUri
output apiServicePrincipalId string = apiServicePrincipal.id
