"""Feeds: build RSS, Atom and JSON Feed from the store, write them atomically, serve them."""
