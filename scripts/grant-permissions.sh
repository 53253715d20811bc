#!/usr/bin/env bash
# Grants the service's managed identity its Microsoft Graph and Business Central application permissions
# (app role assignments). Idempotent: roles already assigned are reported and left alone. docs/permissions.md
# explains each permission. Needs the Azure CLI, signed in as someone who may grant application permissions
# (Privileged Role Administrator, or Cloud Application Administrator plus consent rights).
set -euo pipefail

GRAPH_URL="https://graph.microsoft.com/v1.0"
GRAPH_APP_ID="00000003-0000-0000-c000-000000000000"
BUSINESS_CENTRAL_APP_ID="996def3d-b36c-4153-8607-a6fd3c01b89f"
GUID_PATTERN='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

usage() {
    cat <<'EOF'
Usage: grant-permissions.sh <service-principal-object-id> [--with-block] [--with-bc-users] [--with-audit-log] [--dry-run]

Grants the managed identity (its service principal object id, e.g. the azd output
MANAGED_IDENTITY_PRINCIPAL_ID) the application permissions bc-force-signout needs:

  Microsoft Graph            User.RevokeSessions.All, User.Read.All, GroupMember.Read.All,
                             RoleManagement.Read.Directory (privileged administrators are protected)
                             + User.EnableDisableAccount.All  with --with-block
                             + AuditLog.Read.All              with --with-audit-log
  Dynamics 365 Business      AdminCenter.ReadWrite.All
  Central                    + Automation.ReadWrite.All       with --with-bc-users

Options:
  --with-block      also allow blocking Entra sign-in for a hold period
  --with-bc-users   also allow reading and disabling Business Central users (exact session matching)
  --with-audit-log  also let a hold's release check the directory audit log for changes by someone else
  --dry-run         show what would be granted; change nothing
  -h, --help        show this help

Roles already assigned are reported as "already granted" and left alone. Business Central also needs
manual steps in its admin center and in each environment: see docs/permissions.md.
EOF
}

fail() {
    echo "error: $*" >&2
    exit 1
}

principal_id=""
with_block=false
with_bc_users=false
with_audit_log=false
dry_run=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --with-block) with_block=true ;;
        --with-bc-users) with_bc_users=true ;;
        --with-audit-log) with_audit_log=true ;;
        --dry-run) dry_run=true ;;
        -*)
            usage >&2
            fail "unknown option $1"
            ;;
        *)
            [[ -z "$principal_id" ]] || fail "only one service principal object id may be given"
            principal_id="$1"
            ;;
    esac
    shift
done
if [[ -z "$principal_id" ]]; then
    usage >&2
    fail "the service principal object id of the managed identity is required"
fi
[[ "$principal_id" =~ $GUID_PATTERN ]] || fail "\"$principal_id\" is not an object id (GUID)"
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not on PATH"

# az prints tab-separated values; strip the carriage returns Windows builds of az add.
graph_get() {
    az rest --method GET --uri "$GRAPH_URL/$1" --query "$2" --output tsv | tr -d '\r'
}

principal_name="$(graph_get "servicePrincipals/$principal_id" "displayName")" ||
    fail "service principal $principal_id not found (pass the identity's object id, not its client id)"

# "resourceId<TAB>appRoleId" of every role the identity already holds.
existing_assignments="$(graph_get "servicePrincipals/$principal_id/appRoleAssignments" "value[].[resourceId, appRoleId]")"

role_id_of() {
    awk -F '\t' -v value="$1" '$1 == value { print $2 }' <<<"$2"
}

is_assigned() {
    grep -qiF "$1"$'\t'"$2" <<<"$existing_assignments"
}

# Grants the named roles of one resource application (e.g. Microsoft Graph) that the identity does not hold yet.
# The roles named as optional (space-separated) are those only a flag asks for: when one is held but not asked
# for, say so.
grant_roles() {
    local resource_app_id="$1" resource_label="$2" optional_roles="$3" optional_role
    shift 3
    local resource_id roles role_value role_id body output
    resource_id="$(graph_get "servicePrincipals(appId='$resource_app_id')" "id")" ||
        fail "$resource_label (appId $resource_app_id) has no service principal in this tenant;" \
            "create it with: az ad sp create --id $resource_app_id"
    # "value<TAB>id" of every app role the resource defines.
    roles="$(graph_get "servicePrincipals/$resource_id" "appRoles[].[value, id]")"
    for role_value in "$@"; do
        role_id="$(role_id_of "$role_value" "$roles")"
        [[ -n "$role_id" ]] || fail "$resource_label defines no app role $role_value"
        if is_assigned "$resource_id" "$role_id"; then
            echo "$role_value ($resource_label): already granted"
        elif [[ "$dry_run" == true ]]; then
            echo "$role_value ($resource_label): would grant (dry run)"
        else
            body="{\"principalId\":\"$principal_id\",\"resourceId\":\"$resource_id\",\"appRoleId\":\"$role_id\"}"
            if output="$(az rest --method POST --uri "$GRAPH_URL/servicePrincipals/$principal_id/appRoleAssignments" \
                --headers "Content-Type=application/json" --body "$body" --output none 2>&1)"; then
                echo "$role_value ($resource_label): granted"
            elif grep -qi "already exists" <<<"$output"; then
                # Assigned since the list was read (or beyond its first page).
                echo "$role_value ($resource_label): already granted"
            else
                echo "$output" >&2
                fail "could not grant $role_value ($resource_label)"
            fi
        fi
    done
    for optional_role in $optional_roles; do
        [[ " $* " != *" $optional_role "* ]] || continue
        role_id="$(role_id_of "$optional_role" "$roles")"
        if [[ -n "$role_id" ]] && is_assigned "$resource_id" "$role_id"; then
            echo "$optional_role ($resource_label): granted earlier but not requested now; remove it if no longer needed"
        fi
    done
}

echo "Managed identity: $principal_name ($principal_id)"
if [[ "$dry_run" == true ]]; then
    echo "Dry run: nothing will be changed."
fi

graph_roles=(User.RevokeSessions.All User.Read.All GroupMember.Read.All RoleManagement.Read.Directory)
if [[ "$with_block" == true ]]; then
    graph_roles+=(User.EnableDisableAccount.All)
fi
if [[ "$with_audit_log" == true ]]; then
    graph_roles+=(AuditLog.Read.All)
fi
grant_roles "$GRAPH_APP_ID" "Microsoft Graph" "User.EnableDisableAccount.All AuditLog.Read.All" "${graph_roles[@]}"

bc_roles=(AdminCenter.ReadWrite.All)
if [[ "$with_bc_users" == true ]]; then
    bc_roles+=(Automation.ReadWrite.All)
fi
grant_roles "$BUSINESS_CENTRAL_APP_ID" "Dynamics 365 Business Central" Automation.ReadWrite.All "${bc_roles[@]}"

echo "Next: the Business Central steps in docs/permissions.md (admin center, each environment)."
