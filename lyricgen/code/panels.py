"""Each panel's script: its inputs (the values on the screen), the shared steps it needs (parts.py), its own
computation, and one JSON line of its headline numbers, which tests/test_code.py compares with the panel's."""

from __future__ import annotations

from .parts import DRAW, GENERATE, IMPORTS, MODEL, SPLIT, STEP, WEIGHTS, Cell


def inputs(names: tuple[str, ...]) -> Cell:
    """The panel's inputs as the screen holds them."""
    return Cell("屏幕上的输入", "The inputs on the screen", "\n".join(f"{name.upper()} = ${name.upper()}"
                                                                  for name in names))


TOKENIZE = (
    inputs(("text",)),
    IMPORTS, WEIGHTS, MODEL, SPLIT,
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
    IMPORTS, WEIGHTS, MODEL, SPLIT, STEP, DRAW, GENERATE,
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
    IMPORTS, WEIGHTS, MODEL, SPLIT, STEP, DRAW,
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

PANELS = {"tokenize": TOKENIZE, "generate": GENERATE_PANEL, "next_words": NEXT_WORDS}
