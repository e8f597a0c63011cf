"""GPU checks and nvidia-smi parsing: the local stand-in's output and the layouts real drivers print."""

from __future__ import annotations

from check_support import FakeProbe, job, pod

from checks.gpu import SIMULATED, gpu_visible, indexed_sweep
from checks.parsing import parse_nvidia_smi
from runner.kube.exec import ExecResult

# recorded: `kubectl exec gpu-eng6a -- nvidia-smi` on the local cluster (the A10 stand-in, driver 535 layout)
SMI_535 = """Sun Nov 29 10:16:02 2026
+---------------------------------------------------------------------------------------+
| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |
|-----------------------------------------+----------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |
|                                         |                      |               MIG M. |
|=========================================+======================+======================|
|   0  NVIDIA A10                     On  | 00000000:00:1E.0 Off |                    0 |
|  0%   31C    P8              16W / 150W |      4MiB / 23028MiB |      0%      Default |
|                                         |                      |                  N/A |
+-----------------------------------------+----------------------+----------------------+

+---------------------------------------------------------------------------------------+
| Processes:                                                                            |
|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |
|        ID   ID                                                             Usage      |
|=======================================================================================|
|  No running processes found                                                           |
+---------------------------------------------------------------------------------------+
"""
SMI_L = "GPU 0: NVIDIA A10 (UUID: GPU-5f1c2a3e-0b6d-4e1a-9c7e-000000000000)\n"

# driver 470 (Tesla T4 on a cloud VM): narrower columns, `Persistence-M|` without a space
SMI_470 = """Mon Oct 18 14:47:58 2021
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  Tesla T4            Off  | 00000000:00:04.0 Off |                    0 |
| N/A   38C    P8     9W /  70W |      0MiB / 15109MiB |      0%      Default |
|                               |                      |                  N/A |
+-------------------------------+----------------------+----------------------+
"""

# driver 570 (two H100s): wider Bus-Id column with leading spaces, names with spaces and digits
SMI_570 = """+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 570.86.15              Driver Version: 570.86.15      CUDA Version: 12.8     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA H100 80GB HBM3          On  |   00000000:18:00.0 Off |                    0 |
| N/A   27C    P0             69W /  700W |       1MiB /  81559MiB |      0%      Default |
|                                         |                        |             Disabled |
+-----------------------------------------+------------------------+----------------------+
|   1  NVIDIA H100 80GB HBM3          On  |   00000000:2A:00.0 Off |                    0 |
| N/A   29C    P0             70W /  700W |       1MiB /  81559MiB |      0%      Default |
|                                         |                        |             Disabled |
+-----------------------------------------+------------------------+----------------------+
"""
SMI_CSV = "name, memory.total [MiB], driver_version\nNVIDIA A10, 23028 MiB, 535.104.05\n"
NO_DRIVER = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest "
    "NVIDIA driver is installed and running.\n"
)
NOT_INSTALLED = "sh: 1: nvidia-smi: not found\n"


def test_parse_nvidia_smi_layouts():
    a10 = parse_nvidia_smi(SMI_535)
    assert (a10.driver, a10.cuda) == ("535.104.05", "12.2")
    assert [(g.name, g.memory_total_mib, g.memory_used_mib, g.bus_id) for g in a10.gpus] == [
        ("NVIDIA A10", 23028, 4, "00000000:00:1E.0")
    ]
    t4 = parse_nvidia_smi(SMI_470)
    assert (t4.driver, t4.cuda, t4.gpus[0].name, t4.gpus[0].memory_total_mib) == ("470.57.02", "11.4", "Tesla T4", 15109)
    h100 = parse_nvidia_smi(SMI_570)
    assert [g.name for g in h100.gpus] == ["NVIDIA H100 80GB HBM3"] * 2 and h100.gpus[1].bus_id == "00000000:2A:00.0"
    assert h100.gpus[0].memory_total_mib == 81559 and h100.cuda == "12.8"


def test_parse_nvidia_smi_list_csv_and_errors():
    listed = parse_nvidia_smi(SMI_L)
    assert listed.gpus[0].uuid == "GPU-5f1c2a3e-0b6d-4e1a-9c7e-000000000000" and listed.gpus[0].name == "NVIDIA A10"
    both = parse_nvidia_smi(SMI_535 + SMI_L)
    assert len(both.gpus) == 1 and both.gpus[0].uuid and both.gpus[0].memory_total_mib == 23028
    csv = parse_nvidia_smi(SMI_CSV)
    assert (csv.gpus[0].name, csv.gpus[0].memory_total_mib, csv.driver) == ("NVIDIA A10", 23028, "535.104.05")
    assert "couldn't communicate" in parse_nvidia_smi(NO_DRIVER).error and not parse_nvidia_smi(NO_DRIVER).gpus
    assert parse_nvidia_smi(NOT_INSTALLED).error == "sh: 1: nvidia-smi: not found"
    assert parse_nvidia_smi(SMI_535.replace("CUDA Version: 12.2", "CUDA Version: N/A")).cuda is None


def _gpu_pod(gpus=1, **kw):
    return pod("gpu-bob", containers=[{"name": "cuda", "resources": {"limits": {"nvidia.com/gpu": gpus} if gpus else {}}}], **kw)


def _smi_probe(stdout: str, gpus=1, simulated=True, stderr="") -> FakeProbe:
    return FakeProbe(
        objects={("Pod", "gpu-bob"): _gpu_pod(gpus)},
        simulated_gpu=simulated,
        on_exec=lambda p, cmd, c: ExecResult(cmd, stdout, stderr, 0 if stdout else 127),
    )


def test_gpu_visible_parses_and_marks_the_simulation():
    r = gpu_visible(probe=_smi_probe(SMI_535 + "@@list\n" + SMI_L), args={"pod": "gpu-bob", "gpus": "1"})
    assert r.status == "passed" and r.simulated == SIMULATED
    assert "NVIDIA A10, 23028 MiB, driver 535.104.05, CUDA 12.2" in r.summary
    real = gpu_visible(
        probe=_smi_probe(SMI_470 + "@@list\nGPU 0: Tesla T4 (UUID: GPU-1)\n", simulated=False), args={"pod": "gpu-bob"}
    )
    assert real.status == "passed" and real.simulated is None and "Tesla T4" in real.summary


def test_gpu_visible_mistakes():
    no_request = gpu_visible(probe=_smi_probe(SMI_535, gpus=0), args={"pod": "gpu-bob"})
    assert no_request.status == "failed" and "nvidia.com/gpu: 1" in no_request.hint
    two = gpu_visible(probe=_smi_probe(SMI_570, gpus=2), args={"pod": "gpu-bob", "gpus": "1"})
    assert two.status == "failed" and "requests 2" in two.summary
    sees_more = gpu_visible(probe=_smi_probe(SMI_570 + "@@list\n"), args={"pod": "gpu-bob", "gpus": "1"})
    assert sees_more.status == "failed" and "sees 2" in sees_more.summary
    no_driver = gpu_visible(probe=_smi_probe("", stderr=NO_DRIVER), args={"pod": "gpu-bob"})
    assert no_driver.status == "failed" and "couldn't communicate" in no_driver.summary


def _sweep_probe(completions=4, rates=("0.1", "0.03", "0.01", "0.003"), mode="Indexed", gpu_line=True):
    name = "gpu-sweep-bob"
    j = job(name, "complete", completions=completions, spec_extra={"completionMode": mode, "parallelism": 2})
    pods, logs = [], {}
    for i in range(completions):
        p = pod(
            f"{name}-{i}-abcde",
            phase="Succeeded",
            annotations={"batch.kubernetes.io/job-completion-index": str(i)},
            start=f"2026-11-29T10:16:0{i}Z",
        )
        pods.append(p)
        rate = rates[i] if i < len(rates) else ""
        # recorded: kubectl logs gpu-sweep-eng6a-<i>-...
        logs[(p["metadata"]["name"], None)] = f"index={i} rate={rate}\n" + (SMI_L if gpu_line else "")
    return FakeProbe(objects={("Job", name): j}, job_pods={name: pods}, pod_logs=logs, simulated_gpu=True)


ARGS = {"job": "gpu-sweep-bob", "completions": "4", "param": "rate", "gpus": "1"}


def test_indexed_sweep_passes_with_a_value_per_index():
    r = indexed_sweep(probe=_sweep_probe(), args=ARGS)
    assert r.status == "passed" and "0:0.1, 1:0.03, 2:0.01, 3:0.003" in r.summary and r.simulated


def test_indexed_sweep_wrong_completions_says_what_is_wrong():
    r = indexed_sweep(probe=_sweep_probe(completions=3), args=ARGS)
    assert r.status == "failed" and "completions: 3" in r.summary and "set `completions: 4`" in r.hint and "never runs" in r.hint
    more = indexed_sweep(probe=_sweep_probe(completions=5), args=ARGS)
    assert more.status == "failed" and "without a parameter" in more.hint


def test_indexed_sweep_other_mistakes():
    same = indexed_sweep(probe=_sweep_probe(rates=("0.1",) * 4), args=ARGS)
    assert same.status == "failed" and "JOB_COMPLETION_INDEX" in same.hint
    not_indexed = indexed_sweep(probe=_sweep_probe(mode="NonIndexed"), args=ARGS)
    assert not_indexed.status == "failed" and "completionMode: Indexed" in not_indexed.hint
    no_gpu = indexed_sweep(probe=_sweep_probe(gpu_line=False), args=ARGS)
    assert no_gpu.status == "failed" and "saw 0 GPU" in no_gpu.summary
