"""The exceptions of watcher_ds: one class per failure status of the plugin ABI.

Every failure a plugin reports is raised as the subclass of WatcherDsError that belongs to its
wds_status, carrying the status, the HTTP status (0 when no HTTP answer was involved) and the
plugin's own message, which never contains a secret. "No data" is not an error: the calls
return None for it.
"""

from . import _abi


class WatcherDsError(Exception):
    """Base class of every watcher_ds failure."""

    status = _abi.E_INTERNAL  # the wds_status of the class; instances carry the real one

    def __init__(self, message, status=None, http_status=0):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.http_status = http_status

    @property
    def status_name(self):
        """wds_status_name(): "unavailable", "authentication failure", ..."""
        return _abi.STATUS_NAMES.get(self.status, "unknown error")

    def __str__(self):
        text = self.status_name
        if self.http_status:
            text += " (HTTP %d)" % self.http_status
        if self.message and self.message != self.status_name:
            text += ": " + self.message
        return text


class InvalidArgumentError(WatcherDsError, ValueError):
    """A parameter is missing, malformed or out of range (WDS_E_INVALID_ARGUMENT)."""

    status = _abi.E_INVALID_ARGUMENT


class MetricNotAvailableError(WatcherDsError):
    """The datasource cannot answer that metric (WDS_E_METRIC_NOT_AVAILABLE)."""

    status = _abi.E_METRIC_NOT_AVAILABLE


class ResourceNotFoundError(WatcherDsError):
    """The host name resolves to no label value (WDS_E_RESOURCE_NOT_FOUND)."""

    status = _abi.E_RESOURCE_NOT_FOUND


class UnavailableError(WatcherDsError):
    """The backend cannot be reached or keeps failing (WDS_E_UNAVAILABLE)."""

    status = _abi.E_UNAVAILABLE


class AuthError(WatcherDsError):
    """401/403, or the credentials were refused (WDS_E_AUTH)."""

    status = _abi.E_AUTH


class ConfigError(WatcherDsError):
    """A configuration value is invalid, or watcher.conf chooses nothing usable (WDS_E_CONFIG)."""

    status = _abi.E_CONFIG


class TimeoutError(WatcherDsError):  # noqa: A001 - the ABI's name; builtins.TimeoutError differs
    """No answer within the timeout (WDS_E_TIMEOUT)."""

    status = _abi.E_TIMEOUT


class ProtocolError(WatcherDsError):
    """A malformed answer, a non-success status or an unexpected 4xx (WDS_E_PROTOCOL)."""

    status = _abi.E_PROTOCOL


class UnsupportedError(WatcherDsError):
    """The operation or resource type is not supported (WDS_E_UNSUPPORTED)."""

    status = _abi.E_UNSUPPORTED


class InternalError(WatcherDsError):
    """A bug or resource exhaustion in the plugin, or a file that is not a plugin."""

    status = _abi.E_INTERNAL


class TlsError(WatcherDsError):
    """TLS handshake or certificate verification failed (WDS_E_TLS)."""

    status = _abi.E_TLS


class SourceClosedError(InvalidArgumentError):
    """A call on a source that was closed (or a second close)."""


_BY_STATUS = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        MetricNotAvailableError,
        ResourceNotFoundError,
        UnavailableError,
        AuthError,
        ConfigError,
        TimeoutError,
        ProtocolError,
        UnsupportedError,
        InternalError,
        TlsError,
    )
}


def error_class(status):
    """The exception class of a wds_status; WatcherDsError for one this package does not know."""
    return _BY_STATUS.get(status, WatcherDsError)


def from_status(status, message, http_status=0):
    """The exception for a failed call; `message` is the plugin's (bytes or str)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return error_class(status)(message, status, http_status)


def from_error(status, err):
    """The exception for a call that returned `status` and filled the wds_error `err`."""
    return from_status(status, err.message, err.http_status)
