"""Plumbing shared by the rule scripts (not a rule): library path and the rule's log.

Snakemake runs each ``script:`` with this folder on ``sys.path``, so rule scripts do
``from common import run_rule`` and call ``run_rule(main, snakemake)``.

The one ``sys.path`` line of the project is here, on purpose: with ``--sdm conda`` each rule
runs in its own environment from ``envs/``, which has the study's dependencies but not this
package, so the scripts find ``cebra_sae`` in ``src/`` themselves. (Where the package is
installed, ``pip install -e .``, the line changes nothing: it points at the same folder.)
"""

import logging
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from cebra_sae.errors import StudyError  # noqa: E402

log = logging.getLogger("cebra_sae")


def warn(message: str) -> None:
    """A warning for the person running the study: in the rule's log and on the console."""
    log.warning("WARNING: %s", message)
    print(f"WARNING: {message}", file=sys.__stderr__)


def process_age() -> float:
    """Seconds since this process started: from ``/proc`` on Linux (10 ms resolution; the
    start time psutil gives is offset by up to a second, the boot time's rounding), else
    psutil's."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22
            return float(uptime.read().split()[0]) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        import psutil

        return time.time() - psutil.Process().create_time()


def timing_line(startup: float, entered: float) -> str:
    """Where a job's time went: ``startup``, the process's age when the rule's ``main`` was
    called (the interpreter, Snakemake's script preamble and the script's module imports),
    and compute, ``main`` itself from ``entered`` (``time.perf_counter``) on, its own imports
    included. The runtime table reads it back (``cebra_sae.report.runtime``)."""
    return f"timing: start-up {startup:.3f} s, compute {time.perf_counter() - entered:.3f} s"


def run_rule(main, snakemake) -> None:
    """Run ``main(snakemake)`` with stdout, stderr and logging sent to the rule's log.

    A :class:`StudyError` (bad input) becomes one ``ERROR:`` line in the log, and exit
    status 1; anything else leaves its traceback in the log and one line on the console
    naming the log. The ``ERROR:`` line reaches the console once, through Snakemake, which
    prints a failed job's log (``show-failed-logs: true`` in the workflow profile
    ``profiles/default``, which every run loads; under ``--workflow-profile none`` it names
    the log instead). Printing it on the console too would show every message twice.
    Snakemake removes the job's outputs after a failure, so nothing half-written stays.
    A finished job's last log line is its :func:`timing_line`.
    """
    console = sys.__stderr__
    startup, entered = process_age(), time.perf_counter()
    with open(snakemake.log[0], "w", buffering=1) as stream:
        sys.stdout = sys.stderr = stream
        logging.basicConfig(
            stream=stream, level=logging.INFO, format="%(asctime)s %(message)s", force=True
        )
        try:
            main(snakemake)
            log.info(timing_line(startup, entered))
        except StudyError as err:
            print(f"ERROR: {err}", file=stream)  # Snakemake shows the failed log: once
            raise SystemExit(1) from None
        except Exception:
            traceback.print_exc(file=stream)
            print(f"ERROR: unexpected failure, see {snakemake.log[0]}", file=console)
            raise SystemExit(1) from None
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
