"""Builds the two deployables the way the deploy does, for the deploy rehearsal test.

- The Function app package: the project folder minus what .funcignore excludes (what `func`/azd/functions-action zip).
- The voice app folder: what voice/Dockerfile copies, minus what .dockerignore excludes.
- A clean virtual environment per lock file (python -m venv + pip install --require-hashes), cached under
  .local/rehearsal/<name>-<lock hash> so reruns are fast; a changed lock builds a new one.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pathspec

INSTALL_TIMEOUT_S = 1200


def _spec(ignore_file: Path) -> pathspec.PathSpec:
    lines = [ln for ln in ignore_file.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return pathspec.GitIgnoreSpec.from_lines(lines)


def packaged_files(root: Path, ignore_file: Path) -> list[str]:
    """Relative paths under root that survive the ignore file (directories pruned as the packagers do)."""
    spec = _spec(ignore_file)
    files: list[str] = []
    for current, dirs, names in os.walk(root):
        rel_dir = Path(current).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not spec.match_file(f"{(rel_dir / d).as_posix()}/"))
        for name in sorted(names):
            rel = (rel_dir / name).as_posix()
            if not spec.match_file(rel) and not (Path(current) / name).is_symlink():
                files.append(rel)
    return files


def build_function_package(root: Path, dest: Path) -> list[str]:
    files = packaged_files(root, root / ".funcignore")
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    return files


def _docker_patterns(ignore_file: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore rules as Docker reads them: anchored at the context root, `*` within one path segment, `**`
    across segments, `!` re-includes; a rule matching a parent directory matches everything below it."""
    rules = []
    for line in ignore_file.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        rules.append((negate, re.compile(f"^{regex}(/.*)?$")))
    return rules


def docker_context_files(root: Path, ignore_file: Path) -> list[str]:
    rules = _docker_patterns(ignore_file)

    def excluded(rel: str) -> bool:
        verdict = False
        for negate, regex in rules:
            if regex.match(rel):
                verdict = not negate
        return verdict

    files = []
    for current, dirs, names in os.walk(root):
        rel_dir = Path(current).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not (rel_dir == Path(".") and d in (".git", ".venv", "node_modules", ".local")))
        for name in sorted(names):
            rel = (rel_dir / name).as_posix()
            if not excluded(rel) and not (Path(current) / name).is_symlink():
                files.append(rel)
    return files


def build_voice_context(root: Path, dest: Path) -> list[str]:
    """The Docker build context after .dockerignore, reduced to what the Dockerfile COPYs (shared/, voice/)."""
    context = docker_context_files(root, root / ".dockerignore")
    outside = [f for f in context if not f.startswith(("shared/", "voice/"))]
    if outside:
        raise AssertionError(f".dockerignore lets files the image never uses into the build context: {outside[:5]}")
    files = context
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    return files


def locked_venv(root: Path, lock: Path, name: str) -> Path:
    """A venv with exactly the hashed lock installed; built once per lock content."""
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    cache = root / ".local" / "rehearsal"
    target = cache / f"{name}-{digest}"
    if (target / "installed").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)          # a half-built one (no marker) from an interrupted run
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True, timeout=120)
    proc = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--require-hashes",
                           "-r", str(lock)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(f"pip install of {lock.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    (target / "installed").write_text(lock.name)
    for stale in cache.glob(f"{name}-*"):            # venvs of earlier lock versions
        if stale != target and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return target
