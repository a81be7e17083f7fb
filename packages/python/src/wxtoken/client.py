"""Client: the wxtoken services over one gRPC channel (plaintext, or TLS with optional client
certificates), token caches kept hot by WatchToken, and refresh-and-retry-once for WeChat
calls made with a token."""

from __future__ import annotations

import threading
from typing import Callable, Dict, Optional, Tuple, TypeVar

import grpc

from wxtoken.backoff import ExponentialBackoff
from wxtoken.errors import from_rpc_error
from wxtoken.target import CredentialOwner, request_target
from wxtoken.token_cache import Credential, TokenCache
from wxtoken.v1 import admin_pb2_grpc, message_pb2_grpc, token_pb2, token_pb2_grpc
from wxtoken.wechat_response import WeChatTokenRejected, is_token_rejected

T = TypeVar("T")

ACCESS_TOKEN = token_pb2.CREDENTIAL_KIND_ACCESS_TOKEN
JSAPI_TICKET = token_pb2.CREDENTIAL_KIND_JSAPI_TICKET
WX_CARD_TICKET = token_pb2.CREDENTIAL_KIND_WX_CARD_TICKET
AGENT_CONFIG_TICKET = token_pb2.CREDENTIAL_KIND_AGENT_CONFIG_TICKET

DEFAULT_TIMEOUT = 10.0
DEFAULT_FRESHNESS_MARGIN = 10.0


class Client:
    """Calls wxtoken's native gRPC port (``listen.grpc``) at ``target`` ("host:port") with the
    caller key ``api_key`` (None for a caller known by its client certificate,
    ``callers[].identity``). TLS is used when any of ``root_certificates`` (PEM bytes of the
    CA; None: the system's), ``certificate_chain`` and ``private_key`` (the client
    certificate for mTLS) is given, or when ``tls=True``.

    ``timeout`` bounds each unary call in seconds; a cached credential is used until
    ``freshness_margin`` seconds before it expires; token caches reconnect after a random
    delay growing from ``reconnect_initial`` to ``reconnect_max`` seconds.

    ``tokens``, ``messages`` and ``admin`` are the raw stubs of TokenService, MessageService
    and AdminService; pass ``metadata=client.metadata`` to their calls.

    Every method naming a credential takes ``app_id``: a WeChat AppID, or a WeCom app as
    "wecom:CORP_ID:AGENT_ID" (or "wecom:CORP_ID:NAME" for a named secret); or, instead,
    ``owner=wecom_owner(corp_id, agent_id)``."""

    def __init__(
        self,
        target: str,
        api_key: Optional[str] = None,
        *,
        root_certificates: Optional[bytes] = None,
        certificate_chain: Optional[bytes] = None,
        private_key: Optional[bytes] = None,
        tls: Optional[bool] = None,
        timeout: float = DEFAULT_TIMEOUT,
        freshness_margin: float = DEFAULT_FRESHNESS_MARGIN,
        reconnect_initial: float = 0.2,
        reconnect_max: float = 30.0,
    ) -> None:
        if api_key is None and certificate_chain is None:
            raise ValueError("Client: api_key is required without a client certificate")
        if api_key is not None and not api_key.strip():
            raise ValueError("Client: api_key must not be empty")
        if (certificate_chain is None) != (private_key is None):
            raise ValueError("Client: certificate_chain and private_key go together")
        self._backoff = ExponentialBackoff(reconnect_initial, reconnect_max)
        options = [
            ("grpc.max_reconnect_backoff_ms", int(reconnect_max * 1000)),
            # Connections of its own: a new Client does not inherit the backoff of another
            # one's failed connection to the same server (gRPC shares them by default), and
            # so reaches a server that just restarted at once.
            ("grpc.use_local_subchannel_pool", 1),
        ]
        wants_tls = tls if tls is not None else (
            root_certificates is not None or certificate_chain is not None
        )
        if wants_tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
            )
            self._channel = grpc.secure_channel(target, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
        self._metadata: Tuple[Tuple[str, str], ...] = (
            (("authorization", f"Bearer {api_key}"),) if api_key is not None else ()
        )
        self._timeout = timeout
        self._freshness_margin = freshness_margin
        self.tokens = token_pb2_grpc.TokenServiceStub(self._channel)
        self.messages = message_pb2_grpc.MessageServiceStub(self._channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self._channel)
        self._caches: Dict[Tuple[int, str], TokenCache] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def metadata(self) -> Tuple[Tuple[str, str], ...]:
        """The call metadata carrying the caller key, for calls made with the raw stubs."""
        return self._metadata

    def get_token(
        self,
        app_id: Optional[str] = None,
        kind: int = ACCESS_TOKEN,
        *,
        owner: Optional[CredentialOwner] = None,
    ) -> Credential:
        """GetToken: the app's current credential of ``kind`` from the server."""
        _, target = request_target(app_id, owner)
        request = token_pb2.GetTokenRequest(**target, kind=kind)
        return self._unary(self.tokens.GetToken, request).credential

    def refresh_token(
        self,
        app_id: Optional[str],
        stale_value: str,
        kind: int = ACCESS_TOKEN,
        *,
        owner: Optional[CredentialOwner] = None,
    ) -> token_pb2.RefreshTokenResponse:
        """RefreshToken: reports ``stale_value`` as rejected by WeChat; the response carries
        the credential to use and whether this call caused (or joined) a refresh."""
        _, target = request_target(app_id, owner)
        request = token_pb2.RefreshTokenRequest(**target, kind=kind, stale_value=stale_value)
        return self._unary(self.tokens.RefreshToken, request)

    def token_cache(
        self,
        app_id: Optional[str] = None,
        kind: int = ACCESS_TOKEN,
        *,
        owner: Optional[CredentialOwner] = None,
    ) -> TokenCache:
        """The cache of an app's credential of ``kind``: one per app and kind, watching from
        its first use until close()."""
        name, _ = request_target(app_id, owner)
        with self._lock:
            if self._closed:
                raise RuntimeError("the wxtoken client was closed")
            cache = self._caches.get((kind, name))
            if cache is None:
                cache = TokenCache(
                    self.tokens,
                    app_id,
                    kind,
                    owner=owner,
                    metadata=self._metadata,
                    timeout=self._timeout,
                    freshness_margin=self._freshness_margin,
                    backoff=self._backoff,
                )
                self._caches[(kind, name)] = cache
            return cache

    def get_access_token(
        self, app_id: Optional[str] = None, *, owner: Optional[CredentialOwner] = None
    ) -> str:
        """The app's access_token: from its cache while fresh, else from GetToken."""
        return self.token_cache(app_id, owner=owner).get()

    def with_access_token(
        self,
        app_id: Optional[str],
        fn: Callable[[str], T],
        *,
        owner: Optional[CredentialOwner] = None,
    ) -> T:
        """Runs ``fn`` with the app's access_token. If WeChat rejected it (``fn`` returns a
        mapping whose errcode is 40001, 40014 or 42001, or raises WeChatTokenRejected),
        reports the token with RefreshToken and runs ``fn`` once more with its replacement,
        returning (or raising) whatever that gives."""
        cache = self.token_cache(app_id, owner=owner)
        access_token = cache.get()
        try:
            result = fn(access_token)
            if not is_token_rejected(result):
                return result
        except WeChatTokenRejected:
            pass
        return fn(cache.refresh(access_token).value)

    def close(self) -> None:
        """Stops every token cache's thread and closes the channel. Idempotent."""
        with self._lock:
            self._closed = True
            caches = list(self._caches.values())
        for cache in caches:
            cache.close()
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _unary(self, method, request):
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
