"""WeChat's callback URLs and the authorization redirect in a FastAPI app (asyncio).

Configure the platform through the environment, then run::

    WXCOMPONENT_APPID=wx… WXCOMPONENT_SECRET=… WXCOMPONENT_TOKEN=… \\
    WXCOMPONENT_ENCODING_AES_KEY=… uvicorn examples.fastapi_app:app

In WeChat's console, set the authorization-event URL to ``https://your.host/wechat/events``
and the message URL to ``https://your.host/wechat/messages/$APPID$``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import FastAPI

from wxcomponent import AsyncComponent, ComponentConfig, Push, events
from wxcomponent.stores import open_store

log = logging.getLogger(__name__)

component = AsyncComponent(
    ComponentConfig.from_env(),  # WXCOMPONENT_APPID, _SECRET, _TOKEN, _ENCODING_AES_KEY
    store=open_store(os.environ.get("WXCOMPONENT_STORE", "sqlite:///wxcomponent.sqlite3")),
    api_base=os.environ.get("WXCOMPONENT_API_BASE", "https://api.weixin.qq.com"),
)


@component.on(events.Authorized)
async def authorized(event: events.Authorized, push: Push) -> None:
    # The code is exchanged and the authorizer stored in the background: answer quickly.
    log.info("%s authorized the platform", event.authorizer_appid)


@component.on("text")
def echo(event: events.AuthorizerMessage, push: Push) -> dict[str, Any]:
    # A passive reply: WeChat shows it to the user; it is encrypted for you.
    return {"MsgType": "text", "Content": f"you said: {event.get('Content', '')}"}


app = FastAPI()
app.mount("/wechat", component.asgi_app())


@app.get("/authorized")
async def after_authorization(auth_code: str) -> dict[str, Any]:
    """The redirect_uri of the authorization page: WeChat sends the merchant here."""
    info = await component.query_auth(auth_code)  # harmless if the push exchanged it first
    return {"authorizer_appid": info.authorizer_appid, "func_info": list(info.func_info)}
