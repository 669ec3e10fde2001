"""Neural models: the FOA codec (VAE), and later the diffusion transformer and conditioners.

Model classes take plain typed arguments (a config dataclass) and know nothing about
training; weights load strictly (:mod:`.weights`).
"""
