"""A third-party platform's (开放平台) tokens named in requests, against a real token-server
and the simulator's platform: the component token by "component:COMPONENT_APPID" or
component_owner(), an authorizer's by "authorizer:COMPONENT_APPID:AUTHORIZER_APPID" or
authorizer_owner(), each fetched from WeChat once and then served from the hot cache; a
rejected authorizer token refreshed with the platform's credentials; malformed names refused
before any call."""

from __future__ import annotations

from typing import List

import pytest
from processes import AUTHORIZER_APP_ID, COMPONENT_APP_ID, Harness, Simulator, TokenServer

import wxtoken

COMPONENT = f"component:{COMPONENT_APP_ID}"
AUTHORIZER = f"authorizer:{COMPONENT_APP_ID}:{AUTHORIZER_APP_ID}"
AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token"


@pytest.fixture(scope="module")
def platform_sim(module_harness: Harness) -> Simulator:
    return module_harness.start_simulator(open_platform=True)


@pytest.fixture(scope="module")
def platform_server(module_harness: Harness, platform_sim: Simulator) -> TokenServer:
    """The token-server with the platform: a ticket pushed to it and one account authorized."""
    server = module_harness.start_token_server(
        module_harness.write_server_config(platform_sim, open_platform=True)
    )
    callback = f"{server.http_url}/open-platform/{COMPONENT_APP_ID}/callback"
    platform_sim.open_platform("callback-url", callbackUrl=callback)
    assert platform_sim.open_platform("push-ticket")["push"]["delivered"]
    return server


def authorized(server: TokenServer, sim: Simulator) -> None:
    """The account authorizes the platform (once per module: later calls find it done)."""
    if sim.stats()["authorizerTokensIssued"] == 0:
        assert sim.open_platform("authorize", authorizerAppId=AUTHORIZER_APP_ID)["push"]["delivered"]


def test_names_the_component_and_an_authorizer_by_name_or_owner(
    platform_server: TokenServer, platform_sim: Simulator, connect
):
    client = connect(platform_server.grpc_target)
    component = client.get_token(COMPONENT)
    assert component.app_id == ""
    assert component.owner.component.component_app_id == COMPONENT_APP_ID
    assert client.get_token(owner=wxtoken.component_owner(COMPONENT_APP_ID)).value == component.value
    assert platform_sim.stats()["componentTokensIssued"] == 1

    authorized(platform_server, platform_sim)
    authorizer = client.get_token(AUTHORIZER)
    assert (
        authorizer.owner.authorizer.component_app_id,
        authorizer.owner.authorizer.authorizer_app_id,
    ) == (COMPONENT_APP_ID, AUTHORIZER_APP_ID)
    by_owner = client.get_token(owner=wxtoken.authorizer_owner(COMPONENT_APP_ID, AUTHORIZER_APP_ID))
    assert by_owner.value == authorizer.value != component.value
    assert wxtoken.owner_name(by_owner.owner) == AUTHORIZER
    # The token api_query_auth brought is the one served: no api_authorizer_token call.
    assert platform_sim.stats()["authorizerTokensIssued"] == 1
    ticket = client.get_token(AUTHORIZER, kind=wxtoken.JSAPI_TICKET)
    assert ticket.value not in ("", authorizer.value)
    # The authorizer's token works at WeChat.
    assert platform_sim.send_template(authorizer.value)["errcode"] == 0


def test_keeps_an_authorizer_token_hot_and_refreshes_a_rejected_one(
    platform_server: TokenServer, platform_sim: Simulator, connect
):
    authorized(platform_server, platform_sim)
    client = connect(platform_server.grpc_target)
    cache = client.token_cache(owner=wxtoken.authorizer_owner(COMPONENT_APP_ID, AUTHORIZER_APP_ID))
    assert client.token_cache(AUTHORIZER) is cache
    assert cache.app_id == AUTHORIZER

    before = cache.get()
    issued = platform_sim.stats()["authorizerTokensIssued"]
    for _ in range(20):
        assert client.get_access_token(AUTHORIZER) == before
    assert platform_sim.stats()["authorizerTokensIssued"] == issued

    # WeChat rejects the token once: RefreshToken, and the call again with a new token that
    # the server bought with the platform's component token and the stored refresh token.
    used: List[str] = []

    def send(token: str):
        used.append(token)
        return {"errcode": 40001} if len(used) == 1 else platform_sim.send_template(token)

    assert client.with_access_token(AUTHORIZER, send)["errcode"] == 0
    assert used[0] == before and used[1] != before
    assert platform_sim.stats()["authorizerTokensIssued"] == issued + 1
    assert platform_sim.stats()["calls"].get(AUTHORIZER_TOKEN) == 1


@pytest.mark.parametrize(
    "app_id, owner, message",
    [
        ("component:", None, "is not a third-party platform"),
        ("component:a:b", None, "component:COMPONENT_APPID"),
        (f"authorizer:{COMPONENT_APP_ID}", None, "is not an authorizer"),
        ("authorizer::wxpyauthorizer0001", None, "authorizer:COMPONENT_APPID:AUTHORIZER_APPID"),
        (COMPONENT, wxtoken.component_owner(COMPONENT_APP_ID), "not both"),
        (None, wxtoken.CredentialOwner(), "give wecom_owner"),
    ],
)
def test_refuses_a_malformed_target_before_any_call(app_id, owner, message):
    client = wxtoken.Client("127.0.0.1:9", "key")
    try:
        with pytest.raises(ValueError, match=message):
            client.get_token(app_id, owner=owner)
    finally:
        client.close()


def test_names_owners_back_as_written():
    for name in [COMPONENT, AUTHORIZER, "wecom:wwcorp:1000002"]:
        assert wxtoken.owner_name(wxtoken.parse_target(name)) == name
    assert wxtoken.parse_target("wx0000000000000001") == "wx0000000000000001"
