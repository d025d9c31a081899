"""A mini program's testers (who may open its experience version), on its behalf.

Internal module.
"""

from __future__ import annotations

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import Tester, TesterList
from ._checks import text

__all__ = ["bind", "list_testers", "unbind"]

_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

BIND = endpoint("POST", "/wxa/bind_tester", model(Tester), token=_A)
UNBIND = endpoint("POST", "/wxa/unbind_tester", NOTHING, token=_A)
MEMBERS = endpoint("POST", "/wxa/memberauth", model(TesterList), token=_A)


def bind(ctx: Context, authorizer_appid: str, wechat_id: str) -> Flow[Tester]:
    """Make the WeChat user with ``wechat_id`` (their WeChat id, not an openid) a tester."""
    return call(ctx, BIND, authorizer_appid=authorizer_appid,
                body={"wechatid": text(wechat_id, "wechat_id", max_len=64)})


def unbind(ctx: Context, authorizer_appid: str, wechat_id: str | None = None, *,
           userstr: str | None = None) -> Flow[None]:
    """Remove a tester, by WeChat id or by the ``userstr`` of :meth:`list`."""
    if (wechat_id is None) == (userstr is None):
        raise InvalidArgument("wechat_id", "give the WeChat id or the userstr, one of them")
    body = ({"wechatid": text(wechat_id, "wechat_id", max_len=64)} if wechat_id is not None
            else {"userstr": text(userstr, "userstr")})
    return call(ctx, UNBIND, authorizer_appid=authorizer_appid, body=body)


def list_testers(ctx: Context, authorizer_appid: str) -> Flow[TesterList]:
    """The mini program's testers."""
    return call(ctx, MEMBERS, authorizer_appid=authorizer_appid,
                body={"action": "get_experiencer"})
