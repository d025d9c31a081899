"""Bad arguments and options of the core modules raise the typed errors of wxcomponent.errors."""

from __future__ import annotations

import pytest

from wxcomponent.core.authurl import auth_code_url, pc_authorization_url
from wxcomponent.core.callbacks import CallbackOptions, Callbacks
from wxcomponent.core.crypto import MessageCrypto
from wxcomponent.core.policy import Policy
from wxcomponent.errors import ConfigurationError, InvalidArgument

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx1234567890abcdef"


@pytest.mark.parametrize(("field", "value"), [
    ("timestamp_window", 0), ("dedupe_ttl", 0), ("max_body", 0), ("max_body", True),
    ("exchange_attempts", 0), ("exchange_backoff", -1.0),
])
def test_callback_options_raise_configuration_error(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        CallbackOptions(**{field: value})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_empty_handler_key_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as caught:
        Callbacks().on("  ")
    assert caught.value.argument == "key"


@pytest.mark.parametrize(("field", "value"), [
    ("lease_ttl", 0.0), ("wait_timeout", -1.0), ("poll_initial", 0.0), ("poll_max", 0.0),
    ("timeout", 0.0), ("attempts", 0),
])
def test_policy_raises_configuration_error(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Policy(**{field: value})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_crypto_arguments_raise_invalid_argument() -> None:
    for kwargs, name in (({"token": ""}, "token"), ({"appid": ""}, "appid")):
        args = {"token": "tok", "encoding_aes_key": KEY, "appid": APPID, **kwargs}
        with pytest.raises(InvalidArgument) as caught:
            MessageCrypto(**args)
        assert caught.value.argument == name
    with pytest.raises(InvalidArgument) as caught:
        MessageCrypto("tok", KEY, APPID).encrypt("hi", random=b"short")
    assert caught.value.argument == "random"


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"pre_auth_code": ""}, "pre_auth_code"), ({"component_appid": ""}, "component_appid"),
    ({"redirect_uri": "ftp://x"}, "redirect_uri"), ({"auth_type": 7}, "auth_type"),
    ({"category_ids": ["x"]}, "category_ids"),
])
def test_authorization_url_arguments_raise_invalid_argument(kwargs: dict[str, object],
                                                            name: str) -> None:
    args: dict[str, object] = {"component_appid": APPID, "pre_auth_code": "p",
                               "redirect_uri": "https://e.com/cb", **kwargs}
    with pytest.raises(InvalidArgument) as caught:
        pc_authorization_url(**args)  # type: ignore[arg-type]
    assert caught.value.argument == name
    with pytest.raises(InvalidArgument):
        auth_code_url(**args)  # type: ignore[arg-type]


def test_every_callback_error_is_a_refusal() -> None:
    """A CallbackError describes a refused push: none is answered 200 (a duplicate push is
    answered ``success`` and reported as the ``push_duplicate`` event, not as an error)."""
    from wxcomponent import errors

    exported = [getattr(errors, name) for name in errors.__all__]
    refusals = [cls for cls in exported
                if isinstance(cls, type) and issubclass(cls, errors.CallbackError)]
    assert errors.InvalidSignature in refusals
    assert all(cls.http_status >= 400 for cls in refusals), [
        cls.__name__ for cls in refusals if cls.http_status < 400]
