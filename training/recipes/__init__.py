"""Recipes that build training corpora from freely licensed, offline sources."""
