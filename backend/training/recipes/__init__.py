"""Training recipes: how one step and one evaluation go for each kind of task."""

from backend.training.recipes.base import Recipe, RecipeContext
from backend.training.recipes.gan import GANRecipe
from backend.training.recipes.supervised import SupervisedRecipe
from backend.training.recipes.vae import VAERecipe

__all__ = ["GANRecipe", "Recipe", "RecipeContext", "SupervisedRecipe", "VAERecipe"]
