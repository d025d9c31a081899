"""The built-in handling of a push, before the user's handlers: the verify ticket stored,
``unauthorized`` applied, a code queued for its exchange (or exchanged in the background),
an authorization change older than the account's latest one ignored, and a compliance push
applied to the account's compliance record (:mod:`..compliance`).

Internal module.
"""

from __future__ import annotations

import functools

from ...events import Event, Unauthorized, VerifyTicket
from .. import outbox
from ..accounts import event_time, ignore_change, is_stale, revoke_on_push, save_ticket
from ..compliance import apply_push, changes_record
from ..context import Context
from ..effects import Flow, Spawn
from ..exchange import exchange_code
from .options import CallbackOptions


def _builtins(ctx: Context, options: CallbackOptions, event: Event,
              authorizer_appid: str | None = None) -> Flow[bool]:
    """The built-in handling of a push; False when it is an authorization change older than
    the account's latest recorded one, which must do nothing at all. A compliance push updates
    the account's compliance record (``authorizer_appid``: the account of the URL)."""
    if isinstance(event, VerifyTicket):  # the most frequent push: nothing else applies
        if options.store_ticket:
            yield from save_ticket(ctx, event.ticket, event.create_time)
        return True
    if options.track_compliance:
        yield from apply_push(ctx, event, authorizer_appid)
    if isinstance(event, Unauthorized) and options.forget_on_unauthorized:
        return (yield from revoke_on_push(ctx, event.authorizer_appid,
                                          event_time(event.create_time)))
    elif options.exchange_codes:
        exchange = outbox.exchange_of(event)
        if exchange is None:
            return True
        if exchange.authorizer_appid and (
                yield from is_stale(ctx, exchange.authorizer_appid, exchange.event_at)):
            # a replayed or late push: the account changed since; its code is not exchanged
            yield from ignore_change(ctx, exchange.authorizer_appid, exchange.source,
                                     exchange.event_at)
            return False
        if options.durable_exchanges:
            yield from outbox.enqueue_exchange(ctx, exchange, attempts=options.exchange_attempts)
            yield Spawn(functools.partial(outbox.drain_exchanges, ctx,
                                          backoff_base=options.exchange_backoff,
                                          max_attempts=options.exchange_attempts),
                        f"exchange of the {exchange.source} code of "
                        f"{exchange.authorizer_appid or 'an account'}")
        else:
            yield _exchange_later(ctx, options, exchange.code, exchange.authorizer_appid,
                                  exchange.source, exchange.event_at)
    return True


def repeatable(options: CallbackOptions, event: Event) -> bool:
    """True when the built-ins of ``event`` leave the same state however often they run, so
    that a retried push needs no dedupe lease when nothing else (a handler, the release
    check) runs for it: a verify ticket (the store keeps the newest, and the same ticket
    twice changes nothing), or a push whose only built-in is its forwarding (the outbox is
    keyed by the push: a retry adds no job). An authorization change, a code to exchange
    and a compliance push (a violation counts) are not."""
    if isinstance(event, VerifyTicket):
        return True
    if isinstance(event, Unauthorized) and options.forget_on_unauthorized:
        return False
    if options.exchange_codes and outbox.exchange_of(event) is not None:
        return False
    return not (options.track_compliance and changes_record(event))


def _exchange_later(ctx: Context, options: CallbackOptions, code: str, authorizer_appid: str,
                    source: str, event_at: int) -> Spawn:
    factory = functools.partial(exchange_code, ctx, code, attempts=options.exchange_attempts,
                                backoff=options.exchange_backoff,
                                authorizer_appid=authorizer_appid, source=source,
                                event_at=event_at)
    return Spawn(factory, f"exchange of the {source} code of {authorizer_appid or 'an account'}")
