"""The typed answers' reader is a parser of untrusted JSON: whatever WeChat (or anything in
between) sends, it never raises, every field has its declared type, and ``raw`` keeps the
answer as received. Request parts turn into the JSON WeChat documents."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wxcomponent
from wxcomponent import (
    AuditItem,
    AuditStatus,
    CategoryRequest,
    EffectiveDomains,
    OwnerSetting,
    ServerDomains,
    UgcDeclare,
    VersionInfo,
    WxaModel,
)
from wxcomponent.core import models_wxa
from wxcomponent.errors import InvalidArgument

MODELS = [getattr(models_wxa, name) for name in models_wxa.__all__
          if isinstance(getattr(models_wxa, name), type)
          and issubclass(getattr(models_wxa, name), WxaModel)
          and getattr(models_wxa, name) is not WxaModel]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                  max_size=4),
    max_leaves=20,
)


def _field_names(model: type) -> list[str]:
    names: list[str] = []
    for f in dataclasses.fields(model):
        for key in f.metadata.get("json", (f.name,)):
            names.append(key if isinstance(key, str) else key[0])
    return names


@st.composite
def answers(draw: st.DrawFn, model: type) -> dict[str, Any]:
    """JSON objects that use the model's own keys (with any values) and some others."""
    keys = [*_field_names(model), "errcode", "errmsg", "extra"]
    chosen = draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True))
    return {k: draw(json_values) for k in chosen}


def _check_types(value: Any) -> None:
    hints = typing.get_type_hints(type(value))
    for f in dataclasses.fields(value):
        got = getattr(value, f.name)
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        if f.name == "raw" or (isinstance(origin, type) and issubclass(origin, Mapping)):
            assert isinstance(got, Mapping)
        elif origin is tuple:
            assert isinstance(got, tuple)
            for item in got:
                if isinstance(item, WxaModel):
                    _check_types(item)
        elif hint in (str, int, bool, float):
            assert type(got) is hint, (type(value).__name__, f.name, got)
        elif isinstance(got, WxaModel):
            _check_types(got)


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_answer_reads_without_raising_into_the_declared_types(model: type,
                                                                  data: st.DataObject) -> None:
    raw = data.draw(answers(model))
    value = model.from_json(raw)
    _check_types(value)
    if any(f.name == "raw" for f in dataclasses.fields(model)):
        assert value.raw is raw


@given(json_values)
def test_not_even_an_object_is_an_error(raw: Any) -> None:
    value = AuditStatus.from_json(raw)
    assert isinstance(value.status, int) and isinstance(value.screenshot, tuple)
    if not isinstance(raw, dict):
        assert value.status == -1 and value.raw == {}


def test_known_answers_read_as_documented() -> None:
    status = AuditStatus.from_json({"errcode": 0, "status": "1", "reason": "r",
                                    "ScreenShot": "a|b||c", "auditid": 123})
    assert (status.status, status.screenshot, status.auditid) == (1, ("a", "b", "c"), 123)
    assert status.state is wxcomponent.AuditState.REJECTED and status.finished
    assert AuditStatus.from_json({"status": 9}).state is None
    domains = ServerDomains.from_json({"published_wxa_server_domain": "a.com,b.com",
                                       "testing_wxa_server_domain": ""})
    assert domains.published == ("a.com", "b.com") and domains.testing == ()
    info = VersionInfo.from_json({"exp_info": {"exp_version": "1.0", "exp_time": 5},
                                  "release_info": None})
    assert (info.exp_version, info.exp_time, info.release_version) == ("1.0", 5, "")
    effective = EffectiveDomains.from_json({"effective_domain": {"requestdomain": ["https://a"]},
                                            "mp_domain": "garbage"})
    assert effective.effective_domain.requestdomain == ("https://a",)
    assert effective.mp_domain.requestdomain == ()


def test_request_parts_are_the_json_wechat_documents() -> None:
    item = AuditItem("工具", "备忘录", 287, 612, address="pages/index", title="首页")
    assert item.to_json() == {"address": "pages/index", "title": "首页", "first_class": "工具",
                              "second_class": "备忘录", "first_id": 287, "second_id": 612}
    assert UgcDeclare().to_json() == {"scene": [0]}
    assert CategoryRequest(1, 2, (("证", "m"),)).to_json() == {
        "first": 1, "second": 2, "certicates": [{"key": "证", "value": "m"}]}
    owner = OwnerSetting(notice_method="弹窗", contact_qq="10001")
    assert owner.to_json() == {"contact_qq": "10001", "notice_method": "弹窗"}
    with pytest.raises(InvalidArgument):
        OwnerSetting(notice_method="弹窗").to_json()


def test_secrets_stay_out_of_reprs() -> None:
    reused = wxcomponent.ReusedRegistration.from_json({"appid": "wx1", "authorization_code":
                                                      "secret-code"})
    personal = wxcomponent.PersonalRegistrationStatus.from_json({"authorization_code": "s3"})
    assert "secret-code" not in repr(reused) and "s3" not in repr(personal)
    assert "raw" not in repr(reused)
