"""Every event the library tells its listeners about, with what it means.

A flow announces an event with :class:`~wxcomponent.core.effects.Emit`, which takes a
:class:`ListenerEvent`, so a name that is not declared here does not type-check. Listeners
(``listener(name, fields)``) get the name as a plain string; whoever matches events (the
service's metrics, health and console, the command line) compares it with these members,
which are strings too. The fields never hold a secret.

Internal module.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

__all__ = ["FREQUENT_EVENTS", "LISTENER_EVENTS", "PUSH_OUTCOMES", "ListenerEvent", "listening_to",
           "wants"]

F = TypeVar("F", bound=Callable[..., object])


class ListenerEvent(str, Enum):
    """An event listeners are told about: the value is its name; :attr:`meaning` says what
    happened."""

    meaning: str

    def __new__(cls, name: str, meaning: str) -> ListenerEvent:
        member = str.__new__(cls, name)
        member._value_ = name
        member.meaning = meaning
        return member

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    # tickets and tokens
    TICKET_RECEIVED = ("ticket_received",
                       "a verify ticket was pushed (kept when newer than the stored one)")
    TICKET_REQUESTED = ("ticket_requested",
                        "WeChat was asked to push a ticket (the stored one missing or old)")
    TOKEN_REFRESHED = "token_refreshed", "a token was fetched from WeChat and stored"
    REFRESH_FAILED = "refresh_failed", "fetching a token from WeChat failed"
    LEASE_LOST = "lease_lost", "a token's refresh outlived its lease and made no further call"
    REFRESH_TOKEN_ROTATED = ("refresh_token_rotated",
                             "an authorizer's new refresh token was stored")
    QUOTA_EXHAUSTED = ("quota_exhausted",
                       "WeChat answered that an API's daily quota is used up (45009; 48006: "
                       "the month's quota clears too)")
    API_CALLED = ("api_called",
                  "a call to WeChat's API was answered (its errcode, 0 for success, and "
                  "rid) or got no answer (errcode 'transport')")
    # authorizers
    AUTHORIZER_SAVED = "authorizer_saved", "an authorizer's record was written"
    AUTHORIZER_REVOKED = "authorizer_revoked", "an authorizer was marked revoked"
    AUTHORIZER_REMOVED = ("authorizer_removed",
                          "a record an older version kept of a release-check account was "
                          "removed")
    AUTHORIZER_RECONCILED = ("authorizer_reconciled",
                             "an authorizer on WeChat's list and missing from the store was "
                             "added")
    AUTHORIZATION_EXCHANGE_FAILED = ("authorization_exchange_failed",
                                     "exchanging an authorization code failed for good")
    AUTHORIZATION_CHANGE_IGNORED = ("authorization_change_ignored",
                                    "an authorization change older than the account's latest "
                                    "was ignored")
    # pushes
    PUSH_HANDLED = "push_handled", "a push was handled (built-ins and handlers ran)"
    PUSH_DUPLICATE = "push_duplicate", "a push already handled came again (WeChat's retry)"
    PUSH_REFUSED = "push_refused", "a request to a callback URL was refused (4xx)"
    PUSH_FAILED = "push_failed", "a push could not be handled now and was answered 503"
    PUSH_IGNORED = ("push_ignored",
                    "an authorization push older than the account's latest change did nothing")
    PUSH_QUEUED = "push_queued", "a push was queued for the webhooks"
    HANDLER_FAILED = "handler_failed", "a push handler raised (the push was still answered)"
    # the release check
    RELEASE_CHECK = "release_check", "a case of WeChat's release check was answered"
    RELEASE_CHECK_ANSWERED = ("release_check_answered",
                              "the release check's code case was answered through the API")
    RELEASE_CHECK_FAILED = ("release_check_failed",
                            "answering the release check's code case through the API failed")
    RELEASE_CHECK_AUTHORIZED = ("release_check_authorized",
                                "a release-check account's code was exchanged (its token "
                                "cached, no record kept)")
    # shipments
    SHIP_STARTED = "ship_started", "a shipment started (or resumed)"
    SHIP_APP = "ship_app", "a step of one mini program of a shipment ended (its state)"
    SHIP_FINISHED = "ship_finished", "every mini program of a shipment has an outcome"


#: Every name listeners may be given.
LISTENER_EVENTS: frozenset[str] = frozenset(event.value for event in ListenerEvent)

#: The events that tell how a push ended, each with its outcome in one word.
PUSH_OUTCOMES: dict[str, str] = {
    ListenerEvent.PUSH_HANDLED: "handled",
    ListenerEvent.PUSH_DUPLICATE: "duplicate",
    ListenerEvent.PUSH_REFUSED: "refused",
    ListenerEvent.PUSH_FAILED: "failed",
    ListenerEvent.PUSH_IGNORED: "ignored",
}

#: Events announced on every call to WeChat: logged at DEBUG rather than INFO.
FREQUENT_EVENTS: frozenset[str] = frozenset({ListenerEvent.API_CALLED.value})


def listening_to(*events: str) -> Callable[[F], F]:
    """Declare that a listener (a function) is interested in ``events`` only: the shells
    call it for those and skip it for every other (a push emits several events, each
    listener would otherwise be called for all of them). A listener without the
    declaration is called for every event."""

    def declare(listener: F) -> F:
        listener.wx_events = frozenset(map(str, events))  # type: ignore[attr-defined]
        return listener

    return declare


def wants(listener: object, name: str) -> bool:
    """Whether ``listener`` is to be told of the event ``name`` (see :func:`listening_to`)."""
    events = getattr(listener, "wx_events", None)
    return events is None or name in events
