"""The application shell: the `deptfeeds` command, the demo and the sample-site mirror."""
