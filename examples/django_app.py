"""WeChat's callback URLs in a Django project, here as a single-file project.

In a real project, copy ``wechat_callback`` into a views module and the two paths into your
``urls.py``. Configure the platform through the environment, then run::

    WXCOMPONENT_APPID=wx… WXCOMPONENT_SECRET=… WXCOMPONENT_TOKEN=… \\
    WXCOMPONENT_ENCODING_AES_KEY=… python examples/django_app.py runserver

In WeChat's console, set the authorization-event URL to ``https://your.host/wechat/events``
and the message URL to ``https://your.host/wechat/messages/$APPID$``.
"""

from __future__ import annotations

import os
import sys

import django
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from wxcomponent import Component, ComponentConfig, Push, events
from wxcomponent.stores import open_store

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "change-me"),
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,testserver").split(","),
        MIDDLEWARE=[],
        DATA_UPLOAD_MAX_MEMORY_SIZE=64 * 1024,  # pushes are small: refuse big bodies early
    )
    django.setup()

component = Component(
    ComponentConfig.from_env(),  # WXCOMPONENT_APPID, _SECRET, _TOKEN, _ENCODING_AES_KEY
    store=open_store(os.environ.get("WXCOMPONENT_STORE", "sqlite:///wxcomponent.sqlite3")),
    api_base=os.environ.get("WXCOMPONENT_API_BASE", "https://api.weixin.qq.com"),
)


@component.on(events.WeappAuditResult)
def audit_result(event: events.WeappAuditResult, push: Push) -> None:
    print(f"audit of {push.authorizer_appid}: {event.event} {event.reason or ''}")


@csrf_exempt
def wechat_callback(request: HttpRequest, authorizer_appid: str | None = None) -> HttpResponse:
    """Hand the request to wxcomponent and give its answer back unchanged."""
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("request body too large", status=413, content_type="text/plain")
    answer = component.handle_callback(request.method or "", request.META.get("QUERY_STRING", ""),
                                       body, authorizer_appid=authorizer_appid)
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers:
        response[name] = value
    return response


urlpatterns = [
    path("wechat/events", wechat_callback),
    path("wechat/messages/<str:authorizer_appid>", wechat_callback),
]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
