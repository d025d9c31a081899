"""Receiving WeChat's pushes: checks, routing, built-in handling and the answer, with no I/O.

:func:`handle_callback` is the framework-free entry point (the seed's ``ServeHTTP``). It is a
flow (see :mod:`wxcomponent.core.effects`), so :class:`~wxcomponent.Component` and
:class:`~wxcomponent.AsyncComponent` run the very same rules. For a POST it:

1. requires ``timestamp``, ``nonce`` and ``msg_signature`` (400 when one is missing;
   ``encrypt_type``, when given, must be ``aes``), refuses a body over
   :attr:`CallbackOptions.max_body` (413);
2. verifies ``msg_signature`` and decrypts (the current EncodingAESKey, then the previous
   one), which also checks the platform appid at the end of the plaintext (403 on a bad
   signature or a foreign appid, 400 on bad base64, padding or XML);
3. parses the typed event, and for a platform event (a
   :class:`~wxcomponent.events.ComponentEvent`: ticket, authorization…), on whichever URL it
   came, checks that its ``AppId`` is this platform (403);
4. with :attr:`CallbackOptions.timestamp_window` set, refuses a push whose ``timestamp`` is
   that far from the clock (403);
5. **dedupe**: takes the store lease ``<component appid>:push:<digest of msg_signature,
   timestamp and nonce>`` for :attr:`CallbackOptions.dedupe_ttl` seconds. WeChat retries a push
   it thinks failed with the same three values; when the lease is already taken the push was
   (or is being) handled, and the answer is ``success`` with nothing run again. The lease is
   taken only after every check passed, so refused input never touches the store; a store
   that fails to take it gets the push answered 503;
6. runs the built-ins (each switchable in :class:`CallbackOptions`): a verify ticket is stored
   before answering; ``authorized`` / ``updateauthorized`` and a successful fast registration
   answer WeChat first and exchange the code in the background (``api_query_auth``, retried;
   :func:`~wxcomponent.core.endpoints.component.query_auth` makes the push and the browser redirect
   exchanging the same code harmless); ``unauthorized`` marks the authorizer revoked and drops
   its tokens before answering. An ``unauthorized``, ``authorized`` or ``updateauthorized``
   older (by ``CreateTime``) than the authorizer's latest recorded authorization change does
   nothing, whatever the dedupe store holds: no handler runs, nothing is forwarded, and the
   answer is ``success`` (``push_ignored`` goes to the listeners), so a late or replayed push
   never moves an account backwards;
7. runs the user handlers registered with :meth:`Callbacks.on` (or the
   :meth:`Callbacks.on_default` ones when none matches), in registration order. The code
   exchange of an ``authorized`` push may still be running then: a handler that needs the
   authorizer calls ``query_auth(event.authorization_code)``, which waits for that exchange
   and reads its result instead of exchanging the code again;
8. answers exactly ``success`` (HTTP 200, ``text/plain``), or, for a message of an authorizer
   whose handler returned a passive reply (the first one, when several did), the reply
   encrypted with the key that decrypted the request (``success`` again when the reply
   cannot be built, which is logged).

Failures, decided once here:

* A refused push gets the ``http_status`` of its :class:`~wxcomponent.errors.CallbackError`
  and a short plain-text reason, never a traceback or a secret. No input gives a 500:
  anything unexpected while reading a push is answered 400.
* **A built-in step that fails** (typically a :class:`~wxcomponent.errors.StoreError` while
  saving the ticket) releases the dedupe lease and answers 503, so WeChat retries the push
  and nothing is lost.
* **A user handler that raises** is logged with its traceback (logger ``wxcomponent``), a
  ``handler_failed`` event is emitted to the listeners, the other handlers still run, and the
  answer is still ``success``. The built-ins already ran, so the platform's state is right;
  a retry by WeChat would not fix the handler's code, and an answer other than ``success``
  only makes WeChat count the push as failed. Handlers that need a retry should record their
  own work and pick it up again.

The rules live by step: :mod:`.checks` (the request), :mod:`.built_ins`, :mod:`.router` (the
user's handlers), :mod:`.answers` and :mod:`.dispatch` (one push from request to answer);
:mod:`.options` holds :class:`CallbackOptions`.

Internal package: import :class:`CallbackOptions`, :class:`Push` and
:class:`CallbackResponse` from :mod:`wxcomponent`.
"""

from __future__ import annotations

from ..exchange import exchange_code
from .answers import CallbackResponse
from .dispatch import dispatch_message, handle_callback
from .options import CallbackOptions
from .router import Callbacks, Handler, HandlerKey, Push, RefusedRequest

__all__ = [
    "CallbackOptions",
    "CallbackResponse",
    "Callbacks",
    "Handler",
    "HandlerKey",
    "Push",
    "RefusedRequest",
    "dispatch_message",
    "exchange_code",
    "handle_callback",
]
