"""Feeds: build RSS and Atom from the store, write them atomically, serve them."""
