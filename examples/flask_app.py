"""WeChat's callback URLs and the authorization redirect in a Flask app.

Configure the platform through the environment, then run::

    WXCOMPONENT_APPID=wx… WXCOMPONENT_SECRET=… WXCOMPONENT_TOKEN=… \\
    WXCOMPONENT_ENCODING_AES_KEY=… flask --app examples/flask_app.py run

In WeChat's console, set the authorization-event URL to ``https://your.host/wechat/events``
and the message URL to ``https://your.host/wechat/messages/$APPID$``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wxcomponent import Component, ComponentConfig, Push, events
from wxcomponent.stores import open_store

log = logging.getLogger(__name__)

component = Component(
    ComponentConfig.from_env(),  # WXCOMPONENT_APPID, _SECRET, _TOKEN, _ENCODING_AES_KEY
    store=open_store(os.environ.get("WXCOMPONENT_STORE", "sqlite:///wxcomponent.sqlite3")),
    api_base=os.environ.get("WXCOMPONENT_API_BASE", "https://api.weixin.qq.com"),
)


@component.on("unauthorized")
def unauthorized(event: events.Unauthorized, push: Push) -> None:
    # Already marked revoked in the store when this runs.
    log.info("%s revoked the authorization", event.authorizer_appid)


app = Flask(__name__)
# The callback URLs are served by wxcomponent's WSGI app under /wechat.
app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
    app.wsgi_app, {"/wechat": component.wsgi_app()}
)


@app.get("/authorized")
def after_authorization() -> dict[str, Any]:
    """The redirect_uri of the authorization page: WeChat sends the merchant here."""
    info = component.query_auth(request.args["auth_code"])  # harmless after the push
    return {"authorizer_appid": info.authorizer_appid, "func_info": list(info.func_info)}
