"""WeCom apps named in requests, against a real token-server and the simulator's WeCom corp:
by "wecom:CORP_ID:AGENT_ID" or by owner=wecom_owner(...), each agent its own token, fetched
from WeCom's gettoken once and then served from the hot cache; the agent ticket; a rejected
token asked of WeCom again; malformed names refused before any call."""

from __future__ import annotations


import pytest
from processes import AGENT_THREE, AGENT_TWO, CORP_ID, Harness, Simulator, TokenServer

import wxtoken

GETTOKEN = "/cgi-bin/gettoken"
AGENT_TICKET = "/cgi-bin/ticket/get"
TWO = f"wecom:{CORP_ID}:{AGENT_TWO}"
THREE = f"wecom:{CORP_ID}:{AGENT_THREE}"


@pytest.fixture(scope="module")
def wecom_sim(module_harness: Harness) -> Simulator:
    return module_harness.start_simulator(wecom=True)


@pytest.fixture(scope="module")
def wecom_server(module_harness: Harness, wecom_sim: Simulator) -> TokenServer:
    return module_harness.start_token_server(
        module_harness.write_server_config(wecom_sim, wecom=True)
    )


def sim_calls(sim: Simulator, app: str, endpoint: str) -> int:
    return sim.stats()["callsByApp"].get(app, {}).get(endpoint, 0)


def test_names_a_wecom_app_by_its_name_or_its_owner(
    wecom_server: TokenServer, wecom_sim: Simulator, connect
):
    client = connect(wecom_server.grpc_target)

    two = client.get_token(TWO)
    by_owner = client.get_token(owner=wxtoken.wecom_owner(CORP_ID, AGENT_TWO))
    three = client.get_token(TWO.replace(str(AGENT_TWO), str(AGENT_THREE)))

    assert two.app_id == ""
    assert (two.owner.wecom.corp_id, two.owner.wecom.app) == (CORP_ID, str(AGENT_TWO))
    assert by_owner.value == two.value
    assert three.value != two.value
    assert (three.owner.wecom.corp_id, three.owner.wecom.app) == (CORP_ID, str(AGENT_THREE))
    # Each agent's token came from WeCom's gettoken, once.
    assert sim_calls(wecom_sim, TWO, GETTOKEN) == 1
    assert sim_calls(wecom_sim, THREE, GETTOKEN) == 1

    ticket = client.get_token(owner=wxtoken.wecom_owner(CORP_ID, AGENT_TWO), kind=wxtoken.AGENT_CONFIG_TICKET)
    assert ticket.kind == wxtoken.AGENT_CONFIG_TICKET
    assert ticket.value not in ("", two.value)
    assert sim_calls(wecom_sim, TWO, AGENT_TICKET) == 1


def test_keeps_a_wecom_token_hot_and_asks_wecom_again_for_a_rejected_one(
    wecom_server: TokenServer, wecom_sim: Simulator, connect
):
    client = connect(wecom_server.grpc_target)
    cache = client.token_cache(owner=wxtoken.wecom_owner(CORP_ID, AGENT_THREE))
    # The same cache by either way of naming the app.
    assert client.token_cache(THREE) is cache
    assert cache.app_id == THREE

    before = cache.get()
    fetched = sim_calls(wecom_sim, THREE, GETTOKEN)
    for _ in range(20):
        assert client.get_access_token(THREE) == before
    assert sim_calls(wecom_sim, THREE, GETTOKEN) == fetched

    # A token reported as rejected: the server asks WeCom again (which answers with the same
    # value until it expires), and the cache keeps serving what the server holds.
    response = client.refresh_token(None, before, owner=wxtoken.wecom_owner(CORP_ID, AGENT_THREE))
    assert response.refreshed
    assert sim_calls(wecom_sim, THREE, GETTOKEN) == fetched + 1
    assert response.credential.value == before
    assert response.credential.owner.wecom.app == str(AGENT_THREE)
    assert cache.get() == before


@pytest.mark.parametrize(
    "app_id, owner, message",
    [
        ("wecom:only-a-corp", None, "is not a WeCom app"),
        (f"wecom:{CORP_ID}:", None, "is not a WeCom app"),
        (TWO, wxtoken.wecom_owner(CORP_ID, AGENT_TWO), "not both"),
        (None, None, "give app_id"),
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
