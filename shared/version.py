"""The product version reported by health endpoints and telemetry."""
import os

VERSION = os.environ.get("ARCHER_VERSION", "0.1.0")
