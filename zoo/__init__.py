"""The kerasgen zoo: pretrained entries with recipes, verified weights and model cards.

Each entry is a folder beside this file: `entry.json` (model class, its exact
`get_config()`, weights file + sha256 + size, measured metrics, versions),
`recipe.json` (how to reproduce it), the weights, `README.md` (the model card) and
`samples.png`.

Example:
```python
import kerasgen.zoo
kerasgen.zoo.list_entries()
vae = kerasgen.zoo.load("vae_mnist5k")      # sha256 verified before loading
images = vae.sample(16, seed=0)
```
"""

from kerasgen.zoo.entry import ZOO_DIR, Entry, list_entries, recipe, show
from kerasgen.zoo.loader import load

__all__ = ["ZOO_DIR", "Entry", "list_entries", "load", "recipe", "show"]
