"""The API of both shells, declared once: each line makes one method of :class:`Component`
and :class:`AsyncComponent` (or of both authorizer clients) from a flow of the core.

Adding an endpoint means adding its flow in :mod:`wxcomponent.core.endpoints` and one line
here; the shells need nothing else.

Internal module.
"""

from __future__ import annotations

from ..core import accounts, callbacks, refresher, tokens
from ..core.endpoints import component, generic, message, oauth
from ._methods import authorizer_method, flow_method, pages_method

__all__ = ["AuthorizerAPI", "ComponentAPI"]


class ComponentAPI:
    """The methods of a platform (blocking on :class:`Component`, awaited on
    :class:`AsyncComponent`)."""

    # pushes
    handle_callback = flow_method(callbacks.handle_callback)
    dispatch = flow_method(callbacks.dispatch_message)
    save_ticket = flow_method(accounts.save_ticket)
    # tokens
    access_token = flow_method(tokens.component_access_token)
    refresh_access_token = flow_method(tokens.refresh_component_token)
    token = flow_method(tokens.token)
    renew_token = flow_method(tokens.renew_token)
    # authorization
    create_pre_auth_code = flow_method(component.create_pre_auth_code)
    authorization_url = flow_method(component.authorization_url)
    query_auth = flow_method(component.query_auth)
    # authorizers
    get_authorizer_info = flow_method(component.get_authorizer_info)
    get_authorizer_option = flow_method(component.get_authorizer_option)
    set_authorizer_option = flow_method(component.set_authorizer_option)
    get_authorizer_list = flow_method(component.authorizer_list_page)
    iter_authorizers = pages_method(component.iter_authorizers)
    stored_authorizers = pages_method(refresher.stored_authorizers)
    forget_authorizer = flow_method(accounts.forget_authorizer)
    # the platform's account
    start_push_ticket = flow_method(component.start_push_ticket)
    clear_quota = flow_method(component.clear_quota)
    get_quota = flow_method(component.get_quota)
    # any endpoint
    get_json = flow_method(generic.component_get_json)
    post_json = flow_method(generic.component_post_json)
    upload = flow_method(generic.component_upload)
    # keeping tokens fresh
    refresh_due = flow_method(refresher.refresh_due)


class AuthorizerAPI:
    """The methods of an authorizer client (blocking on :class:`AuthorizerClient`, awaited on
    :class:`AsyncAuthorizerClient`)."""

    # tokens
    access_token = authorizer_method(tokens.authorizer_access_token)
    refresh_access_token = authorizer_method(tokens.refresh_authorizer_token)
    jsapi_ticket = authorizer_method(tokens.jsapi_ticket_value)
    # the account
    info = authorizer_method(component.get_authorizer_info)
    # users
    oauth_access_token = authorizer_method(oauth.oauth_access_token)
    oauth_refresh_token = authorizer_method(oauth.oauth_refresh_token)
    user_info = authorizer_method(oauth.oauth_user_info)
    jscode2session = authorizer_method(oauth.jscode2session)
    send_text = authorizer_method(message.send_text)
    send_custom_message = authorizer_method(message.send_custom_message)
    # any endpoint
    get_json = authorizer_method(generic.authorizer_get_json)
    post_json = authorizer_method(generic.authorizer_post_json)
    get_bytes = authorizer_method(generic.authorizer_get_bytes)
    post_bytes = authorizer_method(generic.authorizer_post_bytes)
    upload = authorizer_method(generic.authorizer_upload)
