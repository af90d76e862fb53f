"""Each panel's script: its inputs (the values on the screen), the shared steps it needs (parts.py), its own
computation, and one JSON line of its headline numbers, which tests/test_code.py compares with the panel's."""

from __future__ import annotations

from .inside import ATTENTION, MEMORIZED
from .lab import GRADIENTS, SHAPES, TRAIN
from .parts import CELL_BY_HAND, DRAW, GENERATE, LOADED, SPLIT, STEP, Cell, inputs

TOKENIZE = (
    inputs(("text",)),
    *LOADED, SPLIT,
    Cell("查词向量：nn.Embedding 就是按编号取矩阵的一行；再排成 nn.RNN 要的 (seq_len, batch, input_size)",
         "Look up the vectors: nn.Embedding takes a row of its matrix per id; then the (seq_len, batch, "
         "input_size) nn.RNN takes", '''
words = words_of(TEXT)
ids = torch.tensor(ids_of(words))  # (seq_len,)
vectors = model.embedding(ids)  # (seq_len, embed_dim)
batched = vectors.unsqueeze(1)  # (seq_len, batch=1, input_size)
for word, token_id, vector in zip(words, ids.tolist(), vectors):
    print(word, token_id, word in index, [round(v, 3) for v in vector[:8].tolist()], round(float(vector.norm()), 3))
print("ids", tuple(ids.shape), "→ vectors", tuple(vectors.shape), "→ batch", tuple(batched.shape))
'''),
    Cell("最后一行：这个面板的数字（JSON）", "Last line: this panel's numbers (JSON)", '''
print(json.dumps({"words": words, "ids": ids.tolist(), "known": [w in index for w in words],
                  "norms": [float(v.norm()) for v in vectors], "shape": list(batched.shape)}, ensure_ascii=False))
'''),
)

GENERATION = ("start", "length", "temperature", "top_k", "top_p", "seed", "cache")

GENERATE_PANEL = (
    inputs(GENERATION),
    *LOADED, SPLIT, STEP, DRAW, GENERATE,
    Cell("最后一行：写出的歌词（JSON）", "Last line: the lyrics written (JSON)", '''
if CACHE:
    #zh 面板里开着缓存：它把前文出现过的词的概率调高；这个脚本不含缓存，写出的词会不同
    #en The panel has the cache on, which raises the chances of words seen earlier: this script leaves it out
    print("(without the cache)")
print(json.dumps({"text": text, "words": written}, ensure_ascii=False))
'''),
)

NEXT_WORDS = (
    inputs(("start", "length", "temperature", "top_k", "seed", "step")),
    *LOADED, SPLIT, STEP, DRAW,
    Cell("同样地写（top-p 不用）", "Write the same way (no top-p here)", "TOP_P = 1.0\n" + GENERATE.code),
    Cell("第 STEP 步最可能的 10 个词：模型自己的 p（softmax），和除以温度以后真正用来抽的 p_T",
         "Step STEP's 10 likeliest words: the model's own p (softmax), and p_T, what the word was drawn from", '''
last, probs, token_id = steps[min(STEP, len(steps) - 1)]
p_model = torch.softmax(last.float(), dim=-1)
scores = last.float().clone()
scores[index[UNK]] = float("-inf")  # <unk> is never drawn: left out of the list
top = torch.topk(scores, 10).indices.tolist()
for rank, i in enumerate(top, 1):
    print(rank, tokens[i], f"p = {float(p_model[i]):.4f}", f"p_T = {float(probs[i]):.4f}")
'''),
    Cell("最后一行：这一步的数字（JSON）", "Last line: this step's numbers (JSON)", '''
print(json.dumps({"words": written, "step": min(STEP, len(steps) - 1), "chosen": tokens[token_id],
                  "top": [[tokens[i], float(p_model[i]), float(probs[i])] for i in top]}, ensure_ascii=False))
'''),
)

HIDDEN_STATES = (
    inputs(("text",)),
    *LOADED, SPLIT, CELL_BY_HAND,
    Cell("沿着句子一步一步走：每一层、每一步的 h_t（从 h_0 = 0 开始，第一个输入是行首的 <eol>）",
         "Along the sentence, step by step: h_t of every layer at every step (from h_0 = 0; the first input is "
         "the line's start, <eol>)", '''
words = [EOL, *words_of(TEXT)]
ids = [index[EOL], *ids_of(words[1:])]
x = model.embedding.weight[torch.tensor(ids)]  # (seq_len, embed_dim)
layers = []
for k in range(config["num_layers"]):
    w = [getattr(model.rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    h = c = torch.zeros(config["hidden_dim"])
    hs = []
    for t, x_t in enumerate(x):
        h, c, gates = cell_step(x_t, h, c, *w)
        hs.append(h)
        means = {gate: round(float(v.mean()), 3) for gate, v in gates.items()}  # each gate's mean share
        print(k, t, words[t], f"|h_t| = {float(h.norm()):.3f}", means)
    x = torch.stack(hs)  # (seq_len, hidden_dim): the next layer's input
    layers.append(x)
'''),
    Cell("和 nn.RNN / nn.LSTM / nn.GRU 自己算的比一比：差别只是浮点舍入", "Check against nn.RNN / nn.LSTM / nn.GRU's "
         "own run: they differ by float rounding only", '''
output, _ = model.rnn(model.embedding(torch.tensor(ids)).unsqueeze(1))  # (seq_len, batch=1, hidden_dim)
gap = float((layers[-1] - output[:, 0]).abs().max())
print("largest difference:", gap)
'''),
    Cell("最后一行：每一步的 |h_t|（JSON）", "Last line: |h_t| at every step (JSON)", '''
print(json.dumps({"words": words, "ids": ids, "norms": [[float(h.norm()) for h in layer] for layer in layers],
                  "gap": gap}, ensure_ascii=False))
'''),
)

OPEN_BOX = (
    inputs(("text", "units")),
    *LOADED, SPLIT,
    Cell("一步一步手算：h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)，每一项都打印出前 UNITS 个数",
         "By hand, step by step: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), printing the first UNITS "
         "numbers of every term", '''
rnn = model.rnn
W_ih, W_hh, b_ih, b_hh = rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0
print("W_ih", tuple(W_ih.shape), "W_hh", tuple(W_hh.shape), "b_ih", tuple(b_ih.shape), "b_hh", tuple(b_hh.shape))
words = [EOL, *words_of(TEXT)]
ids = [index[EOL], *ids_of(words[1:])]
xs = model.embedding.weight[torch.tensor(ids)]  # (seq_len, embed_dim): x_1, x_2, ...
h = torch.zeros(W_hh.size(0))  # h_0 = 0
steps, hs = [], []
for t, x in enumerate(xs):
    terms = {"W_ih x_t": W_ih @ x, "b_ih": b_ih, "W_hh h_{t-1}": W_hh @ h, "b_hh": b_hh}
    terms["sum"] = terms["W_ih x_t"] + terms["b_ih"] + terms["W_hh h_{t-1}"] + terms["b_hh"]
    h = torch.tanh(terms["sum"])
    terms["h_t = tanh(sum)"] = h
    hs.append(h)
    steps.append({"word": words[t], "terms": {name: v[:UNITS].tolist() for name, v in terms.items()}})
    print(t, words[t], {name: [round(v, 3) for v in values] for name, values in steps[-1]["terms"].items()})
'''),
    Cell("和 nn.RNN 自己算的比一比", "Check against nn.RNN's own run", '''
output, _ = rnn(xs.unsqueeze(1))  # (seq_len, batch=1, hidden_dim)
gap = float((torch.stack(hs) - output[:, 0]).abs().max())
print("largest difference:", gap)
'''),
    Cell("最后一行：每一步的各项，和最后的 h_T（JSON）", "Last line: every step's terms, and the last h_T (JSON)", '''
print(json.dumps({"steps": steps, "h_T": hs[-1].tolist(), "gap": gap}, ensure_ascii=False))
'''),
)

SCORE_LINE = (
    inputs(("text",)),
    *LOADED, SPLIT,
    Cell("每个词的惊讶度：−log₂ p(这个词 | 它前面的所有词)；行尾的 <eol> 也算（“这一行在这里结束吗？”）",
         "Each word's surprisal: −log₂ p(word | every word before it); the line's <eol> too (\"does the line end "
         "here?\")", '''
import math

tokens = [EOL]  # [<eol>, words of line 1..., <eol>, words of line 2..., <eol>], as evaluation reads a file
for line in (line.strip() for line in TEXT.splitlines() if line.strip()):
    tokens += [*split_line(line), EOL]
ids = torch.tensor(ids_of(tokens))  # (num_tokens,): an unknown word is scored as <unk>
logits, _, _ = model(ids[:-1].unsqueeze(1))  # every token predicted from all before it: (num_tokens - 1, 1, vocab)
log_probs = torch.log_softmax(logits[:, 0].float(), dim=-1)
bits = (-log_probs.gather(1, ids[1:].unsqueeze(1))[:, 0] / math.log(2)).tolist()
for word, b in zip(tokens[1:], bits):
    print(f"{word}\t{b:.2f} bits", "" if word in index else "(<unk>)")
mean = sum(bits) / len(bits)
print(f"mean {mean:.4f} bits per word, perplexity 2^mean = {2 ** mean:.3f}")
'''),
    Cell("最后一行：每个词的惊讶度和困惑度（JSON）", "Last line: each word's surprisal and the perplexity (JSON)", '''
print(json.dumps({"words": tokens[1:], "bits": bits, "mean": mean, "perplexity": 2 ** mean}, ensure_ascii=False))
'''),
)

NEIGHBOURS = (
    inputs(("word",)),
    *LOADED,
    Cell("余弦相似度：两个词向量夹角的余弦；先把每一行缩放成长度 1，一次矩阵乘法就得到所有词的",
         "Cosine similarity: the cosine of the angle between two word vectors; with every row scaled to length 1, "
         "one matrix product gives it for every word", '''
weight = model.embedding.weight  # (vocab_size, embed_dim): row i is word i's vector
unit = weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-12)
if WORD in index:
    cosine = unit @ unit[index[WORD]]  # (vocab_size,)
    cosine[[index[WORD], index[UNK], index[EOL]]] = float("-inf")  # itself and the two special tokens left out
    best = torch.topk(cosine, 10)
    nearest = [[tokens[i], float(c)] for i, c in zip(best.indices.tolist(), best.values.tolist())]
    for rank, (word, c) in enumerate(nearest, 1):
        print(rank, word, f"{c:.4f}")
else:
    nearest = []
    print(WORD, "is not in the vocabulary: it has no vector of its own")
'''),
    Cell("地图：最常用的 200 个词的向量，用 PCA（SVD）压到两维",
         "The map: the 200 commonest words' vectors, down to two dimensions by PCA (an SVD)", '''
common = weight[2:202]  # the vocabulary puts the commonest words first, after <unk> and <eol>
centred = common - common.mean(dim=0)
_, s, vh = torch.linalg.svd(centred, full_matrices=False)
variance = s ** 2
explained = [float(v / variance.sum()) for v in variance[:2]]
xy = centred @ vh[:2].T  # (200, 2): each word's place on the map (an axis's sign is arbitrary)
print(f"the two axes keep {explained[0]:.0%} and {explained[1]:.0%} of the variance")
'''),
    Cell("最后一行：最近的词和余弦（JSON）", "Last line: the nearest words and their cosines (JSON)", '''
print(json.dumps({"word": WORD, "nearest": nearest, "explained": explained}, ensure_ascii=False))
'''),
)

COMPARE = (
    inputs(("start", "seed", "temperature", "length", "top_p", "cache")),
    *LOADED, SPLIT, STEP, DRAW,
    Cell("同样地写（不用 top-k）；再跑一次，换 --weights 为另一个单元的文件夹：同一个种子，同样的随机数",
         "Write the same way (no top-k here); run it again with --weights set to another cell's folder: the same "
         "seed gives the same random numbers", "TOP_K = 0\n" + GENERATE.code),
    Cell("每个写出的词的惊讶度：−log₂ p（模型自己的 p，温度 1），平均起来比比三个单元",
         "Each written word's surprisal: −log₂ p (the model's own p, temperature 1); their mean, to compare the "
         "cells", '''
import math

bits = [-math.log2(float(torch.softmax(last.float(), dim=-1)[token_id])) for last, _, token_id in steps]
mean = sum(bits) / max(1, len(bits))
print(f"mean surprisal {mean:.2f} bits per word (perplexity of its own words {2 ** mean:.1f})")
if CACHE:
    #zh 面板里开着缓存：这个脚本不含缓存，写出的词会不同
    #en The panel has the cache on: this script leaves it out, and writes other words
    print("(without the cache)")
'''),
    Cell("最后一行：写出的歌词和平均惊讶度（JSON）", "Last line: the lyrics and the mean surprisal (JSON)", '''
print(json.dumps({"text": text, "bits": bits, "mean": mean}, ensure_ascii=False))
'''),
)

PANELS = {"tokenize": TOKENIZE, "generate": GENERATE_PANEL, "next_words": NEXT_WORDS, "hidden_states": HIDDEN_STATES,
          "open_box": OPEN_BOX, "score_line": SCORE_LINE, "neighbours": NEIGHBOURS, "shapes": SHAPES,
          "compare": COMPARE, "memorized": MEMORIZED, "attention": ATTENTION, "gradients": GRADIENTS, "train": TRAIN}
