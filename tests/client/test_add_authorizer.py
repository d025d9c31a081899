"""Adding an authorizer from a refresh token known elsewhere (another SDK, a backup), on both
shells and every store: checked with WeChat before it is stored; a token WeChat rejects is
never stored."""

from __future__ import annotations

import pytest

from wxcomponent.client import AsyncComponent, Component
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import InvalidArgument, RefreshTokenInvalid
from wxcomponent.stores.base import Store

from .conftest import CONFIG, seed_ticket

API = "/cgi-bin/get_api_domain_ip"


def _granted_elsewhere(emu: EmulatorServer) -> tuple[str, str]:
    """An account that authorized the platform, whose refresh token another SDK kept."""
    grant = emu.authorize(CONFIG.appid, push=False)
    return grant.authorizer_appid, emu.current_refresh_token(CONFIG.appid,
                                                             grant.authorizer_appid)


def test_a_known_refresh_token_adds_the_authorizer(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    appid, refresh_token = _granted_elsewhere(emu)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        record = comp.add_authorizer(appid, refresh_token, func_info=[1, 15], tenant="cust-7")
        assert (record.authorizer_appid, record.status, record.func_info, record.tenant) == (
            appid, "authorized", (1, 15), "cust-7")
        assert record.refresh_token == emu.current_refresh_token(CONFIG.appid, appid)
        assert store.get_authorizer(CONFIG.appid, appid) == record
        calls = emu.calls("/cgi-bin/component/api_authorizer_token")
        assert "ip_list" in comp.authorizer(appid).get_json(API)
        assert emu.calls("/cgi-bin/component/api_authorizer_token") == calls  # token cached
        # adding it again keeps its permission sets and tenant unless told otherwise
        again = comp.add_authorizer(appid, record.refresh_token)
        assert (again.func_info, again.tenant, again.authorized_at) == (
            (1, 15), "cust-7", record.authorized_at)


def test_a_rejected_refresh_token_is_reported_and_not_stored(
    emu: EmulatorServer, store: Store
) -> None:
    seed_ticket(emu, store)
    appid, _ = _granted_elsewhere(emu)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        with pytest.raises(RefreshTokenInvalid) as caught:
            comp.add_authorizer(appid, "refreshtoken@@@not-the-right-one")
        assert caught.value.errcode == 61023
        assert "not-the-right-one" not in str(caught.value)
    assert store.get_authorizer(CONFIG.appid, appid) is None


@pytest.mark.parametrize(("args", "kwargs", "argument"), [
    (("", "rt"), {}, "authorizer_appid"),
    (("wx:1", "rt"), {}, "authorizer_appid"),
    (("wxa", ""), {}, "refresh_token"),
    (("wxa", None), {}, "refresh_token"),
    (("wxa", "rt"), {"func_info": "1,2"}, "func_info"),
    (("wxa", "rt"), {"func_info": [1, "2"]}, "func_info"),
    (("wxa", "rt"), {"tenant": "x" * 129}, "tenant"),
    (("wx570bc396a51b8ff8", "rt"), {}, "authorizer_appid"),  # the release check's account
])
def test_bad_arguments_send_nothing(emu: EmulatorServer, store: Store, args: tuple[object, ...],
                                    kwargs: dict[str, object], argument: str) -> None:
    seed_ticket(emu, store)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        with pytest.raises(InvalidArgument) as caught:
            comp.add_authorizer(*args, **kwargs)  # type: ignore[arg-type]
        assert caught.value.argument == argument
    assert emu.calls("/cgi-bin/component/api_authorizer_token") == 0


async def test_the_async_shell_adds_it_too(emu: EmulatorServer, store: Store) -> None:
    seed_ticket(emu, store)
    appid, refresh_token = _granted_elsewhere(emu)
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        record = await comp.add_authorizer(appid, refresh_token)
        assert record.status == "authorized" and record.func_info == ()
        assert "ip_list" in await comp.authorizer(appid).get_json(API)
