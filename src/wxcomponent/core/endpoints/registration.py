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
from ._checks import optional_text, text

__all__ = [
    "create_enterprise",
    "create_personal",
    "create_trial",
    "query_enterprise",
    "query_personal",
    "reuse_subject",
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
REUSE_SUBJECT = endpoint("POST", "/cgi-bin/account/fastregister", model(ReusedRegistration),
                         token=_A)

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
    ``idname``); send them the answer's ``authorize_url``, which they have 24 hours to
    complete. WeChat's page of the new version lists these fields but no table of them, so
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


def create_trial(ctx: Context, name: str, openid: str) -> Flow[TrialRegistration]:
    """Create a trial mini program named ``name`` (4-30 characters) for the user ``openid``,
    who becomes its administrator; send them the ``authorize_url``."""
    name = text(name, "name", max_len=30)
    if len(name) < 4:
        raise InvalidArgument("name", "must be at least 4 characters")
    return call(ctx, TRIAL, body={"name": name, "openid": text(openid, "openid")})


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
    the account administrator's confirmation page); the answer's code is exchanged with
    :meth:`query_auth`."""
    return call(ctx, REUSE_SUBJECT, authorizer_appid=authorizer_appid,
                body={"ticket": text(ticket, "ticket")})
