"""WeChat's endpoints, declared once and performed by the call engine, a module per domain:

* :mod:`.component` — the platform's own endpoints (component token, pre-auth codes, code
  exchange, authorizer info, options and list, ticket pushes, quotas);
* :mod:`.oauth` — logging users in on an authorizer's behalf (web OAuth, mini-program login);
* :mod:`.generic` — any other endpoint by path, with either token: JSON, bytes and uploads.

Each module holds, per endpoint, its :class:`~wxcomponent.core.engine.Endpoint` declaration
and the flow that builds its request. The shells expose the flows as methods
(:mod:`wxcomponent.client._api`).

Internal package.
"""
