"""The one rule of image answers, driven on the flow harness: an image content type is the
image, JSON with an errcode its typed error, JSON without one an ``UnexpectedAnswer`` (sent
once, never retried), anything else a transport error retried like any; and the checks of
paths, scenes and pages, which refuse before any effect."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcomponent import Media
from wxcomponent.core.endpoints import codes
from wxcomponent.errors import InvalidArgument, PageNotFound, TransportError, UnexpectedAnswer
from wxcomponent.stores import AuthorizerRecord, CachedToken

from .harness import AUTHORIZER, COMPONENT_APPID, Harness, answer

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def ready() -> Harness:
    """A harness whose authorizer has a fresh token."""
    h = Harness()
    now = h.clock()
    h.store.save_authorizer(AuthorizerRecord(COMPONENT_APPID, AUTHORIZER, "rt-1", "authorized",
                                             (17,), now, now, None))
    h.store.set_token(f"{COMPONENT_APPID}:authorizer_access_token:{AUTHORIZER}",
                      CachedToken("at", now + 7200, now))
    return h


def test_an_image_is_the_answer() -> None:
    h = ready()
    h.reply(answer(content=PNG, content_type="image/png"))
    assert h.run(codes.unlimited_wxacode(h.ctx, AUTHORIZER, "a=1")) == Media(PNG, "image/png")
    request = h.requests("/wxa/getwxacodeunlimit")[0]
    assert request.json == {"scene": "a=1", "check_path": True, "env_version": "release",
                            "width": 430, "auto_color": False, "is_hyaline": False}


def test_json_with_an_errcode_is_its_typed_error() -> None:
    h = ready()
    h.reply(answer(body={"errcode": 41030, "errmsg": "invalid page"}))
    with pytest.raises(PageNotFound):
        h.run(codes.wxacode(h.ctx, AUTHORIZER, "pages/a"))


def test_json_without_an_errcode_is_not_an_image_and_is_not_retried() -> None:
    h = ready()
    h.reply(answer(body={"path": "pages/a", "width": 430}))  # the request echoed back
    with pytest.raises(UnexpectedAnswer) as caught:
        h.run(codes.wxacode(h.ctx, AUTHORIZER, "pages/a"))
    assert caught.value.path == "/wxa/getwxacode"
    assert len(h.requests("/wxa/getwxacode")) == 1


def test_a_page_that_is_neither_is_a_transport_error_retried() -> None:
    h = ready()
    page = answer(content=b"<html>busy</html>", content_type="text/html")
    h.reply(*([page] * h.ctx.policy.attempts))
    with pytest.raises(TransportError):
        h.run(codes.qrcode(h.ctx, AUTHORIZER, "pages/a"))
    assert len(h.requests("/cgi-bin/wxaapp/createwxaqrcode")) == h.ctx.policy.attempts


@given(path=st.text(max_size=1100))
def test_a_path_is_taken_exactly_up_to_its_length(path: str) -> None:
    h = ready()
    for make, longest in ((codes.wxacode, codes.PATH_MAX), (codes.qrcode, codes.QRCODE_PATH_MAX)):
        if path.strip() and len(path) <= longest:
            make(h.ctx, AUTHORIZER, path).close()  # built, never sent
        else:
            with pytest.raises(InvalidArgument) as caught:
                make(h.ctx, AUTHORIZER, path)
            assert caught.value.argument == "path"
    assert h.effects == []


@given(scene=st.text(min_size=1, max_size=32), page=st.text(max_size=40))
def test_an_unlimited_code_is_built_exactly_from_a_good_scene_and_page(scene: str,
                                                                       page: str) -> None:
    good = (set(scene) <= codes.SCENE_CHARS and not page.startswith("/") and "?" not in page
            and not any(c.isspace() for c in page))
    h = ready()
    if good:
        codes.unlimited_wxacode(h.ctx, AUTHORIZER, scene, page=page).close()
    else:
        with pytest.raises(InvalidArgument):
            codes.unlimited_wxacode(h.ctx, AUTHORIZER, scene, page=page)
    assert h.effects == []
