"""What a console URL names: an authorizer's record, or a delivery of one of the platform's
webhooks — found in the store, or a 404 page that says why not."""

from __future__ import annotations

from starlette.requests import Request

from ...client import AsyncComponent
from ...config import validate_appid
from ...errors import ConfigurationError, InvalidArgument
from ...stores.base import AsyncStore, AuthorizerRecord, Job
from ..settings import ServiceSettings
from .paging import serial
from .rendering import Problem

__all__ = ["authorizer_named", "delivery_named"]


async def authorizer_named(store: AsyncStore, component: AsyncComponent,
                           request: Request) -> AuthorizerRecord:
    """The record of the account the URL's ``authorizer_appid`` names."""
    try:
        authorizer_appid = validate_appid(str(request.path_params["authorizer_appid"]),
                                          "authorizer_appid")
    except (InvalidArgument, ConfigurationError):
        raise Problem(404, "That is not an appid.") from None
    record = await store.get_authorizer(component.appid, authorizer_appid)
    if record is None:
        raise Problem(404, f"No account {authorizer_appid} has authorized this platform.")
    return record


async def delivery_named(store: AsyncStore, settings: ServiceSettings,
                         component: AsyncComponent, request: Request) -> Job:
    """The job the URL's ``job_id`` names: a delivery of the platform to one of the webhooks
    of ``settings``."""
    raw = str(request.path_params["job_id"])
    number = serial(raw)
    if number is None:
        raise Problem(404, "That is not a delivery number.")
    job = await store.get_job(number)
    topics = {hook.topic for hook in settings.webhooks}
    if job is None or job.component_appid != component.appid or job.topic not in topics:
        raise Problem(404, f"There is no delivery {raw} of this platform (it may have "
                           "been purged).")
    return job
