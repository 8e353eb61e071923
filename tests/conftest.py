import os

# Nothing may prompt or open a window in tests (and CI).
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Under pytest-xdist (make test-fast: -n 2) each worker is one process on one core: torch's own
# threads would otherwise oversubscribe the cores the workers already fill.
if os.environ.get("PYTEST_XDIST_WORKER"):
    import torch

    torch.set_num_threads(1)
