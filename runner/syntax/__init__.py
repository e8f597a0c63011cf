"""Block-local syntax: shell commands and here-documents, kubectl calls, YAML with the line of every field, Kubernetes object shape."""
