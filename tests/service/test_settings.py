"""Settings: TOML file, environment overrides, validation messages naming the key."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from wxcomponent.service import ServiceSettings, SettingsError, load_settings
from wxcomponent.service import settings as settings_module
from wxcomponent.service.settings import DEFAULT_STORE, settings_from_mapping

from ..support.service import P, platform_table

TOML = f"""
host = "0.0.0.0"
port = 9000
public_url = "https://wx.example.com/"
api_base = "http://127.0.0.1:8800"
api_key = "file-key-0123456789abcdef"
store = "sqlite:///./here.sqlite3"
refresh_interval = 30

[[platforms]]
appid = "{P.appid}"
secret = "{P.secret}"
token = "{P.token}"
encoding_aes_key = "{P.encoding_aes_key}"
"""


@pytest.fixture
def toml_file(tmp_path: Path) -> Path:
    if sys.version_info < (3, 11):
        pytest.skip("reading TOML files needs Python 3.11")
    path = tmp_path / "wxcomponent.toml"
    path.write_text(TOML, encoding="utf-8")
    return path


def error_of(data: dict[str, Any], sources: dict[str, str] | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping(data, sources=sources)
    return str(caught.value)


def test_a_file_is_read_and_validated(toml_file: Path) -> None:
    settings = load_settings(toml_file, env={})
    assert settings.host == "0.0.0.0" and settings.port == 9000
    assert settings.public_url == "https://wx.example.com"  # trailing slash dropped
    assert settings.api_base == "http://127.0.0.1:8800"
    assert settings.store == "sqlite:///./here.sqlite3"
    assert settings.refresh_interval == 30.0
    assert settings.platform().appid == P.appid
    assert settings.platforms[0].encoding_aes_key == P.encoding_aes_key


def test_defaults() -> None:
    settings = settings_from_mapping({"platforms": [platform_table()]})
    assert settings.store == DEFAULT_STORE == "sqlite:///./wxcomponent.sqlite3"
    assert settings.api_base == "https://api.weixin.qq.com"
    assert (settings.host, settings.port, settings.api_key) == ("127.0.0.1", 8000, None)


def test_hardening_defaults() -> None:
    settings = settings_from_mapping({"platforms": [platform_table()]})
    assert (settings.admin_host, settings.admin_port) == ("127.0.0.1", 8001)
    assert settings.public_url is None and settings.link_key is None
    assert settings.link_ttl == 7 * 86400 and settings.open_authorize is False
    assert settings.trusted_proxies == ()
    assert (settings.page_rate_limit, settings.auth_failure_limit) == (30, 10)
    assert (settings.header_timeout, settings.body_timeout) == (10.0, 10.0)


def test_hardening_settings_from_the_environment() -> None:
    env = {f"WXCOMPONENT_{k.upper()}": v for k, v in platform_table().items()}
    env.update({
        "WXCOMPONENT_ADMIN_HOST": "10.1.2.3", "WXCOMPONENT_ADMIN_PORT": "9001",
        "WXCOMPONENT_LINK_KEY": "L" * 40, "WXCOMPONENT_LINK_TTL": "3600",
        "WXCOMPONENT_OPEN_AUTHORIZE": "true",
        "WXCOMPONENT_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1, 2001:db8::/32",
        "WXCOMPONENT_PAGE_RATE_LIMIT": "0", "WXCOMPONENT_AUTH_FAILURE_LIMIT": "3",
        "WXCOMPONENT_HEADER_TIMEOUT": "2.5", "WXCOMPONENT_BODY_TIMEOUT": "4",
    })
    settings = load_settings(None, env=env)
    assert (settings.admin_host, settings.admin_port) == ("10.1.2.3", 9001)
    assert settings.link_key == "L" * 40 and settings.link_ttl == 3600
    assert settings.open_authorize is True
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32")
    assert (settings.page_rate_limit, settings.auth_failure_limit) == (0, 3)
    assert (settings.header_timeout, settings.body_timeout) == (2.5, 4.0)
    assert "L" * 40 not in repr(settings)
    both_free = settings_from_mapping({"platforms": [platform_table()], "port": 0,
                                       "admin_port": 0})
    assert both_free.port == both_free.admin_port == 0


def test_environment_overrides_the_file(toml_file: Path) -> None:
    env = {
        "WXCOMPONENT_PORT": "9100",
        "WXCOMPONENT_API_KEY": "env-key-0123456789abcdef",
        "WXCOMPONENT_SECRET": "secret-from-the-environment",
        "WXCOMPONENT_STORE": "redis://cache:6379/2",
        "WXCOMPONENT_DURABLE_STORE": "sqlite:////var/lib/wx/durable.sqlite3",
        "PATH": "/usr/bin",
    }
    settings = load_settings(toml_file, env=env)
    assert settings.port == 9100
    assert settings.api_key == "env-key-0123456789abcdef"
    assert settings.platforms[0].secret == "secret-from-the-environment"
    assert settings.platforms[0].token == P.token  # the rest of the platform from the file
    assert settings.store == "redis://cache:6379/2"
    assert settings.durable_store == "sqlite:////var/lib/wx/durable.sqlite3"
    assert settings.host == "0.0.0.0"


def test_environment_only_and_indexed_platforms() -> None:
    env = {f"WXCOMPONENT_{k.upper()}": v for k, v in platform_table().items()}
    env.update({
        "WXCOMPONENT_PLATFORMS_1_APPID": "wx00000000000000b2",
        "WXCOMPONENT_PLATFORMS_1_SECRET": "s2",
        "WXCOMPONENT_PLATFORMS_1_TOKEN": "t2",
        "WXCOMPONENT_PLATFORMS_1_ENCODING_AES_KEY": "B" * 43,
    })
    settings = load_settings(None, env=env)
    assert [p.appid for p in settings.platforms] == [P.appid, "wx00000000000000b2"]
    assert settings.platform("wx00000000000000b2").token == "t2"
    with pytest.raises(SettingsError, match="several platforms"):
        settings.platform()


def test_config_path_from_the_environment(toml_file: Path) -> None:
    settings = load_settings(None, env={"WXCOMPONENT_CONFIG": str(toml_file)})
    assert settings.port == 9000


def test_command_line_overrides_win(toml_file: Path) -> None:
    settings = load_settings(toml_file, env={"WXCOMPONENT_PORT": "9100"}, port=9200, host=None)
    assert settings.port == 9200 and settings.host == "0.0.0.0"


@pytest.mark.parametrize(("change", "expected"), [
    ({"encoding_aes_key": "short"}, "platforms[0].encoding_aes_key: "
                                    "EncodingAESKey must be 43 characters"),
    ({"appid": "wx123"}, "platforms[0].appid: 'wx123' is not an appid"),
    ({"secret": ""}, "platforms[0].secret: must be a non-empty string"),
    ({"token": None}, "platforms[0].token: is required"),
    ({"sceret": "x"}, "platforms[0].sceret: unknown key (did you mean 'secret'?)"),
])
def test_platform_errors_name_the_key(change: dict[str, Any], expected: str) -> None:
    platform = {k: v for k, v in {**platform_table(), **change}.items() if v is not None}
    assert error_of({"platforms": [platform]}).startswith(expected)


@pytest.mark.parametrize(("data", "expected"), [
    ({}, "platforms: configure at least one platform"),
    ({"platforms": []}, "platforms: must be a non-empty array"),
    ({"platforms": ["x"]}, "platforms[0]: must be a table"),
    ({"prot": 1}, "prot: unknown key (did you mean 'port'?)"),
    ({"port": "eighty"}, "port: must be an integer"),
    ({"port": True}, "port: must be an integer"),
    ({"port": -1}, "port: must be at least 0"),
    ({"port": 70000}, "port: must be at most 65535"),
    ({"refresh_interval": "nan"}, "refresh_interval: must be a number"),
    ({"api_key": "short"}, "api_key: must be at least 16 characters"),
    ({"api_base": "api.weixin.qq.com"}, "api_base: must be an absolute http/https URL"),
    ({"public_url": "https://x.example.com/?a=1"}, "public_url: must not have a query"),
    ({"store": "mysql://db"}, "store: must be sqlite:///path"),
    ({"store": "redis://cache:6379/0", "durable_store": "redis://other:6379/0"},
     "durable_store: must be a sqlite:///path or postgresql:// URL"),
    ({"store": "sqlite://relative"}, "store: a SQLite URL is sqlite:///relative/path"),
    ({"durable_store": "sqlite:///d.sqlite3"}, "durable_store: is only used beside a "
                                               "redis:// store"),
    ({"log_level": "loud"}, "log_level: must be one of"),
    ({"admin_port": 8000}, "admin_port: must differ from port (8000)"),
    ({"admin_port": "x"}, "admin_port: must be an integer"),
    ({"link_key": "short"}, "link_key: must be at least 32 characters"),
    ({"link_ttl": 10}, "link_ttl: must be at least 60"),
    ({"link_ttl": 31 * 86400}, "link_ttl: must be at most 2.592e+06"),
    ({"open_authorize": "maybe"}, "open_authorize: must be true or false"),
    ({"trusted_proxies": "10.0.0.0/8, proxy.example"}, "trusted_proxies: 'proxy.example' is "
                                                       "not an IP address or network"),
    ({"trusted_proxies": 5}, "trusted_proxies: must be a list"),
    ({"page_rate_limit": -1}, "page_rate_limit: must be at least 0"),
    ({"auth_failure_limit": 1.5}, "auth_failure_limit: must be an integer"),
    ({"header_timeout": 0}, "header_timeout: must be at least 0.05"),
    ({"body_timeout": "soon"}, "body_timeout: must be a number"),
])
def test_service_errors_name_the_key(data: dict[str, Any], expected: str) -> None:
    if "platforms" not in data and data:
        data = {**data, "platforms": [platform_table()]}
    assert error_of(data).startswith(expected)


def test_postgres_stores_are_accepted() -> None:
    alone = settings_from_mapping({"platforms": [platform_table()],
                                   "store": "postgresql://wx:pw@db:5432/wx?schema=wx_prod"})
    assert alone.store == "postgresql://wx:pw@db:5432/wx?schema=wx_prod"
    beside = settings_from_mapping({"platforms": [platform_table()],
                                    "store": "redis://cache:6379/0",
                                    "durable_store": "postgres://wx:pw@db/wx"})
    assert beside.durable_store == "postgres://wx:pw@db/wx"


def test_duplicate_platforms_are_refused() -> None:
    assert error_of({"platforms": [platform_table(), platform_table()]}).startswith(
        "platforms[1].appid: wxd0c0ffee5eed0001 is configured twice")


def test_errors_name_the_environment_variable(toml_file: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(toml_file, env={"WXCOMPONENT_ENCODING_AES_KEY": "x" * 42})
    message = str(caught.value)
    assert message.startswith("platforms[0].encoding_aes_key: ")
    assert "(set by WXCOMPONENT_ENCODING_AES_KEY)" in message
    assert "x" * 42 not in message  # the value itself is never repeated
    with pytest.raises(SettingsError, match=r"^port: must be an integer \(set by WXCOMPONENT_PORT"):
        load_settings(toml_file, env={"WXCOMPONENT_PORT": "80a"})
    with pytest.raises(SettingsError, match="WXCOMPONENT_PROT: unknown environment variable"):
        load_settings(toml_file, env={"WXCOMPONENT_PROT": "80"})


def test_python_3_10_is_told_to_use_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "sys", SimpleNamespace(version_info=(3, 10, 14)))
    toml_file = tmp_path / "wxcomponent.toml"
    toml_file.write_text(TOML, encoding="utf-8")
    with pytest.raises(SettingsError, match=r"needs Python 3\.11 .* WXCOMPONENT_"):
        load_settings(toml_file, env={})
    env = {f"WXCOMPONENT_{k.upper()}": v for k, v in platform_table().items()}
    assert load_settings(None, env=env).platform().appid == P.appid


@pytest.mark.skipif(sys.version_info < (3, 11), reason="reading TOML files needs Python 3.11")
def test_file_problems_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(SettingsError, match=f"^{missing}: no such file"):
        load_settings(missing, env={})
    broken = tmp_path / "broken.toml"
    broken.write_text('port = \n[[platforms]\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=f"^{broken}: not valid TOML: .*line 1"):
        load_settings(broken, env={})


def test_repr_shows_no_secret() -> None:
    settings = settings_from_mapping({
        "platforms": [platform_table()], "api_key": "very-secret-api-key-123",
        "store": "redis://user:hunter2hunter2@cache:6379/0",
    })
    shown = repr(settings)
    for secret in ("very-secret-api-key-123", "hunter2hunter2", P.secret, P.token,
                   P.encoding_aes_key):
        assert secret not in shown
    assert "redis://user:***@cache:6379/0" in shown
    assert isinstance(settings, ServiceSettings)
