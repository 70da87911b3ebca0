"""Text as token sequences: one item per line of a `.txt` file (or a folder of them).

An item becomes the ids of its tokens (characters, or whitespace-separated words),
then one end-of-sequence id, then padding up to `max_length + 1` positions. Four ids are
reserved (`SPECIAL_TOKENS`): padding 0, beginning of sequence 1 (the decoder's first
input), end of sequence 2 and unknown 3 (what character dropout puts in place of a
decoder input). The vocabulary is a plain list of strings that models keep in their
config, so a saved model decodes its own ids without a separate tokenizer file.

NumPy and the standard library only (the special ids and the decoding of ids to strings
are `kerasgen_runtime.text_sampler`'s, which the runtime sampler shares).
"""

import os

import numpy as np

from kerasgen_runtime.text_sampler import BOS, EOS, PAD, SPECIAL_TOKENS, UNK, decode_ids  # noqa: F401
LEVELS = ("char", "word")
TOO_LONG = ("error", "drop")


def split_tokens(item, level):
    """The tokens of one item: its characters, or its whitespace-separated words."""
    return list(item) if level == "char" else item.split()


def join_tokens(tokens, level):
    return "".join(tokens) if level == "char" else " ".join(tokens)


def check_level(level):
    if level not in LEVELS:
        raise ValueError(f"level must be one of {list(LEVELS)}, got {level!r}")
    return level


class Vocabulary:
    """Token <-> id mapping: `SPECIAL_TOKENS`, then `tokens` in order.

    Args:
        tokens: the item tokens (characters or words), unique, none of them special.
        level: `"char"` or `"word"`.

    Example:
    ```python
    vocabulary = kerasgen.data.text.Vocabulary.from_items(["anna", "bob"])
    ids = vocabulary.encode(["bob"], max_length=8)
    vocabulary.decode(ids)  # ["bob"]
    ```
    """

    def __init__(self, tokens, level="char"):
        self.level = check_level(level)
        tokens = [str(token) for token in tokens]
        if not tokens:
            raise ValueError("tokens must hold at least one token, got an empty list")
        if len(set(tokens)) != len(tokens) or set(tokens) & set(SPECIAL_TOKENS):
            raise ValueError(f"tokens must be unique and not in {list(SPECIAL_TOKENS)}, got {tokens!r}")
        if level == "char" and any(len(token) != 1 for token in tokens):
            bad = next(token for token in tokens if len(token) != 1)
            raise ValueError(f"a char-level vocabulary holds single characters, got {bad!r}")
        self.tokens = tokens
        self.ids = {token: i for i, token in enumerate(SPECIAL_TOKENS + tuple(tokens))}

    @classmethod
    def from_items(cls, items, level="char"):
        """The sorted set of tokens that occur in `items`."""
        level = check_level(level)
        return cls(sorted({t for item in items for t in split_tokens(item, level)}), level)

    def __len__(self):
        return len(SPECIAL_TOKENS) + len(self.tokens)

    def encode(self, items, max_length, names=None):
        """int32 ids of shape `(len(items), max_length + 1)`: tokens, EOS, padding.

        An item with a token outside the vocabulary, or more than `max_length` tokens,
        raises a ValueError naming it (`names[i]` if given, e.g. `file:line`).
        """
        ids = np.full((len(items), max_length + 1), PAD, dtype="int32")
        for row, item in enumerate(items):
            where = names[row] if names is not None else f"item {row}"
            tokens = split_tokens(item, self.level)
            if len(tokens) > max_length:
                raise ValueError(f"{where} {item!r} has {len(tokens)} tokens, more than "
                                 f"max_length {max_length}")
            unknown = [t for t in tokens if t not in self.ids or self.ids[t] < len(SPECIAL_TOKENS)]
            if unknown:
                raise ValueError(f"{where} {item!r} holds {unknown[0]!r}, which is not in the "
                                 f"model's vocabulary ({self.describe()})")
            ids[row, :len(tokens)] = [self.ids[t] for t in tokens]
            ids[row, len(tokens)] = EOS
        return ids

    def decode(self, ids):
        """Strings from rows of ids: tokens up to the first EOS (specials skipped)."""
        return decode_ids(ids, self.tokens, self.level)

    def describe(self):
        shown = "".join(self.tokens) if self.level == "char" else " ".join(self.tokens[:20])
        return f"{len(self.tokens)} {self.level}s: {shown[:80]!r}"


def read_items(path):
    """`(items, names)` from a text file or a folder of `.txt` files: one item per
    non-blank line (stripped); `names[i]` is `"file:line"`. An empty source raises."""
    path = os.fspath(path)
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".txt"))
        if not files:
            raise ValueError(f"data folder {path!r} holds no .txt file")
    elif os.path.isfile(path):
        files = [path]
    else:
        raise ValueError(f"data must be a text file or a folder of .txt files, got {path!r}, "
                         "which does not exist")
    items, names = [], []
    for file in files:
        with open(file, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                line = line.strip()
                if line:
                    items.append(line)
                    names.append(f"{file}:{number}")
    if not items:
        raise ValueError(f"data {path!r} is empty: expected one item per line")
    return items, names


def load_text(path, max_length=32, level="char", too_long="error", lowercase=False):
    """Reads `path` and returns `(items, ids, vocabulary)`.

    Args:
        path: a text file (one item per line) or a folder of `.txt` files.
        max_length: most tokens per item (ids have `max_length + 1` columns).
        level: `"char"` or `"word"` tokens.
        too_long: `"error"` (a longer line raises, naming its file and line) or
            `"drop"` (longer lines are left out; the count is printed).
        lowercase: lowercase every line first.
    """
    from kerasgen.checks import check_positive_int

    max_length = check_positive_int("max_length", max_length)
    check_level(level)
    if too_long not in TOO_LONG:
        raise ValueError(f"too_long must be one of {list(TOO_LONG)}, got {too_long!r}")
    items, names = read_items(path)
    if lowercase:
        items = [item.lower() for item in items]
    lengths = [len(split_tokens(item, level)) for item in items]
    if too_long == "drop":
        kept = [i for i, n in enumerate(lengths) if n <= max_length]
        if len(kept) < len(items):
            print(f"Dropped {len(items) - len(kept)} of {len(items)} items longer than "
                  f"max_length {max_length}")
        if not kept:
            raise ValueError(f"data {os.fspath(path)!r}: every item is longer than max_length {max_length}")
        items, names = [items[i] for i in kept], [names[i] for i in kept]
    vocabulary = Vocabulary.from_items(items, level)
    return items, vocabulary.encode(items, max_length, names), vocabulary


def split_items(count, fraction, seed=0):
    """`(train_rows, held_out_rows)`: a seeded random `fraction` of `range(count)` held out."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    held = max(1, int(round(fraction * count)))
    if held >= count:
        raise ValueError(f"fraction {fraction} of {count} items leaves none to train on")
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


def census_names(kind="first"):
    """US census name lists shipped in the `names` package (`pip install names`), lowercase,
    unique, in file order: `"first"` (the female and male first names) or `"last"`."""
    try:
        import names
    except ModuleNotFoundError:
        raise ValueError("census_names needs the names package (pip install 'kerasgen-zoo[text]')") from None
    files = {"first": ("dist.female.first", "dist.male.first"), "last": ("dist.all.last",)}
    if kind not in files:
        raise ValueError(f"kind must be one of {list(files)}, got {kind!r}")
    folder = os.path.dirname(names.__file__)
    seen = {}
    for file in files[kind]:
        with open(os.path.join(folder, file), encoding="utf-8") as f:
            for line in f:
                if line.split():
                    seen.setdefault(line.split()[0].lower(), None)
    return list(seen)


def write_items(path, items):
    """Writes `items` one a line to `path` (atomically)."""
    from kerasgen_runtime.files import write_text

    write_text(path, "".join(f"{item}\n" for item in items))
