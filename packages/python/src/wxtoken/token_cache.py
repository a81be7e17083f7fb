"""One app's credential of one kind, kept in memory and hot by a WatchToken stream that a
background thread follows, reconnecting with backoff whenever the stream ends or fails;
GetToken when the memory is not fresh, RefreshToken when WeChat rejected a value."""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional, Sequence, Tuple

import grpc

from wxtoken.backoff import ExponentialBackoff
from wxtoken.errors import WxTokenError, from_rpc_error
from wxtoken.target import CredentialOwner, request_target
from wxtoken.v1 import token_pb2, token_pb2_grpc

Credential = token_pb2.Credential

# Errors that a reconnect cannot cure: the cache stops watching instead of retrying forever.
PERMANENT_CODES = frozenset(
    {
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


def _expires_at(credential: Credential) -> float:
    """Unix seconds at which WeChat stops accepting the credential (0 when unset)."""
    if not credential.HasField("expires_at"):
        return 0.0
    return credential.expires_at.seconds + credential.expires_at.nanos / 1e9


class TokenCache:
    """Follows one credential from construction until close(). Thread-safe."""

    def __init__(
        self,
        tokens: token_pb2_grpc.TokenServiceStub,
        app_id: Optional[str],
        kind: int,
        *,
        owner: Optional[CredentialOwner] = None,
        metadata: Sequence[Tuple[str, str]],
        timeout: float,
        freshness_margin: float,
        backoff: ExponentialBackoff,
    ) -> None:
        # app_id: the AppID, or "wecom:CORP_ID:APP" for a WeCom app.
        self.app_id, self._target = request_target(app_id, owner)
        self.kind = kind
        self._tokens = tokens
        self._metadata = tuple(metadata)
        self._timeout = timeout
        self._freshness_margin = freshness_margin
        self._backoff = backoff
        self._changed = threading.Condition()
        self._credential: Optional[Credential] = None
        self._failure: Optional[WxTokenError] = None
        self._closed = threading.Event()
        self._stream: Optional[grpc.Future] = None
        self._disconnects = 0
        self._thread = threading.Thread(
            target=self._watch, name=f"wxtoken-watch-{self.app_id}", daemon=True
        )
        self._thread.start()

    @property
    def current(self) -> Optional[Credential]:
        """The latest credential received, or None before the first one."""
        with self._changed:
            return self._credential

    @property
    def failure(self) -> Optional[WxTokenError]:
        """The permanent error (unknown app, key or permission) that stopped the watch."""
        with self._changed:
            return self._failure

    @property
    def disconnects(self) -> int:
        """How often the WatchToken stream ended or failed and was reconnected."""
        with self._changed:
            return self._disconnects

    def wait(
        self,
        predicate: Callable[[Credential], bool] = lambda _: True,
        timeout: Optional[float] = None,
    ) -> Credential:
        """The first credential (the current one included) for which ``predicate`` holds.
        Raises the cache's permanent error, or TimeoutError after ``timeout`` seconds."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: self._failure is not None
                or self._closed.is_set()
                or (self._credential is not None and predicate(self._credential)),
                timeout,
            )
            if self._failure is not None:
                raise self._failure
            if self._credential is not None and predicate(self._credential):
                return self._credential
            if not done:
                raise TimeoutError(f"no matching credential of {self.app_id} in {timeout} s")
            raise RuntimeError("the token cache was closed")

    def wait_for_generation(self, generation: int, timeout: Optional[float] = None) -> Credential:
        """The credential once its generation is at least ``generation``."""
        return self.wait(lambda credential: credential.generation >= generation, timeout)

    def get(self) -> str:
        """The value: from memory while it is fresh, else from GetToken."""
        with self._changed:
            credential = self._credential
        if credential is not None and time.time() < _expires_at(credential) - self._freshness_margin:
            return credential.value
        request = token_pb2.GetTokenRequest(**self._target, kind=self.kind)
        response = self._unary(self._tokens.GetToken, request)
        self._update(response.credential, authoritative=False)
        return response.credential.value

    def refresh(self, stale_value: str) -> Credential:
        """Reports ``stale_value`` as rejected by WeChat (RefreshToken); returns the credential
        to use from now on."""
        request = token_pb2.RefreshTokenRequest(
            **self._target, kind=self.kind, stale_value=stale_value
        )
        response = self._unary(self._tokens.RefreshToken, request)
        self._update(response.credential, authoritative=False)
        return response.credential

    def close(self) -> None:
        """Stops the watch thread and waits for it. Idempotent."""
        with self._changed:
            self._closed.set()
            if self._stream is not None:
                self._stream.cancel()
            self._changed.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _unary(self, method, request):
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _update(self, credential: Credential, authoritative: bool) -> None:
        """Takes ``credential`` if it is newer than the current one or, for the first message
        of a stream (``authoritative``: the server's current credential), if it differs."""
        with self._changed:
            current = self._credential
            if current is not None:
                same = (
                    credential.generation == current.generation
                    and credential.value == current.value
                )
                if same or not (authoritative or credential.generation > current.generation):
                    return
            self._credential = credential
            self._changed.notify_all()

    def _open_stream(self):
        """A new WatchToken call, or None once the cache is closed."""
        request = token_pb2.WatchTokenRequest(**self._target, kind=self.kind)
        with self._changed:
            if self._closed.is_set():
                return None
            self._stream = self._tokens.WatchToken(request, metadata=self._metadata)
            return self._stream

    def _watch(self) -> None:
        attempt = 0
        while True:
            stream = self._open_stream()
            if stream is None:
                return
            error: Optional[WxTokenError] = None
            try:
                first = True
                for response in stream:
                    if response.HasField("credential"):
                        self._update(response.credential, authoritative=first)
                        first = False
                        attempt = 0
            except grpc.RpcError as rpc_error:
                error = from_rpc_error(rpc_error)
            with self._changed:
                self._stream = None
                if self._closed.is_set():
                    return
                if error is not None and error.code in PERMANENT_CODES:
                    self._failure = error
                    self._changed.notify_all()
                    return
                self._disconnects += 1
            self._closed.wait(self._backoff.delay(attempt))
            attempt += 1
