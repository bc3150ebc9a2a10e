"""Name every way a page can fail with one short word, so run records and logs can be grouped.

A run record entry reads "kind: detail", e.g. "http-503: Service Unavailable (3 tries)",
"timeout: no answer within 30s", "offsite-redirect: to http://other.example/". The kinds:

    http-NNN            the server answered with an error status (after retries where useful)
    timeout             no complete answer within DOWNLOAD_TIMEOUT
    dns                 the host name does not resolve
    connection-refused  nothing listens on the host's port
    connection-reset    the server dropped or reset the connection
    truncated           the body was shorter than its Content-Length
    too-large           the page is over DOWNLOAD_MAXSIZE
    redirect-loop       redirects that come back to a page already visited, or too many
    offsite-redirect    a redirect to another site (not followed)
    site-moved          the whole source redirects permanently to a new host (followed)
    not-web-url         a redirect, refresh or move to a file:, ftp:, javascript: ... URL (refused)
    internal-address    to a loopback, private, link-local or other non-public address, where
                        the source's own host is not one (refused; crawler/addresses.py)
    other-port          to another port than the source's own (refused)
    not-html            a PDF, an image or other non-page where a page was expected
    empty               200 OK with an empty body
    robots              robots.txt forbids the page (respected)
    pagination-loop     a listing page that repeats an earlier one
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

# Exception class names (anywhere in the class's ancestry) → kind. By name, because the same
# fault surfaces as Scrapy's own exceptions in new versions and Twisted's in older ones.
EXCEPTION_KINDS = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "DownloadConnectionRefusedError": "connection-refused",
    "ConnectionRefusedError": "connection-refused",
    "ResponseDataLossError": "truncated",
    "_DataLoss": "truncated",
    "PotentialDataLoss": "truncated",
    "DownloadCancelledError": "too-large",
    "CancelledError": "too-large",
    "ConnectionLost": "connection-reset",
    "ConnectionDone": "connection-reset",
    "ConnectionAborted": "connection-reset",
    "ConnectionResetError": "connection-reset",
    "ResponseFailed": "connection-reset",
    "ResponseNeverReceived": "connection-reset",
    "DownloadFailedError": "connection-reset",
}
DEFAULT_DETAIL = {"too-large": "page over the size limit (DOWNLOAD_MAXSIZE)",
                  "truncated": "body shorter than its Content-Length"}
IGNORE_KINDS = {"robots.txt": "robots", "max redirections": "redirect-loop",
                "offsite": "offsite-redirect"}


class PageRejected(IgnoreRequest):
    """A response the crawler refuses to use, with the kind of fault it shows."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def exception_kind(exception: BaseException) -> str | None:
    """The kind for a download exception, or None when it is not a network fault."""
    for cls in type(exception).__mro__:
        if cls.__name__ in EXCEPTION_KINDS:
            return EXCEPTION_KINDS[cls.__name__]
    return None


def describe(failure: Failure) -> str:
    """"kind: detail" for the failure an errback receives."""
    error = failure.value
    request = getattr(failure, "request", None)
    tries = 1 + (request.meta.get("retry_times", 0) if request is not None else 0)
    if isinstance(error, PageRejected):
        return str(error)
    if isinstance(error, HttpError):
        response = error.response
        status = response.status
        reason = _reason(status)
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            reason += f", Retry-After {retry_after.decode('latin-1')}"
        return f"http-{status}: {reason} ({tries} {'try' if tries == 1 else 'tries'})"
    if isinstance(error, IgnoreRequest):
        message = str(error) or type(error).__name__
        for marker, kind in IGNORE_KINDS.items():
            if marker in message:
                return f"{kind}: {message}"
        return f"ignored: {message}"
    kind = exception_kind(error)
    message = _message(error)
    if kind is None:
        return f"error: {type(error).__name__}: {message}"
    return f"{kind}: {message} ({tries} {'try' if tries == 1 else 'tries'})"


def _message(error: BaseException) -> str:
    """The exception's own words; Twisted's ResponseFailed wraps its reasons in a list of Failures."""
    for cause in (error, error.__cause__, error.__context__):
        reasons = getattr(cause, "reasons", None)
        if reasons:
            return "; ".join(f"{r.type.__name__}: {r.getErrorMessage()}" for r in reasons)
    for cause in (error, error.__cause__, error.__context__):
        if cause is not None and str(cause):
            return str(cause)
    return DEFAULT_DETAIL.get(exception_kind(error) or "", type(error).__name__)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"
