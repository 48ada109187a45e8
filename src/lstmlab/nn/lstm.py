""":class:`LSTM`: a multi-layer LSTM written in PyTorch, drop-in compatible with ``torch.nn.LSTM``.

Same constructor, parameters (names, shapes, initialisation), inputs and outputs as
``torch.nn.LSTM``, so ``state_dict()`` moves between the two unchanged. In addition,
:meth:`LSTM.forward_with_gates` returns every gate at every step.

Two implementations compute the same function, chosen by the ``implementation`` attribute
(not a constructor argument, so the signature stays that of ``torch.nn.LSTM``):

* ``"fast"`` (default): :mod:`lstmlab.nn.fused`, a hand-written backward pass, its time loop
  compiled to C++ at first use (:mod:`lstmlab.nn.kernel`) where it can be;
* ``"fast-python"``: the same, its time loop always in Python (what ``"fast"`` falls back to);
* ``"reference"``: :mod:`lstmlab.nn.reference`, one readable equation step at a time; also
  what runs while a graph is captured (``torch.jit.trace``, ``torch.compile``, ``torch.export``).

DropConnect on the recurrent weights (AWD-LSTM, Merity et al. 2018) is the ``weight_drop``
attribute, likewise outside the constructor: in training, each forward call draws one dropout
mask per layer and direction over ``weight_hh_l{k}`` and runs the whole sequence with
``dropout(weight_hh, weight_drop)`` (kept weights scaled by ``1 / (1 - weight_drop)``, as
AWD-LSTM's ``WeightDrop`` does); gradients reach the weights through the mask. In eval mode,
or with ``weight_drop = 0`` (the default: no random draw at all), the weights are used as
they are.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from lstmlab.nn.cell import LayerWeights, LSTMGates
from lstmlab.nn.fused import fused_layer
from lstmlab.nn.reference import reference_layer
from lstmlab.nn.sequence import SequenceLayout, to_time_major_rows

Implementation = Literal["fast", "fast-python", "reference"]
State = tuple[Tensor, Tensor]


class LSTM(nn.Module):
    """Multi-layer (optionally bidirectional, projected) LSTM; see ``torch.nn.LSTM``.

    Args:
        input_size: features of each input step.
        hidden_size: features of the cell state ``c`` (and of ``h`` without projection).
        num_layers: stacked layers; layer k > 0 reads layer k-1's output.
        bias: whether to use ``bias_ih_l{k}`` and ``bias_hh_l{k}``.
        batch_first: input and output are ``(B, T, ·)`` instead of ``(T, B, ·)``.
        dropout: dropout probability on each layer's output except the last (training only).
        bidirectional: add a ``_reverse`` direction per layer reading the sequence backwards.
        proj_size: if > 0, ``h_t = W_hr (o_t * tanh(c_t))`` has ``proj_size`` features.

    Inputs ``input, (h_0, c_0)``: ``input`` is ``(T, B, input_size)`` (``(B, T, ·)`` if
    ``batch_first``), unbatched ``(T, input_size)``, or a ``PackedSequence``. ``h_0`` is
    ``(D*num_layers, B, P)`` and ``c_0`` is ``(D*num_layers, B, hidden_size)``, where ``D`` is 2
    if bidirectional else 1 and ``P = proj_size or hidden_size``; zeros when omitted.

    Outputs ``output, (h_n, c_n)``: ``output`` is ``(T, B, D*P)`` (same layout as ``input``,
    packed if it was packed), the last layer's ``h_t`` for every t; ``h_n`` and ``c_n`` are the
    final states, shaped like ``h_0`` and ``c_0``.
    """

    implementation: Implementation = "fast"
    weight_drop: float = 0.0  # DropConnect on weight_hh_l* in training (see the module doc)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        factory = {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            for suffix in self._direction_suffixes:
                names = self._register_layer(layer, suffix, factory)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _direction_suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def _output_size(self) -> int:
        """Features of ``h``: the projection's size if there is one."""
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _register_layer(self, layer: int, suffix: str, factory: dict) -> list[str]:
        """Create one layer-direction's parameters, in ``torch.nn.LSTM``'s order and names."""
        gate_size = 4 * self.hidden_size
        layer_input_size = (
            self.input_size if layer == 0 else self._output_size * len(self._direction_suffixes)
        )
        shapes = {
            "weight_ih": (gate_size, layer_input_size),
            "weight_hh": (gate_size, self._output_size),
        }
        if self.bias:
            shapes |= {"bias_ih": (gate_size,), "bias_hh": (gate_size,)}
        if self.proj_size > 0:
            shapes["weight_hr"] = (self.proj_size, self.hidden_size)
        names = []
        for kind, shape in shapes.items():
            name = f"{kind}_l{layer}{suffix}"
            self.register_parameter(name, nn.Parameter(torch.empty(shape, **factory)))
            names.append(name)
        return names

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), like PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def flatten_parameters(self) -> None:
        """Does nothing; kept so code written for ``torch.nn.LSTM`` runs unchanged."""

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """Every weight in ``_flat_weights_names`` order, as ``torch.nn.LSTM`` keeps them.

        Read afresh each time, so a weight replaced by a plain tensor (as
        ``torch.nn.utils.weight_norm`` does before each forward) is what is listed.
        """
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {
            "proj_size": 0,
            "num_layers": 1,
            "bias": True,
            "batch_first": False,
            "dropout": 0,
            "bidirectional": False,
        }
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.weight_drop > 0:
            text += f", weight_drop={self.weight_drop}"
        return text

    # --- conversion to and from torch.nn.LSTM -------------------------------------------------

    @classmethod
    def from_torch(cls, lstm: nn.LSTM) -> LSTM:
        """A copy of ``lstm`` (same hyper-parameters, weights, device, dtype and mode)."""
        return _copy_lstm(lstm, cls)

    def to_torch(self) -> nn.LSTM:
        """A ``torch.nn.LSTM`` copy of this module (same weights, device, dtype and mode)."""
        return _copy_lstm(self, nn.LSTM)

    # --- forward ------------------------------------------------------------------------------

    def forward(
        self, input: Tensor | PackedSequence, hx: State | None = None
    ) -> tuple[Tensor | PackedSequence, State]:
        output, state, _ = self._run(input, hx, record_gates=False)
        return output, state

    def forward_with_gates(
        self, input: Tensor | PackedSequence, hx: State | None = None
    ) -> tuple[Tensor | PackedSequence, State, dict[str, LSTMGates]]:
        """Like :meth:`forward`, also returning every gate of every layer and direction.

        Always uses the readable reference path. The third result maps ``"l{k}"`` (and
        ``"l{k}_reverse"``), the suffixes of the parameter names, to :class:`LSTMGates`
        whose tensors are laid out like ``output``: ``(T, B, hidden_size)`` (or ``(B, T, ·)``
        with ``batch_first``, ``(T, ·)`` unbatched, a ``PackedSequence`` for packed input).
        ``h`` has ``proj_size or hidden_size`` features and is that direction's output.
        Example: ``gates["l0"].f[t, b, j]`` is the forget gate of unit j for sequence b at step t.
        """
        return self._run(input, hx, record_gates=True)

    def _run(
        self, input: Tensor | PackedSequence, hx: State | None, record_gates: bool
    ) -> tuple[Tensor | PackedSequence, State, dict[str, LSTMGates]]:
        if self.implementation not in ("fast", "fast-python", "reference"):
            raise ValueError(
                "implementation must be 'fast', 'fast-python' or 'reference', "
                f"got {self.implementation!r}"
            )
        if not 0 <= self.weight_drop < 1:
            raise ValueError(f"weight_drop must be in [0, 1), got {self.weight_drop}")
        self._check_input(input)
        rows, layout = to_time_major_rows(input, self.batch_first)
        h_0, c_0 = self._initial_state(rows, layout, hx)
        # While a graph is captured (torch.jit.trace, torch.compile, torch.export), the reference
        # path's plain PyTorch operations are what the capturing tools understand; under
        # functorch transforms (vmap, grad) they are what has batching and nested-grad rules.
        capturing = torch.jit.is_tracing() or torch.compiler.is_compiling()
        transformed = torch._C._are_functorch_transforms_active()
        use_reference = (
            record_gates or self.implementation == "reference" or capturing or transformed
        )
        h_n, c_n, gates = [], [], {}
        directions = len(self._direction_suffixes)
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                rows = nn.functional.dropout(rows, self.dropout, training=True)
            first = layer * directions  # this layer's first state in h_0 / h_n
            weights = [self._layer_weights(layer, suffix) for suffix in self._direction_suffixes]
            if use_reference:
                outputs = []
                for direction, suffix in enumerate(self._direction_suffixes):
                    layer_gates, h, c = reference_layer(
                        rows,
                        layout.batch_sizes,
                        h_0[first + direction],
                        c_0[first + direction],
                        weights[direction],
                        reverse=suffix == "_reverse",
                    )
                    gates[f"l{layer}{suffix}"] = LSTMGates(*map(layout.restore, layer_gates))
                    outputs.append(layer_gates.h)
                    h_n.append(h)
                    c_n.append(c)
                rows = torch.cat(outputs, dim=1)
            else:
                states = (h_0[first : first + directions], c_0[first : first + directions])
                compiled = self.implementation == "fast"
                rows, h, c = fused_layer(rows, layout.batch_sizes, *states, weights, compiled)
                h_n.extend(h)
                c_n.extend(c)
        state = (layout.unsort_state(torch.stack(h_n)), layout.unsort_state(torch.stack(c_n)))
        return layout.restore(rows), state, gates

    def _layer_weights(self, layer: int, suffix: str) -> LayerWeights:
        """One layer-direction's weights for this forward call: called once per call, so a
        DropConnect mask (``weight_drop``) is drawn once and holds for every time step."""

        def parameter(kind: str) -> Tensor | None:
            return getattr(self, f"{kind}_l{layer}{suffix}", None)

        weights = LayerWeights(*(parameter(kind) for kind in LayerWeights._fields))
        if self.training and self.weight_drop > 0:
            dropped = nn.functional.dropout(weights.weight_hh, self.weight_drop, training=True)
            weights = weights._replace(weight_hh=dropped)
        return weights

    def _check_input(self, input: Tensor | PackedSequence) -> None:
        """The checks, exception types and messages of ``torch.nn.LSTM``."""
        is_packed = isinstance(input, PackedSequence)
        data = input.data if is_packed else input
        if not is_packed and data.dim() not in (2, 3):
            raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {data.dim()}D instead")
        weight = self.weight_ih_l0
        if data.dtype != weight.dtype and not torch.is_autocast_enabled(data.device.type):
            raise ValueError(
                f"RNN input dtype ({data.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: model.to({data.dtype})"
            )
        if is_packed and data.dim() != 2:
            raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
        if self.input_size != data.size(-1):
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. "
                f"Expected {self.input_size}, got {data.size(-1)}"
            )
        time_dim = 1 if self.batch_first and data.dim() == 3 else 0
        if not is_packed and data.size(time_dim) == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")

    def _initial_state(self, rows: Tensor, layout: SequenceLayout, hx: State | None) -> State:
        """``(h_0, c_0)`` in internal row order, ``(D*num_layers, B, ·)``; zeros if not given."""
        states = self.num_layers * len(self._direction_suffixes)
        batch = layout.batch_size
        if hx is None:
            return (
                rows.new_zeros(states, batch, self._output_size),
                rows.new_zeros(states, batch, self.hidden_size),
            )
        if not layout.is_packed:
            wanted, shape = (3, "batched 3-D") if layout.is_batched else (2, "unbatched 2-D")
            if hx[0].dim() != wanted or hx[1].dim() != wanted:
                raise RuntimeError(
                    f"For {shape} input, hx and cx should also be {wanted}-D "
                    f"but got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors"
                )
        h_0, c_0 = layout.sort_state(hx[0]), layout.sort_state(hx[1])
        expected = [
            ("hidden[0]", h_0, (states, batch, self._output_size)),
            ("hidden[1]", c_0, (states, batch, self.hidden_size)),
        ]
        for name, state, shape in expected:
            if state.shape != shape:
                raise RuntimeError(f"Expected {name} size {shape}, got {list(state.shape)}")
        return h_0, c_0


def _check_arguments(
    input_size: int,
    hidden_size: int,
    num_layers: int,
    bias: bool,
    batch_first: bool,
    dropout: float,
    proj_size: int,
) -> None:
    """Reject bad constructor arguments exactly as ``torch.nn.LSTM`` does (order and messages)."""
    if (
        not isinstance(dropout, numbers.Number)
        or isinstance(dropout, bool)
        or not 0 <= dropout <= 1
    ):
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero "
            "dropout expects num_layers greater than 1, but got "
            f"dropout={dropout} and num_layers={num_layers}",
            stacklevel=3,
        )
    for name, value, kind in [("bias", bias, bool), ("batch_first", batch_first, bool)]:
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for name, value in [("input_size", input_size), ("hidden_size", hidden_size)]:
        if not isinstance(value, int):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _copy_lstm(source: nn.Module, target_class: type[nn.Module]) -> nn.Module:
    """Build a ``target_class`` LSTM with ``source``'s hyper-parameters, weights and mode."""
    weight = source.weight_ih_l0
    copy = target_class(
        source.input_size,
        source.hidden_size,
        num_layers=source.num_layers,
        bias=source.bias,
        batch_first=source.batch_first,
        dropout=source.dropout,
        bidirectional=source.bidirectional,
        proj_size=source.proj_size,
        device=weight.device,
        dtype=weight.dtype,
    )
    copy.load_state_dict(source.state_dict())
    return copy.train(source.training)
