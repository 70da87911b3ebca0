"""Data loaders that turn files into training arrays (text: `kerasgen.data.text`).

Importing this package imports nothing heavy; each loader lives in its own module.
"""
