"""The data's path end to end on a tiny corpus: tokens, vocabulary, batches, model, checkpoint, generation."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch
import torch.nn.functional as F

from lyricgen.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from lyricgen.data import batchify, bptt_batches, split_lines
from lyricgen.generate import GenerationSettings, generate_steps, generate_text, make_prompt, new_generator
from lyricgen.model import LyricModel, ModelConfig
from lyricgen.sampling import Sampling
from lyricgen.tokens import EOL, UNK, join_words, lines_to_tokens, read_lines
from lyricgen.vocab import Vocab


def test_tokens_mark_line_breaks_and_drop_spaces():
    tokens = lines_to_tokens(["床前明月光", "  疑是 地上霜 "])
    assert tokens[0] == EOL and tokens[-1] == EOL
    assert tokens.count(EOL) == 3
    assert all(t.strip() for t in tokens)
    assert join_words(tokens).strip("\n") == "床前明月光\n疑是地上霜"


def test_join_words_keeps_spaces_between_latin_words():
    assert join_words(["I", "love", "you", "星星", EOL, "Oh"]) == "I love you星星\nOh"


def test_vocab_round_trip_and_unk(tmp_path):
    tokens = lines_to_tokens(["明月 明月 故乡", "明月 青天 孤舟"])
    vocab = Vocab.build(tokens, min_count=2)
    assert vocab.tokens[:2] == [UNK, EOL]
    assert "明月" in vocab and "故乡" not in vocab  # seen once: left to <unk>
    ids = vocab.encode(["明月", "故乡", "从没见过的词"])
    assert ids[1] == ids[2] == vocab.unk_id
    assert vocab.decode(ids) == ["明月", UNK, UNK]
    vocab.save(str(tmp_path / "vocab.json"))
    assert json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8")) == vocab.tokens
    assert Vocab.load(str(tmp_path / "vocab.json")).tokens == vocab.tokens


def test_validation_is_the_contiguous_tail():
    lines = [f"line {i}" for i in range(20)]
    split = split_lines(lines, 0.25)
    assert split.train_lines == lines[:15] and split.val_lines == lines[15:]


def test_batches_have_bptt_shape_and_continue_the_text():
    ids = torch.arange(103)
    data = batchify(ids, 4)  # (25, 4)
    assert data.shape == (25, 4)
    batches = list(bptt_batches(data, 6))
    inputs, targets = batches[0]
    assert inputs.shape == targets.shape == (6, 4)  # (seq_len, batch)
    assert torch.equal(targets[:-1], inputs[1:])
    for (prev_in, prev_tg), (next_in, _) in zip(batches, batches[1:], strict=False):
        assert torch.equal(next_in[0], prev_tg[-1])  # each column picks up where it stopped
        assert torch.equal(next_in[0], prev_in[-1] + 1)
    # every token but the last is an input exactly once
    seen = torch.cat([b[0] for b in batches]).flatten().sort().values
    assert torch.equal(seen, torch.tensor(sorted(set(range(100)) - {24, 49, 74, 99})))


def test_dry_run_training_lowers_the_loss(tiny_weights):
    for cell, folder in tiny_weights.items():
        history = json.loads((folder / "metrics.json").read_text())["history"]
        assert history[-1]["train_loss"] < history[1]["train_loss"], cell
        assert history[-1]["val_loss"] < history[0]["val_loss"], cell  # epoch 0: the untrained model


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_save_load_gives_identical_logits(tiny_weights, tmp_path, cell):
    ckpt = load_checkpoint(tiny_weights[cell], "cpu")
    ids = torch.tensor(ckpt.vocab.encode(lines_to_tokens(["床前明月光"]))).unsqueeze(1)
    save_checkpoint(ckpt.model, ckpt.vocab, tmp_path / "copy", ckpt.metrics)
    again = load_checkpoint(tmp_path / "copy", "cpu")
    assert again.model.config == ckpt.model.config
    assert torch.equal(ckpt.model(ids)[0], again.model(ids)[0])


def test_strict_loading_refuses_a_mismatched_config(tiny_weights, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(tiny_weights["gru"], folder)
    config = json.loads((folder / "config.json").read_text())
    config["cell"] = "lstm"  # same tensor names, other shapes
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="model.safetensors"):
        load_checkpoint(folder, "cpu")
    config.update(cell="gru", num_layers=2)  # tensors the file lacks
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="model.safetensors"):
        load_checkpoint(folder, "cpu")


def test_fixed_seed_reproduces_a_sample(tiny_weights):
    ckpt = load_checkpoint(tiny_weights["lstm"], "cpu")
    a = generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 30, Sampling(1.0), seed=7))
    b = generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 30, Sampling(1.0), seed=7))
    others = {generate_text(ckpt.model, ckpt.vocab, GenerationSettings("明月", 30, Sampling(1.0), seed=s))
              for s in range(8, 12)}
    assert a == b
    assert a.startswith("明月")
    assert len(others | {a}) > 1  # the seed matters


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_top_k_1_is_greedy_and_never_unk(tiny_weights, cell):
    ckpt = load_checkpoint(tiny_weights[cell], "cpu")
    prompt = make_prompt(ckpt.vocab, "春风")
    greedy = [s.token_id for s in generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 25, Sampling(0.0))]
    top1 = [s.token_id for s in generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 25, Sampling(1.5, top_k=1),
                                               new_generator(3)[0])]
    assert greedy == top1
    hot = generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 200, Sampling(5.0), new_generator(0)[0])
    assert ckpt.vocab.unk_id not in [s.token_id for s in hot]


def test_unknown_start_words_are_reported_not_fatal(tiny_weights):
    ckpt = load_checkpoint(tiny_weights["rnn"], "cpu")
    prompt = make_prompt(ckpt.vocab, "量子计算机 明月")
    assert "量子" in "".join(prompt.unknown) and "明月" not in prompt.unknown
    assert prompt.ids[0] == ckpt.vocab.eol_id
    assert generate_text(ckpt.model, ckpt.vocab, GenerationSettings("量子计算机", 5, Sampling(0.8), seed=1)
                         ).startswith("量子计算机")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_stepwise_generation_matches_running_the_whole_prefix(tiny_weights, cell):
    ckpt = load_checkpoint(tiny_weights[cell], "cpu")
    prompt = make_prompt(ckpt.vocab, "明月")
    steps = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, 12, Sampling(0.0)))
    full = torch.tensor(prompt.ids + [s.token_id for s in steps]).unsqueeze(1)
    with torch.no_grad():
        logits, _ = ckpt.model(full)
    for i, step in enumerate(steps):
        torch.testing.assert_close(step.logits, logits[len(prompt.ids) - 1 + i, 0], atol=1e-5, rtol=1e-5)


def test_evaluator_perplexity_is_exp_mean_cross_entropy(tiny_weights, tiny_corpus, tmp_path, capsys):
    from lyricgen.evaluate import main

    text = write = tmp_path / "eval.txt"
    write.write_text("明月几时有\n春风又绿江南岸\n从未出现的词语\n", encoding="utf-8")
    main(["--weights", str(tiny_weights["lstm"]), "--text", str(text), "--json", "--device", "cpu"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ckpt = load_checkpoint(tiny_weights["lstm"], "cpu")
    tokens = lines_to_tokens(read_lines(str(text)))
    ids = torch.tensor(ckpt.vocab.encode(tokens))
    with torch.no_grad():
        logits, _ = ckpt.model(ids[:-1].unsqueeze(1))
    nll = F.cross_entropy(logits[:, 0], ids[1:], reduction="none")
    assert result["tokens"] == len(tokens) - 1
    assert result["perplexity"] == pytest.approx(math.exp(nll.mean().item()), rel=1e-5)
    words = [t for t in tokens if t != EOL]
    assert result["unk_rate"] == pytest.approx(sum(w not in ckpt.vocab for w in words) / len(words))
    assert result["unk_rate"] > 0


def test_ngram_probabilities_sum_to_one(tiny_corpus):
    from lyricgen.ngram import KneserNey

    tokens = lines_to_tokens(read_lines(str(tiny_corpus)))
    vocab = Vocab.build(tokens, 2)
    ids = vocab.encode(tokens)
    lm = KneserNey(ids, len(vocab), order=5)
    for history in ([], ids[:1], ids[:4], ids[10:14], [vocab.unk_id] * 4, [vocab.eol_id, 3, 2]):
        total = sum(lm.prob(history, w) for w in range(len(vocab)))
        assert total == pytest.approx(1.0, abs=1e-9)
    # a seen continuation is likelier than an unseen one
    assert lm.prob(ids[10:14], ids[14]) > lm.prob(ids[10:14], vocab.unk_id)


def test_model_config_rejects_unknown_cell():
    with pytest.raises(ValueError, match="cell"):
        LyricModel(ModelConfig(vocab_size=10, cell="transformer"))
