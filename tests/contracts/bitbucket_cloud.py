"""Bitbucket Cloud 2.0 REST operations the app uses (PROVIDER-APIS.md §4), in our own words.

Paths are relative to the API base (https://api.bitbucket.org/2.0). Schemas list the
fields the client sends or reads, under the names the official description gives them:
`nickname` and `account_id` of GET /user belong to the `user` schema, which the official
/user response (declared as `account`) does not name, so the client reads them only where
present and this description does not list them.
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

# detail is a string, or for a missing scope {"required": [...], "granted": [...]} (§4g [O]);
# a taken slug adds fields {"name": [...]} (§4c [O]).
ERROR = obj({"type": enum("error"),
             "error": obj({"message": STR,
                           "detail": {"anyOf": [STR, obj({"required": arr(STR),
                                                          "granted": arr(STR)})]},
                           "fields": obj(), "data": obj()}, required=["message"])},
            required=["type", "error"])
LINK = obj({"href": STR, "name": STR}, required=["href"])
PROJECT = obj({"type": enum("project"), "key": STR, "uuid": STR, "name": STR,
               "is_private": BOOL, "created_on": STR,
               "links": obj({"html": LINK})},
              required=["key", "uuid", "name"])
REPOSITORY = obj({"type": enum("repository"), "uuid": STR, "full_name": STR, "name": STR,
                  "is_private": BOOL, "scm": enum("git"),
                  "project": obj({"key": STR, "name": STR, "uuid": STR}, required=["key"]),
                  # null until the first commit (§4c [U]; recorded fixtures show null [O])
                  "mainbranch": nullable(obj({"name": STR, "type": STR}, required=["name"])),
                  "links": obj({"html": LINK,
                                "clone": arr(obj({"name": STR, "href": STR},
                                                 required=["name", "href"]))},
                               required=["html", "clone"])},
                 required=["uuid", "full_name", "name", "is_private", "links"])
BRANCH = obj({"type": STR, "name": STR,
              "target": obj({"type": STR, "hash": SHA,
                             "parents": arr(obj({"hash": SHA}, required=["hash"]))},
                            required=["hash", "parents"])},
             required=["name", "target"])
META_FIELD = STR  # every /src meta field is a plain string on the wire
ENDPOINT = obj({"branch": obj({"name": STR}, required=["name"]),
                "commit": obj({"hash": STR})})
PULL_REQUEST = obj({"type": STR, "id": INT, "title": STR,
                    "state": enum("OPEN", "MERGED", "DECLINED", "SUPERSEDED"),
                    "source": ENDPOINT, "destination": ENDPOINT,
                    "merge_commit": obj({"hash": STR}, required=["hash"]),
                    "links": obj({"html": LINK}, required=["html"])},
                   required=["id", "state", "source", "destination", "links"])
PAGE_OF_PULL_REQUESTS = obj({"values": arr(PULL_REQUEST), "pagelen": INT, "size": INT,
                             "page": INT, "next": STR}, required=["values"])
TREE_ENTRY = obj({"type": enum("commit_file", "commit_directory"), "path": STR,
                  "commit": obj({"hash": SHA})}, required=["type", "path"])

OPERATIONS = [
    Operation(
        "get_user", "GET", "/user",
        responses={200: obj({"type": STR, "uuid": STR, "display_name": STR},
                            required=["uuid"]),
                   401: ERROR},
        source="§4a [P]; x-oauth-scopes and x-credential-type response headers [O]"),
    Operation(
        "get_project", "GET", "/workspaces/{workspace}/projects/{project_key}",
        responses={200: PROJECT, 401: ERROR, 403: ERROR, 404: ERROR},
        source="§4b [P]"),
    Operation(
        "list_projects", "GET", "/workspaces/{workspace}/projects",
        query={"sort": False, "pagelen": False},
        responses={200: obj({"values": arr(PROJECT), "pagelen": INT, "size": INT,
                             "page": INT, "next": STR},
                            required=["values"]),
                   404: ERROR},
        source="§4b [P]; sort=created_on&pagelen=1 gives the oldest project (sort is the "
               "generic sorting feature [U])"),
    Operation(
        "create_repository", "POST", "/repositories/{workspace}/{repo_slug}",
        request=obj({"type": enum("repository"), "name": STR, "scm": enum("git"),
                     "is_private": BOOL,
                     "project": obj({"type": enum("project"), "key": STR}, required=["key"],
                                    additionalProperties=False)},
                    required=["type", "scm", "is_private"], additionalProperties=False),
        responses={200: REPOSITORY, 400: ERROR, 401: ERROR},
        source="§4c [P]: 200 on success; 400 for invalid input, a caller lacking the "
               "privilege, and a taken slug ('Repository with this Slug and Owner already "
               "exists.' [O])"),
    Operation(
        "get_repository", "GET", "/repositories/{workspace}/{repo_slug}",
        responses={200: REPOSITORY, 403: ERROR, 404: ERROR},
        source="§4c [P]"),
    Operation(
        "delete_repository", "DELETE", "/repositories/{workspace}/{repo_slug}",
        responses={204: NO_BODY, 403: ERROR, 404: ERROR},
        source="§4f [P]"),
    Operation(
        "get_branch", "GET", "/repositories/{workspace}/{repo_slug}/refs/branches/{name}",
        responses={200: BRANCH, 403: ERROR, 404: ERROR},
        source="official spec, Refs 'Get a branch' [P]; 404 for a missing branch and for "
               "every branch of an empty repository [P]"),
    Operation(
        "get_file", "GET", "/repositories/{workspace}/{repo_slug}/src/{commit}/{path:path}",
        responses={200: RAW, 404: ERROR, 555: ERROR},
        source="§4e [P]: raw bytes; {commit} is a SHA or a branch name [P]"),
    Operation(
        "create_commit", "POST", "/repositories/{workspace}/{repo_slug}/src",
        media="multipart/form-data",
        # Files travel as parts with a filename (listed under "files"), meta data as
        # plain fields; tests/fakes/simulator.py _parse_body builds this shape.
        request=obj({"form": obj({"message": META_FIELD, "branch": META_FIELD,
                                  "author": META_FIELD, "parents": SHA,
                                  # One `files` field per path to delete: repeated when a
                                  # commit deletes several (an environment's clean-up).
                                  "files": {"anyOf": [META_FIELD, arr(STR)]}},
                                 additionalProperties=False),
                     "files": arr(STR)},
                    required=["form", "files"]),
        responses={201: NO_BODY, 403: ERROR, 404: ERROR, 409: ERROR},
        quirks={409: "parents is not the branch's tip: the official description of the "
                     "`branch` field says 'a 409 is returned', but its responses omit 409 "
                     "(§4d [P])"},
        source="§4d [P]: multipart/form-data, 201 with an empty body; the meta fields are "
               "declared as query parameters in the official file (a spec artifact)"),
    # --- issue 13: pull requests, branch deletion, directory listings (§4j) ------------
    Operation(
        "create_pull_request", "POST", "/repositories/{workspace}/{repo_slug}/pullrequests",
        request=obj({"type": enum("pullrequest"), "title": STR, "description": STR,
                     "source": obj({"branch": obj({"name": STR}, required=["name"],
                                                  additionalProperties=False)},
                                   required=["branch"], additionalProperties=False),
                     "destination": obj({"branch": obj({"name": STR}, required=["name"],
                                                       additionalProperties=False)},
                                        required=["branch"], additionalProperties=False)},
                    required=["type", "title", "source", "destination"],
                    additionalProperties=False),
        responses={201: PULL_REQUEST, 400: ERROR, 401: ERROR},
        source="§4j [P]: 201 + Location; title and source are the minimum, destination "
               "defaults to the main branch; what a second one for the same branches gets "
               "is [U] (the simulator opens a second: the case a client must not rely on)"),
    Operation(
        "list_pull_requests", "GET", "/repositories/{workspace}/{repo_slug}/pullrequests",
        query={"state": False, "q": False},
        responses={200: PAGE_OF_PULL_REQUESTS, 400: ERROR, 404: ERROR},
        quirks={400: "a q the filter language cannot parse (the generic filtering feature "
                     "§4j [P]; its 400 [U])"},
        source="§4j [P]: state defaults to OPEN; q is the generic filter (not declared on "
               "the operation); paginated, follow next"),
    Operation(
        "get_pull_request", "GET",
        "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}",
        responses={200: PULL_REQUEST, 404: ERROR},
        source="§4j [P]: state OPEN, MERGED, DECLINED or SUPERSEDED; merge_commit.hash "
               "(a short hash may do); before the merge null or absent [U]"),
    Operation(
        "decline_pull_request", "POST",
        "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/decline",
        responses={200: PULL_REQUEST, 404: ERROR},
        documented_elsewhere="Bitbucket Cloud REST 'Decline a pull request', POST "
                             "…/pullrequests/{pull_request_id}/decline, 200 with the pull "
                             "request (https://developer.atlassian.com/cloud/bitbucket/rest/"
                             "api-group-pullrequests/#api-repositories-workspace-repo-slug-"
                             "pullrequests-pull-request-id-decline-post) [P]; the subset "
                             "bitbucket.json has only the pullrequest's links.decline",
        source="declining a pull request (validation's clean-up)"),
    Operation(
        "delete_branch", "DELETE", "/repositories/{workspace}/{repo_slug}/refs/branches/{name}",
        responses={204: NO_BODY, 400: ERROR, 403: ERROR, 404: ERROR},
        quirks={400: "deleting the main branch 'will return a 400' says the operation's "
                     "description, whose responses omit it (§4j [P])"},
        source="§4j [P]: no refs/heads/ prefix; scope write:repository:bitbucket"),
    Operation(
        "list_directory", "GET",
        "/repositories/{workspace}/{repo_slug}/src/{commit}/{path:dir}",
        query={"max_depth": False},
        responses={200: obj({"values": arr(TREE_ENTRY), "pagelen": INT, "page": INT,
                             "next": STR}, required=["values"]),
                   404: ERROR, 555: ERROR},
        source="§4j [P]: the trailing slash is required for the root; max_depth walks "
               "breadth-first (555 when too deep); paginated, follow next"),
]

CONTRACT = Contract(
    provider="bitbucket_cloud",
    operations=OPERATIONS,
    generic_statuses={
        401: "every call: wrong credentials, an API token used with the username instead of "
             "the email, or a token without scopes (§4g [O])",
        403: "every call: 'Your credentials lack one or more required privilege scopes.' "
             "for a token without the operation's scope (§4g [O])",
        429: "every call: 'Rate limit for this resource has been exceeded' (§4h [O])",
        500: "every call: server error",
        502: "every call: bad gateway",
        503: "every call: unavailable",
        504: "every call: gateway timeout",
    },
    generic_query={
        "sort": "the generic filtering and sorting feature, not declared per operation "
                "(§4b [U])",
        "pagelen": "the generic pagination parameter, not declared per operation (§4h [P] "
                   "describes pagelen; its use as a query parameter is [U])",
        "page": "in the next links Bitbucket sends (§4h [P]: follow next, never build URLs)",
        "q": "the generic filtering language, not declared per operation (§4j [P]: the "
             "spec's filtering narrative filters pull requests by branch)",
    },
    error_body=ERROR,
)
