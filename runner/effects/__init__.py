"""What every step of a lesson does: the one model lint, the planner, the runner, the graders, `clean` and `new` read.

`Effects` (objects a step creates, deletes and refers to; manifests of blocks,
files and here-documents) and its `io(step)` (`StepIO`: the files, variables,
objects, namespaces and API kinds a step needs from earlier steps and makes
for later ones). `environment` says what a step needs of the world around the
tutorial (images, hosts, programs, GPUs, clouds); `commands` reads a shell
command's files and variables from the bash grammar.
"""

from runner.effects.effects import HOST_TYPES, Call, Effect, Effects, Manifest, owners, pod_base
from runner.effects.io import Made, Need, StepIO

__all__ = ["HOST_TYPES", "Call", "Effect", "Effects", "Made", "Manifest", "Need", "StepIO", "owners", "pod_base"]
