"""tutorial-runner: Kubernetes hands-on tutorials (Markdown) as executable, gradable lessons.

Data flows one way: parse -> render -> plan -> execute -> check -> report.
Offline modules (parse, render, lint) never import the kubernetes client, so
`tutorial --help`, `show`, `list` and `lint` start fast.
"""

__version__ = "0.1.0"

# the Kubernetes minor this release is built and tested against: the local cluster, the client
# (kubernetes>=34.1,<35), the OpenAPI schemas `tutorial lint` checks manifests with
KUBERNETES_VERSION = "v1.34"
