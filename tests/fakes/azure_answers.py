"""Azure DevOps' answer shapes, shared by the simulator's halves: errors, bodies, lists."""

from __future__ import annotations

from tests.fakes.simulator import Reply

JSON = "application/json; charset=utf-8; api-version=7.1"
GIT = "Microsoft.TeamFoundation.Git.Server"


def error(status: int, message: str, type_key: str, namespace: str = GIT) -> Reply:
    """An error in Azure DevOps' shape."""
    return Reply(status, {"$id": "1", "innerException": None, "message": message,
                          "typeName": f"{namespace}.{type_key}, {namespace}",
                          "typeKey": type_key, "errorCode": 0, "eventId": 3000},
                 content_type=JSON)


def answer(status: int, body: dict) -> Reply:
    return Reply(status, body, content_type=JSON)


def listed(values: list) -> Reply:
    return answer(200, {"count": len(values), "value": values})
