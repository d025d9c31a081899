"""Registering mini programs for merchants: fast registration of enterprise and personal mini
programs and of trial mini programs (component token), verifying or renaming a trial mini
program, registering one with an official account's subject, and rebinding an account's
administrator (each on the account's behalf).

Fast registration is WeChat's new version (the old one was retired on 2026-04-30): the
answer carries an ``authorize_url`` the legal person (or the person) completes within 24
hours, and a task id to query. A registration finishes later: WeChat pushes
``notify_third_fasteregister`` (or ``notify_third_fastregisterbetaapp``,
``notify_third_fastverifybetaapp``) to the authorization-event URL, and the code it carries is
exchanged for you.

Internal module.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from ...errors import InvalidArgument
from ..context import Context, TokenKind
from ..credit_code import is_credit_code
from ..effects import Flow
from ..engine import NOTHING, call, endpoint, model
from ..models_wxa import (
    EnterpriseRegistration,
    EnterpriseRegistrationStatus,
    PersonalRegistration,
    PersonalRegistrationStatus,
    ReusedRegistration,
    TrialRegistration,
)
from ._checks import flag, optional_text, text

__all__ = [
    "create_enterprise",
    "create_personal",
    "create_trial",
    "query_enterprise",
    "query_personal",
    "rebind_admin",
    "rebind_admin_url",
    "reuse_subject",
    "reuse_subject_url",
    "set_trial_name",
    "verify_trial",
]

_C = TokenKind.COMPONENT_ACCESS_TOKEN
_A = TokenKind.AUTHORIZER_ACCESS_TOKEN

# WeChat's table gives the path and ``new_version``; the ``action`` query is the personal
# registration's, which the enterprise one shares.
ENTERPRISE = endpoint("POST", "/wxa/component/fastregisterenterpriseweapp?action=create",
                      model(EnterpriseRegistration), token=_C)
ENTERPRISE_QUERY = endpoint("POST", "/wxa/component/fastregisterenterpriseweapp?action=query",
                            model(EnterpriseRegistrationStatus), token=_C)
PERSONAL = endpoint("POST", "/wxa/component/fastregisterpersonalweapp?action=create",
                    model(PersonalRegistration), token=_C)
PERSONAL_QUERY = endpoint("POST", "/wxa/component/fastregisterpersonalweapp?action=query",
                          model(PersonalRegistrationStatus), token=_C)
TRIAL = endpoint("POST", "/wxa/component/fastregisterbetaweapp", model(TrialRegistration),
                 token=_C, token_param="access_token")
VERIFY_TRIAL = endpoint("POST", "/wxa/verifybetaweapp", NOTHING, token=_A)
SET_TRIAL_NAME = endpoint("POST", "/wxa/setbetaweappnickname", NOTHING, token=_A)
REUSE_SUBJECT = endpoint("POST", "/cgi-bin/account/fastregister", model(ReusedRegistration),
                         token=_A)
REBIND_ADMIN = endpoint("POST", "/cgi-bin/account/componentrebindadmin", NOTHING, token=_A)

#: WeChat's pages an account's administrator opens: registering a mini program with an
#: official account's subject, and rebinding the administrator.
REUSE_SUBJECT_PAGE = "/cgi-bin/fastregisterauth"
REBIND_ADMIN_PAGE = "/wxopen/componentrebindadmin"

#: A contact telephone number: digits, optionally a leading + and - separators.
_PHONE = re.compile(r"\+?[0-9][0-9-]{4,19}")


def _credit_code(value: object, argument: str = "code") -> str:
    if not is_credit_code(value):
        raise InvalidArgument(argument, "must be an 18-character unified social credit code "
                                        "with its check character (GB 32100)")
    assert isinstance(value, str)
    return value


def _phone(value: object, argument: str = "component_phone") -> str:
    phone = text(value, argument, max_len=20)
    if not _PHONE.fullmatch(phone):
        raise InvalidArgument(argument, "must be a telephone number")
    return phone


def _subject(name_field: str, name: str, code: str, component_phone: str) -> dict[str, object]:
    """The enterprise's part of a registration or verification, in WeChat's new version:
    the name, the unified social credit code (the only code taken now) and the platform's
    telephone (now required)."""
    return {name_field: text(name, name_field, max_len=100), "code": _credit_code(code),
            "component_phone": _phone(component_phone), "new_version": True}


def create_enterprise(ctx: Context, name: str, code: str,
                      component_phone: str) -> Flow[EnterpriseRegistration]:
    """Start registering an enterprise mini program: ``name`` the enterprise's name, ``code``
    its 18-character unified social credit code (checked here, check character included),
    ``component_phone`` the platform's contact number. Send the answer's ``authorize_url`` to
    the legal person, who has 24 hours to complete it; :meth:`query_enterprise` reads the
    task, and the result comes as a ``notify_third_fasteregister`` push."""
    return call(ctx, ENTERPRISE, body=_subject("name", name, code, component_phone))


def query_enterprise(ctx: Context, taskid: str) -> Flow[EnterpriseRegistrationStatus]:
    """Where an enterprise registration task stands."""
    return call(ctx, ENTERPRISE_QUERY, body={"taskid": text(taskid, "taskid")})


def create_personal(ctx: Context, idname: str, wxuser: str,
                    component_phone: str = "") -> Flow[PersonalRegistration]:
    """Start registering a personal mini program for the WeChat user ``wxuser`` (named
    ``idname``); send them the answer's ``authorize_url``, the only way they verify now.
    WeChat's page of the new version lists these fields but no table of them, so
    they are sent as before, with ``new_version``."""
    body: dict[str, object] = {"idname": text(idname, "idname"),
                               "wxuser": text(wxuser, "wxuser")}
    if optional_text(component_phone, "component_phone"):
        body["component_phone"] = _phone(component_phone)
    body["new_version"] = True
    return call(ctx, PERSONAL, body=body)


def query_personal(ctx: Context, taskid: str) -> Flow[PersonalRegistrationStatus]:
    """Where a personal registration stands."""
    return call(ctx, PERSONAL_QUERY, body={"taskid": text(taskid, "taskid")})


def _trial_name(name: object) -> str:
    checked = text(name, "name", max_len=30)
    if len(checked) < 4:
        raise InvalidArgument("name", "must be at least 4 characters")
    return checked


def create_trial(ctx: Context, name: str, openid: str) -> Flow[TrialRegistration]:
    """Create a trial mini program named ``name`` (4-30 characters) for the user ``openid``,
    who becomes its administrator; send them the ``authorize_url``."""
    return call(ctx, TRIAL, body={"name": _trial_name(name), "openid": text(openid, "openid")})


def set_trial_name(ctx: Context, authorizer_appid: str, name: str) -> Flow[None]:
    """Rename this trial mini program (4-30 characters); only a trial mini program may."""
    return call(ctx, SET_TRIAL_NAME, authorizer_appid=authorizer_appid,
                body={"name": _trial_name(name)})


def verify_trial(ctx: Context, authorizer_appid: str, enterprise_name: str, code: str,
                 component_phone: str) -> Flow[None]:
    """Turn this trial mini program into a verified one with an enterprise's subject:
    ``code`` its unified social credit code (checked here), ``component_phone`` the
    platform's contact number. The result comes as a ``notify_third_fastverifybetaapp``
    push. WeChat's page does not say whether ``new_version`` goes inside ``verify_info`` or
    beside it; it is sent inside."""
    info = _subject("enterprise_name", enterprise_name, code, component_phone)
    return call(ctx, VERIFY_TRIAL, authorizer_appid=authorizer_appid,
                body={"verify_info": info})


def reuse_subject(ctx: Context, authorizer_appid: str, ticket: str) -> Flow[ReusedRegistration]:
    """Register a mini program with this official account's subject (``ticket`` comes from
    the account administrator's confirmation page, :func:`reuse_subject_url`); the answer's
    code is exchanged with :meth:`query_auth`."""
    return call(ctx, REUSE_SUBJECT, authorizer_appid=authorizer_appid,
                body={"ticket": text(ticket, "ticket")})


def rebind_admin(ctx: Context, authorizer_appid: str, taskid: str) -> Flow[None]:
    """Finish rebinding this account's administrator: ``taskid`` is what WeChat appends to
    the ``redirect_uri`` of :func:`rebind_admin_url` once the new administrator confirmed."""
    return call(ctx, REBIND_ADMIN, authorizer_appid=authorizer_appid,
                body={"taskid": text(taskid, "taskid")})


def _page(ctx: Context, path: str, params: list[tuple[str, str]], redirect_uri: str) -> str:
    """A page of WeChat's, on the host of the authorization pages (the emulator's in tests)."""
    if not isinstance(redirect_uri, str) or not redirect_uri.startswith(("http://",
                                                                         "https://")):
        raise InvalidArgument("redirect_uri", "must be an absolute http(s) URL")
    origin = urlsplit(ctx.pc_auth_url)
    query = urlencode([*params, ("redirect_uri", redirect_uri)])
    return f"{origin.scheme}://{origin.netloc}{path}?{query}"


def reuse_subject_url(ctx: Context, authorizer_appid: str, redirect_uri: str, *,
                      copy_wx_verify: bool = True) -> str:
    """The page where this official account's administrator agrees to register a mini
    program with the account's subject (``copy_wx_verify``: take over its verification
    too); WeChat then opens ``redirect_uri`` with ``ticket=`` for :func:`reuse_subject`."""
    return _page(ctx, REUSE_SUBJECT_PAGE, [
        ("appid", authorizer_appid), ("component_appid", ctx.appid),
        ("copy_wx_verify", "1" if flag(copy_wx_verify, "copy_wx_verify") else "0")],
        redirect_uri)


def rebind_admin_url(ctx: Context, authorizer_appid: str, redirect_uri: str) -> str:
    """The page where this account's administrator hands the account to a new one; WeChat
    then opens ``redirect_uri`` with ``taskid=`` for :func:`rebind_admin`."""
    return _page(ctx, REBIND_ADMIN_PAGE, [
        ("appid", authorizer_appid), ("component_appid", ctx.appid)], redirect_uri)
