"""Reference toolchain for kws-native: data synthesis, Keras models, training, export, fixtures."""
LABELS = ["down", "stop", "right", "left", "up", "yes", "no", "go"]
SAMPLE_RATE = 16000
