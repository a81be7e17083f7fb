"""Typed errors of wxtoken calls: one exception class per gRPC status code that a caller
handles differently, each carrying the ``wxtoken.v1.UpstreamError`` details the server
attached (WeChat's errcode, errmsg, endpoint and hold) from the ``grpc-status-details-bin``
trailer."""

from __future__ import annotations

from typing import Optional, Tuple

import grpc

from wxtoken._rpc import status_pb2
from wxtoken.v1 import token_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


class WxTokenError(Exception):
    """A wxtoken call failed with a gRPC status. ``upstream`` holds the UpstreamError
    details (empty when WeChat had no part in the failure)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        upstream: Tuple[token_pb2.UpstreamError, ...] = (),
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.upstream = upstream

    @property
    def errcode(self) -> Optional[int]:
        """WeChat's errcode of the first UpstreamError detail, or None without one. 0 when
        WeChat did not answer, or when wxtoken refused the call itself without calling
        WeChat (its daily budget, the refresh intervals): then only ``retry_after`` is set."""
        return self.upstream[0].errcode if self.upstream else None


class InvalidArgumentError(WxTokenError):
    """A request field broke a rule; the message names the field."""


class NotFoundError(WxTokenError):
    """The app, or the kind of credential, is not configured."""


class UnauthenticatedError(WxTokenError):
    """The caller key is missing or unknown."""


class PermissionDeniedError(WxTokenError):
    """The caller key lacks the permission for this app."""


class FailedPreconditionError(WxTokenError):
    """A configuration error, e.g. WeChat refused the AppSecret (40125) or the IP
    (40164): retrying does not help; ``upstream`` says what WeChat answered."""


class ResourceExhaustedError(WxTokenError):
    """A WeChat quota is used up (45009, 45011), or one of wxtoken's own (a daily budget,
    the refresh intervals); ``upstream[0].retry_after`` says how long."""


class UnavailableError(WxTokenError):
    """The server, or WeChat behind it, cannot answer now; a retry later may succeed."""


class DeadlineExceededError(WxTokenError):
    """The call's deadline passed."""


class CancelledError(WxTokenError):
    """The call was cancelled, e.g. by Client.close()."""


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
}


def upstream_errors(trailing_metadata) -> Tuple[token_pb2.UpstreamError, ...]:
    """The UpstreamError details in a call's trailing metadata (a google.rpc.Status in the
    ``grpc-status-details-bin`` trailer); details of other types are skipped."""
    for key, value in trailing_metadata or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status()
        status.ParseFromString(value)
        found = []
        for detail in status.details:
            upstream = token_pb2.UpstreamError()
            if detail.Is(upstream.DESCRIPTOR):
                detail.Unpack(upstream)
                found.append(upstream)
        return tuple(found)
    return ()


def from_rpc_error(error: grpc.RpcError) -> WxTokenError:
    """The typed error for a failed call (a grpc.RpcError that is also a grpc.Call)."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = (error.details() if isinstance(error, grpc.Call) else None) or str(code.name)
    trailers = error.trailing_metadata() if isinstance(error, grpc.Call) else None
    return _BY_CODE.get(code, WxTokenError)(code, details, upstream_errors(trailers))
