"""The one place that sends HTTP requests to a git provider.

Every call gets connect and read timeouts, a User-Agent and the provider's pinned API
version; retries happen only where they are safe; redirects are never followed for a
non-GET call nor with credentials to another host; every failure becomes one of the
typed errors of providers.base, with a message that never contains a secret.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote, urljoin, urlsplit

import requests
from urllib3.exceptions import InsecureRequestWarning

from webapp.providers.answers import (
    primary_rate_limit,
    retry_after_seconds,
    status_error,
)
from webapp.providers.base import (
    ProviderError,
    ProviderSettings,
    ProviderUnavailable,
    UnexpectedResponse,
)
from webapp.providers.hosts import PRIVATE_HOST_HINT, PublicHostsAdapter
from webapp.providers.redact import Redactor
from webapp.providers.tls import verify_setting

log = logging.getLogger(__name__)

USER_AGENT = "GitOpsConsole/0.1 (+https://github.com/gitops-console)"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5

# A provider may translate a failed response into a more precise error first.
ErrorMapper = Callable[[requests.Response, str], ProviderError | None]


class HttpSeam:
    """A requests.Session bound to one provider's API base URL and credentials."""

    def __init__(self, settings: ProviderSettings, base_url: str, *, label: str,
                 auth_headers: Mapping[str, str], default_params: Mapping[str, str] | None = None,
                 default_headers: Mapping[str, str] | None = None,
                 map_error: ErrorMapper | None = None, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.label = label
        self._auth_headers = dict(auth_headers)
        self._default_params = dict(default_params or {})
        self._map_error = map_error
        self._backoff = backoff
        self._sleep = sleep
        self.redactor = Redactor([settings.token, *self._auth_headers.values()])
        self.deadline: float | None = None  # time.monotonic() by which every call must end
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request sent
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, **(default_headers or {})})
        if not settings.allow_private_hosts:
            for scheme in ("http://", "https://"):
                self.session.mount(scheme, PublicHostsAdapter())
        # The environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) is read once per
        # client: with trust_env on, requests reads and parses it again on every request.
        self.session.trust_env = False
        self._proxies: dict[str, dict[str, str]] = {}
        self._verify = verify_setting(settings)
        if self._verify is True:  # what requests would take from the environment
            self._verify = (os.environ.get("REQUESTS_CA_BUNDLE")
                            or os.environ.get("CURL_CA_BUNDLE") or True)
        if self._verify is False:
            # Said once here, instead of urllib3 warning on every request.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
            log.warning("%s: TLS verification is switched off for %s", label, self.base_url)

    # --- public ----------------------------------------------------------------------

    def request(self, method: str, path: str, *, what: str, ok: Iterable[int] = (200,),
                params: Mapping[str, object] | None = None, json: object = None,
                data: object = None, files: object = None,
                headers: Mapping[str, str] | None = None) -> requests.Response:
        """Send one API call; return the response if its status is in ok, else raise.

        what describes the call for messages ("create repository acme/app").
        """
        method = method.upper()
        url = self._url(path)
        merged_params = {**self._default_params, **(params or {})}
        ok = frozenset(ok)
        attempt = 0
        while True:
            response = self._send(method, url, what=what, params=merged_params, json=json,
                                  data=data, files=files, headers=headers)
            if response.status_code in ok:
                return response
            wait = self._retry_wait(method, response, attempt)
            if wait is None:
                raise self._error(response, what)
            attempt += 1
            log.info("%s: %s answered %s; retry %d in %.1fs", self.label, what,
                     response.status_code, attempt, wait)
            self._sleep(wait)

    def json(self, response: requests.Response, what: str) -> object:
        """The response body as JSON, or UnexpectedResponse naming what was expected."""
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("Content-Type", "no type")
            raise UnexpectedResponse(
                f"{self.label} answered '{what}' with something that is not JSON "
                f"(status {response.status_code}, {content_type}).",
                status=response.status_code,
                hint="Check that the host points at the provider's API and not at a "
                     "proxy or sign-in page.") from None

    def redact(self, text: str) -> str:
        """text with every secret of this seam replaced."""
        return self.redactor(text)

    # --- sending ---------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if _origin(path) != _origin(self.base_url):
                raise UnexpectedResponse(f"{self.label} pointed at another host ({_origin(path)}); "
                                         "the token is only sent to the configured host.")
            return path
        return self.base_url + path

    def _send(self, method: str, url: str, *, what: str, headers, **kwargs) -> requests.Response:
        """One request, following redirects only for GET/HEAD and never leaking credentials."""
        send_headers = {**self._auth_headers, **(headers or {})}
        for _hop in range(MAX_REDIRECTS + 1):
            self.calls.append((method, urlsplit(url).path))
            try:
                response = self._attempt(method, url, what=what, headers=send_headers, **kwargs)
            except ProviderUnavailable as error:
                if method in IDEMPOTENT and not error.timed_out and self._retry_connection():
                    response = self._attempt(method, url, what=what, headers=send_headers,
                                             **kwargs)
                else:
                    raise
            if response.status_code not in REDIRECTS:
                return response
            location = response.headers.get("Location")
            if method not in ("GET", "HEAD") or not location:
                raise UnexpectedResponse(
                    f"{self.label} redirected '{what}' to {self.redact(location or '?')}.",
                    status=response.status_code,
                    hint="Check the host: a redirect usually means http instead of https, or "
                         "a moved or renamed host.")
            target = urljoin(url, location)
            if _origin(target) != _origin(url):
                # Another host never sees our credentials (a CDN for raw files, say).
                send_headers = {k: v for k, v in send_headers.items()
                                if k not in self._auth_headers}
            url = target
            kwargs["params"] = None  # the Location already carries the query
        raise UnexpectedResponse(f"{self.label} redirected '{what}' more than "
                                 f"{MAX_REDIRECTS} times.")

    def _attempt(self, method: str, url: str, *, what: str, **kwargs) -> requests.Response:
        """Send once with the timeouts (cut short by the deadline) and translate failures."""
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise _unavailable(f"The time allowed for talking to {self.label} ran out "
                                   f"before '{what}'.", timed_out=True)
            connect, read = min(connect, remaining), min(read, remaining)
        try:
            return self.session.request(method, url, timeout=(connect, read),
                                        allow_redirects=False, verify=self._verify,
                                        proxies=self._proxies_for(url), **kwargs)
        except requests.exceptions.SSLError as error:
            raise _unavailable(
                f"TLS verification of {_origin(url)} failed while trying to {what}.",
                hint="If the provider uses a private certificate authority, paste its "
                     "certificate into the CA bundle field; switch TLS verification off only "
                     "in a lab.", detail=self.redact(str(error))) from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
            raise _unavailable(
                f"{self.label} did not answer '{what}' within {read:.0f} s.", timed_out=True,
                hint="The provider may be overloaded or unreachable; try again later.") from None
        except requests.exceptions.ConnectionError as error:
            if "resolves to the private address" in str(error):
                raise _unavailable(
                    f"{urlsplit(url).hostname} resolves to a private address, which this "
                    "installation does not connect to.", hint=PRIVATE_HOST_HINT,
                    detail=self.redact(str(error))) from None
            raise _unavailable(
                f"Could not connect to {_origin(url)} to {what}.",
                hint="Check the host name and port, and that this server can reach it "
                     "(proxy settings: HTTPS_PROXY / NO_PROXY).",
                detail=self.redact(str(error))) from None
        except requests.exceptions.RequestException as error:
            raise _unavailable(f"The request to {what} failed: {self.redact(str(error))}") from None

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The proxies HTTPS_PROXY / NO_PROXY name for url's host, read once per host."""
        origin = _origin(url)
        if origin not in self._proxies:
            self._proxies[origin] = requests.utils.get_environ_proxies(url)
        return self._proxies[origin]

    def _retry_connection(self) -> bool:
        """One immediate retry of an idempotent call after a dropped connection."""
        return self.settings.max_retries > 0

    # --- retries and errors ----------------------------------------------------------

    def _retry_wait(self, method: str, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the call must not be retried."""
        status = response.status_code
        limited = status == 429 or primary_rate_limit(response)
        if not limited and not (status in RETRYABLE_STATUSES and method in IDEMPOTENT):
            return None
        if attempt >= self.settings.max_retries:
            return None
        wait = retry_after_seconds(response)
        if wait is None:
            wait = self._backoff * (2 ** attempt)
        if wait > self.settings.max_retry_wait:
            return None  # longer than we are willing to hold a page: report it instead
        if self.deadline is not None and time.monotonic() + wait >= self.deadline:
            return None
        return wait

    def _error(self, response: requests.Response, what: str) -> ProviderError:
        """The typed error for a failed response: the provider's mapping first, then HTTP's."""
        if self._map_error is not None:
            mapped = self._map_error(response, what)
            if mapped is not None:
                return mapped
        return self.default_error(response, what)

    def default_error(self, response: requests.Response, what: str) -> ProviderError:
        """The typed error a status code means on every provider."""
        return status_error(response, what, self.label, self.redact)


def segment(value: str) -> str:
    """One URL path segment, percent-encoded ("a/b c" -> "a%2Fb%20c")."""
    return quote(value, safe="")


def path_segments(value: str) -> str:
    """A path of several segments (a file path, a branch with slashes), percent-encoded."""
    return quote(value, safe="/")


def _unavailable(message: str, *, hint: str = "", detail: str = "",
                 timed_out: bool = False) -> ProviderUnavailable:
    return ProviderUnavailable(message, hint=hint, provider_message=detail, timed_out=timed_out)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


