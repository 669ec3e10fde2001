"""Neural models: the FOA codecs (VAE, factored), the diffusion transformer, its conditioners
and samplers; the names they share are in :mod:`.names` (no torch).

Model classes take plain typed arguments (a config dataclass) and know nothing about
training; weights load strictly (:mod:`.weights`).
"""
