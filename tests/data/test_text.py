"""kerasgen.data.text: text files and folders to token ids, and its one-line refusals."""

import numpy as np
import pytest

from kerasgen.data import text


def write(path, content):
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_a_file_becomes_ids_with_end_of_sequence_and_padding(tmp_path):
    path = write(tmp_path / "words.txt", "abc\n\n  ba \nc\n")
    items, ids, vocabulary = text.load_text(path, max_length=4)
    assert items == ["abc", "ba", "c"]  # blank lines skipped, lines stripped
    assert vocabulary.tokens == ["a", "b", "c"] and len(vocabulary) == 7
    a, b, c = 4, 5, 6
    np.testing.assert_array_equal(ids, [[a, b, c, text.EOS, text.PAD],
                                        [b, a, text.EOS, text.PAD, text.PAD],
                                        [c, text.EOS, text.PAD, text.PAD, text.PAD]])
    assert ids.dtype == np.int32
    assert vocabulary.decode(ids) == items


def test_a_folder_reads_its_txt_files_in_name_order(tmp_path):
    write(tmp_path / "b.txt", "zed\n")
    write(tmp_path / "a.txt", "amy\nbo\n")
    write(tmp_path / "notes.md", "ignored\n")
    items, ids, _ = text.load_text(str(tmp_path), max_length=5)
    assert items == ["amy", "bo", "zed"] and ids.shape == (3, 6)


def test_word_level_tokens_are_words(tmp_path):
    path = write(tmp_path / "s.txt", "the cat sat\nthe dog\n")
    items, ids, vocabulary = text.load_text(path, max_length=3, level="word")
    assert vocabulary.tokens == ["cat", "dog", "sat", "the"]
    assert vocabulary.decode(ids) == items


def test_a_line_longer_than_max_length_is_an_error_naming_the_line_or_dropped(tmp_path, capsys):
    path = write(tmp_path / "w.txt", "ann\nbartholomew\nzoe\n")
    with pytest.raises(ValueError, match=r"w\.txt:2 'bartholomew' has 11 tokens, more than max_length 5"):
        text.load_text(path, max_length=5)
    items, ids, _ = text.load_text(path, max_length=5, too_long="drop")
    assert items == ["ann", "zoe"] and "Dropped 1 of 3" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_an_empty_file_is_refused(tmp_path, content):
    path = write(tmp_path / "empty.txt", content)
    with pytest.raises(ValueError, match="is empty: expected one item per line"):
        text.load_text(path)


def test_missing_paths_and_bad_options_are_one_line_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        text.load_text(str(tmp_path / "nope.txt"))
    with pytest.raises(ValueError, match="holds no .txt file"):
        text.load_text(str(tmp_path))
    path = write(tmp_path / "a.txt", "a\n")
    with pytest.raises(ValueError, match="level must be one of"):
        text.load_text(path, level="byte")
    with pytest.raises(ValueError, match="too_long must be one of"):
        text.load_text(path, too_long="truncate")


def test_a_token_outside_the_vocabulary_names_the_item():
    vocabulary = text.Vocabulary(["a", "b"])
    with pytest.raises(ValueError, match=r"item 1 'abz' holds 'z', which is not in the model's vocabulary"):
        vocabulary.encode(["ab", "abz"], max_length=5)
    with pytest.raises(ValueError, match="holds '<eos>'"):
        text.Vocabulary(["a"], "word").encode(["a <eos>"], max_length=5)


def test_split_items_is_a_seeded_random_hold_out():
    train, held = text.split_items(100, 0.1, seed=3)
    assert len(held) == 10 and len(train) == 90 and not set(train) & set(held)
    assert list(held) != list(range(90, 100))  # not the last rows
    np.testing.assert_array_equal(held, text.split_items(100, 0.1, seed=3)[1])


def test_census_names_from_the_names_package():
    pytest.importorskip("names")
    first = text.census_names("first")
    assert len(first) > 5000 and first[0] == "mary" and len(set(first)) == len(first)
    assert "smith" in set(text.census_names("last"))


def test_write_items_round_trips_through_the_loader(tmp_path):
    path = str(tmp_path / "out.txt")
    text.write_items(path, ["x y", "z"])
    assert text.load_text(path, level="word")[0] == ["x y", "z"]
