"""Whether a file is a torch state dict, asked before any work (a named weights file is probed
when the parameters are validated). Cached per file version."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=8)
def _state_dict_error(path: Path, mtime_ns: int) -> str | None:
    import torch  # only when a weights file is named: this module stays light

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any failure means "not a checkpoint"; reported with the file
        return f"cannot be read as a torch checkpoint ({type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]})"
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return "holds no state dict (a mapping of parameter names to tensors)"
    return None


def check_state_dict(path: Path) -> None:
    """The file loads (``weights_only``) and holds a state dict; checked when the parameters
    are validated, before any node runs. Cached per file version."""
    error = _state_dict_error(path.resolve(), path.stat().st_mtime_ns)
    if error is not None:
        raise ValueError(f"{path} {error}")
