"""The parser on real tutorials as published (../shared/wild), unedited."""

from __future__ import annotations

from collections import Counter

from runner.lesson.model import StepType
from runner.lesson.parser import parse_file


def by_line(lesson):
    return {s.line: s for s in lesson.steps}


def test_storage_tutorial_counts(storage_wild):
    lesson = parse_file(storage_wild)
    counts = Counter(s.type.value for s in lesson.steps)
    assert counts == {"manifest": 3, "in-pod": 11, "command": 4, "interactive": 1}
    assert lesson.meta.title == "AI and Scientific Research Computing using Kubernetes Tutorial"


def test_storage_tutorial_manifests_know_file_kind_and_line(storage_wild):
    steps = by_line(parse_file(storage_wild))
    s1, pvc, job = steps[20], steps[88], steps[123]
    assert (s1.type, s1.objects[0].kind, s1.objects[0].name, s1.file) == (StepType.MANIFEST, "Pod", "s1-<username>", "s1.yaml")
    assert (pvc.objects[0].kind, pvc.objects[0].name, pvc.file) == ("PersistentVolumeClaim", "vol-<username>", "pvc.yaml")
    assert (job.objects[0].kind, job.file) == ("Job", "storage-example3.yaml")  # heading right above the fence
    assert s1.objects[0].name_line == 24


def test_storage_tutorial_in_pod_commands_know_their_pod(storage_wild):
    steps = by_line(parse_file(storage_wild))
    df = steps[57]
    assert df.type is StepType.IN_POD and df.pod == "s1-<username>" and df.pod_kind == "Pod"
    assert df.command == "df -H / /mnt/myscratch /tmp /mytmp /dev/shm"
    ls = steps[188]
    assert ls.type is StepType.IN_POD and ls.pod == "lammps-nvidia-gpu1-<username>" and ls.pod_kind == "Job"
    # after an interactive exec, the commands typed go to that pod; a fence with a space after backticks too
    assert steps[220].type is StepType.INTERACTIVE and "interactive shell" in steps[220].reason
    assert [steps[n].pod for n in (226, 233, 238)] == ["pod-username"] * 3


def test_storage_tutorial_host_commands(storage_wild):
    steps = by_line(parse_file(storage_wild))
    assert steps[107].type is StepType.COMMAND and steps[107].command == "kubectl get pvc vol-<username>"
    assert steps[210].command == "kubectl apply -f pod-awscli.yaml"


def test_data_tutorial_counts(data_wild):
    lesson = parse_file(data_wild)
    counts = Counter(s.type.value for s in lesson.steps)
    assert counts == {"command": 20, "manifest": 11, "file": 3, "in-pod": 5, "other": 1}
    ids = [s.id for s in lesson.steps]
    assert len(ids) == len(set(ids))


def test_data_tutorial_files_from_prose(data_wild):
    steps = by_line(parse_file(data_wild))
    hello = steps[10]
    assert (hello.type, hello.file, hello.action) == (StepType.FILE, "hello.txt", "create")
    assert (steps[76].file, steps[76].action) == ("world.txt", "create")
    update = steps[117]
    assert (update.type, update.file, update.action) == (StepType.FILE, "hello.txt", "update")


def test_data_tutorial_path_block_is_not_a_command(data_wild):
    steps = by_line(parse_file(data_wild))
    assert steps[62].type is StepType.OTHER and "path" in steps[62].reason


def test_data_tutorial_pipeline_is_one_command(data_wild):
    steps = by_line(parse_file(data_wild))
    cmd = steps[122].command
    assert cmd.startswith("kubectl create configmap config2-<username>") and cmd.endswith("|kubectl replace -f -")


def test_data_tutorial_manifests(data_wild):
    lesson = parse_file(data_wild)
    manifests = [(s.line, s.objects[0].kind, s.objects[0].name) for s in lesson.steps if s.type is StepType.MANIFEST]
    assert manifests == [
        (29, "Pod", "c1-<username>"),
        (87, "Pod", "c2-<username>"),
        (145, "Job", "c3-<username>"),
        (177, "Job", "c3m-<username>"),
        (223, "Job", "c4p-<username>"),
        (265, "Job", "c4pt-<username>"),
        (322, "Pod", "s1-<username>"),
        (383, "Job", "c5-<username>"),
        (472, "PersistentVolumeClaim", "vol-<username>"),
        (508, "Job", "s3-<username>"),
        (570, "Pod", "s4-<username>"),
    ]


def test_data_tutorial_in_pod_after_login_prose(data_wild):
    steps = by_line(parse_file(data_wild))
    assert steps[359].pod == "s1-<username>"
    assert steps[545].pod == "s3-<username>" and steps[545].pod_kind == "Job"
    assert steps[603].type is StepType.IN_POD and steps[603].pod == "s4-<username>"
    # the `kubectl logs` of a Job's pod stays a host command
    assert steps[441].type is StepType.COMMAND
