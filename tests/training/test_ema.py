"""EMA: warm-up of the decay, and following a model that moves to another device."""

from __future__ import annotations

import torch

from ambisketch.training.ema import Ema


def test_ema_warms_up_then_tracks() -> None:
    model = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = Ema(model, decay=0.99)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model)  # first update: decay min(0.99, 2/11) -> mostly the new weights
    assert 0.8 < float(ema.state_dict()["weight"].mean()) < 0.83
    for _ in range(2000):
        ema.update(model)
    assert float(ema.state_dict()["weight"].mean()) > 0.999


def test_ema_follows_the_model_device_and_dtype() -> None:
    model = torch.nn.Linear(2, 1)
    ema = Ema(model)
    meta = torch.nn.Linear(2, 1).to(torch.float64)
    ema.update(meta)  # a model whose tensors differ in dtype still updates the float32 shadow
    state = ema.model_state(meta)
    assert state["weight"].dtype == torch.float64
    if torch.cuda.is_available():
        cuda = torch.nn.Linear(2, 1).cuda()
        ema.update(cuda)
        assert ema.state_dict()["weight"].device.type == "cuda"
