"""One lesson run on a cluster: the request, the working directory, the runner with its waits and evidence, cleanup, signals, `--all`."""
