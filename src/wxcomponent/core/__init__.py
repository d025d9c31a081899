"""The protocol core: pure functions and data, no I/O. Both shells drive it."""
