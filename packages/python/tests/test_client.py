"""The package against a real token-server and the WeChat simulator over native gRPC:
GetToken, the hot cache following refreshes and a restart, refresh-and-retry-once, typed
errors with WeChat's errcode."""

from __future__ import annotations

import threading

import pytest
from processes import (
    ADMIN_KEY,
    APP_ID,
    OTHER_APP_ID,
    OTHER_SECRET,
    SECRET,
    Harness,
    Simulator,
    TokenServer,
    free_port,
)

import wxtoken

TEMPLATE_PATH = "/cgi-bin/message/template/send"
CLASSIC_TOKEN_PATH = "/cgi-bin/token"
WAIT = 20.0


def watch_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith("wxtoken-watch-")]


def test_get_token_returns_the_token_wechat_issued(server: TokenServer, sim: Simulator, connect):
    client = connect(server.grpc_target)

    credential = client.get_token(APP_ID)

    assert credential.app_id == APP_ID
    assert credential.kind == wxtoken.ACCESS_TOKEN
    assert credential.generation >= 1
    sent = sim.send_template(credential.value)
    assert sent["errcode"] == 0
    delivered = [m for m in sim.stats()["messages"] if m["msgId"] == sent["msgid"]]
    assert [m["accessToken"] for m in delivered] == [credential.value]
    assert client.get_access_token(APP_ID) == credential.value


def test_the_cache_follows_a_refresh_through_the_stream(server: TokenServer, connect):
    cache = connect(server.grpc_target).token_cache(OTHER_APP_ID)
    first = cache.wait(timeout=WAIT)

    other = connect(server.grpc_target)
    refreshed = other.refresh_token(OTHER_APP_ID, first.value)

    assert refreshed.refreshed
    assert refreshed.credential.generation == first.generation + 1
    pushed = cache.wait_for_generation(refreshed.credential.generation, timeout=WAIT)
    assert pushed.value == refreshed.credential.value != first.value


def test_close_stops_the_watch_thread(server: TokenServer, connect):
    client = connect(server.grpc_target)
    client.token_cache(APP_ID).wait(timeout=WAIT)
    assert len(watch_threads()) == 1

    client.close()

    assert watch_threads() == []
    with pytest.raises(RuntimeError):
        client.token_cache(APP_ID)


def test_with_access_token_refreshes_and_retries_once_on_40001(
    server: TokenServer, sim: Simulator, connect
):
    client = connect(server.grpc_target)
    client.get_access_token(OTHER_APP_ID)
    sim.reset()
    sim.inject(endpoint=TEMPLATE_PATH, errcode=40001)
    used = []

    def send(access_token: str):
        used.append(access_token)
        return sim.send_template(access_token)

    result = client.with_access_token(OTHER_APP_ID, send)

    assert result["errcode"] == 0
    stats = sim.stats()
    assert stats["calls"][TEMPLATE_PATH] == 2
    assert stats["callsByApp"][OTHER_APP_ID][CLASSIC_TOKEN_PATH] == 1
    assert len(used) == 2 and used[0] != used[1]
    assert [m["accessToken"] for m in stats["messages"]] == [used[1]]


def test_with_access_token_retries_once_only_and_on_a_raised_rejection(
    server: TokenServer, sim: Simulator, connect
):
    client = connect(server.grpc_target)
    client.get_access_token(OTHER_APP_ID)
    sim.reset()
    sim.inject(endpoint=TEMPLATE_PATH, errcode=42001, count=2)

    def send(access_token: str):
        answer = sim.send_template(access_token)
        if wxtoken.is_token_rejected(answer):
            raise wxtoken.WeChatTokenRejected.from_response(answer)
        return answer

    with pytest.raises(wxtoken.WeChatTokenRejected) as raised:
        client.with_access_token(OTHER_APP_ID, send)

    assert raised.value.errcode == 42001
    stats = sim.stats()
    assert stats["calls"][TEMPLATE_PATH] == 2
    assert stats["callsByApp"][OTHER_APP_ID][CLASSIC_TOKEN_PATH] == 1


def test_with_access_token_passes_other_answers_through(server: TokenServer, sim: Simulator, connect):
    client = connect(server.grpc_target)
    client.get_access_token(OTHER_APP_ID)
    sim.reset()
    sim.inject(endpoint=TEMPLATE_PATH, errcode=-1)

    result = client.with_access_token(OTHER_APP_ID, sim.send_template)

    assert result["errcode"] == -1
    stats = sim.stats()
    assert stats["calls"][TEMPLATE_PATH] == 1
    assert CLASSIC_TOKEN_PATH not in stats["callsByApp"].get(OTHER_APP_ID, {})


def test_an_unknown_app_raises_not_found(server: TokenServer, connect):
    client = connect(server.grpc_target)

    with pytest.raises(wxtoken.NotFoundError) as raised:
        client.get_token("wxunknown000000000")
    cache = client.token_cache("wxunknown000000000")
    with pytest.raises(wxtoken.NotFoundError):
        cache.wait(timeout=WAIT)

    assert raised.value.code.name == "NOT_FOUND"
    assert raised.value.upstream == ()
    assert isinstance(cache.failure, wxtoken.NotFoundError)


def test_an_unknown_key_raises_unauthenticated_without_naming_it(server: TokenServer, connect):
    client = connect(server.grpc_target, "not-a-known-key")

    with pytest.raises(wxtoken.UnauthenticatedError) as raised:
        client.get_token(APP_ID)

    assert "not-a-known-key" not in str(raised.value)
    assert "not-a-known-key" not in raised.value.message


def test_a_config_error_carries_wechats_errcode(harness: Harness, connect):
    sim = harness.start_simulator({APP_ID: "not-the-configured-secret", OTHER_APP_ID: OTHER_SECRET})
    server = harness.start_token_server(harness.write_server_config(sim))
    client = connect(server.grpc_target)

    with pytest.raises(wxtoken.FailedPreconditionError) as raised:
        client.get_token(APP_ID)

    error = raised.value
    assert error.errcode == 40125
    assert [(u.errcode, u.endpoint) for u in error.upstream] == [(40125, "/cgi-bin/stable_token")]
    assert "40125" in error.message
    assert SECRET not in str(error) and ADMIN_KEY not in str(error)


def test_the_cache_survives_a_server_restart(harness: Harness, sim: Simulator, connect):
    config = harness.write_server_config(sim, grpc_port=free_port(), http_port=free_port())
    before = harness.start_token_server(config)
    cache = connect(before.grpc_target).token_cache(OTHER_APP_ID)
    first = cache.wait(timeout=WAIT)

    before.process.stop()
    after = harness.start_token_server(config)
    assert after.grpc_target == before.grpc_target
    refreshed = connect(after.grpc_target).refresh_token(OTHER_APP_ID, first.value)

    pushed = cache.wait_for_generation(refreshed.credential.generation, timeout=WAIT)
    assert pushed.value == refreshed.credential.value != first.value
    assert cache.disconnects >= 1


def test_tls_options_make_a_tls_channel(server: TokenServer, connect):
    # The server's gRPC port is plaintext here: a client asked for TLS must not fall back.
    client = connect(server.grpc_target, tls=True, timeout=5.0)

    with pytest.raises(wxtoken.UnavailableError):
        client.get_token(APP_ID)
    with pytest.raises(ValueError, match="certificate_chain and private_key"):
        wxtoken.Client(server.grpc_target, ADMIN_KEY, certificate_chain=b"-----BEGIN")


def test_only_a_client_certificate_goes_without_a_key(server: TokenServer):
    # A caller known by its certificate (callers[].identity) sends no authorization metadata;
    # examples/python's interop test reads a token that way over mTLS.
    with pytest.raises(ValueError, match="api_key is required without a client certificate"):
        wxtoken.Client(server.grpc_target)
    pem = {"certificate_chain": b"-----BEGIN", "private_key": b"-----BEGIN"}
    with wxtoken.Client(server.grpc_target, **pem) as client:
        assert client.metadata == ()


def test_a_quota_hold_carries_retry_after(harness: Harness, connect):
    sim = harness.start_simulator()
    sim.inject(endpoint=CLASSIC_TOKEN_PATH, appId=OTHER_APP_ID, errcode=45009, count=1000)
    server = harness.start_token_server(harness.write_server_config(sim))
    client = connect(server.grpc_target)

    with pytest.raises(wxtoken.ResourceExhaustedError) as raised:
        client.get_token(OTHER_APP_ID)

    [upstream] = raised.value.upstream
    assert (upstream.errcode, upstream.endpoint) == (45009, CLASSIC_TOKEN_PATH)
    assert upstream.HasField("retry_after") and upstream.retry_after.seconds > 0
