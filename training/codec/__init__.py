"""Codec training: the trainer, its config, its data and its benchmark."""
