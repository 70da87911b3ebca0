"""Every code block and command of README.md and the zoo cards runs as written.

Blocks are found by tests/readme_blocks.py (so a block added to a document is picked up
and runs in the default suite unless a `<!-- readme-test: slow|skip: REASON -->` line
marks it). Each bash block runs in a fresh `bash`, each python block in a fresh
interpreter, in document order, in one working folder per document holding a copy of
the checkout's tracked files and the placeholder data the text names; with
`KERASGEN_SHRINK` (512 rows of each dataset, one epoch of `fit`; see
tests/shrink/sitecustomize.py) the text stays what a user reads.

The zoo cards are written by `python -m kerasgen.zoo.card` from one template, so their
blocks are handled by kind: the recipe JSON must equal the entry's recipe.json, the
`Use` blocks of entries with weights run together in one fresh interpreter (default
suite; 16 interpreters would cost minutes), and the `Reproduce` / `Measure again`
commands run as written in the slow job (each trains or evaluates an entry).
"""

import json
import os
import re
import shutil

import pytest

from tests import readme_blocks

README_BLOCKS = readme_blocks.blocks("README.md")
CARDS = readme_blocks.documents()[1:]


def _param(block):
    marks = [pytest.mark.slow] if block.mark == "slow" else []
    return pytest.param(block, marks=marks, id=block.name)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """The folder the README's blocks run in, one after the other (a later block uses
    what an earlier one wrote, as a reader going down the page would)."""
    folder = tmp_path_factory.mktemp("readme")
    readme_blocks.copy_checkout(str(folder))
    readme_blocks.write_fixtures(str(folder))
    return folder


def check_ran(block, result):
    assert result.returncode == 0, f"{block.name} ({block.language}) failed as written:\n{result.stdout[-6000:]}"


@pytest.mark.parametrize("block", [_param(b) for b in README_BLOCKS])
def test_readme_block_runs_as_written(block, workdir):
    if block.mark == "skip":
        pytest.skip(f"{block.name}: {block.reason}")
    if block.language == "json":
        json.loads(block.code)
        return
    assert block.language in ("bash", "python"), (
        f"{block.name}: a ```{block.language} block; make it bash, python or json, or mark it "
        "<!-- readme-test: skip: REASON -->")
    timeout = 3600 if block.mark == "slow" else 600
    check_ran(block, readme_blocks.run(block.language, block.code, str(workdir), timeout=timeout))


def test_every_marked_block_says_why():
    for path in readme_blocks.documents():
        for block in readme_blocks.blocks(path):
            assert block.mark is None or len(block.reason) > 10, block.name


# --- zoo cards -------------------------------------------------------------------------

def card_blocks(kind):
    return [(path.split(os.sep)[1], b) for path in CARDS for b in readme_blocks.blocks(path) if b.language == kind]


def has_weights(name):
    from kerasgen import zoo

    return zoo.Entry.open(name).has_weights


@pytest.mark.parametrize("name,block", card_blocks("json"), ids=[b.name for _, b in card_blocks("json")])
def test_card_recipe_block_is_the_entrys_recipe(name, block):
    from kerasgen import zoo

    assert json.loads(block.code) == zoo.Entry.open(name).recipe


def test_card_use_blocks_load_the_entries(tmp_path):
    """Each card's `Use` block, in one fresh interpreter (each in a namespace of its own)."""
    blocks = [(name, b) for name, b in card_blocks("python") if has_weights(name)]
    assert len(blocks) >= 16
    program = "\n".join(
        f"exec(compile({b.code!r}, {b.name!r}, 'exec'), {{}})\nprint('ran', {b.name!r})" for _, b in blocks)
    result = readme_blocks.run("python", program, str(tmp_path), timeout=600)
    assert result.returncode == 0, result.stdout[-6000:]
    assert result.stdout.count("\nran ") + result.stdout.startswith("ran ") == len(blocks)


@pytest.mark.parametrize("name", [name for name, _ in card_blocks("python") if not has_weights(name)])
def test_recipe_only_card_use_block(name):
    pytest.skip(f"zoo/{name}/README.md Use block: a recipe-only entry loads once trained with its "
                "Reproduce command, which downloads its data (the slow job runs that command)")


def card_commands():
    found = []
    for path in CARDS:
        with open(os.path.join(readme_blocks.ROOT, path)) as f:
            text = f.read()
        name = path.split(os.sep)[1]
        for command in re.findall(r"`(kerasgen (?:fit|evaluate) [^`]*)`", text):
            found.append(pytest.param(name, command, marks=pytest.mark.slow, id=f"{name}: {command}"))
    return found


@pytest.fixture(scope="module")
def card_workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cards")
    readme_blocks.copy_checkout(str(folder))
    readme_blocks.write_fixtures(str(folder))
    return folder


@pytest.mark.parametrize("name,command", card_commands())
def test_card_command_runs_as_written(name, command, card_workdir):
    from kerasgen import zoo

    entry = zoo.Entry.open(name)
    if entry.recipe["data"] in ("mnist", "fashion_mnist", "cifar10") and not os.environ.get("KERASGEN_NETWORK"):
        pytest.skip(f"{command}: downloads {entry.recipe['data']} (set KERASGEN_NETWORK=1 where there is internet)")
    if "--data DIR" in command and entry.recipe["data"] == "layouts":
        pytest.skip(f"{command}: needs a folder of images/ + labels/ pairs, which tests/commands/test_spade_cli.py builds")
    if "--data DIR" in command and entry.recipe["data"] in ("ring8", "grid25"):
        pytest.skip(f"{command}: a 2-D point recipe; a folder of images is not its data")
    if "evaluate" in command and not entry.has_weights:
        pytest.skip(f"{command}: a recipe-only entry has no weights to evaluate")
    if "NEW_FOLDER" in command:  # the previous card's run of this same line wrote it
        shutil.rmtree(card_workdir / "NEW_FOLDER", ignore_errors=True)
    check_ran(readme_blocks.Block(f"zoo/{name}/README.md", 0, "bash", command),
              readme_blocks.run("bash", command, str(card_workdir)))


def test_harness_finds_blocks_added_to_the_readme(tmp_path, monkeypatch):
    """A new block is found, unmarked (so it runs by default), and a marker applies to it."""
    text = "# t\n\n```bash\necho one\n```\n\n<!-- readme-test: slow: takes minutes here -->\n\n```python\nx = 1\n```\n"
    (tmp_path / "README.md").write_text(text)
    monkeypatch.setattr(readme_blocks, "ROOT", str(tmp_path))
    found = readme_blocks.blocks("README.md")
    assert [(b.language, b.mark, b.line) for b in found] == [("bash", None, 3), ("python", "slow", 9)]
    assert found[1].reason == "takes minutes here"
