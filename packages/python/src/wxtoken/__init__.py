"""wxtoken: the Python client of the central WeChat credential service — gRPC stubs
(wxtoken.v1), a token cache kept hot by WatchToken, refresh-and-retry-once, typed errors."""

from wxtoken.backoff import ExponentialBackoff
from wxtoken.client import (
    ACCESS_TOKEN,
    AGENT_CONFIG_TICKET,
    DEFAULT_FRESHNESS_MARGIN,
    DEFAULT_TIMEOUT,
    JSAPI_TICKET,
    WX_CARD_TICKET,
    Client,
)
from wxtoken.errors import (
    CancelledError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    WxTokenError,
)
from wxtoken.target import (
    CredentialOwner,
    authorizer_owner,
    component_owner,
    owner_name,
    parse_target,
    wecom_owner,
)
from wxtoken.token_cache import Credential, TokenCache
from wxtoken.wechat_response import (
    TOKEN_REJECTED_ERRCODES,
    WeChatTokenRejected,
    is_token_rejected,
)

__version__ = "0.1.0"

__all__ = [
    "ACCESS_TOKEN",
    "AGENT_CONFIG_TICKET",
    "CancelledError",
    "Client",
    "Credential",
    "CredentialOwner",
    "DEFAULT_FRESHNESS_MARGIN",
    "DEFAULT_TIMEOUT",
    "DeadlineExceededError",
    "ExponentialBackoff",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "JSAPI_TICKET",
    "NotFoundError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "TOKEN_REJECTED_ERRCODES",
    "TokenCache",
    "UnauthenticatedError",
    "UnavailableError",
    "WX_CARD_TICKET",
    "WeChatTokenRejected",
    "WxTokenError",
    "authorizer_owner",
    "component_owner",
    "is_token_rejected",
    "owner_name",
    "parse_target",
    "wecom_owner",
]
