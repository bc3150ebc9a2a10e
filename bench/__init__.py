"""Benchmarks: speed, memory and scale of deptfeeds, side by side with the peers a user would pick."""
