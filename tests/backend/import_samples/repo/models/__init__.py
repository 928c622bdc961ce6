"""A model repository laid out as many are: a package, relative imports, functions that build the models."""
