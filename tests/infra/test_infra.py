"""Offline checks of infra/, azure.yaml and the workflows against the real files.

No Bicep compiler is available offline: templates are parsed with pycep-parser and checked structurally.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import infra_checks as checks
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_real_infra_passes(check: Callable[[Path], list[str]]) -> None:
    assert check(ROOT) == []


def test_every_bicep_file_is_checked() -> None:
    names = {p.relative_to(ROOT / "infra").as_posix() for p in checks.bicep_files(ROOT)}
    assert "main.bicep" in names
    assert {f"modules/{m}.bicep" for m in checks.REQUIRED_MODULES} <= names


def test_bicepparam_reads_from_environment_only() -> None:
    text = (ROOT / "infra" / "main.bicepparam").read_text()
    assert text.count("using './main.bicep'") == 1
    assert "readEnvironmentVariable('AZURE_ENV_NAME'" in text
