"""`kerasgen zoo list` and `kerasgen zoo show ENTRY`.

Both read only the entries' JSON files, so they declare `needs_keras=False` and the
console script runs them without importing Keras or TensorFlow (keep this module's
imports, and the top-level ones of `kerasgen.zoo` and `kerasgen.zoo.card`, free of both).
"""

import json


def add_parser(subparsers):
    parser = subparsers.add_parser("zoo", help="list the zoo entries or show one")
    commands = parser.add_subparsers(dest="zoo_command", metavar="ZOO_COMMAND")
    commands.add_parser("list", help="one line per entry: model, data, key metric")
    show = commands.add_parser("show", help="an entry's config, recipe and metrics (JSON)")
    show.add_argument("entry")
    parser.set_defaults(func=run, zoo_parser=parser, needs_keras=False)


def run(args):
    from kerasgen import zoo
    from kerasgen.zoo.card import key_metric

    if args.zoo_command == "show":
        print(json.dumps(zoo.show(args.entry), indent=2))
        return 0
    if args.zoo_command != "list":
        args.zoo_parser.print_help()
        return 0
    for name in zoo.list_entries():
        config = zoo.Entry.open(name).config
        weights = "weights" if config.get("weights") else "recipe only"
        print(f"{name:22s} {config['class_name']:20s} {weights:12s} {key_metric(config)}")
    return 0
