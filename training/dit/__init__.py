"""DiT (generator) training: the trainer, its config, its data, validation takes and its
benchmark."""
