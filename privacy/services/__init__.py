"""The privacy app's writes, one module per subject."""
