"""A real single-node Kubernetes cluster built and run on this machine (``tutorial cluster``).

Public Python API: :func:`up`, :func:`down`, :func:`is_up` and :func:`kubeconfig_path`;
the click group lives in :mod:`runner.cluster.commands` (imported lazily so that
``import runner.cluster`` stays cheap and needs no kubernetes client).
"""

from __future__ import annotations

from runner.cluster import paths


def up(smoke: bool = True, quiet: bool = False) -> float:
    from runner.cluster.cluster import up as _up
    from runner.cluster.ui import Reporter

    return _up(Reporter(quiet=quiet), smoke=smoke)


def down(reset: bool = False) -> None:
    from runner.cluster.cluster import down as _down
    from runner.cluster.ui import Reporter

    _down(Reporter(), reset=reset)


def is_up() -> bool:
    from runner.cluster.cluster import is_up as _is_up

    return _is_up()


def kubeconfig_path():
    return paths.admin_kubeconfig()


def kubectl_path():
    return paths.kubectl()
