"""GitHub REST operations the app uses (PROVIDER-APIS.md §1), in our own words.

Paths are relative to the API base (https://api.github.com, or <host>/api/v3 on GitHub
Enterprise Server). Schemas list the fields the client sends or reads.
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

BASIC_ERROR = obj({"message": STR, "documentation_url": STR, "url": STR, "status": STR},
                  required=["message"])
VALIDATION_ERROR = obj({"message": STR, "documentation_url": STR,
                        "errors": arr(obj({"resource": STR, "field": STR, "code": STR,
                                           "message": STR}, required=["code"]))},
                       required=["message"])
GIT_REF = obj({"ref": STR, "node_id": STR, "url": STR,
               "object": obj({"type": STR, "sha": SHA, "url": STR}, required=["type", "sha"])},
              required=["ref", "object"])
GIT_COMMIT = obj({"sha": SHA, "url": STR, "html_url": STR, "message": STR,
                  "tree": obj({"sha": SHA, "url": STR}, required=["sha"]),
                  "parents": arr(obj({"sha": SHA, "url": STR}, required=["sha"]))},
                 required=["sha", "tree", "parents", "message"])
PERSON = obj({"name": STR, "email": STR, "date": STR}, required=["name", "email"])
REPOSITORY = obj({"id": INT, "name": STR, "full_name": STR, "private": BOOL,
                  "default_branch": STR, "clone_url": STR, "html_url": STR,
                  "owner": obj({"login": STR}, required=["login"])},
                 required=["id", "name", "full_name", "private", "clone_url", "html_url"])
BRANCH_END = obj({"label": STR, "ref": STR, "sha": SHA}, required=["ref", "sha"])
PULL = obj({"number": INT, "html_url": STR, "state": enum("open", "closed"), "title": STR,
            "body": nullable(STR), "merged": BOOL, "merged_at": nullable(STR),
            "closed_at": nullable(STR), "merge_commit_sha": nullable(SHA), "draft": BOOL,
            "head": BRANCH_END, "base": BRANCH_END},
           required=["number", "html_url", "state", "merged", "merged_at", "head", "base"])
# List items (pull-request-simple) have merged_at but no merged (§1j [P]).
PULL_SIMPLE = obj({key: value for key, value in PULL["properties"].items() if key != "merged"},
                  required=["number", "html_url", "state", "merged_at", "head", "base"])
TREE_ENTRY = obj({"path": STR, "mode": STR, "type": enum("blob", "tree", "commit"),
                  "sha": SHA, "size": INT, "url": STR}, required=["path", "type", "sha"])

OPERATIONS = [
    Operation(
        "get_user", "GET", "/user",
        responses={200: obj({"login": STR, "id": INT, "name": nullable(STR), "type": STR},
                            required=["login", "id"])},
        source="§1a [P]; X-OAuth-Scopes on classic tokens [O]"),
    Operation(
        "get_org", "GET", "/orgs/{org}",
        responses={200: obj({"login": STR, "id": INT, "html_url": STR},
                            required=["login", "id"]),
                   404: BASIC_ERROR},
        source="§1b [P]"),
    Operation(
        "create_org_repo", "POST", "/orgs/{org}/repos",
        request=obj({"name": STR, "private": BOOL, "auto_init": BOOL, "description": STR},
                    required=["name"], additionalProperties=False),
        responses={201: REPOSITORY, 403: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1c [P]; the 422 body for a taken name is [O]"),
    Operation(
        "get_repo", "GET", "/repos/{owner}/{repo}",
        responses={200: REPOSITORY, 404: BASIC_ERROR},
        source="§1c [P]"),
    Operation(
        "delete_repo", "DELETE", "/repos/{owner}/{repo}",
        responses={204: NO_BODY, 403: obj({"message": STR, "documentation_url": STR}),
                   404: BASIC_ERROR},
        source="§1f [P]"),
    Operation(
        "get_ref", "GET", "/repos/{owner}/{repo}/git/ref/{ref:path}",
        responses={200: GIT_REF, 404: BASIC_ERROR, 409: BASIC_ERROR},
        source="§1d step 1 [P]; 409 'Git Repository is empty.' [P]"),
    Operation(
        "get_commit", "GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}",
        responses={200: GIT_COMMIT, 404: BASIC_ERROR, 409: BASIC_ERROR},
        source="§1d step 2 [P]"),
    Operation(
        "create_blob", "POST", "/repos/{owner}/{repo}/git/blobs",
        request=obj({"content": STR, "encoding": enum("utf-8", "base64")},
                    required=["content"], additionalProperties=False),
        responses={201: obj({"sha": SHA, "url": STR}, required=["sha"]),
                   404: BASIC_ERROR, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1d step 3 [P]"),
    Operation(
        "create_tree", "POST", "/repos/{owner}/{repo}/git/trees",
        request=obj({"base_tree": SHA,
                     "tree": arr(obj({"path": STR, "mode": enum("100644", "100755"),
                                      "type": enum("blob"), "sha": nullable(SHA),
                                      "content": STR},
                                     required=["path", "mode", "type"],
                                     additionalProperties=False))},
                    required=["tree"], additionalProperties=False),
        responses={201: obj({"sha": SHA, "url": STR, "truncated": BOOL,
                             "tree": arr(obj({"path": STR, "sha": SHA, "type": STR,
                                              "mode": STR}))},
                            required=["sha", "tree"]),
                   404: BASIC_ERROR, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1d step 4 [P]; 409 on an empty repository: documented in the spec for "
               "trees too"),
    Operation(
        "create_commit", "POST", "/repos/{owner}/{repo}/git/commits",
        request=obj({"message": STR, "tree": SHA, "parents": arr(SHA), "author": PERSON},
                    required=["message", "tree"], additionalProperties=False),
        responses={201: GIT_COMMIT, 404: BASIC_ERROR, 409: BASIC_ERROR,
                   422: VALIDATION_ERROR},
        source="§1d step 5 [P]"),
    Operation(
        "update_ref", "PATCH", "/repos/{owner}/{repo}/git/refs/{ref:path}",
        request=obj({"sha": SHA, "force": BOOL}, required=["sha"], additionalProperties=False),
        responses={200: GIT_REF, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        quirks={404: "a missing branch answers 404 like every other GitHub lookup "
                     "(§1d: 404 if the ref is missing) [O]"},
        source="§1d step 6 [P]; 422 'Update is not a fast forward' [O]"),
    Operation(
        "create_ref", "POST", "/repos/{owner}/{repo}/git/refs",
        request=obj({"ref": STR, "sha": SHA}, required=["ref", "sha"],
                    additionalProperties=False),
        responses={201: GIT_REF, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1d step 6' [P]"),
    Operation(
        "get_content", "GET", "/repos/{owner}/{repo}/contents/{path:path}",
        query={"ref": False},
        responses={200: obj({"type": enum("file"), "encoding": STR, "content": STR,
                             "sha": SHA, "path": STR, "size": INT},
                            required=["type", "content", "encoding", "sha"]),
                   404: BASIC_ERROR},
        source="§1e [P]"),
    Operation(
        "put_content", "PUT", "/repos/{owner}/{repo}/contents/{path:path}",
        request=obj({"message": STR, "content": STR, "branch": STR, "sha": SHA,
                     "author": PERSON, "committer": PERSON},
                    required=["message", "content"], additionalProperties=False),
        responses={201: obj({"commit": obj({"sha": SHA}, required=["sha"]),
                             "content": nullable(obj({"sha": SHA, "path": STR}))},
                            required=["commit"]),
                   200: obj({"commit": obj({"sha": SHA}, required=["sha"])},
                            required=["commit"]),
                   404: BASIC_ERROR, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1d Contents API [P]; that it works on an empty repository is [U]"),
    # --- issue 13: pull requests, branches, trees (§1j) -----------------------------
    Operation(
        "create_pull", "POST", "/repos/{owner}/{repo}/pulls",
        request=obj({"title": STR, "head": STR, "base": STR, "body": STR},
                    required=["title", "head", "base"], additionalProperties=False),
        responses={201: PULL, 403: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1j [P]: 201 + Location; one already open for head and base is 422 'A pull "
               "request already exists for owner:branch.' [O]"),
    Operation(
        "list_pulls", "GET", "/repos/{owner}/{repo}/pulls",
        query={"state": False, "head": False, "base": False, "per_page": False},
        responses={200: arr(PULL_SIMPLE), 422: VALIDATION_ERROR},
        source="§1j [P]: head is owner:branch; state defaults to open"),
    Operation(
        "get_pull", "GET", "/repos/{owner}/{repo}/pulls/{pull_number}",
        responses={200: PULL, 404: BASIC_ERROR},
        source="§1j [P]: state open or closed, merged and merged_at tell a merge"),
    Operation(
        "update_pull", "PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}",
        request=obj({"state": enum("open", "closed")}, required=["state"],
                    additionalProperties=False),
        responses={200: PULL, 403: BASIC_ERROR, 404: BASIC_ERROR, 422: VALIDATION_ERROR},
        documented_elsewhere="GitHub REST 'Update a pull request', PATCH "
                             "/repos/{owner}/{repo}/pulls/{pull_number} with state closed "
                             "(https://docs.github.com/rest/pulls/pulls#update-a-pull-request) "
                             "[P]: upstream api.github.com.json has it (pulls/update); the "
                             "subset github.json does not",
        source="closing a pull request without merging it (validation's clean-up)"),
    Operation(
        "delete_ref", "DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}",
        responses={204: NO_BODY, 409: BASIC_ERROR, 422: BASIC_ERROR},
        source="§1j [P]; the heads/<branch> form [U]; a missing ref is 422 'Reference does "
               "not exist' [O] googleapis/github-repo-automation#138, "
               "suzuki-shunsuke/lock-action#255"),
    Operation(
        "get_tree", "GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}",
        query={"recursive": False},
        responses={200: obj({"sha": SHA, "url": STR, "truncated": BOOL,
                             "tree": arr(TREE_ENTRY)}, required=["sha", "tree", "truncated"]),
                   404: BASIC_ERROR, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1j [P]: recursive is on for any value; truncated beyond 100,000 entries; "
               "a commit SHA as tree_sha is [U] (the simulator refuses it)"),
    Operation(
        "get_blob", "GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}",
        responses={200: obj({"sha": SHA, "content": STR, "encoding": enum("base64"),
                             "size": INT, "url": STR}, required=["sha", "content", "encoding"]),
                   404: BASIC_ERROR, 409: BASIC_ERROR, 422: VALIDATION_ERROR},
        source="§1j [P]: content always base64"),
]

CONTRACT = Contract(
    provider="github",
    operations=OPERATIONS,
    generic_statuses={
        401: "every call: bad credentials (§1a: 401 requires_authentication) [P]",
        403: "every call: missing permission or primary rate limit with "
             "X-RateLimit-Remaining: 0 (§1h) [O]",
        404: "every call: fine-grained tokens without access get 404, not 403 (§1a) [O]",
        429: "every call: secondary rate limit (§1h) [O]",
        500: "every call: server error",
        502: "every call: bad gateway",
        503: "every call: unavailable",
        504: "every call: gateway timeout",
    },
    error_body=BASIC_ERROR,
)
