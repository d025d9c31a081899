"""The control methods of ICP filing, part of :class:`~wxcomponent.emulator.Emulator` (and of
the control API under ``/__emulator__/``): the outcome and delay of each stage of the next
applications and face verifications, fields to refuse, a mini program marked filed or not, its
filing entrance opened or closed, inspection, and the filing pushes as they fall due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import InvalidArgument
from ..control_host import ControlHost
from ..model import Delivery, Platform
from .icp_model import FILED, NOT_FILED, FilingPlan, FilingPush

if TYPE_CHECKING:
    from .model import MiniProgram

__all__ = ["FilingControl"]


class FilingControl(ControlHost):
    """The control methods of ICP filing (also under ``/__emulator__/``)."""

    if TYPE_CHECKING:
        def _event(self, platform: Platform, info_type: str,
                   **fields: object) -> dict[str, Any]: ...

        def _push_event(self, platform: Platform, fields: dict[str, Any], *,
                        background: bool) -> Delivery: ...

    def _program(self, component_appid: str, authorizer_appid: str) -> MiniProgram:
        account = self.platform(component_appid).account(authorizer_appid)
        if account.kind != "mini_program":
            raise InvalidArgument("authorizer_appid", f"{authorizer_appid} is not a mini program")
        return self.state.wxa.program(component_appid, authorizer_appid)

    def plan_filing(self, component_appid: str, authorizer_appid: str | None = None,
                    **plan: Any) -> dict[str, Any]:
        """Plan the next filing applications: ``platform`` (``"approve"`` or ``"reject"``),
        ``sms`` (``"confirm"`` or ``"timeout"``), ``bureau`` (``"approve"`` or
        ``"reject"``), each with its delay in seconds after the stage before
        (``platform_after``, ``sms_after``, ``bureau_after``) and, for a rejection, its
        reasons by field (``platform_reasons``, ``bureau_reasons``: ``[{"key_name", "error",
        "suggest"}]``). Unnamed parts keep the current plan's (by default approvals after a
        day, an hour and two days). With ``authorizer_appid`` the plan is that mini program's,
        else the platform's default. Returns the plan."""
        state = self.state
        with state.lock:
            self.platform(component_appid)
            home = state.wxa.platform(component_appid)
            if authorizer_appid is None:
                home.filing_plan = FilingPlan.parse(home.filing_plan or FilingPlan(), plan)
                return dict(home.filing_plan.__dict__)
            program = self._program(component_appid, authorizer_appid)
            base = program.filing.plan or home.filing_plan or FilingPlan()
            program.filing.plan = FilingPlan.parse(base, plan)
            return dict(program.filing.plan.__dict__)

    def plan_face_verification(self, component_appid: str, authorizer_appid: str,
                               outcome: str = "pass", after: float = 0.0) -> None:
        """Have the next face verifications of the mini program's administrator ``"pass"``
        or ``"fail"`` ``after`` seconds (the verification under way too, from now)."""
        if outcome not in ("pass", "fail"):
            raise InvalidArgument("outcome", "must be 'pass' or 'fail'")
        if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
            raise InvalidArgument("after", "must be a non-negative number of seconds")
        state = self.state
        with state.lock:
            filing = self._program(component_appid, authorizer_appid).filing
            filing.face = (outcome == "pass", float(after))
            now = self.clock.now()
            for task in filing.tasks.values():
                if not task.pushed and task.finish_at > now:
                    task.passes, task.finish_at = outcome == "pass", now + float(after)
        self.wake_scheduler()

    def refuse_filing(self, component_appid: str, authorizer_appid: str,
                      hints: list[dict[str, Any]]) -> None:
        """Refuse the next application with these field ``hints`` (``[{"err_field",
        "errcode", "errmsg"}]``), besides any the emulator finds itself."""
        if not isinstance(hints, list) or not all(
                isinstance(h, dict) and isinstance(h.get("err_field"), str) for h in hints):
            raise InvalidArgument("hints", "give a list of {err_field, errcode, errmsg}")
        refusal = tuple({"errcode": int(h.get("errcode", 47001)),
                         "errmsg": str(h.get("errmsg", "")), "err_field": h["err_field"]}
                        for h in hints)
        with self.state.lock:
            self._program(component_appid, authorizer_appid).filing.refusal = refusal

    def set_filing(self, component_appid: str, authorizer_appid: str, *,
                   filed: bool | None = None, available: bool | None = None) -> dict[str, Any]:
        """Mark a mini program filed or not (mini programs made by a registration start not
        filed, others filed), and open or close its filing entrance; returns its filing."""
        for name, value in (("filed", filed), ("available", available)):
            if value is not None and not isinstance(value, bool):
                raise InvalidArgument(name, "must be true or false")
        with self.state.lock:
            filing = self._program(component_appid, authorizer_appid).filing
            if filed is not None:
                filing.application, filing.cancel_at = None, None
                filing.base = FILED if filed else NOT_FILED
                if not filed:
                    filing.order = None
            if available is not None:
                filing.available = available
            return filing.to_dict(self.clock.now())

    def filing(self, component_appid: str, authorizer_appid: str) -> dict[str, Any]:
        """A mini program's filing: status, verifications, the application with its steps,
        the filed order."""
        with self.state.lock:
            return self._program(component_appid, authorizer_appid).filing.to_dict(
                self.clock.now())

    def due_filing_pushes(self) -> list[FilingPush]:
        """Take the filing pushes due now (marking them pushed)."""
        state = self.state
        with state.lock:
            return state.wxa.due_filing_pushes(self.clock.now())

    def push_filing(self, push: FilingPush) -> Delivery:
        """Deliver one filing push to the platform's authorization-event URL."""
        fields = dict(push.fields)
        with self.state.lock:
            platform = self.platform(push.component_appid)
            event = self._event(platform, str(fields.pop("InfoType")), **fields)
        return self._push_event(platform, event, background=False)
