"""The knobs of the emulator's mini-program management: :class:`WxaLimits`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import InvalidArgument

__all__ = ["WxaLimits"]


@dataclass
class WxaLimits:
    """The knobs of mini-program management (seconds on the emulated clock unless named
    otherwise); change them with :meth:`Emulator.configure_mini_programs`."""

    #: How long the privacy check of committed code runs (61039 until then).
    privacy_check_delay: float = 60.0
    #: When an audit without a planned outcome is approved, after its submission.
    audit_duration: float = 0.0
    #: Drafts and templates of a platform's library.
    template_limit: int = 200
    #: Withdrawals of audits per mini program, a day and a month.
    withdrawals_per_day: int = 1
    withdrawals_per_month: int = 10
    #: Changes of a mini program's server domains a month.
    domain_changes_per_month: int = 50
    #: The platform's monthly audit quota and speed-ups.
    audit_quota: int = 10_000
    speedup_quota: int = 10
    #: Testers per mini program.
    max_testers: int = 15
    #: Order shipping (:mod:`.trade`): how long after payment an order is found, when an
    #: unshipped one is reminded, and when a received one is settled (WeChat publishes none
    #: of them: the first follows its staff's "about a minute", the others are guesses).
    order_ingest_delay: float = 60.0
    shipping_remind_after: float = 86400.0
    settlement_delay: float = 86400.0
    #: Limited mini-program codes and QR codes per mini program, in all (45029 beyond).
    wxacode_limit: int = 100_000
    #: Permanent Short Links per mini program, and rule publications a month.
    permanent_short_links: int = 100_000
    qrcode_jump_publications: int = 20
    #: Whether a mini program that is not filed is refused an audit and a release, and the
    #: errcode it gets. WeChat has named no errcode for this: 86399 is the emulator's
    #: assumption, to be set to what WeChat is seen to answer.
    filing_gate: bool = True
    unfiled_errcode: int = 86399
    #: When the administrator's face verification finishes, after the task is created (when
    #: no outcome was planned), and when a deregistration of a filing does.
    face_verify_delay: float = 60.0
    filing_cancel_delay: float = 86400.0
    #: How long a verification lasts, and how long before its end the annual-review push
    #: goes out (0: none before the end; WeChat pushes at the end and 30 and 60 days after).
    verification_validity: float = 365 * 86400.0
    verification_review_lead: float = 30 * 86400.0
    #: When a privacy-interface application without a planned outcome is approved.
    privacy_interface_review: float = 0.0
    #: WeChat's errcode is not documented for a verification applied for while one runs, nor
    #: for an appeal created while one is processing: these settings choose them.
    verification_running_errcode: int = 89249
    appeal_running_errcode: int = 89249

    def update(self, **changes: Any) -> WxaLimits:
        """Apply ``changes`` (known names only, non-negative numbers; True or False for
        ``filing_gate``)."""
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                raise InvalidArgument(name, "is not a mini-program setting")
            current = getattr(self, name)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise InvalidArgument(name, "must be True or False")
                setattr(self, name, value)
                continue
            kind = float if isinstance(current, float) else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InvalidArgument(name, "must be a non-negative number")
            setattr(self, name, kind(value))
        return self
