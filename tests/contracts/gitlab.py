"""GitLab REST v4 operations the app uses (PROVIDER-APIS.md §2), in our own words.

Paths are relative to the API base, <host>/api/v4 on gitlab.com and self-managed alike.
Path parameters arrive percent-encoded: a project or group path as platform%2Fapps, a
file path as chart%2Fvalues.yaml, each one segment. Schemas list the fields the client
sends or reads.
"""

from tests.contracts.model import (
    BOOL,
    INT,
    NO_BODY,
    RAW,
    SHA,
    STR,
    Contract,
    Operation,
    arr,
    enum,
    nullable,
    obj,
)

# {"message": "404 Project Not Found"}, {"message": {"path": ["has already been taken"]}}
# or {"error": "insufficient_scope", "error_description": "…", "scope": "api"} (§2g, §2h).
# A merge request refused as a duplicate says so in a list (§2j [O]; its shape is [U]).
MESSAGE = {"anyOf": [STR, arr(STR), {"type": "object", "additionalProperties": arr(STR)}]}
ERROR = obj({"message": MESSAGE, "error": STR, "error_description": STR, "scope": STR})
VISIBILITY = enum("private", "internal", "public")
PROJECT = obj({"id": INT, "name": STR, "path": STR, "path_with_namespace": STR,
               "default_branch": STR, "visibility": VISIBILITY, "http_url_to_repo": STR,
               "ssh_url_to_repo": STR, "web_url": STR,
               "namespace": obj({"id": INT, "name": STR, "path": STR, "kind": STR,
                                 "full_path": STR}, required=["id", "full_path"]),
               "marked_for_deletion_on": STR},
              required=["id", "name", "path", "path_with_namespace", "http_url_to_repo",
                        "web_url"])
ACTION = obj({"action": enum("create", "update", "delete"), "file_path": STR, "content": STR,
              "encoding": enum("text", "base64"), "last_commit_id": SHA},
             required=["action", "file_path"], additionalProperties=False,
             # content for create and update; a delete carries none
             anyOf=[{"properties": {"action": enum("delete")}, "not": {"required": ["content"]}},
                    {"properties": {"action": enum("create", "update")},
                     "required": ["content"]}])
COMMIT = obj({"id": SHA, "short_id": STR, "title": STR, "message": STR, "parent_ids": arr(SHA),
              "author_name": STR, "author_email": STR, "committed_date": STR,
              "created_at": STR, "web_url": STR,
              "stats": obj({"additions": INT, "deletions": INT, "total": INT})},
             required=["id", "parent_ids", "web_url"])
BRANCH = obj({"name": STR, "merged": BOOL, "protected": BOOL, "default": BOOL,
              "web_url": STR,
              "commit": obj({"id": SHA, "short_id": STR, "parent_ids": arr(SHA), "title": STR,
                             "message": STR, "author_name": STR, "author_email": STR,
                             "committed_date": STR, "web_url": STR}, required=["id"])},
             required=["name", "commit"])
FILE = obj({"file_name": STR, "file_path": STR, "size": INT, "encoding": enum("base64"),
            "content": STR, "content_sha256": STR, "ref": STR, "blob_id": SHA,
            "commit_id": SHA, "last_commit_id": SHA, "execute_filemode": BOOL},
           required=["file_path", "encoding", "content", "commit_id", "last_commit_id"])
MERGE_REQUEST = obj({"id": INT, "iid": INT, "project_id": INT, "title": STR,
                     "description": nullable(STR),
                     "state": enum("opened", "closed", "merged", "locked"),
                     "source_branch": STR, "target_branch": STR, "web_url": STR,
                     "sha": nullable(STR), "merge_commit_sha": nullable(STR),
                     "squash_commit_sha": nullable(STR), "merged_at": nullable(STR),
                     "closed_at": nullable(STR)},
                    required=["iid", "state", "source_branch", "target_branch", "web_url"])
TREE_ENTRY = obj({"id": SHA, "name": STR, "type": enum("tree", "blob"), "path": STR,
                  "mode": STR}, required=["id", "type", "path"])

OPERATIONS = [
    Operation(
        "get_user", "GET", "/user",
        responses={200: obj({"id": INT, "username": STR, "name": STR, "state": STR,
                             "web_url": STR}, required=["id", "username"])},
        source="§2a [P] (field list [U])"),
    Operation(
        "get_token_self", "GET", "/personal_access_tokens/self",
        responses={200: obj({"id": INT, "name": STR, "scopes": arr(STR), "active": BOOL,
                             "revoked": BOOL, "expires_at": nullable(STR), "user_id": INT},
                            required=["id", "scopes", "active", "revoked"]),
                   404: ERROR},
        quirks={404: "GitLab before 15.5 has no such route (§2a: GitLab ≥ 15.5) [P]"},
        source="§2a [P]"),
    Operation(
        "get_group", "GET", "/groups/{id}",
        query={"with_projects": False},
        responses={200: obj({"id": INT, "name": STR, "path": STR, "full_path": STR,
                             "web_url": STR, "visibility": VISIBILITY},
                            required=["id", "full_path"]),
                   404: ERROR},
        source="§2b [P] params; fields [U]; id is the numeric id or the URL-encoded full "
               "path [P]"),
    Operation(
        "create_project", "POST", "/projects",
        request=obj({"name": STR, "path": STR, "namespace_id": INT, "visibility": VISIBILITY,
                     "initialize_with_readme": BOOL, "default_branch": STR,
                     "description": STR},
                    required=["name", "path", "namespace_id"], additionalProperties=False),
        responses={201: PROJECT, 400: ERROR, 409: ERROR},
        quirks={409: "rest/troubleshooting.md lists 409 for a project name that already "
                     "exists (§2c) [P], although the observed answer is 400"},
        source="§2c [P] body and fields; the 400 'has already been taken' body is [O]"),
    Operation(
        "get_project", "GET", "/projects/{id}",
        responses={200: PROJECT, 404: ERROR},
        source="§2c response fields [P]; id is the numeric id or the URL-encoded path [P]"),
    Operation(
        "delete_project", "DELETE", "/projects/{id}",
        query={"permanently_remove": False, "full_path": False},
        responses={202: obj({"message": STR}), 400: ERROR, 404: ERROR},
        quirks={400: "'Project must be marked for deletion first.' and '`full_path` is "
                     "incorrect…' answer a purge (§2f) [O] GitLab's EE request spec "
                     "ee/spec/requests/api/projects_spec.rb (gitlabhq/gitlabhq); 'already "
                     "been marked for deletion' on a second DELETE [O] third-party tools"},
        source="§2f [P]; the 202 body {\"message\": \"202 Accepted\"} is [U]"),
    Operation(
        "create_commit", "POST", "/projects/{id}/repository/commits",
        request=obj({"branch": STR, "commit_message": STR, "start_branch": STR, "start_sha": SHA,
                     "author_name": STR, "author_email": STR, "actions": arr(ACTION)},
                    required=["branch", "commit_message", "actions"],
                    additionalProperties=False),
        responses={201: COMMIT, 400: ERROR, 404: ERROR},
        source="§2d [P] commits.md; 201 [P by convention]; the 400 messages 'A file with "
               "this name already exists' / 'doesn't exist' are Gitaly's IndexError "
               "texts [O]; on an empty project with no start_branch [U]"),
    Operation(
        "get_branch", "GET", "/projects/{id}/repository/branches/{branch}",
        responses={200: BRANCH, 404: ERROR},
        source="§2j [P] branches.md: name, commit.id, merged, protected, default, web_url; "
               "404 for a missing branch [P convention], its body "
               "{'message': '404 Branch Not Found'} [U]"),
    Operation(
        "get_file", "GET", "/projects/{id}/repository/files/{file_path}",
        query={"ref": True},
        responses={200: FILE, 404: ERROR},
        source="§2e [P]; '404 Commit Not Found' (no such ref) vs '404 File Not Found' [O]"),
    Operation(
        "get_file_raw", "GET", "/projects/{id}/repository/files/{file_path}/raw",
        query={"ref": False},
        responses={200: RAW, 404: ERROR},
        source="§2e [P]"),
    # --- issue 13: merge requests, branches, the tree (§2j) ---------------------------
    Operation(
        "create_merge_request", "POST", "/projects/{id}/merge_requests",
        request=obj({"source_branch": STR, "target_branch": STR, "title": STR,
                     "description": STR}, required=["source_branch", "target_branch", "title"],
                    additionalProperties=False),
        responses={201: MERGE_REQUEST, 400: ERROR, 409: ERROR, 422: ERROR},
        quirks={422: "the same branch as source and target: 422 'You can't use same "
                     "project/branch for source and target' [O] NARKOZ/gitlab#145"},
        source="§2j [P]; 201 [P by convention]; one already open for the branches is 409 "
               "'Another open merge request already exists for this source branch: !<iid>' "
               "[O] voxpupuli/modulesync#195, WeblateOrg/weblate#14620"),
    Operation(
        "list_merge_requests", "GET", "/projects/{id}/merge_requests",
        query={"state": False, "source_branch": False, "target_branch": False},
        responses={200: arr(MERGE_REQUEST), 404: ERROR},
        source="§2j [P]"),
    Operation(
        "get_merge_request", "GET", "/projects/{id}/merge_requests/{merge_request_iid}",
        responses={200: MERGE_REQUEST, 404: ERROR},
        source="§2j [P]: state opened, closed, merged or locked; merge_commit_sha null "
               "until merged"),
    Operation(
        "update_merge_request", "PUT", "/projects/{id}/merge_requests/{merge_request_iid}",
        request=obj({"state_event": enum("close", "reopen")}, required=["state_event"],
                    additionalProperties=False),
        responses={200: MERGE_REQUEST, 404: ERROR},
        documented_elsewhere="GitLab REST 'Update MR', PUT /projects/:id/merge_requests/"
                             ":merge_request_iid with state_event close or reopen "
                             "(https://docs.gitlab.com/api/merge_requests/#update-mr) [P]; "
                             "not in the hand-written gitlab.json",
        source="closing a merge request without merging it (validation's clean-up)"),
    Operation(
        "delete_branch", "DELETE", "/projects/{id}/repository/branches/{branch}",
        responses={204: NO_BODY, 400: ERROR, 403: ERROR, 404: ERROR},
        source="§2j [P]; 204 [P by convention]; the default or a protected branch [U]"),
    Operation(
        "list_tree", "GET", "/projects/{id}/repository/tree",
        query={"path": False, "ref": False, "recursive": False, "per_page": False,
               "pagination": False, "page_token": False},
        responses={200: arr(TREE_ENTRY), 404: ERROR},
        source="§2j [P]: keyset pagination (the next page in the Link header [U]); a "
               "missing path is 404 since GitLab 17.7; a commit SHA as ref [U]"),
]

CONTRACT = Contract(
    provider="gitlab",
    operations=OPERATIONS,
    generic_statuses={
        401: "every call: invalid, expired or revoked token {'message': '401 Unauthorized'} "
             "(§2g) [P]",
        403: "every call: a missing scope {'error': 'insufficient_scope', …} (§2g) [P], or "
             "a role too low {'message': '403 Forbidden'}",
        429: "every call: rate limited, plain-text 'Retry later' with Retry-After (§2h) [O]",
        500: "every call: server error",
        502: "every call: bad gateway",
        503: "every call: unavailable",
        504: "every call: gateway timeout",
    },
    error_body=ERROR,
)
