"""GitLab REST v4 operations the app uses (PROVIDER-APIS.md §2), in our own words.

Paths are relative to the API base, <host>/api/v4 on gitlab.com and self-managed alike.
Path parameters arrive percent-encoded: a project or group path as platform%2Fapps, a
file path as chart%2Fvalues.yaml, each one segment. Schemas list the fields the client
sends or reads.
"""

from tests.contracts.model import (
    BOOL,
    INT,
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
MESSAGE = {"anyOf": [STR, {"type": "object", "additionalProperties": arr(STR)}]}
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
        request=obj({"branch": STR, "commit_message": STR, "start_branch": STR,
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
