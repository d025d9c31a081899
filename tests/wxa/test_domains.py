"""Domains on both shells: the platform's server and jump domains (component token as
``access_token``), each mini program's server, web-view and prefetch domains, through the
platform or directly, with validation and the monthly change limit."""

from __future__ import annotations

import pytest

from wxcomponent import (
    DomainConfirmFile,
    EffectiveDomains,
    EffectiveWebviewDomains,
    JumpDomains,
    MiniProgramDomains,
    PrefetchDomains,
    ServerDomains,
    WebviewDomains,
)
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument

from .conftest import APPID, Side, mini_program


def test_the_platforms_own_domains(emu: EmulatorServer, side: Side) -> None:
    domains = side.component.domains
    added = side.run(domains.modify_server("add", ["api.shop.example", "img.shop.example"],
                                           published_together=True))
    assert isinstance(added, ServerDomains)
    assert added.published == ("api.shop.example", "img.shop.example")
    side.run(domains.modify_server("delete", ["img.shop.example"]))
    assert side.run(domains.modify_server("get")).testing == ("api.shop.example",)
    jump = side.run(domains.modify_jump("set", ["h5.shop.example"]))
    assert isinstance(jump, JumpDomains) and jump.published == ("h5.shop.example",)
    confirm = side.run(domains.confirm_file())
    assert isinstance(confirm, DomainConfirmFile) and confirm.file_name.endswith(".txt")
    with pytest.raises(APIError) as bad:
        side.run(domains.modify_server("add", ["not a domain"]))
    assert bad.value.errcode == 85301
    for request in side.sent("/cgi-bin/component/modify_wxa_server_domain"):
        assert "access_token" in request.url.params


def test_a_mini_programs_server_domains(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    domains = side.authorizer(appid).domains
    with pytest.raises(APIError) as outside:
        side.run(domains.modify("add", request=["https://api.shop.example"]))
    assert outside.value.errcode == 85017
    side.run(side.component.domains.modify_server("add", ["api.shop.example"]))
    changed = side.run(domains.modify("add", request=["https://api.shop.example"],
                                      ws_request=["wss://api.shop.example"]))
    assert isinstance(changed, MiniProgramDomains)
    assert changed.requestdomain == ("https://api.shop.example",)
    assert changed.wsrequestdomain == ("wss://api.shop.example",)
    direct = side.run(domains.modify("set", download=["https://cdn.other.example"],
                                     directly=True))
    assert direct.downloaddomain == ("https://cdn.other.example",)
    assert side.run(domains.get()).downloaddomain == ()
    effective = side.run(domains.effective())
    assert isinstance(effective, EffectiveDomains)
    assert effective.effective_domain.requestdomain == ("https://api.shop.example",)
    assert effective.effective_domain.downloaddomain == ("https://cdn.other.example",)
    assert effective.direct_domain.downloaddomain == ("https://cdn.other.example",)
    for bad in (["http://api.shop.example"], ["https://127.0.0.1"], ["https://"]):
        with pytest.raises(APIError) as invalid:
            side.run(domains.modify("add", request=bad, directly=True))
        assert invalid.value.errcode == 85301


def test_the_monthly_change_limit(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    domains = side.authorizer(appid).domains
    emu.configure_mini_programs(domain_changes_per_month=2)
    side.run(domains.modify("add", request=["https://a.example"], directly=True))
    side.run(domains.modify("add", request=["https://b.example"], directly=True))
    side.run(domains.get())  # reading is no change
    with pytest.raises(APIError) as limit:
        side.run(domains.modify("add", request=["https://c.example"], directly=True))
    assert limit.value.errcode == 85022
    assert emu.mini_program(APPID, appid)["direct_domains"]["requestdomain"] == [
        "https://a.example", "https://b.example"]


def test_webview_and_prefetch_domains(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    domains = side.authorizer(appid).domains
    with pytest.raises(APIError) as not_jump:
        side.run(domains.modify_webview("add", ["https://h5.shop.example"]))
    assert not_jump.value.errcode == 89021
    side.run(side.component.domains.modify_jump("add", ["h5.shop.example"]))
    webview = side.run(domains.modify_webview("add", ["https://h5.shop.example"]))
    assert isinstance(webview, WebviewDomains)
    assert webview.webviewdomain == ("https://h5.shop.example",)
    side.run(domains.modify_webview("add", ["https://any.example"], directly=True))
    assert side.run(domains.modify_webview("get")).webviewdomain == (
        "https://h5.shop.example", "https://any.example")
    confirm = side.run(domains.webview_confirm_file())
    assert confirm.file_name and confirm.file_content
    side.run(domains.set_prefetch(["https://api.shop.example"]))
    prefetch = side.run(domains.prefetch())
    assert isinstance(prefetch, PrefetchDomains) and prefetch.size_limit == 5
    assert [d.url for d in prefetch.domains] == ["https://api.shop.example"]
    # WeChat's paths (not ``set_prefetchdomain`` / ``get_prefetchdomain``)
    assert [r.method for r in side.sent("/wxa/set_prefetchdnsdomain")] == ["POST"]
    assert [r.method for r in side.sent("/wxa/get_prefetchdnsdomain")] == ["GET"]


def test_the_effective_webview_domains(emu: EmulatorServer, side: Side) -> None:
    appid = mini_program(emu, side)
    domains = side.authorizer(appid).domains
    side.run(side.component.domains.modify_jump("add", ["h5.shop.example"]))
    side.run(domains.modify_webview("add", ["https://h5.shop.example"]))
    side.run(domains.modify_webview("add", ["https://any.example"], directly=True))
    effective = side.run(domains.effective_webview())
    assert isinstance(effective, EffectiveWebviewDomains)
    assert effective.third_webviewdomain == ("https://h5.shop.example",)
    assert effective.direct_webviewdomain == ("https://any.example",)
    assert effective.effective_webviewdomain == ("https://h5.shop.example",
                                                 "https://any.example")
    assert effective.mp_webviewdomain == ()
    assert [r.method for r in side.sent("/wxa/get_effective_webviewdomain")] == ["POST"]


@pytest.mark.parametrize(("call", "argument"), [
    (lambda d: d.modify("replace"), "action"),
    (lambda d: d.modify("add", request="https://a.example"), "request"),
    (lambda d: d.modify("add", request=[""]), "request"),
    (lambda d: d.modify("add", directly=1), "directly"),
    (lambda d: d.modify_webview("add", [3]), "domains"),
    (lambda d: d.set_prefetch("https://a.example"), "urls"),
])
def test_bad_domain_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side,
                                                        call, argument: str) -> None:
    appid = mini_program(emu, side)
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(call(side.authorizer(appid).domains))
    assert caught.value.argument == argument
    assert emu.call_counts() == before
