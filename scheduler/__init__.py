"""The periodic job: schedules crawls of every source and rebuilds the feeds they change."""
