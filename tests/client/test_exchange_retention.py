"""How long finished code exchanges are kept (``Policy.exchange_retention``) must cover the
push dedupe window: a retried push finds its exchange by the job's key while the job is
kept. Both shells refuse a shorter one when they are made, before anything runs."""

from __future__ import annotations

import pytest

from wxcomponent import AsyncComponent, CallbackOptions, Component, ComponentConfig, Policy
from wxcomponent.errors import ConfigurationError
from wxcomponent.stores import MemoryStore

CONFIG = ComponentConfig(appid="wx1111111111111111", secret="s" * 32, token="tok",
                         encoding_aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")


@pytest.mark.parametrize("shell", [Component, AsyncComponent])
def test_a_retention_shorter_than_the_dedupe_window_is_refused(shell: type) -> None:
    store = MemoryStore()
    with pytest.raises(ConfigurationError) as caught:
        shell(CONFIG, store, policy=Policy(exchange_retention=3600))
    assert caught.value.field == "exchange_retention"
    assert "dedupe_ttl (3900 s)" in str(caught.value)
    with pytest.raises(ConfigurationError):
        shell(CONFIG, store, policy=Policy(exchange_retention=86400),
              callbacks=CallbackOptions(dedupe_ttl=2 * 86400))


@pytest.mark.parametrize("shell", [Component, AsyncComponent])
def test_the_window_itself_or_no_durable_exchanges_is_accepted(shell: type) -> None:
    store = MemoryStore()
    assert shell(CONFIG, store, policy=Policy(exchange_retention=3900)
                 ).policy.exchange_retention == 3900
    assert shell(CONFIG, store, policy=Policy(exchange_retention=60),
                 callbacks=CallbackOptions(durable_exchanges=False)) is not None
    assert shell(CONFIG, store).policy.exchange_retention == 3 * 86400
