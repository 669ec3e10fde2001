"""Ambisketch: draw where a sound travels, get a moving First-Order Ambisonics clip.

The import package ``ambisketch`` maps the repository's layers: ``ambisketch.engine``
(``engine/``), ``ambisketch.training`` (``training/``), ``ambisketch.ui`` (``ui/``) and
``ambisketch.app`` (``app/``). Importing this package imports none of them.
"""

__version__ = "0.1.0"
# The layer folders, lowest first, each installed as ``ambisketch.<layer>``: setup.py, the
# PyInstaller spec, the self-test and the architecture test all read this one list.
LAYERS = ("engine", "training", "ui", "app")
