"""The privacy app's reads, one module per subject."""
