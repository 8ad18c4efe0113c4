"""Azure DevOps Services Git REST operations the app uses (PROVIDER-APIS.md §3), in our own words.

Paths are relative to the server root: the organization is their first segment
(https://dev.azure.com/{organization}/...). Every call carries api-version=7.1. Schemas
describe the wire as the recorded examples show it: lists wrapped as {count, value},
201 on create and push, 204 on delete.
"""

from tests.contracts.model import (
    BOOL,
    INT,
    NO_BODY,
    SHA,
    STR,
    Contract,
    Operation,
    arr,
    enum,
    nullable,
    obj,
)

GUID = {"type": "string",
        "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
ERROR = obj({"$id": STR, "innerException": nullable(obj()), "message": STR, "typeName": STR,
             "typeKey": STR, "errorCode": INT, "eventId": INT},
            required=["message", "typeKey"])
PROJECT = obj({"id": GUID, "name": STR, "url": STR, "state": STR,
               "visibility": enum("private", "public")},
              required=["id", "name"])
REPOSITORY = obj({"id": GUID, "name": STR, "url": STR, "project": PROJECT,
                  "defaultBranch": STR, "remoteUrl": STR, "sshUrl": STR, "webUrl": STR,
                  "size": INT, "isDisabled": BOOL},
                 required=["id", "name", "project", "remoteUrl"])
REF = obj({"name": STR, "objectId": SHA, "url": STR}, required=["name", "objectId"])
ITEM = obj({"objectId": SHA, "gitObjectType": enum("blob", "tree"), "commitId": SHA,
            "path": STR, "isFolder": BOOL, "content": STR, "url": STR},
           required=["objectId", "path"])
# add and edit carry newContent; delete names only the item (§3d changeType enum [P]).
CHANGE = {"anyOf": [
    obj({"changeType": enum("add", "edit"),
         "item": obj({"path": STR}, required=["path"], additionalProperties=False),
         "newContent": obj({"content": STR, "contentType": enum("rawText", "base64Encoded")},
                           required=["content", "contentType"], additionalProperties=False)},
        required=["changeType", "item", "newContent"], additionalProperties=False),
    obj({"changeType": enum("delete"),
         "item": obj({"path": STR}, required=["path"], additionalProperties=False)},
        required=["changeType", "item"], additionalProperties=False),
]}
PUSH_REQUEST = obj({
    "refUpdates": arr(obj({"name": STR, "oldObjectId": SHA}, required=["name", "oldObjectId"],
                          additionalProperties=False)),
    "commits": arr(obj({"comment": STR, "changes": arr(CHANGE),
                        "author": obj({"name": STR, "email": STR}, required=["name", "email"],
                                      additionalProperties=False)},
                       required=["comment", "changes"], additionalProperties=False)),
}, required=["refUpdates", "commits"], additionalProperties=False)
PUSH = obj({"pushId": INT, "date": STR, "url": STR,
            "commits": arr(obj({"commitId": SHA, "comment": STR, "parents": arr(SHA),
                                "url": STR}, required=["commitId"])),
            "refUpdates": arr(obj({"name": STR, "oldObjectId": SHA, "newObjectId": SHA,
                                   "repositoryId": GUID}, required=["name", "newObjectId"]))},
           required=["pushId", "commits", "refUpdates"])
COMMIT_REF = obj({"commitId": SHA, "url": STR}, required=["commitId"])
PULL_REQUEST = obj({"pullRequestId": INT, "codeReviewId": INT,
                    "status": enum("active", "abandoned", "completed"),
                    "sourceRefName": STR, "targetRefName": STR, "title": STR,
                    "description": STR, "url": STR, "mergeStatus": STR, "creationDate": STR,
                    "closedDate": STR, "lastMergeSourceCommit": COMMIT_REF,
                    "lastMergeTargetCommit": COMMIT_REF, "lastMergeCommit": COMMIT_REF,
                    "repository": obj({"id": GUID, "name": STR, "url": STR,
                                       "remoteUrl": STR})},
                   required=["pullRequestId", "status", "sourceRefName", "targetRefName"])
REF_UPDATE = obj({"name": STR, "oldObjectId": SHA, "newObjectId": SHA},
                 required=["name", "oldObjectId", "newObjectId"], additionalProperties=False)
REF_UPDATE_RESULT = obj({"name": STR, "oldObjectId": SHA, "newObjectId": SHA,
                         "success": BOOL, "updateStatus": STR, "customMessage": STR,
                         "repositoryId": GUID, "isLocked": BOOL},
                        required=["name", "success", "updateStatus"])


def listed(item: dict) -> dict:
    """A list as Azure DevOps sends it: {count, value} (§3h), not the swagger's bare array."""
    return obj({"count": INT, "value": arr(item)}, required=["count", "value"])


PROJECT_PATH = "/{organization}/{project}/_apis/git"
REPO_PATH = PROJECT_PATH + "/repositories/{repositoryId}"

OPERATIONS = [
    Operation(
        "list_repositories", "GET", PROJECT_PATH + "/repositories",
        responses={200: listed(REPOSITORY), 404: ERROR},
        source="§3a [P]: validates organization, project and token in one call; "
               "{count, value} §3h [P]; 404 TF200016 for a missing project [U]"),
    Operation(
        "create_repository", "POST", PROJECT_PATH + "/repositories",
        request=obj({"name": STR}, required=["name"], additionalProperties=False),
        responses={201: REPOSITORY, 403: ERROR, 409: ERROR},
        quirks={409: "§3c: a taken name is 409 'TF400948: A Git repository with the name X "
                     "already exists.' [O]"},
        source="§3c [P]; no auto-init, no visibility: the repository starts empty"),
    Operation(
        "get_repository", "GET", REPO_PATH,
        responses={200: REPOSITORY, 404: ERROR},
        source="§3c [P]: by name or GUID"),
    Operation(
        "delete_repository", "DELETE", REPO_PATH,
        responses={204: NO_BODY, 403: ERROR, 404: ERROR},
        source="§3f [P]: 204 per the recorded example (the swagger says 200); a soft delete "
               "into the recycle bin; the GUID, never the name"),
    Operation(
        "purge_repository", "DELETE", PROJECT_PATH + "/recycleBin/repositories/{repositoryId}",
        responses={200: NO_BODY, 204: NO_BODY, 403: ERROR, 404: ERROR},
        quirks={204: "like the repository delete, whose recorded example answers 204 where "
                     "the swagger says 200 (§3f) [U]"},
        source="§3f [P]: destroys a soft-deleted repository so its name is free again"),
    Operation(
        "list_refs", "GET", REPO_PATH + "/refs",
        query={"filter": False},
        responses={200: listed(REF), 404: ERROR},
        source="§3d [P]: filter is a prefix (heads/main also lists heads/main-v2)"),
    Operation(
        "list_items", "GET", REPO_PATH + "/items",
        query={"scopePath": False, "recursionLevel": False,
               "versionDescriptor.version": False, "versionDescriptor.versionType": False},
        responses={200: listed(ITEM), 404: ERROR},
        source="§3d [P]: every path and its blob id (a real git blob SHA-1)"),
    Operation(
        "get_item", "GET", REPO_PATH + "/items",
        query={"path": True, "versionDescriptor.version": False,
               "versionDescriptor.versionType": False, "includeContent": False},
        responses={200: ITEM, 404: ERROR},
        source="§3e [P]: JSON with Accept: application/json; a missing file is 404 "
               "(TF401174 [U])"),
    Operation(
        "create_push", "POST", REPO_PATH + "/pushes",
        request=PUSH_REQUEST,
        responses={201: PUSH, 409: ERROR},
        quirks={409: "§3d: a stale oldObjectId is refused with 409 TF401028 [U]"},
        source="§3d [P]: 201 per the recorded examples (the swagger says 200); oldObjectId "
               "40 zeros on an empty repository, the base commit for a new branch"),
    # --- issue 13: pull requests, branch deletion (§3j) --------------------------------
    Operation(
        "create_pull_request", "POST", REPO_PATH + "/pullrequests",
        request=obj({"sourceRefName": STR, "targetRefName": STR, "title": STR,
                     "description": STR},
                    required=["sourceRefName", "targetRefName", "title"],
                    additionalProperties=False),
        responses={201: PULL_REQUEST, 400: ERROR, 409: ERROR},
        quirks={409: "one already active for the branches: 409 'TF401179: An active pull "
                     "request for the source and target branch already exists.' [O] "
                     "shayki5/azure-devops-create-pr-task#31, Azure/azure-cli#29914"},
        source="§3j [P]: 201 per the recorded example (the swagger says 200); full ref "
               "names; no web URL in the answer"),
    Operation(
        "list_pull_requests", "GET", REPO_PATH + "/pullrequests",
        query={"searchCriteria.sourceRefName": False, "searchCriteria.targetRefName": False,
               "searchCriteria.status": False},
        responses={200: listed(PULL_REQUEST), 404: ERROR},
        source="§3j [P]: {count, value}; status defaults to active"),
    Operation(
        "get_pull_request", "GET", REPO_PATH + "/pullrequests/{pullRequestId}",
        responses={200: PULL_REQUEST, 404: ERROR},
        source="§3j [P]: status active, abandoned or completed; lastMergeCommit after "
               "completion (what it points to after a squash is [U])"),
    Operation(
        "update_pull_request", "PATCH", REPO_PATH + "/pullrequests/{pullRequestId}",
        request=obj({"status": enum("abandoned", "active")}, required=["status"],
                    additionalProperties=False),
        responses={200: PULL_REQUEST, 400: ERROR, 404: ERROR},
        documented_elsewhere="Azure DevOps REST 7.1 'Pull Requests - Update', PATCH "
                             "…/pullrequests/{pullRequestId} with status abandoned "
                             "(https://learn.microsoft.com/en-us/rest/api/azure/devops/git/"
                             "pull-requests/update?view=azure-devops-rest-7.1) [P]; not in "
                             "the azure-git.json subset",
        source="abandoning a pull request (validation's clean-up)"),
    Operation(
        "update_refs", "POST", REPO_PATH + "/refs",
        request=arr(REF_UPDATE),
        responses={200: listed(REF_UPDATE_RESULT), 404: ERROR},
        source="§3j [P]: 200 with a result per ref, whose success says whether it happened "
               "(a stale oldObjectId is success false, staleOldObjectId [U]); a newObjectId "
               "of 40 zeros deletes [O] microsoft/vsts-extension-samples branch-delete"),
]

CONTRACT = Contract(
    provider="azure_devops",
    operations=OPERATIONS,
    generic_statuses={
        203: "GET/POST with an invalid or expired PAT: 203 and an HTML sign-in page instead "
             "of 401 (§3g) [O]",
        400: "every call: a missing or unsupported api-version, or an invalid argument such as "
             "an add of an existing path [U]",
        401: "every call: a refused token where no sign-in page is served (PATCH, DELETE: "
             "TF400813, §3g) [O]",
        403: "every call: the token's scope or the user's Git permission is missing "
             "(TF401027) [U]",
        404: "every call: a missing organization, project (TF200016), repository (TF401019) "
             "or item [U]",
        429: "every call: TF400733 with Retry-After when the usage limit blocks (§3h) [O]",
        500: "every call: server error",
        502: "every call: bad gateway",
        503: "every call: unavailable",
        504: "every call: gateway timeout",
    },
    generic_query={"api-version": "every call: '7.1' (§3) [P]"},
    error_body=ERROR,
)
