"""Typed answers and request parts of the mini-program management APIs (code, audit, release,
templates, domains, testers, privacy, categories, basic information, fast registration,
open accounts, order shipping, codes and links, ICP filing, verification, privacy interfaces,
violations and appeals).

Every answer is a frozen dataclass read by one reader, :meth:`WxaModel.from_json`, which
never raises: each field is looked up under its JSON name (or a path into nested objects),
converted to its annotated type, and a missing or malformed value becomes the field's empty
default. ``raw`` keeps the JSON as received, so nothing WeChat adds later is lost. Request
parts (:class:`AuditItem`, :class:`OwnerSetting` …) turn into JSON with ``to_json()``.

The answers live in one module per domain, as the endpoints do (``core/endpoints/``);
:mod:`.reader` reads them and :mod:`.parts` holds the request parts. The public names are
exported by :mod:`wxcomponent`.

Internal package.
"""

from __future__ import annotations

from . import (
    audit,
    basic_info,
    categories,
    code,
    codes,
    domains,
    icp,
    icp_application,
    open_account,
    orders,
    parts,
    privacy,
    privacy_interfaces,
    registration,
    templates,
    testers,
    verification,
    violations,
)
from .audit import *  # noqa: F403
from .basic_info import *  # noqa: F403
from .categories import *  # noqa: F403
from .code import *  # noqa: F403
from .codes import *  # noqa: F403
from .domains import *  # noqa: F403
from .icp import *  # noqa: F403
from .icp_application import *  # noqa: F403
from .open_account import *  # noqa: F403
from .orders import *  # noqa: F403
from .parts import *  # noqa: F403
from .parts import part_json as part_json  # the endpoints read their request parts
from .parts import parts_json as parts_json
from .privacy import *  # noqa: F403
from .privacy_interfaces import *  # noqa: F403
from .reader import WxaModel
from .registration import *  # noqa: F403
from .templates import *  # noqa: F403
from .testers import *  # noqa: F403
from .verification import *  # noqa: F403
from .violations import *  # noqa: F403

#: Every answer and request part, as each module lists its own.
__all__ = ["WxaModel"]
__all__ += audit.__all__
__all__ += basic_info.__all__
__all__ += categories.__all__
__all__ += code.__all__
__all__ += codes.__all__
__all__ += domains.__all__
__all__ += icp.__all__
__all__ += icp_application.__all__
__all__ += open_account.__all__
__all__ += orders.__all__
__all__ += parts.__all__
__all__ += privacy.__all__
__all__ += privacy_interfaces.__all__
__all__ += registration.__all__
__all__ += templates.__all__
__all__ += testers.__all__
__all__ += verification.__all__
__all__ += violations.__all__
