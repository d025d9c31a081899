"""The call engine (`core/engine.py`): retries, compare-and-refresh, typed errors, binary
answers, uploads."""

from __future__ import annotations

import random

import pytest

from wxcomponent import File, Media
from wxcomponent.core import engine
from wxcomponent.core.effects import Http, Sleep
from wxcomponent.core.endpoints import generic, openapi
from wxcomponent.core.policy import Policy
from wxcomponent.errors import (
    FileTooLarge,
    InvalidArgument,
    InvalidCredential,
    NotAuthorized,
    SystemBusy,
    TransportError,
)
from wxcomponent.stores import CachedToken

from .harness import (
    AUTHORIZER,
    AUTHORIZER_KEY,
    COMPONENT_APPID,
    COMPONENT_KEY,
    Harness,
    answer,
    authorize,
    component_token_answer,
    fresh_component_token,
    with_ticket,
)

# --------------------------------------------------------------------------- the call engine


def test_transient_failures_are_retried_with_capped_jittered_backoff() -> None:
    policy = Policy(attempts=4, backoff_base=0.5, backoff_max=1.5)
    h = with_ticket(Harness(policy=policy))
    fresh_component_token(h)
    h.reply(answer(body={"errcode": -1}), answer(status=502, content=b"bad gateway"),
            TransportError("timeout calling /x"), answer(body={"errcode": 0, "ok": 1}))
    data = h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert data["ok"] == 1
    assert len(h.requests("/cgi-bin/x")) == 4
    pauses = [s.seconds for s in h.of(Sleep)]
    # the same draws as the policy makes from the same seeded generator
    rng = random.Random(h.seed)
    assert pauses == [policy.backoff(n, rng) for n in (1, 2, 3)]
    assert 0.25 <= pauses[0] <= 0.5 and 0.5 <= pauses[1] <= 1.0 and 0.75 <= pauses[2] <= 1.5


def test_retries_stop_after_the_policy_attempts_with_the_typed_error() -> None:
    h = with_ticket(Harness(policy=Policy(attempts=3)))
    fresh_component_token(h)
    h.reply(lambda request: answer(body={"errcode": -1, "errmsg": "system busy"}))
    with pytest.raises(SystemBusy):
        h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert len(h.requests()) == 3 and len(h.of(Sleep)) == 2


def test_40001_refreshes_the_token_the_call_used_once_then_retries() -> None:
    h = with_ticket(Harness())
    h.store.set_token(COMPONENT_KEY, CachedToken("ct-old", h.clock() + 7200, h.clock()))
    h.reply(answer(body={"errcode": 40001}), component_token_answer("ct-new"),
            answer(body={"errcode": 0, "done": True}))
    assert h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))["done"] is True
    sent = [r.params.get("component_access_token") for r in h.requests("/cgi-bin/x")]
    assert sent == ["ct-old", "ct-new"]


def test_a_second_40001_is_raised_not_refreshed_again() -> None:
    h = with_ticket(Harness())
    h.reply(component_token_answer("a"), answer(body={"errcode": 40001}),
            component_token_answer("b"), answer(body={"errcode": 42001}))
    with pytest.raises(InvalidCredential):
        h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert len(h.requests("api_component_token")) == 2


def test_40001_on_a_token_another_worker_already_replaced_does_not_refresh() -> None:
    h = with_ticket(Harness())
    h.store.set_token(COMPONENT_KEY, CachedToken("ct-old", h.clock() + 7200, h.clock()))

    def refused(request: Http):
        # Another worker renewed the token after our call left.
        h.store.set_token(COMPONENT_KEY, CachedToken("ct-fresh", h.clock() + 7200, h.clock()))
        return answer(body={"errcode": 40001})

    answers = iter([refused, lambda request: answer(body={"errcode": 0})])
    h.responder = lambda request: next(answers)(request)
    h.run(generic.component_get_json(h.ctx, "/cgi-bin/x"))
    assert h.requests("api_component_token") == []  # compare-and-refresh: nothing to refresh
    assert [r.params["component_access_token"] for r in h.requests("/cgi-bin/x")] == [
        "ct-old", "ct-fresh"]


def test_component_endpoints_may_carry_the_component_token_as_access_token() -> None:
    h = with_ticket(Harness())
    fresh_component_token(h)
    h.reply(answer(body={"quota": {"daily_limit": 10, "used": 1, "remain": 9}}))
    quota = h.run(openapi.get_quota(h.ctx, "/cgi-bin/x"))
    assert quota.remain == 9
    (request,) = h.requests("/cgi-bin/openapi/quota/get")
    assert request.params == {"access_token": "ct"}


def test_61003_on_an_authorizer_call_marks_it_revoked_and_drops_its_tokens() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    h.reply(answer(body={"errcode": 61003, "errmsg": "not authorized"}))
    with pytest.raises(NotAuthorized):
        h.run(generic.authorizer_get_json(h.ctx, AUTHORIZER, "/cgi-bin/user/get"))
    assert h.store.get_authorizer(COMPONENT_APPID, AUTHORIZER).status == "revoked"
    assert h.store.get_token(AUTHORIZER_KEY) is None


def test_bytes_on_success_json_on_error_told_apart_by_content_type() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    h.reply(answer(content=png, content_type="image/png"),
            answer(body={"errcode": 85009, "errmsg": "busy"}))
    media = h.run(generic.authorizer_get_bytes(h.ctx, AUTHORIZER, "/wxa/get_qrcode"))
    assert media == Media(png, "image/png")
    with pytest.raises(Exception) as caught:
        h.run(generic.authorizer_get_bytes(h.ctx, AUTHORIZER, "/wxa/get_qrcode"))
    assert getattr(caught.value, "errcode", None) == 85009


def test_a_bad_path_is_a_typed_error_before_anything_happens() -> None:
    h = Harness()
    for path in ("", "https://evil.example/cgi-bin/x", 42):
        with pytest.raises(InvalidArgument):
            h.run(generic.component_get_json(h.ctx, path))  # type: ignore[arg-type]
    assert h.effects == []


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize("source", ["path", "bytes", "fileobj"])
def test_an_upload_too_large_is_refused_before_sending(source: str) -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    content = b"x" * 101
    arg: object
    if source == "path":
        h.files["/tmp/big.jpg"] = content
        arg = "/tmp/big.jpg"
    elif source == "bytes":
        arg = content
    else:
        class Reader:
            name = "big.jpg"

            def read(self, size: int = -1) -> bytes:
                raise AssertionError("read through the shell's ReadFile")

        arg = Reader()
        h.files[arg] = content
    with pytest.raises(FileTooLarge) as caught:
        h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/cgi-bin/media/upload", arg,
                                        max_size=100))
    assert caught.value.limit == 100
    assert h.requests() == []


def test_an_upload_names_and_types_the_file_and_sends_it_as_multipart() -> None:
    h = with_ticket(Harness())
    authorize(h)
    h.store.set_token(AUTHORIZER_KEY, CachedToken("at", h.clock() + 7200, h.clock()))
    png = b"\x89PNG\r\n\x1a\n" + b"1" * 10
    h.reply(answer(body={"media_id": "m1"}), answer(body={"media_id": "m2"}))
    h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/cgi-bin/media/upload", png,
                                    params={"type": "image"}))
    h.run(generic.authorizer_upload(h.ctx, AUTHORIZER, "/wxa/uploadmedia",
                                    File(b"abc", "notes.txt"), field="file",
                                    form={"k": 1}))
    first, second = h.requests()
    assert first.params == {"type": "image", "access_token": "at"}
    (part,) = first.files
    assert (part.name, part.filename, part.content_type, part.content) == (
        "media", "file.png", "image/png", png)
    (part,) = second.files
    assert (part.name, part.filename, part.content_type) == ("file", "notes.txt", "text/plain")
    assert second.form == {"k": "1"}


def test_an_empty_file_or_a_text_file_object_is_refused() -> None:
    h = Harness()
    with pytest.raises(InvalidArgument):
        h.run(engine.upload_part(b"", field_name="media", limit=10))
    h.files["text"] = "not bytes"  # type: ignore[assignment]
    with pytest.raises(InvalidArgument):
        h.run(engine.upload_part("text", field_name="media", limit=10))
