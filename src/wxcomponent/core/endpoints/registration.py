"""Registering mini programs for merchants: fast registration of enterprise and personal mini
programs and of trial mini programs (component token), verifying a trial mini program, and
registering one with an official account's subject (each on the account's behalf).

A registration finishes later: WeChat pushes ``notify_third_fasteregister`` (or
``notify_third_fastregisterbetaapp``, ``notify_third_fastverifybetaapp``) to the
authorization-event URL, and the code it carries is exchanged for you.

Internal module.
"""

from __future__ import annotations

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    PersonalRegistration,
    PersonalRegistrationStatus,
    ReusedRegistration,
    TrialRegistration,
)
from ._checks import number, optional_text, text

__all__ = [
    "create_enterprise",
    "create_personal",
    "create_trial",
    "query_personal",
    "reuse_subject",
    "search_enterprise",
    "verify_trial",
]

_C = TokenKind.COMPONENT_ACCESS_TOKEN
_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

ENTERPRISE = endpoint("POST", "/cgi-bin/component/fastregisterweapp?action=create", NOTHING,
                      token=_C)
ENTERPRISE_SEARCH = endpoint("POST", "/cgi-bin/component/fastregisterweapp?action=search",
                             NOTHING, token=_C)
PERSONAL = endpoint("POST", "/wxa/component/fastregisterpersonalweapp?action=create",
                    model(PersonalRegistration), token=_C)
PERSONAL_QUERY = endpoint("POST", "/wxa/component/fastregisterpersonalweapp?action=query",
                          model(PersonalRegistrationStatus), token=_C)
TRIAL = endpoint("POST", "/wxa/component/fastregisterbetaweapp", model(TrialRegistration),
                 token=_C, token_param="access_token")
VERIFY_TRIAL = endpoint("POST", "/wxa/verifybetaweapp", NOTHING, token=_A)
REUSE_SUBJECT = endpoint("POST", "/cgi-bin/account/fastregister", model(ReusedRegistration),
                         token=_A)


def _enterprise(name: str, code: str, code_type: int, legal_persona_wechat: str,
                legal_persona_name: str) -> dict[str, object]:
    return {"name": text(name, "name", max_len=100), "code": text(code, "code", max_len=64),
            "code_type": number(code_type, "code_type", minimum=1, maximum=3),
            "legal_persona_wechat": text(legal_persona_wechat, "legal_persona_wechat"),
            "legal_persona_name": text(legal_persona_name, "legal_persona_name")}


def create_enterprise(ctx: Context, name: str, code: str, code_type: int,
                      legal_persona_wechat: str, legal_persona_name: str,
                      component_phone: str = "") -> Flow[None]:
    """Start registering an enterprise mini program; the legal person confirms in WeChat and
    the result comes as a ``notify_third_fasteregister`` push. ``code_type``: 1 unified
    social credit code, 2 organization code, 3 business license number."""
    body = _enterprise(name, code, code_type, legal_persona_wechat, legal_persona_name)
    if optional_text(component_phone, "component_phone"):
        body["component_phone"] = component_phone
    return call(ctx, ENTERPRISE, body=body)


def search_enterprise(ctx: Context, name: str, legal_persona_wechat: str,
                      legal_persona_name: str) -> Flow[None]:
    """Where an enterprise registration stands: returns once it was accepted; a pending or
    failed task raises its errcode (89250 no such task, 89251 waiting for the legal person…)."""
    body = {"name": text(name, "name", max_len=100),
            "legal_persona_wechat": text(legal_persona_wechat, "legal_persona_wechat"),
            "legal_persona_name": text(legal_persona_name, "legal_persona_name")}
    return call(ctx, ENTERPRISE_SEARCH, body=body)


def create_personal(ctx: Context, idname: str, wxuser: str,
                    component_phone: str = "") -> Flow[PersonalRegistration]:
    """Start registering a personal mini program for the WeChat user ``wxuser``; send them
    the ``authorize_url``."""
    body = {"idname": text(idname, "idname"), "wxuser": text(wxuser, "wxuser")}
    if optional_text(component_phone, "component_phone"):
        body["component_phone"] = component_phone
    return call(ctx, PERSONAL, body=body)


def query_personal(ctx: Context, taskid: str) -> Flow[PersonalRegistrationStatus]:
    """Where a personal registration stands."""
    return call(ctx, PERSONAL_QUERY, body={"taskid": text(taskid, "taskid")})


def create_trial(ctx: Context, name: str, openid: str) -> Flow[TrialRegistration]:
    """Create a trial mini program named ``name`` (4-30 characters) for the user ``openid``,
    who becomes its administrator; send them the ``authorize_url``."""
    name = text(name, "name", max_len=30)
    if len(name) < 4:
        raise InvalidArgument("name", "must be at least 4 characters")
    return call(ctx, TRIAL, body={"name": name, "openid": text(openid, "openid")})


def verify_trial(ctx: Context, authorizer_appid: str, enterprise_name: str, code: str,
                 code_type: int, legal_persona_wechat: str, legal_persona_name: str,
                 legal_persona_idcard: str = "", component_phone: str = "") -> Flow[None]:
    """Turn this trial mini program into a verified one with an enterprise's subject; the
    result comes as a ``notify_third_fastverifybetaapp`` push."""
    info = _enterprise(enterprise_name, code, code_type, legal_persona_wechat,
                       legal_persona_name)
    info["enterprise_name"] = info.pop("name")
    if optional_text(legal_persona_idcard, "legal_persona_idcard"):
        info["legal_persona_idcard"] = legal_persona_idcard
    if optional_text(component_phone, "component_phone"):
        info["component_phone"] = component_phone
    return call(ctx, VERIFY_TRIAL, authorizer_appid=authorizer_appid,
                body={"verify_info": info})


def reuse_subject(ctx: Context, authorizer_appid: str, ticket: str) -> Flow[ReusedRegistration]:
    """Register a mini program with this official account's subject (``ticket`` comes from
    the account administrator's confirmation page); the answer's code is exchanged with
    :meth:`query_auth`."""
    return call(ctx, REUSE_SUBJECT, authorizer_appid=authorizer_appid,
                body={"ticket": text(ticket, "ticket")})
