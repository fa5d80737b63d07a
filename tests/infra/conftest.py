"""Makes the offline infra checks importable as `infra_checks`, whatever pytest's import mode or packages."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
