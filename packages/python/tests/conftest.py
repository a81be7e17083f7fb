"""Fixtures: one simulator and token-server for the module's tests, a fresh harness for
tests that start their own, and clients closed after each test."""

from __future__ import annotations

from typing import Callable, Iterator, List

import pytest
from processes import ADMIN_KEY, Harness, Simulator, TokenServer

import wxtoken


@pytest.fixture
def harness() -> Iterator[Harness]:
    started = Harness()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def module_harness() -> Iterator[Harness]:
    started = Harness()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def sim(module_harness: Harness) -> Simulator:
    return module_harness.start_simulator()


@pytest.fixture(scope="module")
def server(module_harness: Harness, sim: Simulator) -> TokenServer:
    return module_harness.start_token_server(module_harness.write_server_config(sim))


@pytest.fixture
def connect() -> Iterator[Callable[..., wxtoken.Client]]:
    """Makes clients (admin key, quick reconnects unless told) closed after the test."""
    clients: List[wxtoken.Client] = []

    def make(target: str, api_key: str = ADMIN_KEY, **options) -> wxtoken.Client:
        options.setdefault("reconnect_initial", 0.05)
        options.setdefault("reconnect_max", 0.5)
        client = wxtoken.Client(target, api_key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
