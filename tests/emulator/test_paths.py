"""The emulator's table of mini-program and registration paths checked against a list written
by hand from the fact sheets (PROTOCOL.md §9 and §12, COMPLIANCE.md §9), and the library's
declarations checked against the same list: a path typed wrong on both sides (as the DNS-prefetch
ones once were) fails here instead of passing every round trip."""

from __future__ import annotations

import inspect

import pytest

from wxcomponent.core import engine
from wxcomponent.core.endpoints import component, domains, registration, templates
from wxcomponent.emulator.endpoints import ENDPOINTS

#: (method, path) as WeChat serves them today, from the fact sheets.
FACT_SHEET: tuple[tuple[str, str], ...] = (
    # registration (COMPLIANCE.md §9: the current forms; WeChat's pages for the account calls)
    ("POST", "/wxa/component/fastregisterenterpriseweapp"),
    ("POST", "/wxa/component/fastregisterpersonalweapp"),
    ("POST", "/wxa/component/fastregisterbetaweapp"),
    ("POST", "/wxa/verifybetaweapp"),
    ("POST", "/wxa/setbetaweappnickname"),
    ("POST", "/cgi-bin/account/fastregister"),
    ("POST", "/cgi-bin/account/componentrebindadmin"),
    # authorizer options, the current paths and the old ones kept as a fallback
    ("POST", "/cgi-bin/component/get_authorizer_option"),
    ("POST", "/cgi-bin/component/set_authorizer_option"),
    ("POST", "/cgi-bin/component/api_get_authorizer_option"),
    ("POST", "/cgi-bin/component/api_set_authorizer_option"),
    # domains
    ("POST", "/cgi-bin/component/modify_wxa_server_domain"),
    ("POST", "/cgi-bin/component/modify_wxa_jump_domain"),
    ("POST", "/cgi-bin/component/get_domain_confirmfile"),
    ("POST", "/wxa/modify_domain"),
    ("POST", "/wxa/modify_domain_directly"),
    ("POST", "/wxa/setwebviewdomain"),
    ("POST", "/wxa/setwebviewdomain_directly"),
    ("POST", "/wxa/get_webviewdomain_confirmfile"),
    ("POST", "/wxa/get_effective_domain"),
    ("POST", "/wxa/get_effective_webviewdomain"),
    ("POST", "/wxa/set_prefetchdnsdomain"),
    ("GET", "/wxa/get_prefetchdnsdomain"),
    # the template library
    ("GET", "/wxa/gettemplatedraftlist"),
    ("POST", "/wxa/addtotemplate"),
    ("GET", "/wxa/gettemplatelist"),
    ("POST", "/wxa/deletetemplate"),
)

#: Paths WeChat never served (typed wrong once); neither side may know them.
NEVER_SERVED = ("/wxa/set_prefetchdomain", "/wxa/get_prefetchdomain")

#: The modules whose declarations the list covers.
MODULES = (component, domains, registration, templates)


def _served() -> set[tuple[str, str]]:
    return {(e.method, e.path) for e in ENDPOINTS}


def _declared() -> set[tuple[str, str]]:
    found = set()
    for module in MODULES:
        for _, value in inspect.getmembers(module):
            if isinstance(value, engine.Endpoint):
                found.add((value.method, value.path.split("?", 1)[0]))
    return found


@pytest.mark.parametrize(("method", "path"), FACT_SHEET)
def test_the_emulator_serves_each_path_of_the_fact_sheet(method: str, path: str) -> None:
    assert (method, path) in _served()


def test_the_library_declares_only_paths_of_the_fact_sheet() -> None:
    paths = {p for _, p in FACT_SHEET}
    covered = {(m, p) for m, p in _declared()
               if p.startswith(("/wxa/", "/cgi-bin/account/")) or "option" in p
               or "domain" in p or "fastregister" in p}
    assert covered <= set(FACT_SHEET), covered - set(FACT_SHEET)
    assert not paths & set(NEVER_SERVED)


@pytest.mark.parametrize("path", NEVER_SERVED)
def test_paths_wechat_never_served_are_not_emulated(path: str) -> None:
    assert all(p != path for _, p in _served())
