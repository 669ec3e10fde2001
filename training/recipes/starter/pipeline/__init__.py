"""The starter model in one command: corpus → test set → codec → codec export → latents →
DiT → evaluation → bundle, every stage skipped when done and resumed when interrupted
(``ambisketch train starter``; see ``training/recipes/README.md``)."""

from .recipe import RecipeResult, StarterRecipe
from .sizes import SIZES, STAGES, RecipeError, RecipeSettings

__all__ = ["SIZES", "STAGES", "RecipeError", "RecipeResult", "RecipeSettings", "StarterRecipe"]
