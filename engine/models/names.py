"""Names the generator's contracts share, importable without torch.

The CLI, the GUI, requests and the models all read these: the sampler names (the keys of
:data:`~.sampling.SAMPLERS`) and the optional parametric numbers of ImmerseDiffusion (the
:class:`~.conditioners.Conditioner` builds one number token for each, after the two timing
numbers). Tests check that the torch modules agree with them.
"""

from __future__ import annotations

SAMPLER_NAMES = ("dpmpp-3m-sde", "dpmpp-2m", "euler")
TIMING_NUMBERS = ("seconds_start", "seconds_total")
PARAMETRIC_FIELDS = ("azimuth", "elevation", "distance", "room_size", "decay_time")
