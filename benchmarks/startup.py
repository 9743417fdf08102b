"""Training and start-up benchmark: the time and peak memory of `rasa train`, and of the Rasa server
from start until it answers and then at rest. Prints the figures and the goals of issue 5
(training under 10 minutes, the server under 1.5 GB).

    .venv/bin/python benchmarks/startup.py                 # train into a temporary folder, then serve it
    .venv/bin/python benchmarks/startup.py --skip-training # serve models/current.tar.gz only

Memory is the resident set of the process and its children, sampled twice a second, plus the
kernel's own high-water mark (VmHWM) of the main process.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
TRAINING_GOAL_SECONDS = 600
SERVER_GOAL_MB = 1536


@dataclass
class Measured:
    seconds: float
    peak_mb: float


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(child) for child in text.split()]
    return found + [grand for child in found for grand in _children(child)]


def _status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(pid: int) -> float:
    return sum(_status_mb(p, "VmRSS:") for p in [pid, *_children(pid)])


def _environment() -> dict:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_PORT": os.environ.get("RASA_PORT", "5005"), "ACTION_PORT": os.environ.get("ACTION_PORT", "5055")}


def measure_training(out: Path) -> Measured:
    started = time.monotonic()
    process = subprocess.Popen(
        [str(RASA), "train", "--force", "--fixed-model-name", "bench", "--out", str(out), "--quiet"],
        cwd=ROOT, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid), _status_mb(process.pid, "VmHWM:"))
        time.sleep(0.5)
    if process.returncode != 0:
        raise SystemExit(f"rasa train failed with exit status {process.returncode}")
    return Measured(time.monotonic() - started, peak)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def measure_server(model: Path, rest_seconds: float) -> tuple[Measured, float]:
    """(start-up time and peak memory until it answers, resident memory after `rest_seconds`)."""
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [str(RASA), "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
         "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
        cwd=ROOT, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        peak = 0.0
        while not _answers(f"http://127.0.0.1:{port}/"):
            if process.poll() is not None:
                raise SystemExit("the Rasa server stopped while starting")
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.5)
        startup = Measured(time.monotonic() - started, max(peak, _status_mb(process.pid, "VmHWM:")))
        time.sleep(rest_seconds)
        return startup, tree_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def verdict(value: float, goal: float) -> str:
    return "met" if value < goal else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-training", action="store_true", help="serve models/current.tar.gz only")
    parser.add_argument("--rest", type=float, default=20, help="seconds to wait before reading memory at rest")
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}; Rasa: {RASA}")
    with tempfile.TemporaryDirectory() as folder:
        model = ROOT / "models" / "current.tar.gz"
        if not args.skip_training:
            training = measure_training(Path(folder))
            model = Path(folder) / "bench.tar.gz"
            print(f"rasa train: {training.seconds / 60:.1f} min, peak {training.peak_mb:.0f} MB "
                  f"(goal under {TRAINING_GOAL_SECONDS // 60} min: {verdict(training.seconds, TRAINING_GOAL_SECONDS)})")
        startup, at_rest = measure_server(model, args.rest)
    print(f"Rasa server: answers after {startup.seconds:.1f} s, peak while starting {startup.peak_mb:.0f} MB, "
          f"at rest {at_rest:.0f} MB (goal under {SERVER_GOAL_MB} MB: {verdict(max(startup.peak_mb, at_rest), SERVER_GOAL_MB)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
