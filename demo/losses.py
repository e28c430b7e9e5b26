"""Which loss really runs: call a model with labels and record the torch loss function it used.

A TorchFunctionMode sees every torch function called inside its ``with`` block; modes are
thread-local, so concurrent requests never see each other's calls. The anatomy (every class ×
problem type) and each task's "compute the loss" button use the same recorder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demo.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedModel

# torch function name -> the nn.Module loss a student would write
LOSS_NAMES = {
    "cross_entropy": "CrossEntropyLoss",
    "mse_loss": "MSELoss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "nll_loss": "NLLLoss",
    "l1_loss": "L1Loss",
    "smooth_l1_loss": "SmoothL1Loss",
}


def _loss_recorder() -> Any:
    from torch.overrides import TorchFunctionMode

    class LossRecorder(TorchFunctionMode):
        """Records the torch loss functions called inside the `with` block (this thread only)."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def __torch_function__(self, func, types, args=(), kwargs=None) -> Any:  # noqa: ANN001
            name = getattr(func, "__name__", "")
            if name in LOSS_NAMES and name not in self.seen:
                self.seen.append(name)
            return func(*args, **(kwargs or {}))

    return LossRecorder()


def run_with_labels(model: "PreTrainedModel", inputs: dict, labels: dict) -> dict:
    """Call the model with labels; return the loss value and which loss function produced it."""
    import torch

    recorder = _loss_recorder()
    with torch.no_grad(), recorder:
        out = model(**inputs, **labels)
    if out.loss is None:
        raise BadInput(f"{type(model).__name__} returned no loss for these labels.")
    return {
        "loss": float(out.loss),
        "loss_function": [LOSS_NAMES[n] for n in recorder.seen],
        "logits_shape": list(out.logits.shape) if getattr(out, "logits", None) is not None else None,
    }
