"""Ambisketch: draw where a sound travels, get a moving First-Order Ambisonics clip.

The import package ``ambisketch`` maps the repository's layers: ``ambisketch.engine``
(``engine/``), ``ambisketch.training`` (``training/``), ``ambisketch.ui`` (``ui/``) and
``ambisketch.app`` (``app/``). Importing this package imports none of them.
"""

__version__ = "0.1.0"
