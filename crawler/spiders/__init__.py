"""The one generic spider; sources are data (deptfeeds.toml), not spider classes."""
