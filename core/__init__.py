"""The ground floor every room stands on: the config, the store and the locks.

crawler/, feeds/, scheduler/ and the command line import from here; nothing here imports them.
"""
