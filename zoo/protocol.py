"""What every zoo quality protocol shares: the shape of a card's number and the latent
generator the published numbers were drawn with (`kerasgen.zoo.evaluation`,
`kerasgen.zoo.spade_evaluation`)."""

# The latent generator every sampling protocol draws z with: the one the published card
# numbers were measured with (sample grids use the portable default, kerasgen-v1).
PROTOCOL_LATENTS = "numpy-pcg64"


def result(value, n, protocol, **extra):
    """One number of a card (`entry.json`'s `metrics`): the value to 6 significant digits,
    its N and the protocol that measured it (and the extractor, spread, ... in `extra`)."""
    return {"value": float(f"{float(value):.6g}"), "n": int(n), "protocol": protocol, **extra}
