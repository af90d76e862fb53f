"""English (see __init__.py)."""

CODE = "en"
NAME = "English"
ALIASES = ()

STRINGS = {
    # The page around the tabs (app.py, lyricgen/web/page.py).
    "page.title": "# lyricgen · Lyrics from recurrent neural networks\n"
                  "Word-level RNN / LSTM / GRU language models · device: `{device}`",
    "page.classroom": "Classroom address (students on the same network open it in a browser): {urls}",
    "page.language": "语言 Language",
    "page.notice.unknown_param": "The link has parameters this page does not know; ignored: {names}",
    "page.notice.bad_value": "The link's value for {name} cannot be used ({reason}); ignored",
    "page.notice.unknown_tab": "The link names a page that does not exist: {tab}; ignored",
    "page.copy_link": "Copy a link to this setup",
    # Gradio's own words, said in the page's language (Gradio's follow the browser's, or are English):
    "page.gradio.error": "Error",  # heading a message box, and marking an output whose event failed
    "page.gradio.api": "Use via API",  # the page's footer
    "page.gradio.built": "Built with Gradio",
    "page.gradio.settings": "Settings",
    "page.done": "Done",  # read out by a screen reader when a panel has its answer
    "page.queued": "In queue: {{position}} of {{size}}",  # read out while a request waits its turn
    "tab.lesson": "Lesson",
    "tab.generate": "Generate",
    "tab.tokenize": "Tokens & vectors",
    "tab.inside": "Look inside",
    "tab.lab": "Lab",
    "tab.model": "Model",
    "token.line_break": "↵ line break",

    # 课程 Lesson (lyricgen/web/tabs/lesson.py): {n} is the step's number; {vocab}, {embed}, {hidden} and {state2}
    # (h and c) the shipped models' sizes; {unk_share} their validation words read as <unk> (LessonTab.sizes).
    "lesson.intro": "## How a recurrent neural network writes lyrics\n"
                    "Follow the eight steps below, from one sentence to a whole song. At each step read a few lines, "
                    "make a guess, then press *Try it*: it opens the panel that shows the step, with its inputs set.",
    "lesson.words.text": "### Step {n} · Text → words\n"
                         "A computer cannot read text, so a sentence is first cut into words. Chinese writes no spaces "
                         "between words; jieba finds the likeliest cut from a dictionary and word frequencies. A line "
                         "break is a word too (↵): that is how the model learns when to start a new line.\n\n"
                         "`text → jieba.lcut(text) → [word₁, word₂, …]`",
    "lesson.words.guess": "**Guess first:** into how many words will jieba cut the example sentence? Is 夜晚 "
                          "(night) one word or two characters?",
    "lesson.vectors.text": "### Step {n} · Words → ids → vectors\n"
                           "Every word in the vocabulary has a number, its id. nn.Embedding is a table of {vocab} rows "
                           "and {embed} columns: the word with id i takes row i, and that row is its word vector. The "
                           "table starts as random numbers and is learned with the rest of the model. The vocabulary "
                           "keeps only words seen at least twice in the training lyrics; every other word is read as "
                           "`<unk>` ({unk_share} of the words of the validation lyrics are): the model only knows "
                           "\"here is a word I do not know\", so Score a line draws those words with grey stripes — "
                           "their numbers are not the word's own.\n\n"
                           "`x_t = E[id_t]`, where `E` has the shape `({vocab}, {embed})`",
    "lesson.vectors.guess": "**Guess first:** after training, which words have vectors closest to 星星 (stars)?",
    "lesson.one_step.text": "### Step {n} · One RNN step, by hand\n"
                            "For every word an RNN does the same thing: it multiplies the word vector x_t and the "
                            "previous hidden state h_{{t-1}} by a matrix each, adds them up, and squashes the sum "
                            "between −1 and 1 with tanh. That one line is the whole formula; *Open the box* computes "
                            "it step by step from the real weights and checks it against nn.RNN.\n\n"
                            "$$h_t = \\tanh(W_{{ih}} x_t + b_{{ih}} + W_{{hh}} h_{{t-1}} + b_{{hh}})$$\n\n"
                            "nn.RNN takes input of shape `(seq_len, batch, input_size)`; here input_size = {embed}, "
                            "and the hidden state holds {hidden} numbers.",
    "lesson.one_step.guess": "**Guess first:** what is the shape of W_hh? Feed 3 sentences of 5 words at once: what "
                             "shape comes out?",
    "lesson.over_time.text": "### Step {n} · The hidden state over time\n"
                             "The same formula runs step after step: h_1 carries the first word, h_2 mixes in the "
                             "second, and so on. The hidden state is everything the model remembers of what it has "
                             "read so far, and its size is fixed: the RNN and the GRU keep h_t's {hidden} numbers, the "
                             "LSTM its cell state c_t's {hidden} more, {state2} in all.\n\n"
                             "`h_0 = 0 → h_1 → h_2 → … → h_T`, every h_t of shape `({hidden},)`",
    "lesson.over_time.guess": "**Guess first:** by the second line, does the first line still leave a trace in the "
                              "hidden state? Look at the heatmap row by row.",
    "lesson.next_word.text": "### Step {n} · Next-word probabilities and temperature\n"
                             "The last layer turns h_t into a score z for every word in the vocabulary, and softmax "
                             "turns the scores into probabilities. The temperature T divides the scores first: T < 1 "
                             "makes the likeliest words stand out, T > 1 flattens the distribution, and T = 0 always "
                             "takes the top word. Writing lyrics is drawing one word, reading it back, and again.\n\n"
                             "$$p = \\mathrm{{softmax}}(z / T)$$",
    "lesson.next_word.guess": "**Guess first:** raise the temperature from 1 to 1.5: does the top word's probability "
                              "go up or down?",
    "lesson.gates.text": "### Step {n} · LSTM and GRU: gates, and why\n"
                         "In training, the error flows back from the last step towards the first. A plain RNN "
                         "multiplies by W_hh and by tanh's slope at every step back, so the gradient often shrinks "
                         "and words a few dozen steps back teach it nothing: the vanishing gradient. LSTM and GRU use "
                         "gates between 0 and 1 to decide how much old memory to keep. The LSTM's cell state c is "
                         "multiplied only by the forget gate f at each step back: with f near 1 the gradient goes back "
                         "almost undiminished. The gates *can* stay open; how far they open is up to training: see how "
                         "much gradient the three trained models keep, and how far their gates are open.\n\n"
                         "$$c_t = f_t \\odot c_{{t-1}} + i_t \\odot g_t$$",
    "lesson.gates.guess": "**Guess first:** after 50 random words, what share of the last step's gradient is "
                          "left at the first word? Which of the three models keeps the most? Does the LSTM's cell "
                          "state c_t keep more than its h_t?",
    "lesson.training.text": "### Step {n} · Training\n"
                            "Training asks the model for the next word again and again, measures how wrong it was with "
                            "the cross-entropy (how surprised it was by the right word), and moves every weight a "
                            "small step against the gradient (the gradient points where the loss grows). In the Lab you watch the loss fall and read a sample now and then; when it ends, the model is **My model** in every panel: now look at it in Hidden states. Trained "
                            "too long, a model starts to recite its training lyrics: check how much of what it writes "
                            "is copied.\n\n"
                            "`loss = −log₂ p(the right next word)` (the surprisal, in bits; PyTorch's cross-entropy "
                            "uses the natural log ln, a constant factor ln 2 apart: every loss curve on this page is "
                            "in bits per word)",
    "lesson.training.guess": "**Guess first:** in Score a line, the first line sounds like a lyric, the second is "
                             "everyday talk: which has the higher perplexity, and by how many times? Did the lyrics "
                             "step 5's Generate wrote copy any line of the training lyrics?",
    "lesson.memory.text": "### Step {n} · Memory and attention\n"
                          "A hidden state of {hidden} numbers ({state2} with the LSTM's c_t) cannot hold a whole song. The cache keeps the hidden "
                          "state of every step the model has read; for the next word it compares the current h_t with "
                          "each past h_i, weights the most similar places most, and makes the words that came after "
                          "them likelier. This is a kind of attention: a weighting of the model's own past states "
                          "(the continuous cache of Grave et al., 2017; attention itself came first in Bahdanau et "
                          "al.'s 2014 machine translation).\n\n"
                          "$$a_i = \\mathrm{{softmax}}_i(\\theta\\, h_t \\cdot h_i), \\quad "
                          "p = (1-\\lambda)\\, p_{{\\mathrm{{model}}}} + \\lambda\\, p_{{\\mathrm{{cache}}}}$$",
    "lesson.memory.guess": "**Guess first:** when a chorus repeats, where does the cache look?",
    "lesson.step": "{text}\n\n{guess}\n\n{links}",
    "lesson.link": "[{label}]({href})",
    "lesson.read_code": "Read the code",
    "lesson.try.tokenize": "Try it: Tokens & vectors",
    "lesson.try.model": "Try it: Model",
    "lesson.try.neighbours": "Try it: Neighbours",
    "lesson.try.open_box": "Try it: Open the box",
    "lesson.try.shapes": "Try it: Shapes",
    "lesson.try.hidden_states": "Try it: Hidden states",
    "lesson.try.next_words": "Try it: Next word",
    "lesson.try.generate": "Try it: Generate",
    "lesson.try.gradients": "Try it: Vanishing gradients",
    "lesson.try.compare": "Try it: Compare cells",
    "lesson.try.train": "Try it: Train it yourself",
    "lesson.poll": "Your class's poll: {question}",
    "lesson.try.score_line": "Try it: Score a line",
    "lesson.try.memorized": "Try it: Memorization",
    "lesson.try.attention": "Try it: Memory & attention",

    # What a screen reader says for each picture (alt text).
    "alt.tokenize": "Heatmap: each row is one word's vector, each column one dimension; blue is negative, red "
                    "positive, white near 0.",
    "alt.hidden_states": "Heatmaps: each row is one step, each column one hidden unit; the hidden state first, "
                         "then each gate. Blue is negative, red positive; gates run from white (0) to dark blue (1).",
    "alt.attention": "Heatmap: row t holds the attention weights the cache gave each earlier position when "
                     "writing word t; the darker, the larger the weight.",
    "alt.neighbours": "Embedding map: each dot is a word, placed by its vector flattened to two coordinates by PCA; "
                      "red is the word looked up, dark blue its nearest words, light blue frequent words.",

    # Inputs several tabs share (lyricgen/web/widgets.py).
    "widget.cell": "Cell type",
    "widget.temperature": "Temperature",
    "widget.temperature_long": "Temperature (0 = greedy; higher = more random)",
    "widget.top_p": "top-p (1 = off; sample only among the likeliest words holding p of the probability)",
    "widget.cache": "Cache (look back at the words already written: see Memory & attention)",
    "widget.start": "Start text",
    "widget.seed": "Seed (blank = random)",
    "widget.seed_placeholder": "e.g. 42",
    "widget.max_chars": "At most {n} characters",
    "widget.info_max_chars": "{info} · at most {n} characters",
    "widget.generate": "Generate",

    # What validate.py says about a value a student can fix.
    "error.title": "Input error",
    "error.busy_title": "Busy",
    "error.busy": "The server is busy: try again in a few seconds",
    "error.not_text": "The {what} must be text",
    "error.too_long": "The {what} is too long: {n} characters, at most {limit}",
    "error.empty": "The {what} is empty: please type one",
    "error.not_number": "The {what} must be a number",
    "error.out_of_range": "The {what} must be between {low} and {high} (got {value})",
    "error.not_whole": "The {what} must be a whole number",
    "error.seed": "The seed must be a whole number, or blank for random",
    "error.no_choice": "No {what} {value}; choose one of {names}",
    "error.cache_switch": "The cache switch must be on or off",
    "error.no_cache": "This model records no cache settings (cache in metrics.json), so it cannot use the cache",
    "error.flag": "It must be 1 or 0 (on or off)",
    "field.seed": "seed",
    "field.model": "model",
    "field.top_k": "top-k",
    "field.top_p": "top-p",
    "field.start_text": "start text",
    "field.length": "length",
    "field.temperature": "temperature",
    "field.step": "step",

    # Drawn by render.py for several panels.
    "render.probability": "Probability: ",
    "render.unknown": "Not in the vocabulary (read as {unk}): its number is the probability of \"some word I do "
                      "not know\", not of this word",
    "gate.h": "hidden state h_t",
    "gate.i": "input gate i",
    "gate.f": "forget gate f",
    "gate.g": "candidate g",
    "gate.o": "output gate o",
    "gate.c": "cell state c_t",
    "gate.r": "reset gate r",
    "gate.z": "update gate z",
    "gate.n": "candidate n",
    "box.heading": "### Open the box: one RNN step",
    "box.explain": "For every word, the RNN multiplies **the word's vector** x_t and **the previous hidden state** "
                   "h_{{t-1}} by a matrix each, adds a bias each, sums them, and squashes the sum into (−1, 1) with "
                   "tanh: that is the new hidden state h_t. h_0 is all zeros.",
    "box.shapes_header": "| name | shape | meaning |",
    "box.embedding": "one row per word: x_t = embedding[id]",
    "box.w_ih": "input to hidden",
    "box.b_ih": "input bias",
    "box.w_hh": "hidden to hidden (the memory)",
    "box.b_hh": "hidden bias",
    "box.h_t": "the new hidden state",
    "box.units": "Below: the first {units} of {hidden} units.",
    "box.step": "step",
    "box.word": "word",
    "box.sum": "sum",
    "box.agree": "they agree",
    "box.differ": "they differ!",
    "box.check": "**Largest difference between this hand computation and `nn.RNN`: {diff}** ({verdict}; only "
                 "floating-point rounding)",
    "memory.summary": "{seen} of {lines} lines ({seen_share}) occur verbatim in the training lyrics; {copied} of "
                      "the words lie in copied runs of {run}+ words.",
    "memory.copied_run": "copied run",
    "memory.verbatim": "verbatim from training",

    # Generate (lyricgen/web/tabs/generate.py).
    "generate.length": "Length (words and line breaks)",
    "generate.top_k": "top-k (0 = off)",
    "generate.start_placeholder": "any text",
    "generate.lyrics": "Lyrics",
    "generate.examples": "Examples (click one)",
    "generate.download": "Download the lyrics and settings (.txt)",
    "generate.info.seed": "**Seed: `{seed}`** (type it into *Seed* to get the same lyrics again)",
    "generate.info.model": "Model: {cell} · device: `{device}` · temperature: {temperature}{greedy} · "
                           "top-k: {top_k}{top_p}",
    "generate.info.greedy": " (greedy)",
    "generate.info.all": "all",
    "generate.info.cache": "Cache: λ = {lam}, θ = {theta}, N = {window} (looks back over the last {window} words, "
                           "skipping the latest {lag}). λ is half the λ = {scoring_lam} chosen for scoring on "
                           "validation lyrics (Memory & attention uses {scoring_lam}): while writing, the model reads "
                           "its own words, and with a larger λ it copies its own lines over and over.",
    "generate.info.no_start": "No start text: the model starts at the beginning of a line.",
    "generate.info.unknown": "Not in the vocabulary, so the model reads each as `{unk}` (unknown word): {words}.",
    "generate.file.heading": "Lyrics written by lyricgen",
    "generate.file.settings": "Settings",
    "generate.file.start": "Start text",
    "generate.file.cell": "Cell type",
    "generate.file.temperature": "Temperature",
    "generate.file.top_k": "top-k (0 = off)",
    "generate.file.top_p": "top-p",
    "generate.file.seed": "Seed",
    "generate.file.length": "Length",
    "generate.file.cache": "Cache",
    "generate.file.files": "Model files (SHA-256: check that it is the same model)",
    "generate.file.again": "The same model and settings write the same lyrics again.",
    "generate.file.on": "on",
    "generate.file.off": "off",

    "field.sentence": "sentence",
    "field.units": "number of units",

    # Tokenize (lyricgen/web/tabs/tokenize.py).
    "tokenize.intro": "A sentence is cut into words by jieba, each word becomes its vocabulary id, and the id picks a "
                      "row (the word's vector) out of the embedding matrix.",
    "tokenize.sentence": "Sentence",
    "tokenize.button": "Tokenize",
    "tokenize.table": "Tokens, ids and vectors",
    "tokenize.heatmap": "Embedding heatmap (rows = token position #; red = positive, blue = negative)",
    "tokenize.dim": "dim",
    "tokenize.col.word": "word",
    "tokenize.col.known": "in vocab",
    "tokenize.col.norm": "norm",
    "tokenize.shapes.tokens": "1. jieba's tokens: {tokens}",
    "tokenize.shapes.ids": "2. Vocabulary ids: `{ids}` → shape `{shape}` = `(seq_len,)`",
    "tokenize.shapes.lookup": "3. Embedding lookup `embedding.weight[ids]` (matrix `{matrix}` = "
                              "`(vocab_size, embed_dim)`) → `{shape}` = `(seq_len, embed_dim)`",
    "tokenize.shapes.batch": "4. Add a batch dimension `unsqueeze(1)` → `{shape}` = `(seq_len, batch, input_size)`: "
                             "what `nn.{cell}` expects",
    "tokenize.unknown": "Unknown words (all share the one `{unk}` vector): {words}",
    "tokenize.first_dims": "The table shows the first {shown} of {dims} dimensions; the heatmap shows them all.",
    "tokenize.error.no_words": "Please type at least one word",

    # Model (lyricgen/web/tabs/models.py).
    "model.intro": "Three models trained on the same corpus; what differs is the recurrent cell. "
                   "Running on `{device}`. Perplexity: how many words the model is, on average, torn between "
                   "(lower is better); the n-gram model is the counting baseline.",
    "model.summary": "### Summary\n\n"
                     "| Model | Parameters | Vocabulary | embed_dim | hidden_dim | Layers | Validation perplexity "
                     "| n-gram perplexity | Ratio | Best epoch | Trained on | Running on |\n"
                     "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n{rows}",
    "model.card": "### {name}\nParameters: **{params}** · embed {embed} · hidden {hidden} · layers {layers} · "
                  "vocab {vocab} · device `{device}`",
    "model.card_ppl": "### {name}\nParameters: **{params}** · embed {embed} · hidden {hidden} · layers {layers} · "
                      "vocab {vocab} · device `{device}`\n\n"
                      "Validation perplexity **{ppl}**, {order}-gram baseline {ngram} (lower is better)",
    "model.curves.title": "Loss per epoch",
    "model.mine.intro": "### My model\nThe model you trained in the Lab (or uploaded there): its sizes, and its loss as it trained.",
    "model.mine.button": "Show my model",
    "model.mine.curves": "My model's loss per step",
    "model.curves.caption": "train_loss: the loss on the training set, val_loss: on the validation set",
    "model.curves.x": "Epoch",
    "model.curves.y": "Loss (bits/word)",

    # Next word (lyricgen/web/tabs/next_words.py).
    "next_words.title": "Next word",
    "next_words.intro": "At every step the model gives each word a probability p (softmax, T = 1), then one word is "
                        "drawn from p_T: the scores divided by T, `<unk>` removed (it can never be written), "
                        "renormalised. Colour = p; surprisal = −log₂ p (bits). Move *Step* to see that step's top 10.",
    "next_words.length": "Length (words)",
    "next_words.step": "Step (which generated word)",
    "next_words.before": "The model's own p (T = 1)",
    "next_words.after": "Sampled from: p_T (÷T, no <unk>)",
    "next_words.candidate": "Candidate",
    "next_words.probability": "Probability",
    "next_words.info.run": "Seed: `{seed}` · model: {cell} · {steps} steps",
    "next_words.info.step": "**Step {index}**: chose **{word}** — p = {p1}, surprisal −log₂ p = {bits} bits; "
                            "sampled at T = {temperature} from p_T = {p}",
    "next_words.tip": "step {index} · p = {p} · p_T (T = {temperature}) = {p_t} · surprisal {bits} bits",
    "next_words.effect.greedy": "Temperature 0 is greedy: always the top word",
    "next_words.effect.sharper": "Temperature below 1: the likely words get likelier",
    "next_words.effect.flatter": "Temperature above 1: flatter, more random",
    "next_words.effect.same": "Temperature 1: the model's own distribution",

    # Compare cells (lyricgen/web/tabs/compare.py).
    "compare.title": "Compare cells",
    "compare.intro": "Same start text, seed and temperature for every cell. Surprisal = −log₂ p of each word under "
                     "the model that wrote it: lower means less surprised.",
    "compare.length": "Length (words)",
    "compare.top_p": "top-p (1 = off)",
    "compare.button": "Compare",
    "compare.table": "Per cell",
    "compare.col.cell": "cell",
    "compare.col.surprisal": "mean surprisal (bits)",
    "compare.col.own_ppl": "ppl of own text",
    "compare.col.val_ppl": "val ppl",
    "compare.col.text": "text",
    "compare.figures": "Mean surprisal <b>{bits}</b> bits/word · val ppl <b>{val}</b>",
    "compare.info": "Seed: `{seed}` — all cells drew from the same random numbers, so the differences come from the "
                    "models.",

    # Hidden states (lyricgen/web/tabs/hidden_states.py).
    "hidden_states.title": "Hidden states",
    "hidden_states.intro": "Each word read updates the hidden state h_t (the cell's memory). The LSTM also has input, "
                           "forget and output gates and a cell state c_t; the GRU has update and reset gates.",
    "hidden_states.sentence": "Sentence",
    "hidden_states.button": "Show hidden states",
    "hidden_states.picture": "Heatmaps (rows = steps, columns = units)",
    "hidden_states.table": "The word read at each step",
    "hidden_states.col.step": "step",
    "hidden_states.col.input": "input",
    "hidden_states.col.norm": "|h| layer {layer}",
    "hidden_states.caption": "layer {layer} · {caption}",
    "hidden_states.info.pictures": "Each picture: rows = time steps (the word read: see the table), columns = hidden "
                                   "units; shape `({steps}, {units})` = `(steps, units)`.",
    "hidden_states.info.gates": "{name}'s gates: {gates}. Red positive, blue negative (h, candidates); gates run from "
                                "0 (white) to 1 (dark blue).",
    "hidden_states.info.no_gates": "none",
    "hidden_states.info.check": "Computed step by step from the model's own weights; the largest difference from "
                                "`nn.{name}`'s output: **{diff}** {verdict}",
    "hidden_states.error.no_words": "The sentence has no words",

    # Open the box (lyricgen/web/tabs/open_box.py).
    "open_box.title": "Open the box",
    "open_box.intro": "The plain RNN is one formula: h_t = tanh(W_ih x_t + b_ih + W_hh h_{{t−1}} + b_hh). Here it is "
                      "computed step by step with the model's own matrices, and compared with nn.RNN's output.",
    "open_box.sentence": "Short sentence",
    "open_box.units": "Units shown",
    "open_box.button": "Open",
    "open_box.error.no_rnn": "No RNN model is loaded, so the box cannot be opened",
    "open_box.error.no_words": "The sentence has no words",

    # Inputs named in error messages.
    "field.word": "word",
    "field.lyrics": "lyrics text",
    "field.line": "line",
    "field.position": "position",

    # Neighbours (lyricgen/web/tabs/neighbours.py).
    "neighbours.title": "Neighbours",
    "neighbours.explain": "Training gives words used alike vectors pointing alike. Table: each cell's nearest words "
                          "by cosine similarity; map: the commonest words and the nearest ones flattened to 2-D by "
                          "PCA, each word written beside its dot where there is room (hover a dot for its word too).",
    "neighbours.word": "Word to look up",
    "neighbours.cell": "Cell for the map",
    "neighbours.button": "Find neighbours",
    "neighbours.table": "Nearest words",
    "neighbours.map": "Embedding map (PCA)",
    "neighbours.rank": "rank",
    "neighbours.map.query": "word looked up",
    "neighbours.map.frequent": "frequent word",
    "neighbours.map.near": "nearest word",
    "neighbours.info": "Cosine similarity: 1 = same direction, 0 = unrelated. Map: the {words} commonest words of "
                       "the {cell}, PCA to 2-D; the axes keep {pc1} + {pc2} of the variance.",
    "neighbours.unknown": "**{word}** is not in the vocabulary, so it has no vector and no neighbours.",
    "neighbours.split": "jieba splits it into: {pieces} (✗ = not in the vocabulary either)",
    "neighbours.sharing": "Words sharing a character: {words}",
    "neighbours.none": "none",

    # Memorization (lyricgen/web/tabs/memorized.py).
    "memorized.title": "Memorization",
    "memorized.explain": "Writing or reciting? Checked against the training lyrics' fingerprint (hashes, not the "
                         "lyrics): a whole line seen in training is orange, a run of 6+ words seen in training is "
                         "underlined.",
    "memorized.lyrics": "Lyrics (one line per lyric line)",
    "memorized.take": "Use the lyrics from Generate",
    "memorized.button": "Check",
    "memorized.table": "Line by line",
    "memorized.col.line": "line",
    "memorized.col.text": "text",
    "memorized.col.verbatim": "verbatim",
    "memorized.col.copied": "copied words",
    "memorized.col.words": "words",
    "memorized.error.no_fingerprint": "This model has no fingerprint.json, so copying cannot be checked",

    # Score a line (lyricgen/web/tabs/score_line.py).
    "score_line.title": "Score a line",
    "score_line.explain": "Type any line: each word's surprisal −log₂ p (bits) under each cell; perplexity = "
                          "2^(mean surprisal), lower = more like the lyrics the model learned.",
    "score_line.line": "A line",
    "score_line.button": "Score",
    "score_line.summary": "Perplexity of each cell",
    "score_line.table": "Surprisal per word (bits)",
    "score_line.col.word": "word",
    "score_line.col.in_vocab": "in vocab",
    "score_line.col.cell": "cell",
    "score_line.col.mean": "mean surprisal (bits)",
    "score_line.col.bits": "{cell} (bits)",
    "score_line.col.perplexity": "perplexity",
    "score_line.col.val_ppl": "val ppl",
    "score_line.col.line_ppl": "line {n} perplexity",
    "score_line.error.no_words": "The line has no words",
    "score_line.tip": "{bits} bits",
    "score_line.unknown_tip": "{bits} bits, but for \"some unknown word\" ({unk}): {word} is not in the vocabulary",
    "score_line.unknown": "{n} words are not in the vocabulary: {words}. The model reads each as {unk} and gives the "
                          "probability of \"some word I do not know\", so their surprisal (striped) says nothing "
                          "about the word itself; the mean surprisal and the perplexity count them, as evaluation "
                          "does.",

    # Memory & attention (lyricgen/web/tabs/attention.py).
    "attention.title": "Memory & attention",
    "attention.explain": "An RNN's memory is its hidden state; the continuous cache adds recall: it keeps every past "
                         "state with the word that followed it. Colour = each word's probability, without the cache "
                         "and with it: when the chorus comes back, the cache recognises it.",
    "attention.explanation": "**This is what attention is.** The current state h_t is compared with every earlier "
                             "state h_i (a dot product θ·h_t·h_i), the similarities become weights through a "
                             "softmax, and the words that followed the similar states are mixed into the prediction: "
                             "the same operation a Transformer does with queries and keys, here over the RNN's own "
                             "past.\n\n{formula}",
    "attention.lyrics": "Lyrics (one line per lyric line)",
    "attention.position": "Position (which word; line breaks count)",
    "attention.button": "Show attention",
    "attention.summary": "Perplexity without and with the cache",
    "attention.picture": "Attention weights",
    "attention.picture.column": "pos",
    "attention.top": "Where the chosen word looked",
    "attention.table": "Each word's probability",
    "attention.without": "without cache",
    "attention.with": "with cache",
    "attention.words.without": "Without the cache",
    "attention.words.with": "With the cache",
    "attention.col.model": "model",
    "attention.col.perplexity": "perplexity",
    "attention.col.mean_p": "mean probability",
    "attention.col.position": "position",
    "attention.col.word": "word",
    "attention.col.in_vocab": "in vocab",
    "attention.col.p_without": "p without",
    "attention.col.p_with": "p with",
    "attention.col.ratio": "ratio ×",
    "attention.col.proposed": "word proposed",
    "attention.col.before": "word before",
    "attention.col.lag": "lag",
    "attention.col.weight": "weight",
    "attention.col.same": "= the word",
    "attention.settings.recorded": "**{cell}** cache settings: λ = {lam}, θ = {theta}, N = {window} "
                                   "(from metrics.json, chosen on validation lyrics)",
    "attention.settings.defaults": "**{cell}** cache settings: λ = {lam}, θ = {theta}, N = {window} — **defaults** "
                                   "({why}): λ = {default_lam}, N = {default_window}, θ = {sharpness} / mean‖h‖² "
                                   "(measured on the example song)",
    "attention.settings.generation": "Scoring given lyrics, as here, uses this λ. Writing lyrics (Generate, Compare "
                                     "cells) the cache gets half of it, λ = {gen_lam}, and skips the latest {lag} "
                                     "words: the model reads its own words there, and with a larger λ it copies its "
                                     "own lines over and over.",
    "attention.note.none": "this checkpoint's metrics.json records none",
    "attention.note.unusable": "its cache settings in metrics.json are unusable: {detail}",
    "attention.chosen.head": "**Word #{j}: {word}** — without the cache p = {p_without}, with the cache p = {p_with}",
    "attention.chosen.empty": "{head}. The cache is still empty: nothing has been read before it.",
    "attention.chosen.looked": "{head}. It looked most at: {looked} (underlined in blue)",
    "attention.heatmap_key": "Heatmap: row j = the cache's weights when predicting word j, column k = an earlier "
                             "word k (the state at the word before it was compared); white 0, dark blue 1; the red "
                             "frame = the chosen word.",
    "attention.error.no_words": "The text has no words",
    "attention.error.too_many": "Too many words: {n} (line breaks included), at most {limit}",

    "field.corpus": "corpus",
    "field.cell": "cell",
    "field.hidden_size": "hidden size",
    "field.lr": "learning rate",
    "field.budget": "time budget",
    "field.feeding": "feeding",
    "field.tokens": "tokens",
    # The code behind a panel (lyricgen/web/code_view.py, lyricgen/code/).
    "code.title": "Code: this panel in PyTorch",
    "code.intro": "The script that computes this panel's numbers for the inputs above, standalone: torch, jieba and safetensors only, never lyricgen. Run it with `--weights` set to a model folder; its last line prints the numbers as JSON. Download it as `.py` or as a notebook.",
    "code.button": "Show the code for these inputs",
    "code.files": "The script and the notebook",
    "code.error.not_text": "The panel and its setup must be text",
    "code.error.no_code": "The panel {panel} has no code view yet",
    "field.sequence_source": "sequence source",
    "field.sequence_length": "sequence length",
    "field.scale": "W_hh scale",
    "field.clip": "clipping threshold",
    "field.mode": "mode",
    "field.seq_len": "seq_len",
    "field.batch": "batch",
    "field.input_size": "input_size",
    "field.hidden_size_arg": "hidden_size",
    "field.num_layers": "num_layers",
    "field.wrong_shape": "wrong-shape choice",
    # Your own model (web/mine.py, lyricgen/archive.py)
    "mine.choice": "My model",
    "mine.name": "My model ({cell})",
    "mine.upload": "Upload a model (the Lab's zip, or any weights folder zipped)",
    "mine.kept": "✓ This model is now **My model**: choose it in every panel. Now use it in [Hidden states](?tab=hidden_states&cell=mine).",
    "mine.not_kept": "This model could not become My model: {why}",
    "mine.uploaded": "✓ Taken: {cell}, {hidden} hidden units, {vocab} words, {params} parameters. Choose **My model** in any panel.",
    "mine.error.none": "You have no model of your own yet: train one in the Lab (Train it yourself), or upload a model zip there",
    "mine.error.evicted": "Your model was put away to make room for other students' models: train or upload it again in the Lab",
    "mine.error.expired": "Your model was put away after {minutes} minutes unused: train or upload it again in the Lab",
    "mine.error.too_large": "This model is too large ({mb} MB): the server keeps at most {most} MB of students' models",
    "mine.error.unavailable": "This server takes no models of your own",
    "mine.error.no_file": "Choose a model zip file first",
    "mine.error.refused": "This model was not taken: {why}",
    "archive.not_zip": "the file is not a zip archive",
    "archive.too_big": "the file is over {mb} MB",
    "archive.too_big_unpacked": "its files are over {mb} MB unpacked",
    "archive.damaged": "the zip archive is damaged ({detail})",
    "archive.outside": "{name} points outside the model's folder",
    "archive.link": "{name} is a link, not a file",
    "archive.not_allowed": "{name} is not a file of a weights folder (allowed: {allowed}; weights only as model.safetensors)",
    "archive.duplicate": "{name} is in the archive twice",
    "archive.folders": "its files must be together, at the archive's top or in one folder",
    "archive.missing": "{names} missing",
    "archive.config_limit": "config.json asks for {setting} = {value}, at most {most} here",
    "archive.load": "its files do not make a model ({detail})",
    "open_box.error.not_rnn": "Open the box writes out the plain RNN's formula, and {cell} is not an RNN: choose the RNN, or train your own with the RNN cell",
    "lab_train.status.unknown_warning": "⚠ {unknown} of the validation words are unknown to the model (<unk>): it learns little it can use on new text. More text, or longer training on it, helps.",

    "lab_train.title": "Train it yourself",
    "lab_train.explanation": "Train a small model from scratch on a little text: watch the loss fall and the samples "
                             "improve, and compare two ways of feeding the text.",
    "lab_train.lesson": "**The tutorial's way**: random windows of 32 words, each read from a zero state, all starting "
                        "in the first 3% of the text — the model sees one small piece again and again, and learns to "
                        "recite it. **This project's way**: the whole text in order, the hidden state carried from "
                        "window to window (only the gradient is cut) — the model sees all the lyrics, and learns to "
                        "write.",
    "lab_train.source": "Corpus",
    "lab_train.source.builtin": "Built-in classical poems",
    "lab_train.source.paste": "Lyrics I paste",
    "lab_train.text": "Lyrics (one line per lyric line)",
    "lab_train.text_placeholder": "Used with “Lyrics I paste”",
    "lab_train.feeding": "Feeding",
    "lab_train.feeding.tutorial": "The tutorial's way",
    "lab_train.feeding.project": "This project's way",
    "lab_train.tokens": "Split the text into",
    "lab_train.tokens.char": "Characters",
    "lab_train.tokens.word": "Words (jieba, as the shipped models)",
    "lab_train.tokens.info": "Characters for classical poems: jieba cuts them into words most of which occur only once, so a model of words meets mostly unknown words; one of characters sees each of them many times.",
    "lab_train.cell": "Cell",
    "lab_train.hidden_size": "Hidden size",
    "lab_train.lr": "Learning rate (AdamW)",
    "lab_train.budget": "Time budget (s)",
    "lab_train.start": "Samples start with",
    "lab_train.button": "Train",
    "lab_train.stop": "Stop",
    "lab_train.plot.title": "Loss",
    "lab_train.plot.x": "Training step",
    "lab_train.plot.y": "Loss (bits/word)",
    "plot.curve": "Curve",  # the title of a line chart's legend
    "lab_train.samples": "Samples (same start and seed)",
    "lab_train.download": "Download the trained model (zip)",
    "lab_train.sample": "Step {step}: {text}",
    "lab_train.status.progress": "**Step {step}** · epoch {epoch} · **{rate}** tokens/s · "
                                 "elapsed {elapsed} / {budget} s",
    "lab_train.status.loss_ppl": "{loss} bits/token (perplexity {ppl})",
    "lab_train.status.train": "Training loss {curve}: {loss}",
    "lab_train.status.val": "Validation loss {curve}: {loss} bits/token (perplexity **{ppl}**, at step {step})",
    "lab_train.status.data": "Vocabulary {vocab} tokens · training {train} tokens ({train_lines} lines) · "
                             "validation {val} tokens ({val_lines} lines, {unknown} unknown)",
    "lab_train.status.gave_way": "⏸ The class was generating: this training gave way to it for {waited} s of its "
                                 "{elapsed} s (the shipped models' requests go first), so it made fewer steps.",
    "lab_train.status.finished": "✓ Finished: {reason}",
    "lab_train.status.baseline": "The {order}-gram baseline's validation perplexity: {ppl} (lower is better)",
    "lab_train.stop.budget": "time is up",
    "lab_train.stop.max_steps": "step limit reached",
    "lab_train.stop.stopped": "stopped",
    "lab_train.busy.session": "A training is already running in this browser: stop it first",
    "lab_train.busy.server": "The server trains at most {n} models at once and all are busy: "
                             "please try again in a minute",
    "lab_train.busy.turn": "Other students asked first ({n} waiting): the next free place is theirs, "
                           "please try again in a minute",
    "lab_train.error.no_lyrics": "Please paste some lyrics, one line per lyric line",
    "lab_train.error.no_words": "The text has no words, only punctuation or symbols",
    "lab_train.error.few_lines": "At least {least} lines please (got {n}): the last ones are kept for validation",
    "lab_train.error.little_text": "Too little text: {words} words for training, {known} seen twice or more; "
                                   "at least {least_words} words and {least_known} repeated ones please",

    "lab_gradients.title": "Vanishing gradients",
    "lab_gradients.explanation": "The gradient of the last word's loss with respect to each earlier hidden state, "
                                 "‖∂L_T/∂h_t‖: the further back, the smaller, so far-away words hardly shape "
                                 "learning. The LSTM has a second way back, its cell state c_t, where each step "
                                 "back multiplies by the forget gate f and nothing else: ‖∂L_T/∂c_t‖ is drawn "
                                 "beside. The y axis is log₁₀ of the norm.",
    "lab_gradients.source": "Sequence",
    "lab_gradients.source.sentence": "A sentence",
    "lab_gradients.source.random": "Random words",
    "lab_gradients.text": "Sentence",
    "lab_gradients.length": "Random length (words)",
    "lab_gradients.scale": "Multiply the RNN's W_hh by",
    "lab_gradients.clip": "Gradient clipping threshold (0 = off)",
    "lab_gradients.button": "Compute gradients",
    "lab_gradients.plot.x": "Steps back from the last",
    "lab_gradients.plot.cells": "The three models (y = log₁₀)",
    "lab_gradients.plot.rnn": "The RNN, W_hh scaled (y = log₁₀)",
    "lab_gradients.underflow": "0 (underflow)",
    "lab_gradients.radius.below": "ρ < 1: every step back multiplies the gradient by about ρ (and by tanh's "
                                  "slope ≤ 1): it shrinks with distance — the vanishing gradient.",
    "lab_gradients.radius.above": "ρ > 1: while tanh is not saturated each step back enlarges the gradient — it "
                                  "explodes; where tanh saturates its slope shrinks it again.",
    "lab_gradients.radius.near": "ρ ≈ 1: the gradient keeps roughly its size, up to tanh's slope.",
    "lab_gradients.clip.off": "No clipping (threshold 0): {clipped} and {curve} are the same line.",
    "lab_gradients.clip.below": "Total norm {norm} ≤ threshold {clip}: clipping does nothing.",
    "lab_gradients.clip.above": "Total norm {norm} > threshold {clip}: every step's gradient is multiplied by "
                                "{factor} ({clipped}). The size is capped, the ratio between near and far steps is "
                                "not ({clipped} and {curve} are parallel) — clipping tames explosions, not vanishing.",
    "lab_gradients.info.ratio": "{cell}: far / near = **{ratio}**{skipped}",
    "lab_gradients.info.underflowed": " ({n} steps underflowed to 0, not drawn)",
    "lab_gradients.info.overflowed": " ({n} steps underflowed to 0 or overflowed, not drawn)",
    "lab_gradients.info.sentence": "the sentence's {n} words",
    "lab_gradients.info.random": "{n} random words, seed `{seed}`",
    "lab_gradients.info.terms": "L = the last word's loss; h_t = the hidden state after word t; {source}.",
    "lab_gradients.info.ratios": "{ratios} (‖∂L/∂h_1‖ / ‖∂L/∂h_T‖)",
    "lab_gradients.info.rnn": "**RNN: W_hh's spectral radius ρ = {original}; × {scale} → ρ = {radius}**; "
                              "far / near = {ratio}{skipped}",
    "lab_gradients.info.no_rnn": "No plain RNN is loaded: no scaling experiment.",
    "lab_gradients.info.verdict": "**{steps} steps back, most of the last step's gradient is left in {most} "
                                  "({most_ratio}), least in {least} ({least_ratio}).**",
    "lab_gradients.info.forget": "The LSTM's forget gate f averages **{f}** over these words: each step back along c "
                                 "multiplies the gradient by about f, so {curve} fades too. "
                                 "The gate *can* open to 1 and carry the gradient back undiminished; how far it "
                                 "opens is up to training. In these lyrics the next word depends mostly on the last "
                                 "few, so the trained LSTM learned to forget fast — and its gradient vanishes too.",
    "lab_gradients.info.update": "The GRU's update gate z (the share of the old state each step keeps) averages **{z}**: "
                                 "the closer z is to 1, the further back its gradient reaches along h.",
    "lab_gradients.error.few_words": "The sentence needs at least two words",
    "lab_gradients.error.many_words": "The sentence has {n} words, at most {most}",

    "lab_shapes.title": "Shapes",
    "lab_shapes.explanation": "Build the layer the tutorial builds (nn.RNN / nn.LSTM / nn.GRU), feed it a random "
                              "batch and read every tensor's shape and the parameter count; switch on a wrong shape "
                              "to read PyTorch's own error.",
    "lab_shapes.mode": "mode (cell type)",
    "lab_shapes.seq_len": "seq_len (sequence length)",
    "lab_shapes.batch": "batch (batch size)",
    "lab_shapes.input_size": "input_size (input features: the word-vector length)",
    "lab_shapes.hidden_size": "hidden_size (hidden features)",
    "lab_shapes.num_layers": "num_layers (layers stacked)",
    "lab_shapes.bidirectional": "bidirectional (both directions)",
    "lab_shapes.batch_first": "batch_first (batch axis first)",
    "lab_shapes.wrong": "Wrong shape",
    "lab_shapes.wrong.none": "All right",
    "lab_shapes.wrong.h0": "Wrong h0",
    "lab_shapes.wrong.input": "Wrong input",
    "lab_shapes.button": "Run",
    "lab_shapes.code": "**The same in Python**",
    "lab_shapes.tensors": "Tensors",
    "lab_shapes.parameters": "Weights and biases",
    "lab_shapes.table.tensor": "Tensor",
    "lab_shapes.table.shape": "Shape",
    "lab_shapes.table.axes": "Axes",
    "lab_shapes.table.should_be": "✗ should be {shape} = {axes}",
    "lab_shapes.table.parameter": "Parameter",
    "lab_shapes.table.numel": "Elements",
    "lab_shapes.count.total": "**Parameters: {count}** = `sum(p.numel() for p in rnn.parameters())`",
    "lab_shapes.count.formula": "Per layer and direction: gates × hidden × (input + hidden + 2), gates = {gates} "
                                "(weight_ih + weight_hh + bias_ih + bias_hh)",
    "lab_shapes.count.term": "- Layer {layer}{direction}: {gates} × {hidden} × ({input} + {hidden} + 2) = {total}",
    "lab_shapes.count.reverse": " (reverse)",
    "lab_shapes.count.verdict": "Formula total **{formula}**, PyTorch counted **{torch}**: {verdict}",
    "lab_shapes.count.equal": "✓ equal",
    "lab_shapes.count.differ": "✗ they differ",
    "lab_shapes.error.heading": "PyTorch's error:",
    "lab_shapes.error.none_raised": "PyTorch raised no error",
    "lab_shapes.error.fits": "✓ Every shape fits: the call ran.",
    "lab_shapes.error.input": "The input's last axis must equal input_size = {input_size}; it was {fed}.",
    "lab_shapes.error.h0_batch": "h0 must be (num_layers × num_directions, batch, hidden_size) = {expected}, but "
                                 "batch came first here: batch_first changes input and output, never h0.",
    "lab_shapes.error.h0_hidden": "h0's last axis must equal hidden_size = {hidden_size}: it must be {expected}.",
    "error.flag_value": "The value of {name} must be True or False",
    "lab_shapes.error.too_big": "This layer has {params} parameters: too big (at most {most})",
    "lab_shapes.error.too_much_work": "Too much work: seq_len × batch × parameters = {work} (at most {most}); "
                                      "make something smaller",

    # ---------------------------------------------------------------------------------------------
    # 课堂 Class (lyricgen/web/tabs/classroom.py, lyricgen/classroom.py): a teacher opens a class, students join
    # by its code, answer the Lesson's questions as polls and post lyrics to the class wall.
    "tab.class": "Class",
    "class.intro": "## The class, together\nThe teacher opens a class and projects its link or QR code; students "
                   "open it (or type the code), answer the Lesson's questions as live polls, and post lyrics to the "
                   "class wall. No accounts: a nickname is enough, and it is optional.",
    "class.tab.join": "Join a class",
    "class.tab.teach": "Teach",
    "class.code": "Class code",
    "class.code_placeholder": "6 letters and digits, from the teacher's screen",
    "class.nickname": "Nickname (optional)",
    "class.join_button": "Join",
    "class.joined": "You are in class {code} as {nickname}. Your answers go to the class as you choose them.",
    "class.anonymous": "anonymous",
    "class.polls": "### The Lesson's questions\nChoose an answer; you can change your mind until the teacher "
                   "reveals it.",
    "class.revealed": "✓ The answer: {letter}. {choice} · {why}",
    "class.wall": "### The class wall",
    "class.wall_empty": "No posts yet.",
    "class.post_by": "#{id} · {nickname} · ♥ {likes}",
    "class.hidden": "hidden",
    "class.regenerate": "Regenerate",
    "class.refresh": "Refresh",
    "class.post_lyrics": "Lyrics to post",
    "class.post_button": "Post to the class",
    "class.posted": "Posted: #{id}.",
    "generate.post": "Post to the class",
    "class.error.nothing_generated": "Generate lyrics first: the post sends the last lyrics and their settings",
    "class.like_button": "♥ Like",
    "class.open_button": "Open a class",
    "class.opened": "Class {code} is open. Students open the link below, or type the code on the Class tab.",
    "class.link": "Class link",
    "class.qr": "QR code of the class link",
    "class.key": "Teacher key",
    "class.key_info": "Shown once and kept in this browser: it lets you reveal answers, hide posts and close the "
                      "class. Keep it to yourself.",
    "class.students": "{n} students joined.",
    "class.question": "Question",
    "class.chart": "Answers",
    "class.chart_x": "choice",
    "class.chart_y": "students",
    "class.choices": "{letter}. {choice}",
    "class.reveal_button": "Reveal the answer to everyone",
    "class.hide_button": "Hide this post",
    "class.clear_button": "Clear the wall",
    "class.download_button": "Download the wall (CSV)",
    "class.close_button": "Close the class",
    "class.closed": "Class {code} is closed: the wall and the answers stay readable.",
    "class.cleared": "{n} posts removed.",
    "class.error.unknown": "There is no class with this code: check it, or ask your teacher",
    "class.error.closed": "This class is closed",
    "class.error.wrong_key": "Wrong teacher key: nothing was changed",
    "class.error.not_joined": "Join a class first",
    "class.error.full": "This class is full: {limit} students at most",
    "class.error.your_posts": "You have posted {limit} times in this class, the most one student may",
    "class.error.wall_full": "The class wall is full: {limit} posts at most",
    "class.error.question": "There is no such question; the questions are {names}",
    "class.error.choice": "Choose one of {names}",
    "class.error.no_post": "There is no such post on this class's wall",
    "class.error.settings": "The settings must be a JSON object holding only {names}",
    "alt.class_qr": "A QR code: scan it with a phone's camera to open the class link shown above",
    "field.nickname": "nickname",
    "field.settings": "settings",
    "field.student": "student token",
    # The polls: one per Lesson step (lyricgen/web/polls.py holds each one's right letter).
    "class.poll.words.question": "Step 1: into how many words does jieba cut the example sentence (8 characters)?",
    "class.poll.words.a": "8: one word per character",
    "class.poll.words.b": "6: rain and night stay whole, the rest are one character each",
    "class.poll.words.c": "3: one word per phrase",
    "class.poll.words.d": "1: a line is one word",
    "class.poll.words.why": "jieba keeps the words its dictionary knows as one (rain, night) and cuts the rest "
                            "into single characters.",
    "class.poll.vectors.question": "Step 2: which words does training bring close to stars?",
    "class.poll.vectors.a": "Words written with the same characters",
    "class.poll.vectors.b": "Words used in the same places in lyrics",
    "class.poll.vectors.c": "Words whose ids are close to its id",
    "class.poll.vectors.why": "A word's vector is learned from predicting its neighbours: words in similar places "
                              "get similar vectors; an id is only a row number.",
    "class.poll.one_step.question": "Step 3: nn.RNN(input_size=10, hidden_size=20): what is the shape of W_hh?",
    "class.poll.one_step.a": "(20, 10)",
    "class.poll.one_step.b": "(20, 20)",
    "class.poll.one_step.c": "(10, 20)",
    "class.poll.one_step.d": "(10, 10)",
    "class.poll.one_step.why": "W_hh turns the previous hidden state (20 numbers) into 20 new ones; W_ih is the "
                               "(20, 10) one.",
    "class.poll.over_time.question": "Step 4: reading the second line, does the first line still leave a trace in "
                                     "the hidden state?",
    "class.poll.over_time.a": "No: every line starts again from zero",
    "class.poll.over_time.b": "Yes: the hidden state carries it on, fading",
    "class.poll.over_time.c": "Only when the two lines share a word",
    "class.poll.over_time.why": "A line break is just another word: h_t mixes the past into every step, and the "
                                "old words fade as new ones come.",
    "class.poll.next_word.question": "Step 5: raise the temperature from 1 to 1.5: the top word's probability…",
    "class.poll.next_word.a": "goes up",
    "class.poll.next_word.b": "goes down",
    "class.poll.next_word.c": "stays the same",
    "class.poll.next_word.why": "Dividing the scores by T > 1 brings them closer together, so softmax spreads the "
                                "probability out and the top word loses some.",
    "class.poll.gates.question": "Step 6: after 50 random words, how much of the last step's gradient does the "
                                 "plain RNN keep at the first word?",
    "class.poll.gates.a": "Nearly all of it",
    "class.poll.gates.b": "About half",
    "class.poll.gates.c": "Almost nothing: it vanishes",
    "class.poll.gates.why": "Every step back multiplies the gradient by W_hh and tanh's slope, mostly less than "
                            "1: fifty such factors leave almost nothing.",
    "class.poll.training.question": "Step 7: a line that sounds like a lyric, and everyday talk: which has the "
                                    "higher perplexity?",
    "class.poll.training.a": "The lyric-like line",
    "class.poll.training.b": "The everyday talk",
    "class.poll.training.c": "About the same",
    "class.poll.training.why": "The model learned from lyrics: their words surprise it less, so everyday talk gets "
                               "the higher perplexity.",
    "class.poll.memory.question": "Step 8: when a chorus repeats, where does the cache look?",
    "class.poll.memory.a": "At the last few words only",
    "class.poll.memory.b": "At the same place in the earlier chorus",
    "class.poll.memory.c": "At random earlier places",
    "class.poll.memory.d": "Nowhere: the cache skips repeats",
    "class.poll.memory.why": "There the hidden state was most like the current one, so the cache weights it most "
                             "and makes the word that came next likelier.",
}
