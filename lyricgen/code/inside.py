"""The scripts of two Look-inside panels that read more than the weights: Memorization (the folder's
fingerprint.json) and Memory & attention (the continuous cache, with the settings the panel used)."""

from __future__ import annotations

from .parts import IMPORTS, LOADED, SPLIT, WEIGHTS, Cell, inputs

# Memorization needs no model: the vocabulary says how to split the text, the fingerprint what training read.
MEMORIZED = (
    inputs(("text",)),
    IMPORTS, WEIGHTS, SPLIT,
    Cell("读取指纹 fingerprint.json：训练歌词每一行、每一段连续 6 个词的哈希值（不是歌词本身）",
         "Read fingerprint.json: hashes of every training line and every run of 6 words (not the lyrics)", '''
import hashlib

fingerprint = json.loads((folder / "fingerprint.json").read_text(encoding="utf-8"))
RUN = fingerprint["run_words"]  # a copied run is at least this many words
seen_lines, seen_runs = set(fingerprint["lines"]), set(fingerprint["runs"])


def key(words):
    #zh 同样的词 → 同样的 16 位十六进制哈希；从哈希推不回歌词
    #en The same words → the same 16 hex digits; the hash cannot be turned back into lyrics
    return hashlib.blake2b("\\u0001".join(words).encode("utf-8"), digest_size=8).hexdigest()
'''),
    Cell("逐行切词，再在整段里找连续 RUN 个词、和训练歌词的哈希一样的地方（可以跨行）",
         "Split line by line, then look for runs of RUN words hashing like a training run (they may cross a "
         "line break)", '''
stream = []  # the words, "\\n" after each line
for line in TEXT.splitlines():
    stream += [*split_line(line), "\\n"]
copied = [False] * len(stream)
for i in range(len(stream) - RUN + 1):
    window = stream[i : i + RUN]
    if "\\n" not in (window[0], window[-1]) and key(window) in seen_runs:
        copied[i : i + RUN] = [True] * RUN
'''),
    Cell("每一行：整行在训练歌词里吗？有几个词落在抄来的一段里？",
         "Each line: is the whole line a training line? How many of its words lie in a copied run?", '''
lines, words, flags = [], [], []
for word, flag in zip(stream, copied):
    if word != "\\n":
        words.append(word)
        flags.append(flag)
    elif words:
        lines.append({"words": words, "seen": key(words) in seen_lines, "copied": sum(flags)})
        print(len(lines) - 1, "".join(words), "seen in training" if lines[-1]["seen"] else "",
              f"{sum(flags)}/{len(words)} words in a copied run")
        words, flags = [], []
share = sum(line["seen"] for line in lines) / max(1, len(lines))
print(f"{share:.0%} of the lines occur verbatim in the training lyrics")
'''),
    Cell("最后一行：每一行的结果（JSON）", "Last line: each line's result (JSON)", '''
print(json.dumps({"lines": lines, "seen_share": share}, ensure_ascii=False))
'''),
)

ATTENTION = (
    inputs(("text", "position", "lam", "theta", "window")),
    *LOADED, SPLIT,
    Cell("模型读一遍整段：每个位置的隐藏状态 h_t，和下一个词在模型里的概率 p_model",
         "The model reads the whole text once: the hidden state h_t at every position, and p_model of the word "
         "that comes next", '''
#zh LAM、THETA、WINDOW 是面板用的缓存设置：metrics.json 里训练时在验证集上选的 "cache"，没有就用面板说的默认值
#en LAM, THETA, WINDOW are the panel's cache settings: metrics.json's "cache", chosen on the validation split
#en in training, or the defaults the panel names when there is none
tokens = [EOL]  # [<eol>, words of line 1..., <eol>, ...]
for line in (line.strip() for line in TEXT.splitlines() if line.strip()):
    tokens += [*split_line(line), EOL]
ids = torch.tensor(ids_of(tokens))  # (T,)
logits, _, outputs = model(ids[:-1].unsqueeze(1))  # (T - 1, 1, vocab), (T - 1, 1, hidden): state t has read ids[:t + 1]
hs = outputs[:, 0].float()  # (T - 1, hidden)
p_model = torch.softmax(logits[:, 0].float(), dim=-1).gather(1, ids[1:].unsqueeze(1))[:, 0]  # (T - 1,)
'''),
    Cell("缓存的注意力：当前状态和窗口里每个更早的状态做点积，乘 θ，softmax；更早的状态“提议”它后面跟着的词",
         "The cache's attention: the current state's dot product with each earlier state in the window, times θ, "
         "softmaxed; an earlier state proposes the word that followed it", '''
T = hs.size(0)
scores = THETA * (hs @ hs.T)  # (T - 1, T - 1): row t, column i
lag = torch.arange(T).unsqueeze(1) - torch.arange(T).unsqueeze(0)
scores = scores.masked_fill((lag < 1) | (lag > WINDOW), float("-inf"))  # only the WINDOW states before t
weights = torch.softmax(scores, dim=1).nan_to_num(0.0)  # row 0 sees nothing: all zeros
next_ids = ids[1:]
same = (next_ids.unsqueeze(1) == next_ids.unsqueeze(0)).float()  # did state i propose the word that came?
p_cache = (weights * same).sum(1)
p_with = torch.where(torch.arange(T) == 0, p_model, (1 - LAM) * p_model + LAM * p_cache)  # the mixture
for j in range(T):
    print(j + 1, tokens[j + 1], f"p_model = {float(p_model[j]):.4g}", f"p_with = {float(p_with[j]):.4g}")
perplexity = [float(torch.exp(-p.double().log().mean())) for p in (p_model, p_with)]
print("perplexity without the cache", perplexity[0], "with it", perplexity[1])
'''),
    Cell("选中的词（第 POSITION 个）看了哪些更早的位置：权重最大的 5 个", "Where the chosen word (position POSITION) "
         "looked: the 5 earlier positions with most weight", '''
position = min(POSITION, len(tokens) - 1)
row = weights[position - 1]  # predicting tokens[position]: the state after tokens[position - 1]
best = torch.topk(row, min(5, int((row > 0).sum())))
top = [[i + 1, tokens[i + 1], tokens[i], float(w)] for w, i in zip(best.values.tolist(), best.indices.tolist())]
for k, word, before, w in top:  # the word proposed, and the word whose state looked alike
    print(f"#{k} {word} (after {before}) weight {w:.3f}")
'''),
    Cell("最后一行：每个词两种概率、困惑度和看过的位置（JSON）", "Last line: each word's two probabilities, the "
         "perplexities and the positions looked at (JSON)", '''
print(json.dumps({"words": tokens[1:], "p_model": p_model.tolist(), "p_with": p_with.tolist(),
                  "perplexity": perplexity, "position": position, "top": top}, ensure_ascii=False))
'''),
)
