"""The int8 export's quality gate: its rules and the statistics it measures on a judge's
`(features, probabilities)` of float32 and int8 samples (`kerasgen.export.int8` draws
the samples and decides)."""

import numpy as np

from kerasgen.metrics import frechet_distance_from_features

GATE_SAMPLES = 2000
GATE_SEEDS = (30_000, 30_001)
GATE_RULE = (
    "int8 is refused unless FID(float32 samples, int8 samples of the same latents) <= "
    "FID(float32 samples, float32 samples of other latents) and likewise for the KL of "
    "the judge's class histograms: int8 may move the samples' distribution no further "
    f"than drawing another {GATE_SAMPLES} latents does, i.e. below what an evaluation at "
    "that sample size can tell apart. Below the gate's noise floor (NOISE_RULE) a "
    "difference is noise and passes; a weak judge (JUDGE_RULE) gives no verdict"
)
NOISE_RESAMPLES = 5
NOISE_SEED = 30_002
NOISE_RULE = (
    "noise floor: the mean FID and class KL between the float32 samples' judgements and "
    f"{NOISE_RESAMPLES} bootstrap resamples of them (drawn with replacement, numpy seed "
    f"{NOISE_SEED}): another draw of the same {GATE_SAMPLES} samples moves the numbers this "
    "much, so a smaller change cannot be told apart by an evaluation at that size (a "
    "generator that ignores its latents, whose other-seed numbers are round-off, is judged "
    "against this instead)"
)
JUDGE_RULE = (
    "a judge is weak, and the gate refuses to judge, when it is a classifier near chance on "
    "labelled reference images (kerasgen.metrics.scale.near_chance), or when the float32 "
    "samples blurred or replaced by their mean image score an FID within "
    "kerasgen.metrics.scale.SEPARATION times the gate's own limit"
)



def fid(real, generated):
    return float(frechet_distance_from_features(real, generated).value)


def compare(float_judged, int8_judged):
    """The gate's numbers from judgements `(features, probabilities)`: int8 vs float32 of
    one seed, against the limits (another seed; the noise floor, `noise_floor`)."""
    first, second = GATE_SEEDS
    (feat_a, prob_a), (feat_b, prob_b) = float_judged[first], float_judged[second]
    feat_q, prob_q = int8_judged
    noise = float_judged.get("noise") or noise_floor(feat_a, prob_a)
    gate = {
        "fid_int8_vs_float32": fid(feat_a, feat_q),
        "fid_float32_vs_other_seed": fid(feat_a, feat_b),
        "label_agreement": float(np.mean(prob_q.argmax(1) == prob_a.argmax(1))),
        "class_kl_int8_vs_float32": class_kl(prob_q, prob_a),
        "class_kl_other_seed_vs_float32": class_kl(prob_b, prob_a),
        "noise_floor": noise,
        "rule": GATE_RULE,
    }
    gate["fid_limit"] = max(gate["fid_float32_vs_other_seed"], noise["fid"])
    gate["class_kl_limit"] = max(gate["class_kl_other_seed_vs_float32"], noise["class_kl"])
    gate["passed"] = bool(gate["fid_int8_vs_float32"] <= gate["fid_limit"]
                          and gate["class_kl_int8_vs_float32"] <= gate["class_kl_limit"])
    return gate


def noise_floor(features, probabilities, resamples=NOISE_RESAMPLES, seed=NOISE_SEED):
    """`NOISE_RULE`'s measurement: mean FID and class KL of bootstrap resamples of the
    float32 samples' judgements against the judgements themselves."""
    rng = np.random.default_rng(seed)
    fids, kls = [], []
    for _ in range(resamples):
        rows = rng.integers(0, len(features), len(features))
        fids.append(fid(features, features[rows]))
        kls.append(class_kl(probabilities[rows], probabilities))
    return {"fid": float(np.mean(fids)), "class_kl": float(np.mean(kls)),
            "resamples": resamples, "seed": seed, "rule": NOISE_RULE}


def judge_weakness(float_judged, judge, reference_labels=None):
    """`(quality, reason or None)` by `JUDGE_RULE`: the judge's accuracy on the labelled
    reference images, and whether it tells the float32 samples from trivial baselines."""
    from kerasgen.metrics import scale

    first, second = GATE_SEEDS
    images, (feat_a, prob_a) = float_judged["images"], float_judged[first]
    quality = {"judge": judge.extractor_id}
    if reference_labels is not None and "reference" in float_judged:
        measured = scale.judge_quality(judge, None, reference_labels,
                                       probabilities=float_judged["reference"][1])
        quality.update({k: v for k, v in measured.items() if k != "kind"})
        if measured["weak"]:
            return quality, measured["text"]
    limit = max(fid(feat_a, float_judged[second][0]), noise_floor(feat_a, prob_a)["fid"])
    quality["baselines"] = {name: fid(feat_a, judge.extract(make(images))[0])
                            for name, make in scale.BASELINES.items()}
    quality["limit"] = limit
    for name, value in quality["baselines"].items():
        if value <= scale.SEPARATION * limit:
            return quality, (f"{judge.extractor_id} scores the float32 samples' '{name}' "
                             f"baseline FID {value:.3g}, within {scale.SEPARATION:g}x the "
                             f"gate's limit {limit:.3g}: it cannot tell them apart")
    return quality, None


def class_kl(probabilities, reference_probabilities):
    """KL(class histogram || reference class histogram) of the judge's labels, nats
    (add-one smoothed, so that an empty class stays finite)."""
    classes = probabilities.shape[1]
    counts = np.bincount(probabilities.argmax(1), minlength=classes) + 1.0
    reference = np.bincount(reference_probabilities.argmax(1), minlength=classes) + 1.0
    p, q = counts / counts.sum(), reference / reference.sum()
    return float(np.sum(p * np.log(p / q)))
