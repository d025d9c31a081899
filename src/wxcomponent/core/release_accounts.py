"""The two test accounts of WeChat's release check (全网发布接入检测), by appid and user name.

They are WeChat's accounts, not merchants: the platform answers the check for them and
otherwise keeps them apart. No authorizer record is ever written for them (so no listing,
count, refresh or shipment can see one); the token the check's code exchange brings lives
only in the volatile token cache, until it expires.

Internal module.
"""

from __future__ import annotations

__all__ = ["ACCOUNT_KINDS", "TEST_ACCOUNTS", "TEST_USER_NAMES", "is_release_check_account"]

#: The test accounts' appids and user names (ToUserName).
TEST_ACCOUNTS = {
    "wx570bc396a51b8ff8": "gh_3c884a361561",  # official account
    "wxd101a85aa106f53e": "gh_8dad206e9538",  # mini program
}
#: Their user names.
TEST_USER_NAMES = frozenset(TEST_ACCOUNTS.values())
#: What each of them is.
ACCOUNT_KINDS = {"wx570bc396a51b8ff8": "official account", "wxd101a85aa106f53e": "mini program"}


def is_release_check_account(appid: str | None, user_name: str | None = None) -> bool:
    """True for one of the release check's test accounts, named by its ``appid`` or, when
    the appid is not known, by its ``user_name`` (a message's ``ToUserName``)."""
    if appid:
        return appid in TEST_ACCOUNTS
    return bool(user_name) and user_name in TEST_USER_NAMES
