"""The common machinery of the provider simulators.

A simulator is a WSGI app with in-memory state. Every request is matched to an
operation of the provider's contract (tests/contracts/) and checked against it, and so
is every response; a request that matches no operation is a violation. Tests read
`violations` (the fixtures fail a test that leaves any) and `exchanges` (what was sent).
Faults can be injected per operation: a status and body, a delay, a dropped connection
or a malformed body; `latency` is how long every answer takes, as a real provider's
round trip (the benchmark's deploys and validations).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from tests.contracts.model import Contract, check_request, check_response
from tests.contracts.official import check_exchange


class Reply(Exception):
    """Raised (or returned) by a handler: the response to send."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                 raw: bytes | str | None = None, content_type: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw
        self.content_type = content_type

    def to_response(self) -> Response:
        if self.raw is not None:
            return Response(self.raw, self.status, headers=self.headers,
                            content_type=self.content_type or "text/plain; charset=utf-8")
        if self.body is None:
            return Response(b"", self.status, headers=self.headers)
        return Response(json.dumps(self.body), self.status, headers=self.headers,
                        content_type=self.content_type or "application/json; charset=utf-8")


@dataclass
class Fault:
    """Something to go wrong on the next call(s) of an operation."""

    operation: str
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | str | None = None
    delay: float = 0.0
    late: float = 0.0  # do the work, then answer this many seconds later (too late)
    drop: bool = False
    malformed: bool = False
    # Run before the call is handled normally: e.g. someone else's commit landing first.
    before: Callable[[], None] | None = None
    times: int | None = 1  # None: every call from now on


@dataclass
class SimRequest:
    """What a handler sees of a request."""

    method: str
    path: str
    query: dict[str, str]
    headers: Any
    json: Any
    form: dict[str, str]
    files: dict[str, bytes]
    raw: Request
    principal: Any = None


@dataclass
class Exchange:
    """One request and the response it got, as recorded by a simulator."""

    operation: str | None
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    request_body: Any
    response_body: Any
    faulted: bool = False


def handles(operation_id: str) -> Callable:
    """Mark a simulator method as the handler of a contract operation."""
    def mark(function: Callable) -> Callable:
        function.handles = operation_id
        return function
    return mark


class Simulator:
    """Base class: routing by contract, checks, faults and the exchange log."""

    contract: Contract
    prefix = ""  # where the API lives below the server root, e.g. "/api/v3"
    label = "provider"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.exchanges: list[Exchange] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.url = ""  # set by the server once it listens
        self.latency = 0.0  # seconds every answer waits, outside the lock (a network's delay)
        self._handlers = {}
        for name in dir(type(self)):
            function = getattr(type(self), name)
            if callable(function) and hasattr(function, "handles"):
                self._handlers[function.handles] = getattr(self, name)
        missing = {op.id for op in self.contract.operations} - set(self._handlers)
        assert not missing, f"{self.label} simulator has no handler for {sorted(missing)}"

    # --- what tests use ------------------------------------------------------------

    def fault(self, operation: str, **kwargs) -> Fault:
        """Make operation fail as described, once unless times says otherwise."""
        self.contract.get(operation)  # a typo in a test fails loudly
        fault = Fault(operation, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def calls(self, *operations: str) -> list[Exchange]:
        """The recorded exchanges, only those of the given operations if any are named."""
        return [exchange for exchange in self.exchanges
                if not operations or exchange.operation in operations]

    def operations(self) -> list[str]:
        """The operation ids of the recorded exchanges, in order."""
        return [exchange.operation for exchange in self.exchanges]

    def clear_log(self) -> None:
        """Forget the exchanges recorded so far (not the state)."""
        self.exchanges.clear()

    @property
    def api_url(self) -> str:
        """The base URL of the API on this simulator."""
        return self.url + self.prefix

    # --- what subclasses provide -----------------------------------------------------

    def authenticate(self, request: SimRequest) -> Any:
        """The principal of the request, or raise a Reply (401 and such)."""
        raise NotImplementedError

    # --- WSGI ------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        started = time.monotonic()
        answer = self._serve(environ, start_response)
        if self.latency:
            # Each answer takes `latency` in all, as a real provider's round trip does: the
            # simulator's own work (its contract checks) is part of that time, not added.
            time.sleep(max(0.0, self.latency - (time.monotonic() - started)))
        return answer

    def _serve(self, environ, start_response):
        request = Request(environ)
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        raw_path, _, query_string = raw_uri.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        body, form, files = _parse_body(request)
        method = request.method
        path = raw_path[len(self.prefix):] if raw_path.startswith(self.prefix) else None
        matched = self.contract.match(method, path, query) if path is not None else None
        if matched is None:
            self._violation(f"{method} {raw_path} matches no {self.label} operation")
            response = Reply(404, {"message": "Not Found"}).to_response()
            return response(environ, start_response)
        operation, params = matched
        for problem in check_request(self.contract, operation, query, body,
                                     request.mimetype or None):
            self._violation(f"{operation.id} request: {problem}")
        sim_request = SimRequest(method, path, {k: v[-1] for k, v in query.items()},
                                 request.headers, body if request.is_json else None, form,
                                 files, request)
        fault = self._take_fault(operation.id)
        reply = self._answer(operation.id, sim_request, params, fault, environ)
        if reply is None:  # the connection was dropped
            return []
        response = reply.to_response()
        response_body = _response_body(response)
        if not (fault and fault.malformed):
            for problem in check_response(self.contract, operation, response.status_code,
                                          response_body):
                self._violation(f"{operation.id} response: {problem}")
            for problem in check_exchange(self.contract, operation, query, body,
                                          response.status_code, response_body):
                self._violation(f"{operation.id}: {problem}")
        self.exchanges.append(Exchange(operation.id, method, path, query,
                                       response.status_code, body, response_body,
                                       faulted=fault is not None))
        return response(environ, start_response)

    def _answer(self, operation_id: str, request: SimRequest, params: dict[str, str],
                fault: Fault | None, environ) -> Reply | None:
        if fault is not None:
            if fault.before is not None:
                with self.lock:
                    fault.before()
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                connection = environ.get("werkzeug.socket")
                if connection is not None:
                    connection.shutdown(socket.SHUT_RDWR)
                return None
            if fault.malformed:
                # The operation's own success status, so only the body is wrong: cut-off
                # JSON, or (with a body) valid JSON of the wrong shape.
                status = fault.status or min(s for s in self.contract.get(operation_id)
                                             .responses if s < 300)
                if fault.body is not None:
                    return Reply(status, fault.body)
                return Reply(status, raw=b'{"truncated": ', content_type="application/json")
            if fault.status is not None:
                # A text body is sent as it is (GitLab's 429 says "Retry later" in plain text).
                raw = fault.raw if fault.raw is not None else (
                    fault.body if isinstance(fault.body, str | bytes) else None)
                return Reply(fault.status, fault.body, fault.headers, raw=raw)
        with self.lock:
            try:
                request.principal = self.authenticate(request)
                result = self._handlers[operation_id](request, **params)
            except Reply as reply:
                result = reply
            except Exception as crash:  # a simulator bug must fail the test, not hide
                self._violation(f"{operation_id} handler crashed: {crash!r}")
                return Reply(500, {"message": "simulator crashed"})
        if fault is not None and fault.late:
            time.sleep(fault.late)
        return result

    def _take_fault(self, operation_id: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation == operation_id:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def _violation(self, message: str) -> None:
        with self.lock:
            self.violations.append(message)


def _parse_body(request: Request) -> tuple[Any, dict[str, str], dict[str, bytes]]:
    """The body as JSON, or as form fields and uploaded files, or as bytes.

    In the recorded body a repeated form field (Bitbucket's `files`) keeps all its values.
    """
    if request.is_json:
        data = request.get_data()
        try:
            return (json.loads(data) if data else None), {}, {}
        except ValueError:
            return data, {}, {}
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = {key: request.form.getlist(key)[-1] for key in request.form}
        recorded = {key: (values if len(values) > 1 else values[0])
                     for key in request.form for values in [request.form.getlist(key)]}
        files = {key: storage.read() for key, storage in request.files.items()}
        return {"form": recorded, "files": sorted(files)}, form, files
    data = request.get_data()
    return (data or None), {}, {}


def _response_body(response: Response) -> Any:
    data = response.get_data()
    if not data:
        return None
    if response.mimetype == "application/json":
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data
