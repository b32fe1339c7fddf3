"""A deterministic Texas: the TDSP inbound files of N meters over D days across the five TDSPs.

Everything is written with the writers of smt.formats; the same configuration gives the same
bytes. See engine.py for the order of files and the modules it uses for each part.
"""

from __future__ import annotations

from pathlib import Path

from smt.simulator.config import SimulationConfig, SimulationSummary, default_start
from smt.simulator.engine import run
from smt.simulator.reps import REPS, Rep


def simulate(config: SimulationConfig, out_dir: Path) -> SimulationSummary:
    """Write the inbound files of `config` into `out_dir` (created if need be)."""
    return run(config, out_dir)


__all__ = ["REPS", "Rep", "SimulationConfig", "SimulationSummary", "default_start", "simulate"]
