"""The training autopilot's flags of `kerasgen fit` (`--select-by fid` and its options)
and the spec settings they give (`kerasgen.training`'s `autopilot` key)."""

from kerasgen.checks import int_at_least


positive_int, non_negative_int = int_at_least(1), int_at_least(0)


def add_autopilot_arguments(parser):
    group = parser.add_argument_group(
        "autopilot", "GANs and VAEs: keep the best checkpoint by FID on a held-out split, roll back on "
        "collapse, stop when FID stops improving (README: The training autopilot)")
    group.add_argument("--select-by", choices=("fid",), default=None,
                       help="turn the autopilot on: choose the run's model by FID")
    group.add_argument("--select-every", type=positive_int, default=None, metavar="K",
                       help="evaluate every K epochs (default 1)")
    group.add_argument("--select-patience", type=positive_int, default=None, metavar="P",
                       help="stop after P evaluations without a new best FID (default 3)")
    group.add_argument("--max-rollbacks", type=non_negative_int, default=None, metavar="N",
                       help="on collapse, roll back to the best checkpoint with halved learning rates, "
                       "at most N times (default 2)")
    group.add_argument("--select-fraction", type=float, default=None, metavar="F",
                       help="fraction of the training data held out for FID, a seeded random split "
                       "stratified by class (default 0.1)")
    group.add_argument("--select-extractor", default=None, metavar="NAME",
                       help="feature extractor for FID (a kerasgen.metrics extractor name, a zoo "
                       "classifier entry such as classifier_color_digits32, or a .keras classifier "
                       "file); default: a domain classifier kerasgen trains on the training split "
                       "(data with classes)")


def autopilot_settings(args):
    """The spec's `autopilot` settings from the flags (None without `--select-by`)."""
    flags = {"every": ("--select-every", args.select_every), "patience": ("--select-patience", args.select_patience),
             "max_rollbacks": ("--max-rollbacks", args.max_rollbacks),
             "held_out_fraction": ("--select-fraction", args.select_fraction),
             "extractor": ("--select-extractor", args.select_extractor)}
    if args.select_by is None:
        given = [flag for flag, value in flags.values() if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)} configure the autopilot; add --select-by fid to turn it on")
        return None
    if args.select_fraction is not None and not 0.0 < args.select_fraction < 1.0:
        raise ValueError(f"--select-fraction must be a number in (0, 1), got {args.select_fraction!r}")
    settings = {"select_by": args.select_by, "every": 1, "patience": 3, "max_rollbacks": 2,
                "held_out_fraction": 0.1, "extractor": None}
    settings.update({key: value for key, (_, value) in flags.items() if value is not None})
    if settings["extractor"] is not None:
        check_extractor(settings["extractor"])
    return settings


def check_extractor(name):
    """Refuses an extractor name that is none of `kerasgen.metrics`'s, no zoo classifier
    entry and no file; a zoo classifier (`classifier_color_digits32`) is registered in
    `kerasgen.metrics`'s table under its entry name, which the autopilot looks names up in
    (the training code does not import the zoo), its weights sha256-verified when loaded."""
    import os

    from kerasgen.metrics import extractors
    from kerasgen.zoo.extractors import classifier_extractor, classifiers

    if name in extractors.EXTRACTORS or os.path.isfile(name):
        return
    zoo_classifiers = classifiers()
    if name not in zoo_classifiers:
        raise ValueError(
            f"--select-extractor must be one of {sorted(extractors.EXTRACTORS)}, a zoo classifier entry "
            f"{sorted(zoo_classifiers)} or an existing .keras classifier file, got {name!r}")
    extractors.register_extractor(name, lambda: classifier_extractor(name))
