"""The protocol core: the rules as pure functions, data and flows; no I/O. Both shells drive it.

Internal package: its modules may change between releases. Everything meant for users is
exported by :mod:`wxcomponent` (and :mod:`wxcomponent.stores`).
"""
