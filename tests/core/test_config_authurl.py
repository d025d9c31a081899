"""ComponentConfig validation and redaction; authorization URL builders."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from wxcomponent import (
    ComponentConfig,
    auth_code_url,
    mobile_authorization_url,
    pc_authorization_url,
)
from wxcomponent.errors import ConfigurationError

GOOD = {
    "appid": "wx1234567890abcdef",
    "secret": "s3cr3t-value-that-is-long",
    "token": "tok-en-value",
    "encoding_aes_key": "KLMNOPQRSTUVWXYZklmnopqrstuvwxyz0123456789G",
}


def test_valid_config_and_redaction() -> None:
    cfg = ComponentConfig(**GOOD, previous_encoding_aes_key="Z" * 43)
    text = repr(cfg) + str(cfg)
    for secret in (GOOD["secret"], GOOD["token"], GOOD["encoding_aes_key"], "Z" * 43,
                   GOOD["secret"][:5], GOOD["encoding_aes_key"][:6]):
        assert secret not in text
    assert GOOD["appid"] in text


@pytest.mark.parametrize("field,value", [
    ("appid", "wx123"), ("appid", "gh_1234567890abcdef"), ("appid", ""), ("appid", 5),
    ("secret", ""), ("secret", "   "), ("token", ""), ("token", None),
    ("encoding_aes_key", "short"), ("encoding_aes_key", "A" * 42 + "="),
    ("encoding_aes_key", "A" * 44), ("encoding_aes_key", "A" * 42 + "-"),
    ("previous_encoding_aes_key", "nope"),
])
def test_invalid_fields_are_named(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        ComponentConfig(**{**GOOD, field: value})  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value).startswith(field)
    assert isinstance(info.value, ValueError)
    for secret in (GOOD["secret"], GOOD["token"]):
        assert secret not in str(info.value)


def test_config_is_frozen() -> None:
    cfg = ComponentConfig(**GOOD)
    with pytest.raises(AttributeError):
        cfg.secret = "x"  # type: ignore[misc]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


REDIRECT = "https://example.com/cb?x=1&y=中"


def test_pc_url() -> None:
    url = pc_authorization_url("wx1234567890abcdef", "pre@@@code", REDIRECT, auth_type=2,
                               biz_appid="wxaaaaaaaaaaaaaaaa", category_ids=[1, 22, 333])
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "mp.weixin.qq.com", "/cgi-bin/componentloginpage")
    q = query(url)
    assert q == {
        "component_appid": ["wx1234567890abcdef"], "pre_auth_code": ["pre@@@code"],
        "redirect_uri": [REDIRECT], "auth_type": ["2"], "biz_appid": ["wxaaaaaaaaaaaaaaaa"],
        "category_id_list": ["1|22|333"],
    }
    assert "redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1%26y%3D" in url
    assert "category_id_list=1%7C22%7C333" in url


def test_mobile_url() -> None:
    url = mobile_authorization_url("wx1234567890abcdef", "pre", REDIRECT)
    assert url.startswith("https://open.weixin.qq.com/wxaopen/safe/bindcomponent?")
    assert url.endswith("#wechat_redirect")
    q = query(url.removesuffix("#wechat_redirect"))
    assert q["action"] == ["bindcomponent"] and q["no_scan"] == ["1"]
    assert q["auth_type"] == ["3"] and q["redirect_uri"] == [REDIRECT]


def test_seed_form_with_state() -> None:
    url = auth_code_url("wx1234567890abcdef", "pre", "https://e.com/cb", "st&ate")
    q = query(url)
    assert q["state"] == ["st&ate"]
    assert "auth_type" not in q
    assert "state" not in query(auth_code_url("wx1234567890abcdef", "pre", "https://e.com/cb"))


@pytest.mark.parametrize("kwargs", [
    {"pre_auth_code": ""}, {"redirect_uri": "ftp://x"}, {"redirect_uri": "/relative"},
    {"auth_type": 7}, {"category_ids": ["x"]},
])
def test_bad_url_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"component_appid": "wx1234567890abcdef", "pre_auth_code": "p",
                               "redirect_uri": "https://e.com/cb", **kwargs}
    with pytest.raises(ValueError):
        pc_authorization_url(**args)  # type: ignore[arg-type]


def test_config_from_env() -> None:
    env = {f"WXCOMPONENT_{k.upper()}": v for k, v in GOOD.items()}
    cfg = ComponentConfig.from_env(env)
    assert cfg.appid == GOOD["appid"] and cfg.previous_encoding_aes_key is None
    with pytest.raises(ConfigurationError, match="WXCOMPONENT_TOKEN") as info:
        ComponentConfig.from_env({k: v for k, v in env.items() if not k.endswith("TOKEN")})
    assert info.value.field == "token"
    with pytest.raises(ConfigurationError) as bad:
        ComponentConfig.from_env({**env, "WXCOMPONENT_ENCODING_AES_KEY": "short"})
    assert bad.value.field == "encoding_aes_key"
