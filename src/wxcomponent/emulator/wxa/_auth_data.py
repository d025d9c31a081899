"""The ``auth_data`` of a verification as the emulator checks it (``wxaauth``, ``reauth``,
``submit_auth_and_icp``): what WeChat documents as required, media ids it knows.

Internal module.
"""

from __future__ import annotations

from typing import Any

from ..calls import Call
from ..model import WxError
from .compliance import IDENTITY_TREE

__all__ = ["checked_auth_data"]


def _leaves(nodes: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        children = node.get("node_list")
        found |= _leaves(children) if children else {str(node["name"])}
    return found


_IDENTITIES = frozenset(_leaves(IDENTITY_TREE))


def checked_auth_data(call: Call) -> dict[str, Any]:
    """The call's ``auth_data``, or 47001 (with what is wrong) or 40007 (an unknown media
    id)."""
    data = call.params.get("auth_data")
    if not isinstance(data, dict):
        raise WxError(47001, "auth_data must be an object")
    customer = data.get("customer_type")
    if customer not in (1, 12, 15):
        raise WxError(47001, "customer_type must be 1, 12 or 15")
    contact = data.get("contact_info")
    if not isinstance(contact, dict) or not contact.get("name") or not contact.get("email"):
        raise WxError(47001, "contact_info needs a name and an email")
    if data.get("pay_type") not in (1, 2):
        raise WxError(47001, "pay_type must be 1 or 2")
    if data.get("pay_type") == 1 and not data.get("service_appid"):
        raise WxError(47001, "service_appid is required when the platform pays")
    if customer == 15:
        if data.get("auth_identification") not in _IDENTITIES:
            raise WxError(47001, "auth_identification must be a leaf of the identity tree")
    elif not data.get("qualification"):
        raise WxError(47001, "qualification is required")
    media = [data.get("qualification"), *(data.get("qualification_other") or []),
             *(data.get("account_supplemental") or [])]
    if any(m and m not in call.state.media for m in media):
        raise WxError(40007)
    return data
