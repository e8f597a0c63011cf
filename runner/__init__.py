"""tutorial-runner: Kubernetes hands-on tutorials (Markdown) as executable, gradable lessons.

Data flows one way: parse -> render -> plan -> execute -> check -> report.
Offline modules (parse, render, lint) never import the kubernetes client, so
`tutorial --help`, `show`, `list` and `lint` start fast.
"""

__version__ = "0.1.0"
