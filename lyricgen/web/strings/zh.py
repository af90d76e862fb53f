"""简体中文: the default language (see __init__.py)."""

CODE = "zh"
NAME = "中文"
ALIASES = ("zh-CN", "zh-SG", "zh-Hans", "cmn")

STRINGS = {
    # The page around the tabs (app.py, lyricgen/web/page.py).
    "page.title": "# lyricgen · 用循环神经网络写歌词\n词级 RNN / LSTM / GRU 语言模型 · 设备：`{device}`",
    "page.classroom": "课堂地址（同一网络里的学生在浏览器里打开）：{urls}",
    "page.language": "语言 Language",
    "page.notice.unknown_param": "链接里有看不懂的参数，已忽略：{names}",
    "page.notice.bad_value": "链接里 {name} 的值不能用（{reason}），已忽略",
    "page.notice.unknown_tab": "链接里没有这个页面：{tab}，已忽略",
    "page.copy_link": "复制这个设置的链接",
    # Gradio's own words, said in the page's language (Gradio's follow the browser's, or are English):
    "page.gradio.error": "错误",  # heading a message box, and marking an output whose event failed
    "page.gradio.api": "通过 API 使用",  # the page's footer
    "page.gradio.built": "使用 Gradio 构建",
    "page.gradio.settings": "设置",
    "page.done": "完成",  # read out by a screen reader when a panel has its answer
    "page.queued": "排队中：第 {{position}} 个，共 {{size}} 个",  # read out while a request waits its turn
    "tab.lesson": "课程",
    "tab.generate": "生成",
    "tab.tokenize": "分词与词向量",
    "tab.inside": "看看模型内部",
    "tab.lab": "实验室",
    "tab.model": "模型",
    "token.line_break": "↵ 换行",

    # 课程 Lesson (lyricgen/web/tabs/lesson.py): {n} is the step's number; {vocab}, {embed}, {hidden} and {state2}
    # (h and c) the shipped models' sizes; {unk_share} their validation words read as <unk> (LessonTab.sizes).
    "lesson.intro": "## 循环神经网络怎样写歌词\n"
                    "跟着下面八步，从一句话走到一首歌。每一步先读几句、先猜一猜，再点“试一试”："
                    "它会打开对应的面板，输入都已填好。",
    "lesson.words.text": "### 第 {n} 步 · 文字 → 词\n"
                         "电脑不认识文字，先要把一句话切成一个个词。中文的词与词之间没有空格，这里用 jieba 分词："
                         "它按词典和词频找最可能的切法。换行也算一个词（↵），模型靠它学会什么时候换行。\n\n"
                         "`文字 → jieba.lcut(文字) → [词₁, 词₂, …]`",
    "lesson.words.guess": "**先猜一猜**：“下雨的夜晚我想你”会被切成几个词？“夜晚”是一个词，还是两个字？",
    "lesson.vectors.text": "### 第 {n} 步 · 词 → 编号 → 向量\n"
                           "词表里每个词有一个编号（id）。nn.Embedding 是一张 {vocab} 行、{embed} 列的表："
                           "编号为 id 的词取第 id 行，这一行就是它的词向量。这张表一开始是随机数，训练时和模型一起学出来。"
                           "词表只收训练歌词里出现至少两次的词；其余的词都读作 `<unk>`（验证歌词里有 {unk_share} 的词是它）："
                           "模型只知道“这里有个我不认识的词”，所以给一句打分时，这些词画成灰色斜纹，它们的数字不是这个词自己的。\n\n"
                           "`x_t = E[id_t]`，`E` 的形状是 `({vocab}, {embed})`",
    "lesson.vectors.guess": "**先猜一猜**：训练之后，哪些词的向量和“星星”最接近？",
    "lesson.one_step.text": "### 第 {n} 步 · 一步 RNN，用手算\n"
                            "RNN 每读一个词都做同一件事：把词向量 x_t 和上一步的隐藏状态 h_{{t-1}} 各乘一个矩阵，"
                            "加起来，再用 tanh 压到 −1 和 1 之间。公式就这一行；“打开黑箱”用真实的权重一步步算给你看，"
                            "再和 nn.RNN 的结果对一对。\n\n"
                            "$$h_t = \\tanh(W_{{ih}} x_t + b_{{ih}} + W_{{hh}} h_{{t-1}} + b_{{hh}})$$\n\n"
                            "nn.RNN 的输入形状是 `(seq_len, batch, input_size)`；这里 input_size = {embed}，"
                            "隐藏状态有 {hidden} 个数。",
    "lesson.one_step.guess": "**先猜一猜**：W_hh 是什么形状？一次送进 3 句、每句 5 个词，输出又是什么形状？",
    "lesson.over_time.text": "### 第 {n} 步 · 隐藏状态随时间变化\n"
                             "同一个公式一步接一步：h_1 带着第一个词，h_2 又混进第二个词……"
                             "隐藏状态是模型对“到现在为止读到了什么”的全部记忆，而它的长度是固定的："
                             "RNN 和 GRU 只有 h_t 的 {hidden} 个数，LSTM 再加上细胞状态 c_t 的 {hidden} 个，共 {state2} 个。\n\n"
                             "`h_0 = 0 → h_1 → h_2 → … → h_T`，每个 h_t 的形状都是 `({hidden},)`",
    "lesson.over_time.guess": "**先猜一猜**：读到第二句时，第一句还在隐藏状态里留下痕迹吗？看看热图的每一行。",
    "lesson.next_word.text": "### 第 {n} 步 · 下一个词的概率与温度\n"
                             "最后一层把 h_t 变成词表里每个词的一个分数 z，softmax 再把分数变成概率。"
                             "温度 T 先把分数除以 T：T < 1 让最可能的词更突出，T > 1 让分布更平、更随机，T = 0 总是选第一名。"
                             "生成歌词就是一次次抽一个词，再把它读回去。\n\n"
                             "$$p = \\mathrm{{softmax}}(z / T)$$",
    "lesson.next_word.guess": "**先猜一猜**：温度从 1 调到 1.5，排第一的词的概率会变大还是变小？",
    "lesson.gates.text": "### 第 {n} 步 · LSTM 和 GRU：门，以及为什么要有门\n"
                         "训练时，误差要从最后一步一路往回传。普通 RNN 每往回一步都要乘一次 W_hh 和 tanh 的导数，"
                         "梯度常常越乘越小，几十步以前的词就学不到了：这就是梯度消失。"
                         "LSTM 和 GRU 用 0 到 1 之间的“门”决定留下多少旧记忆。LSTM 的细胞状态 c 每往回一步只乘一次遗忘门 f："
                         "f 接近 1 时，梯度几乎不减地传回去。门“能”开着，开多大却是训练决定的："
                         "看看这里训练好的三个模型，梯度各自剩下多少，门又开了多大。\n\n"
                         "$$c_t = f_t \\odot c_{{t-1}} + i_t \\odot g_t$$",
    "lesson.gates.guess": "**先猜一猜**：读完 50 个随机词，最后一步的梯度传回第一个词还剩几分之几？三个模型谁剩得最多？"
                          "LSTM 的细胞状态 c_t 会比它的 h_t 剩得多吗？",
    "lesson.training.text": "### 第 {n} 步 · 训练\n"
                            "训练就是一遍遍让模型预测下一个词，用交叉熵（它对正确的词有多“惊讶”）衡量错了多少，"
                            "再把所有权重朝梯度的反方向挪一小步（梯度指向损失增大的方向）。在实验室里可以看着损失下降，隔一会儿看看它写的句子；训练结束后，它就是每个面板里的 **我的模型**：接着到「隐藏状态」里看看它。"
                            "训练得太久，模型会开始背诵训练歌词：查一查它写的句子有多少是照抄的。\n\n"
                            "`loss = −log₂ p(正确的下一个词)`（惊讶度，单位比特；PyTorch 的交叉熵用自然对数 ln，"
                            "两者只差一个常数倍 ln 2。这个页面上的损失曲线都换算成了比特/词）",
    "lesson.training.guess": "**先猜一猜**：“给一句打分”里第一行像歌词，第二行是平常说的话：哪一行的困惑度高？高多少倍？"
                             "第 5 步“生成”写的那段，有没有照抄训练歌词的行？",
    "lesson.memory.text": "### 第 {n} 步 · 记忆与注意力\n"
                          "隐藏状态只有 {hidden} 个数（LSTM 加上 c_t 也只有 {state2} 个），装不下一整首歌。缓存把模型读过的每一步的隐藏状态都存起来；"
                          "写下一个词时，拿现在的 h_t 和过去每个 h_i 比一比，越像的位置权重越大，"
                          "那个位置后面出现过的词就更可能再被写出来。这是一种注意力：对模型自己过去的状态做加权"
                          "（Grave 等人 2017 年提出的连续缓存；注意力最早由 Bahdanau 等人 2014 年用在机器翻译里）。\n\n"
                          "$$a_i = \\mathrm{{softmax}}_i(\\theta\\, h_t \\cdot h_i), \\quad "
                          "p = (1-\\lambda)\\, p_{{\\mathrm{{model}}}} + \\lambda\\, p_{{\\mathrm{{cache}}}}$$",
    "lesson.memory.guess": "**先猜一猜**：副歌重复的时候，缓存会看向哪里？",
    "lesson.step": "{text}\n\n{guess}\n\n{links}",
    "lesson.link": "[{label}]({href})",
    "lesson.read_code": "读代码",
    "lesson.try.tokenize": "试一试：分词与词向量",
    "lesson.try.model": "试一试：模型",
    "lesson.try.neighbours": "试一试：词向量近邻",
    "lesson.try.open_box": "试一试：打开黑箱",
    "lesson.try.shapes": "试一试：形状实验",
    "lesson.try.hidden_states": "试一试：隐藏状态",
    "lesson.try.next_words": "试一试：下一个词",
    "lesson.try.generate": "试一试：生成",
    "lesson.try.gradients": "试一试：梯度消失",
    "lesson.try.compare": "试一试：三种单元对比",
    "lesson.try.train": "试一试：自己训练",
    "lesson.poll": "课堂投票：{question}",
    "lesson.try.score_line": "试一试：给一句打分",
    "lesson.try.memorized": "试一试：记忆检查",
    "lesson.try.attention": "试一试：记忆与注意力",

    # What a screen reader says for each picture (alt text).
    "alt.tokenize": "热图：每一行是一个词的词向量，每一列是一维；蓝色为负，红色为正，白色接近 0。",
    "alt.hidden_states": "热图：每一行是一步，每一列是一个隐藏单元；先是隐藏状态，下面是各个门。蓝色为负，红色为正；门从白色（0）到深蓝（1）。",
    "alt.attention": "热图：第 t 行是写第 t 个词时，缓存分给前面每个位置的注意力权重；颜色越深，权重越大。",
    "alt.neighbours": "词向量地图：每个点是一个词，位置是它的词向量用 PCA 压到的两个坐标；红点是查询词，深蓝点是它的近邻，"
                      "浅蓝点是常用词。",

    # Inputs several tabs share (lyricgen/web/widgets.py).
    "widget.cell": "循环单元",
    "widget.temperature": "温度",
    "widget.temperature_long": "温度（0 = 贪心，越高越随机）",
    "widget.top_p": "top-p（1 = 不限；只在累计概率达到 p 的最可能的词里抽）",
    "widget.cache": "记忆缓存（回看自己写过的词，见“记忆与注意力”）",
    "widget.start": "开头文字",
    "widget.seed": "种子（留空 = 随机）",
    "widget.seed_placeholder": "例如 42",
    "widget.max_chars": "最多 {n} 字",
    "widget.info_max_chars": "{info} · 最多 {n} 字",
    "widget.generate": "生成",

    # What validate.py says about a value a student can fix.
    "error.title": "输入有误",
    "error.busy_title": "正忙",
    "error.busy": "服务器正忙，请过几秒再试",
    "error.not_text": "{what}必须是文字",
    "error.too_long": "{what}太长了：{n} 个字符，最多 {limit} 个",
    "error.empty": "请输入{what}",
    "error.not_number": "{what}必须是数字",
    "error.out_of_range": "{what}必须在 {low} 到 {high} 之间（现在是 {value}）",
    "error.not_whole": "{what}必须是整数",
    "error.seed": "种子必须是整数，或留空（随机）",
    "error.no_choice": "没有这种{what}：{value}，可选 {names}",
    "error.cache_switch": "“记忆缓存”只能是开或关",
    "error.no_cache": "这个模型没有记录缓存设置（metrics.json 里的 cache），不能用记忆缓存",
    "error.flag": "只能是 1 或 0（开或关）",
    "field.seed": "种子",
    "field.model": "模型",
    "field.top_k": "top-k",
    "field.top_p": "top-p",
    "field.start_text": "开头文字",
    "field.length": "生成长度",
    "field.temperature": "温度",
    "field.step": "步",

    # Drawn by render.py for several panels.
    "render.probability": "概率：",
    "render.unknown": "不在词表里（读作 {unk}）：它的数字是“某个不认识的词”的概率，不是这个词自己的",
    "gate.h": "隐藏状态 h_t",
    "gate.i": "输入门 i",
    "gate.f": "遗忘门 f",
    "gate.g": "候选值 g",
    "gate.o": "输出门 o",
    "gate.c": "细胞状态 c_t",
    "gate.r": "重置门 r",
    "gate.z": "更新门 z",
    "gate.n": "候选值 n",
    "box.heading": "### 打开黑箱：一步 RNN",
    "box.explain": "每读一个词，RNN 把**这个词的向量** x_t 和**上一步的隐藏状态** h_{{t-1}} 各乘一个矩阵、各加一个偏置，"
                   "相加后用 tanh 压到 (−1, 1)，得到新的隐藏状态 h_t。h_0 是全零。",
    "box.shapes_header": "| 名称 | 形状 | 含义 |",
    "box.embedding": "每个词一行：x_t = embedding[id]",
    "box.w_ih": "输入 → 隐藏",
    "box.b_ih": "输入偏置",
    "box.w_hh": "隐藏 → 隐藏（记忆）",
    "box.b_hh": "隐藏偏置",
    "box.h_t": "新的隐藏状态",
    "box.units": "下面只列出前 {units} 个单元（共 {hidden} 个）。",
    "box.step": "步",
    "box.word": "词",
    "box.sum": "总和",
    "box.agree": "一致",
    "box.differ": "不一致！",
    "box.check": "**手算与 `nn.RNN` 的最大差别：{diff}**（{verdict}；只差浮点舍入）",
    "memory.summary": "{lines} 行中有 {seen} 行（{seen_share}）与训练歌词完全相同；"
                      "{copied} 的词落在连续 {run} 个词以上的照抄片段里。",
    "memory.copied_run": "照抄片段",
    "memory.verbatim": "训练集原句",

    # Generate (lyricgen/web/tabs/generate.py).
    "generate.length": "生成长度（词和换行）",
    "generate.top_k": "top-k（0 = 不限）",
    "generate.start_placeholder": "任何文字都可以",
    "generate.lyrics": "歌词",
    "generate.examples": "例子（点一下）",
    "generate.download": "下载歌词和设置（.txt）",
    "generate.info.seed": "**种子：`{seed}`**（填回“种子”框即可重现这一次）",
    "generate.info.model": "模型：{cell} · 设备：`{device}` · 温度：{temperature}{greedy} · top-k：{top_k}{top_p}",
    "generate.info.greedy": "（贪心）",
    "generate.info.all": "全部",
    "generate.info.cache": "记忆缓存：λ = {lam}，θ = {theta}，N = {window}（回看最近 {window} 个词，跳过最近 {lag} 个）。"
                           "λ 是在验证歌词上为打分选的 λ = {scoring_lam} 的一半（“记忆与注意力”用的就是 {scoring_lam}）："
                           "写歌时模型读的是自己刚写的词，λ 大了它会一遍遍抄自己写过的句子。",
    "generate.info.no_start": "没有开头文字：模型从一行的开头写起。",
    "generate.info.unknown": "词表里没有这些词，模型把它们当作 `{unk}`（未知词）读入：{words}。",
    "generate.file.heading": "lyricgen 生成的歌词",
    "generate.file.settings": "设置",
    "generate.file.start": "开头文字",
    "generate.file.cell": "模型",
    "generate.file.temperature": "温度",
    "generate.file.top_k": "top-k（0 = 不限）",
    "generate.file.top_p": "top-p",
    "generate.file.seed": "种子",
    "generate.file.length": "生成长度",
    "generate.file.cache": "记忆缓存",
    "generate.file.files": "模型文件（SHA-256，可以核对是不是同一个模型）",
    "generate.file.again": "用同样的模型和设置，再生成一次会得到同样的歌词。",
    "generate.file.on": "开",
    "generate.file.off": "关",

    "field.sentence": "句子",
    "field.units": "单元个数",

    # 分词与词向量 Tokenize (lyricgen/web/tabs/tokenize.py).
    "tokenize.intro": "一句话先被 jieba 切成词，每个词查到词表里的编号（id），再从词嵌入矩阵取出它的向量。",
    "tokenize.sentence": "句子",
    "tokenize.button": "分词",
    "tokenize.table": "词、编号与向量",
    "tokenize.heatmap": "词向量热图（行 = 词的位置 #；红 = 正，蓝 = 负）",
    "tokenize.dim": "维",
    "tokenize.col.word": "词",
    "tokenize.col.known": "在词表中",
    "tokenize.col.norm": "范数",
    "tokenize.shapes.tokens": "1. jieba 分词：{tokens}",
    "tokenize.shapes.ids": "2. 词表编号：`{ids}` → 形状 `{shape}` = `(seq_len,)`",
    "tokenize.shapes.lookup": "3. 查词嵌入 `embedding.weight[ids]`（矩阵 `{matrix}` = `(vocab_size, embed_dim)`）"
                              "→ `{shape}` = `(seq_len, embed_dim)`",
    "tokenize.shapes.batch": "4. 加一个批次维度 `unsqueeze(1)` → `{shape}` = `(seq_len, batch, input_size)`："
                             "这就是 `nn.{cell}` 要的输入",
    "tokenize.unknown": "未知词（都用同一个 `{unk}` 向量）：{words}",
    "tokenize.first_dims": "表格只列出前 {shown} 维；热图画出全部 {dims} 维。",
    "tokenize.error.no_words": "请输入至少一个词",

    # 模型 Model (lyricgen/web/tabs/models.py).
    "model.intro": "三个模型用同一个语料训练，区别在循环单元。运行设备：`{device}`。"
                   "困惑度：模型平均在多少个词之间拿不定主意（越低越好）；n-gram 模型是只靠计数的基线。",
    "model.summary": "### 总览\n\n"
                     "| 模型 | 参数 | 词表 | 词向量维数 | 隐藏层维数 | 层数 | 验证困惑度 | n-gram 困惑度 "
                     "| 比值 | 最佳轮次 | 训练设备 | 运行设备 |\n"
                     "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n{rows}",
    "model.card": "### {name}\n参数：**{params}** · 词向量 {embed} 维 · 隐藏层 {hidden} 维 · {layers} 层 · "
                  "词表 {vocab} 个词 · 设备 `{device}`",
    "model.card_ppl": "### {name}\n参数：**{params}** · 词向量 {embed} 维 · 隐藏层 {hidden} 维 · {layers} 层 · "
                      "词表 {vocab} 个词 · 设备 `{device}`\n\n"
                      "验证困惑度 **{ppl}**，{order}-gram 基线 {ngram}（越低越好）",
    "model.curves.title": "每轮的损失",
    "model.mine.intro": "### 我的模型\n你在实验室里训练（或上传）的模型：它的大小，以及训练时损失的变化。",
    "model.mine.button": "显示我的模型",
    "model.mine.curves": "我的模型：每一步的损失",
    "model.curves.caption": "train_loss：训练集上的损失，val_loss：验证集上的损失",
    "model.curves.x": "轮次",
    "model.curves.y": "损失（比特/词）",

    # 下一个词 Next word (lyricgen/web/tabs/next_words.py).
    "next_words.title": "下一个词",
    "next_words.intro": "模型每一步给所有词一个概率 p（softmax，T = 1），再按温度抽一个：抽样用的分布 p_T 是"
                        "分数除以 T、去掉 `<unk>`（它不能被写出来）再归一化。颜色 = p；惊讶度 = −log₂ p（比特）。"
                        "拖动“步”看那一步的前 10 名。",
    "next_words.length": "生成长度（词）",
    "next_words.step": "步（第几个生成的词）",
    "next_words.before": "模型自己的概率 p（T = 1）",
    "next_words.after": "抽样用的 p_T（÷T，去掉 <unk>）",
    "next_words.candidate": "候选词",
    "next_words.probability": "概率",
    "next_words.info.run": "种子：`{seed}` · 模型：{cell} · 共 {steps} 步",
    "next_words.info.step": "**第 {index} 步**：选中了 **{word}** — p = {p1}，惊讶度 −log₂ p = {bits} 比特；"
                            "抽样时（T = {temperature}）p_T = {p}",
    "next_words.tip": "第 {index} 步 · p = {p} · p_T（T = {temperature}）= {p_t} · 惊讶度 {bits} 比特",
    "next_words.effect.greedy": "温度 0 = 贪心：总是选第一名",
    "next_words.effect.sharper": "温度 < 1：高的更高，分布更尖",
    "next_words.effect.flatter": "温度 > 1：分布更平，更随机",
    "next_words.effect.same": "温度 1：就是模型自己的分布",

    # 三种单元对比 Compare cells (lyricgen/web/tabs/compare.py).
    "compare.title": "三种单元对比",
    "compare.intro": "同一个开头、同一个种子、同一个温度，三个模型各写一段。"
                     "惊讶度 = −log₂ p（p 是写下这个词的模型给它的概率），越低说明模型越不意外。",
    "compare.length": "生成长度（词）",
    "compare.top_p": "top-p（1 = 不限）",
    "compare.button": "对比",
    "compare.table": "每个模型",
    "compare.col.cell": "模型",
    "compare.col.surprisal": "平均惊讶度（比特）",
    "compare.col.own_ppl": "生成文本的困惑度",
    "compare.col.val_ppl": "验证困惑度",
    "compare.col.text": "文本",
    "compare.figures": "平均惊讶度 <b>{bits}</b> 比特/词 · 验证困惑度 <b>{val}</b>",
    "compare.info": "种子：`{seed}` — 三个模型用同一串随机数，差别来自模型本身。",

    # 隐藏状态 Hidden states (lyricgen/web/tabs/hidden_states.py).
    "hidden_states.title": "隐藏状态",
    "hidden_states.intro": "RNN 每读一个词就更新一次隐藏状态 h_t（它的“记忆”）。"
                           "LSTM 还有输入门、遗忘门、输出门和细胞状态 c_t；GRU 有更新门和重置门。",
    "hidden_states.sentence": "句子",
    "hidden_states.button": "看隐藏状态",
    "hidden_states.picture": "热图（行 = 步，列 = 单元）",
    "hidden_states.table": "每一步读入的词",
    "hidden_states.col.step": "步",
    "hidden_states.col.input": "输入",
    "hidden_states.col.norm": "第 {layer} 层 |h|",
    "hidden_states.caption": "第 {layer} 层 · {caption}",
    "hidden_states.info.pictures": "每张图：行 = 时间步（读入的词，见右表），列 = 隐藏单元；"
                                   "形状 `({steps}, {units})` = `(steps, units)`。",
    "hidden_states.info.gates": "{name} 的门：{gates}。红 = 正、蓝 = 负（h、候选值）；门在 0（白）到 1（深蓝）之间。",
    "hidden_states.info.no_gates": "无",
    "hidden_states.info.check": "用模型自己的权重逐步手算，与 `nn.{name}` 的输出相比，最大差别：**{diff}** {verdict}",
    "hidden_states.error.no_words": "这句话里没有词",

    # 打开黑箱 Open the box (lyricgen/web/tabs/open_box.py).
    "open_box.title": "打开黑箱",
    "open_box.intro": "普通 RNN 只有一个公式：h_t = tanh(W_ih x_t + b_ih + W_hh h_{{t−1}} + b_hh)。"
                      "下面用模型自己的矩阵一步步算，再和 nn.RNN 的输出比较。",
    "open_box.sentence": "短句",
    "open_box.units": "显示几个单元",
    "open_box.button": "打开",
    "open_box.error.no_rnn": "没有加载 RNN 模型，打不开黑箱",
    "open_box.error.no_words": "这句话里没有词",

    # Inputs named in error messages.
    "field.word": "词",
    "field.lyrics": "歌词",
    "field.line": "句子",
    "field.position": "位置",

    # 词向量近邻 Neighbours (lyricgen/web/tabs/neighbours.py).
    "neighbours.title": "词向量近邻",
    "neighbours.explain": "训练让用法相近的词得到方向相近的向量。表格：每个模型里与它余弦相似度最高的词；"
                          "地图：最常用的词和查询词的近邻用 PCA 压到 2 维，放得下的点旁边写着词"
                          "（鼠标移到点上也可以看到是哪个词）。",
    "neighbours.word": "查询词",
    "neighbours.cell": "地图用的模型",
    "neighbours.button": "找近邻",
    "neighbours.table": "最近的词",
    "neighbours.map": "词向量地图（PCA）",
    "neighbours.rank": "排名",
    "neighbours.map.query": "查询词",
    "neighbours.map.frequent": "常用词",
    "neighbours.map.near": "近邻",
    "neighbours.info": "余弦相似度：1 = 方向相同，0 = 无关。地图：{cell} 最常用的 {words} 个词，PCA 压到 2 维，"
                       "两轴保留了 {pc1} + {pc2} 的方差。",
    "neighbours.unknown": "**{word}** 不在词表里，没有自己的向量，所以没有近邻。",
    "neighbours.split": "jieba 切分：{pieces}（✗ = 也不在词表里）",
    "neighbours.sharing": "有相同字的词：{words}",
    "neighbours.none": "无",

    # 记忆检查 Memorization (lyricgen/web/tabs/memorized.py).
    "memorized.title": "记忆检查",
    "memorized.explain": "模型是在写，还是在背？和训练歌词的指纹（哈希，不是歌词本身）比较："
                         "整行相同标橙色，连续 6 个词以上相同加下划线。",
    "memorized.lyrics": "歌词（每行一句）",
    "memorized.take": "用“生成”页的歌词",
    "memorized.button": "检查",
    "memorized.table": "每一行",
    "memorized.col.line": "行",
    "memorized.col.text": "歌词",
    "memorized.col.verbatim": "训练集原句",
    "memorized.col.copied": "照抄词数",
    "memorized.col.words": "词数",
    "memorized.error.no_fingerprint": "这个模型没有指纹文件（fingerprint.json），无法检查照抄",

    # 给一句打分 Score a line (lyricgen/web/tabs/score_line.py).
    "score_line.title": "给一句打分",
    "score_line.explain": "输入任何一句话：每个词的惊讶度 −log₂ p（比特），困惑度 = 2^(平均惊讶度)，"
                          "越低说明模型越觉得“像歌词”。",
    "score_line.line": "一句歌词",
    "score_line.button": "打分",
    "score_line.summary": "每个模型的困惑度",
    "score_line.table": "每个词的惊讶度（比特）",
    "score_line.col.word": "词",
    "score_line.col.in_vocab": "词表中",
    "score_line.col.cell": "模型",
    "score_line.col.mean": "平均惊讶度（比特）",
    "score_line.col.bits": "{cell}（比特）",
    "score_line.col.perplexity": "困惑度",
    "score_line.col.val_ppl": "验证困惑度",
    "score_line.col.line_ppl": "第 {n} 行的困惑度",
    "score_line.error.no_words": "这句话里没有词",
    "score_line.tip": "{bits} 比特",
    "score_line.unknown_tip": "{bits} 比特，但这是“某个不认识的词”（{unk}）的惊讶度：{word} 不在词表里",
    "score_line.unknown": "有 {n} 个词不在词表里：{words}。模型把它们都读作 {unk}，给的是“某个不认识的词”的概率，"
                          "所以它们的惊讶度（斜纹）说明不了这个词本身像不像歌词；平均惊讶度和困惑度照训练时的算法，"
                          "把它们也算在内。",

    # 记忆与注意力 Memory & attention (lyricgen/web/tabs/attention.py).
    "attention.title": "记忆与注意力",
    "attention.explain": "RNN 的记忆只有隐藏状态；连续缓存再给它“回想”：记下过去每一步的状态和紧接着出现的词。"
                         "颜色 = 每个词的概率，上面没有缓存、下面有缓存：副歌第二次出现时，缓存认出了它。",
    "attention.explanation": "**这就是注意力。** 缓存把当前的隐藏状态 h_t 和之前每一个隐藏状态 h_i 比较"
                             "（点积 θ·h_t·h_i），相似度经过 softmax 变成权重，"
                             "再把那些相似状态之后出现的词按权重混进预测："
                             "这正是 Transformer 用 query 和 key 做的运算，只是这里比较的是 RNN 自己过去的状态。\n\n"
                             "{formula}",
    "attention.lyrics": "歌词（每行一句）",
    "attention.position": "位置（第几个词，换行也算）",
    "attention.button": "看注意力",
    "attention.summary": "困惑度：无缓存与有缓存",
    "attention.picture": "注意力权重",
    "attention.picture.column": "位置",
    "attention.top": "选中的词看了哪些词",
    "attention.table": "每个词的概率",
    "attention.without": "无缓存",
    "attention.with": "有缓存",
    "attention.words.without": "无缓存",
    "attention.words.with": "有缓存",
    "attention.col.model": "模型",
    "attention.col.perplexity": "困惑度",
    "attention.col.mean_p": "平均概率",
    "attention.col.position": "位置",
    "attention.col.word": "词",
    "attention.col.in_vocab": "词表中",
    "attention.col.p_without": "无缓存 p",
    "attention.col.p_with": "有缓存 p",
    "attention.col.ratio": "倍数 ×",
    "attention.col.proposed": "提议的词",
    "attention.col.before": "前一个词",
    "attention.col.lag": "距离",
    "attention.col.weight": "权重",
    "attention.col.same": "正是这个词",
    "attention.settings.recorded": "**{cell}** 缓存设置：λ = {lam}，θ = {theta}，N = {window}"
                                   "（来自 metrics.json，在验证歌词上选的）",
    "attention.settings.defaults": "**{cell}** 缓存设置：λ = {lam}，θ = {theta}，N = {window} — **默认值**（{why}）："
                                   "λ = {default_lam}，N = {default_window}，θ = {sharpness} / ‖h‖² 的平均值"
                                   "（在示例歌上量的）",
    "attention.settings.generation": "这里给一段现成的歌词打分，用的是这个 λ。写歌词时（“生成”“三种单元对比”）缓存只用一半："
                                     "λ = {gen_lam}，并跳过最近 {lag} 个词——模型读的是自己刚写的词，λ 大了它会一遍遍抄自己写过的句子。",
    "attention.note.none": "这个模型的 metrics.json 没有记录缓存设置",
    "attention.note.unusable": "metrics.json 里的缓存设置无法使用：{detail}",
    "attention.chosen.head": "**第 {j} 个词：{word}** — 无缓存 p = {p_without}，有缓存 p = {p_with}",
    "attention.chosen.empty": "{head}。缓存还是空的：在它之前还没有读过任何词。",
    "attention.chosen.looked": "{head}。它最看重：{looked}（蓝色下划线）",
    "attention.heatmap_key": "热图：第 j 行是预测第 j 个词时缓存的权重，第 k 列是更早的第 k 个词"
                             "（它前一个词处的状态被拿来比较）；白 = 0，深蓝 = 1；红框 = 选中的词。",
    "attention.error.no_words": "这段文字里没有词",
    "attention.error.too_many": "词太多了：{n} 个（含换行），最多 {limit} 个",

    # Fields the Lab's checks name in their messages.
    "field.corpus": "语料",
    "field.cell": "单元",
    "field.hidden_size": "隐藏层大小",
    "field.lr": "学习率",
    "field.budget": "训练时间",
    "field.feeding": "喂数据的方式",
    "field.tokens": "切分方式",
    # 面板背后的代码（lyricgen/web/code_view.py、lyricgen/code/）。
    "code.title": "代码：用 PyTorch 写出这个面板",
    "code.intro": "按上面的输入算出这个面板数字的脚本，独立可运行：只用 `torch`、`jieba` 和 `safetensors`，不用 `lyricgen`。用 `--weights` 指向模型文件夹来运行；最后一行把这些数字打印成 `JSON`。可以下载成 `.py` 或笔记本。",
    "code.button": "显示这些输入的代码",
    "code.files": "脚本和笔记本",
    "code.error.not_text": "面板和设置都必须是文字",
    "code.error.no_code": "面板 {panel} 还没有代码视图",
    "field.sequence_source": "序列来源",
    "field.sequence_length": "序列长度",
    "field.scale": "W_hh 倍数",
    "field.clip": "裁剪阈值",
    "field.mode": "单元类型",
    "field.seq_len": "seq_len",
    "field.batch": "batch",
    "field.input_size": "input_size",
    "field.hidden_size_arg": "hidden_size",
    "field.num_layers": "num_layers",
    "field.wrong_shape": "错误形状选项",
    # 自己的模型（web/mine.py, lyricgen/archive.py）
    "mine.choice": "我的模型",
    "mine.name": "我的模型（{cell}）",
    "mine.upload": "上传一个模型（实验室下载的 zip，或任何权重文件夹打成的 zip）",
    "mine.kept": "✓ 这个模型现在就是 **我的模型**：每个面板里都可以选它。现在就到[隐藏状态](?tab=hidden_states&cell=mine)里用它。",
    "mine.not_kept": "这个模型没能成为“我的模型”：{why}",
    "mine.uploaded": "✓ 已收下：{cell}，{hidden} 个隐藏单元，{vocab} 个词，{params} 个参数。现在每个面板里都可以选 **我的模型**。",
    "mine.error.none": "你还没有自己的模型：先在实验室（自己训练）里训练一个，或在那里上传一个模型 zip",
    "mine.error.evicted": "为了给其他同学的模型腾地方，你的模型已被收起：请在实验室里重新训练或上传",
    "mine.error.expired": "你的模型 {minutes} 分钟没有用，已被收起：请在实验室里重新训练或上传",
    "mine.error.too_large": "这个模型太大（{mb} MB）：服务器最多存放 {most} MB 的学生模型",
    "mine.error.unavailable": "这个服务器不接收自己的模型",
    "mine.error.no_file": "请先选择一个模型 zip 文件",
    "mine.error.refused": "这个模型没有被接收：{why}",
    "archive.not_zip": "这个文件不是 zip 压缩包",
    "archive.too_big": "文件超过 {mb} MB",
    "archive.too_big_unpacked": "解压后的文件超过 {mb} MB",
    "archive.damaged": "zip 压缩包已损坏（{detail}）",
    "archive.outside": "{name} 指向模型文件夹之外",
    "archive.link": "{name} 是一个链接，不是文件",
    "archive.not_allowed": "{name} 不是权重文件夹里的文件（只允许：{allowed}；权重只能是 model.safetensors）",
    "archive.duplicate": "{name} 在压缩包里出现了两次",
    "archive.folders": "文件必须放在一起：压缩包的最上层，或同一个文件夹里",
    "archive.missing": "缺少 {names}",
    "archive.config_limit": "config.json 要求 {setting} = {value}，这里最多 {most}",
    "archive.load": "这些文件组不成一个模型（{detail}）",
    "open_box.error.not_rnn": "「打开黑箱」写出的是普通 RNN 的公式，而 {cell} 不是 RNN：请选 RNN，或者用 RNN 单元训练你自己的模型",
    "lab_train.status.unknown_warning": "⚠ 验证集里有 {unknown} 的词模型不认识（<unk>）：它学到的东西很难用在新文字上。多给些文字，或训练得更久，会好一些。",

    # 自己训练 (lab_train.py).
    "lab_train.title": "自己训练",
    "lab_train.explanation": "用一小段文字从零训练一个小模型，看损失下降、看它写的句子一步步变好；"
                             "两种喂数据的方式对比一下。",
    "lab_train.lesson": "**教程的喂法**：每批从文本最前面 3% 里随机截 32 个词，每段都从全零状态读起——"
                        "模型翻来覆去只看这一小段，学会的是背诵。"
                        "**本项目的喂法**：按顺序读完整篇文本，隐藏状态一段接一段传下去（只截断梯度）——"
                        "模型看过全部歌词，学会的是写。",
    "lab_train.source": "语料",
    "lab_train.source.builtin": "内置古诗",
    "lab_train.source.paste": "我粘贴的歌词",
    "lab_train.text": "歌词（每行一句）",
    "lab_train.text_placeholder": "选“我粘贴的歌词”时使用",
    "lab_train.feeding": "喂数据的方式",
    "lab_train.feeding.tutorial": "教程的喂法",
    "lab_train.feeding.project": "本项目的喂法",
    "lab_train.tokens": "把文字切成",
    "lab_train.tokens.char": "字",
    "lab_train.tokens.word": "词（jieba，和发布的模型一样）",
    "lab_train.tokens.info": "古诗按字切：jieba 把古诗切成的词大多只出现一次，按词学的模型遇到的多半是不认识的词；按字学，每个字都能见到很多次。",
    "lab_train.cell": "单元",
    "lab_train.hidden_size": "隐藏层大小",
    "lab_train.lr": "学习率（AdamW）",
    "lab_train.budget": "训练时间（秒）",
    "lab_train.start": "样例的开头",
    "lab_train.button": "开始训练",
    "lab_train.stop": "停止",
    "lab_train.plot.title": "损失",
    "lab_train.plot.x": "训练步数",
    "lab_train.plot.y": "损失（比特/词）",
    "plot.curve": "曲线",  # the title of a line chart's legend
    "lab_train.samples": "样例（同一个开头和种子）",
    "lab_train.download": "下载训练好的模型（zip）",
    "lab_train.sample": "第 {step} 步：{text}",
    "lab_train.status.progress": "**第 {step} 步** · 第 {epoch} 轮 · **{rate}** 词元/秒 · 用时 {elapsed} / {budget} 秒",
    "lab_train.status.loss_ppl": "{loss} 比特/词元（困惑度 {ppl}）",
    "lab_train.status.train": "训练损失 {curve}：{loss}",
    "lab_train.status.val": "验证损失 {curve}：{loss} 比特/词元（困惑度 **{ppl}**，第 {step} 步）",
    "lab_train.status.data": "词表 {vocab} 个词元 · 训练 {train} 个词元（{train_lines} 行） · "
                             "验证 {val} 个词元（{val_lines} 行，生词 {unknown}）",
    "lab_train.status.gave_way": "⏸ 同学们正在生成歌词：这次训练让出了 {waited} 秒（共 {elapsed} 秒），"
                                 "三个训练好的模型的请求优先，所以这次训练的步数少了一些。",
    "lab_train.status.finished": "✓ 训练结束：{reason}",
    "lab_train.status.baseline": "{order}-gram 基线的验证困惑度：{ppl}（越低越好）",
    "lab_train.stop.budget": "时间到",
    "lab_train.stop.max_steps": "步数到",
    "lab_train.stop.stopped": "已停止",
    "lab_train.busy.session": "这个浏览器里已经有一个训练在运行，请先停止它",
    "lab_train.busy.server": "服务器同时最多训练 {n} 个模型，现在都在用，请过一会儿再试",
    "lab_train.busy.turn": "别的同学先来排队了（{n} 位在等）：空出的名额先给他们，请过一会儿再试",
    "lab_train.error.no_lyrics": "请粘贴歌词，每行一句",
    "lab_train.error.no_words": "这段文字里没有字或词（只有标点或符号）",
    "lab_train.error.few_lines": "至少要 {least} 行（现在 {n} 行）：最后几行留作验证",
    "lab_train.error.little_text": "文字太少：训练部分有 {words} 个词、{known} 个出现两次以上的词；"
                                   "至少要 {least_words} 个词、{least_known} 个重复的词",

    # 梯度消失 (lab_gradients.py).
    "lab_gradients.title": "梯度消失",
    "lab_gradients.explanation": "最后一个词的损失对前面每一步隐藏状态的梯度 ‖∂L_T/∂h_t‖：越往回越小，"
                                 "说明远处的词几乎影响不了学习。LSTM 还有第二条路——细胞状态 c_t，"
                                 "每往回一步只乘一次遗忘门 f：‖∂L_T/∂c_t‖ 画在旁边。纵轴是以 10 为底的对数。",
    "lab_gradients.source": "序列",
    "lab_gradients.source.sentence": "一句话",
    "lab_gradients.source.random": "随机词",
    "lab_gradients.text": "句子",
    "lab_gradients.length": "随机序列长度（词）",
    "lab_gradients.scale": "RNN 的 W_hh 乘以",
    "lab_gradients.clip": "梯度裁剪阈值（0 = 不裁剪）",
    "lab_gradients.button": "计算梯度",
    "lab_gradients.plot.x": "往回的步数",
    "lab_gradients.plot.cells": "三个模型（y = log₁₀）",
    "lab_gradients.plot.rnn": "W_hh 缩放后的 RNN（y = log₁₀）",
    "lab_gradients.underflow": "0（下溢）",
    "lab_gradients.radius.below": "ρ < 1：每往回一步，梯度大约乘上 ρ（还要乘 tanh 的导数 ≤ 1），越远越小——"
                                  "这就是梯度消失。",
    "lab_gradients.radius.above": "ρ > 1：只要 tanh 还没饱和，每往回一步梯度就被放大，越远越大——梯度爆炸；"
                                  "tanh 饱和时导数变小，又会把它压回去。",
    "lab_gradients.radius.near": "ρ ≈ 1：梯度大致保持大小，取决于 tanh 的导数。",
    "lab_gradients.clip.off": "没有裁剪（阈值 0）：{clipped} 和 {curve} 是同一条线。",
    "lab_gradients.clip.below": "总长度 {norm} ≤ 阈值 {clip}：裁剪什么也不做。",
    "lab_gradients.clip.above": "总长度 {norm} > 阈值 {clip}：每一步的梯度都乘以 {factor}（{clipped}）。"
                                "大小被限住了，但远近之比没变（{clipped} 和 {curve} 两条线平行）——"
                                "裁剪治得了爆炸，治不了消失。",
    "lab_gradients.info.ratio": "{cell}：最远 / 最近 = **{ratio}**{skipped}",
    "lab_gradients.info.underflowed": "（{n} 步下溢为 0，未画出）",
    "lab_gradients.info.overflowed": "（{n} 步下溢为 0 或溢出，未画出）",
    "lab_gradients.info.sentence": "这句话的 {n} 个词",
    "lab_gradients.info.random": "{n} 个随机词，种子 `{seed}`",
    "lab_gradients.info.terms": "L = 最后一个词的损失；h_t = 读完第 t 个词后的隐藏状态；{source}。",
    "lab_gradients.info.ratios": "{ratios}（‖∂L/∂h_1‖ / ‖∂L/∂h_T‖）",
    "lab_gradients.info.rnn": "**RNN：W_hh 的谱半径 ρ = {original}；× {scale} → ρ = {radius}**；"
                              "最远 / 最近 = {ratio}{skipped}",
    "lab_gradients.info.no_rnn": "没有加载 RNN，无法做缩放实验。",
    "lab_gradients.info.verdict": "**往回 {steps} 步，最后一步的梯度留下最多的是 {most}（{most_ratio}），"
                                  "最少的是 {least}（{least_ratio}）。**",
    "lab_gradients.info.forget": "LSTM 在这些词上的遗忘门 f 平均是 **{f}**：沿着 c 每往回一步，梯度大约乘上 f，"
                                 "{curve} 也就越往回越小。门“能”开到 1，让梯度一路不减地传回去；"
                                 "开多大却是训练决定的。这些歌词里，下一个词主要看前面几个词，"
                                 "训练好的 LSTM 就学会了很快忘记——它的梯度也会消失。",
    "lab_gradients.info.update": "GRU 的更新门 z（每一步保留旧状态的比例）平均是 **{z}**：z 越接近 1，梯度沿着 h 传得越远。",
    "lab_gradients.error.few_words": "这句话至少要有两个词",
    "lab_gradients.error.many_words": "这句话有 {n} 个词，最多 {most} 个",

    # 形状实验 (lab_shapes.py).
    "lab_shapes.title": "形状实验",
    "lab_shapes.explanation": "和教程一样搭一层 nn.RNN / nn.LSTM / nn.GRU，喂一批随机输入，看每个张量的形状和参数个数。"
                              "打开“形状错误”，看 PyTorch 自己怎么报错。",
    "lab_shapes.mode": "mode（单元类型）",
    "lab_shapes.seq_len": "seq_len（序列长度）",
    "lab_shapes.batch": "batch（批大小）",
    "lab_shapes.input_size": "input_size（输入维度，即词向量长度）",
    "lab_shapes.hidden_size": "hidden_size（隐藏维度）",
    "lab_shapes.num_layers": "num_layers（层数）",
    "lab_shapes.bidirectional": "bidirectional（双向）",
    "lab_shapes.batch_first": "batch_first（批在前）",
    "lab_shapes.wrong": "形状错误",
    "lab_shapes.wrong.none": "都对",
    "lab_shapes.wrong.h0": "h0 形状错",
    "lab_shapes.wrong.input": "input 形状错",
    "lab_shapes.button": "运行",
    "lab_shapes.code": "**等价的 Python 代码**",
    "lab_shapes.tensors": "张量",
    "lab_shapes.parameters": "权重与偏置",
    "lab_shapes.table.tensor": "张量",
    "lab_shapes.table.shape": "形状",
    "lab_shapes.table.axes": "各维",
    "lab_shapes.table.should_be": "✗ 应为 {shape} = {axes}",
    "lab_shapes.table.parameter": "参数",
    "lab_shapes.table.numel": "元素个数",
    "lab_shapes.count.total": "**参数个数：{count}** = `sum(p.numel() for p in rnn.parameters())`",
    "lab_shapes.count.formula": "每层每个方向：gates × hidden × (input + hidden + 2)，gates = {gates}"
                                "（weight_ih + weight_hh + bias_ih + bias_hh）",
    "lab_shapes.count.term": "- 第 {layer} 层{direction}：{gates} × {hidden} × ({input} + {hidden} + 2) = {total}",
    "lab_shapes.count.reverse": "（反向）",
    "lab_shapes.count.verdict": "公式合计 **{formula}**，PyTorch 数出 **{torch}**：{verdict}",
    "lab_shapes.count.equal": "✓ 相等",
    "lab_shapes.count.differ": "✗ 不相等",
    "lab_shapes.error.heading": "PyTorch 的报错：",
    "lab_shapes.error.none_raised": "PyTorch 没有报错",
    "lab_shapes.error.fits": "✓ 形状都对，PyTorch 运行成功。",
    "lab_shapes.error.input": "input 的最后一维必须等于 input_size = {input_size}，这里给了 {fed}。",
    "lab_shapes.error.h0_batch": "h0 应为 (num_layers × num_directions, batch, hidden_size) = {expected}，"
                                 "这里却把 batch 放在了最前；batch_first 只改变 input 和 output，从不改变 h0。",
    "lab_shapes.error.h0_hidden": "h0 的最后一维必须等于 hidden_size = {hidden_size}，应为 {expected}。",
    "error.flag_value": "{name} 必须是 True 或 False",
    "lab_shapes.error.too_big": "这一层有 {params} 个参数，太大了（最多 {most}）",
    "lab_shapes.error.too_much_work": "计算量太大：seq_len × batch × 参数个数 = {work}（最多 {most}），请调小一些",

    # ---------------------------------------------------------------------------------------------
    # 课堂 Class (lyricgen/web/tabs/classroom.py, lyricgen/classroom.py)
    "tab.class": "课堂",
    "class.intro": "## 全班一起来\n老师开一个课堂，把链接或二维码投到屏幕上；同学们打开链接（或输入课堂码），把课程里的问题当作"
                   "实时投票来回答，还可以把写出的歌词贴到班级墙上。不用注册：起个昵称就行，不起也可以。",
    "class.tab.join": "加入课堂",
    "class.tab.teach": "老师",
    "class.code": "课堂码",
    "class.code_placeholder": "老师屏幕上的 6 个字母和数字",
    "class.nickname": "昵称（可不填）",
    "class.join_button": "加入",
    "class.joined": "你已加入课堂 {code}，昵称：{nickname}。你选的答案会马上发给全班。",
    "class.anonymous": "匿名",
    "class.polls": "### 课程里的问题\n选一个答案；老师公布答案之前，你随时可以改。",
    "class.revealed": "✓ 答案：{letter}. {choice} · {why}",
    "class.wall": "### 班级墙",
    "class.wall_empty": "还没有人发帖。",
    "class.post_by": "#{id} · {nickname} · ♥ {likes}",
    "class.hidden": "已隐藏",
    "class.regenerate": "重新生成",
    "class.refresh": "刷新",
    "class.post_lyrics": "要发的歌词",
    "class.post_button": "发到班级墙",
    "class.posted": "已发帖：#{id}。",
    "generate.post": "贴到班级墙",
    "class.error.nothing_generated": "请先生成歌词：贴出的是最近一次生成的歌词和它的设置",
    "class.like_button": "♥ 点赞",
    "class.open_button": "开一个课堂",
    "class.opened": "课堂 {code} 已开。同学们打开下面的链接，或在“课堂”页输入课堂码。",
    "class.link": "课堂链接",
    "class.qr": "课堂链接的二维码",
    "class.key": "老师密钥",
    "class.key_info": "只显示这一次，并保存在这个浏览器里：凭它公布答案、隐藏帖子、关闭课堂。请不要告诉别人。",
    "class.students": "已有 {n} 位同学加入。",
    "class.question": "问题",
    "class.chart": "回答",
    "class.chart_x": "选项",
    "class.chart_y": "人数",
    "class.choices": "{letter}. {choice}",
    "class.reveal_button": "向全班公布答案",
    "class.hide_button": "隐藏这个帖子",
    "class.clear_button": "清空班级墙",
    "class.download_button": "下载班级墙（CSV）",
    "class.close_button": "关闭课堂",
    "class.closed": "课堂 {code} 已关闭：班级墙和回答仍然可以查看。",
    "class.cleared": "已删除 {n} 个帖子。",
    "class.error.unknown": "没有这个课堂码的课堂：请检查一下，或问问老师",
    "class.error.closed": "这个课堂已经关闭了",
    "class.error.wrong_key": "老师密钥不对：什么都没有改",
    "class.error.not_joined": "请先加入一个课堂",
    "class.error.full": "这个课堂已满：最多 {limit} 位同学",
    "class.error.your_posts": "你在这个课堂已经发了 {limit} 个帖子，每人最多这么多",
    "class.error.wall_full": "班级墙已满：最多 {limit} 个帖子",
    "class.error.question": "没有这个问题；问题有 {names}",
    "class.error.choice": "请从 {names} 中选一个",
    "class.error.no_post": "这个课堂的班级墙上没有这个帖子",
    "class.error.settings": "设置必须是只含 {names} 的 JSON 对象",
    "alt.class_qr": "二维码：用手机相机扫一扫，就能打开上面的课堂链接",
    "field.nickname": "昵称",
    "field.settings": "设置",
    "field.student": "同学标识",
    # 投票：课程每一步一个（每题的正确选项在 lyricgen/web/polls.py）。
    "class.poll.words.question": "第 1 步：“下雨的夜晚我想你”会被 jieba 切成几个词？",
    "class.poll.words.a": "8 个：一个字一个词",
    "class.poll.words.b": "6 个：“下雨”“夜晚”各是一个词，其余一字一词",
    "class.poll.words.c": "3 个：一个短语一个词",
    "class.poll.words.d": "1 个：一句就是一个词",
    "class.poll.words.why": "jieba 把词典里有的词（下雨、夜晚）留作一个词，其余切成单字。",
    "class.poll.vectors.question": "第 2 步：训练之后，哪些词的向量会靠近“星星”？",
    "class.poll.vectors.a": "用同样的字写的词",
    "class.poll.vectors.b": "在歌词里出现在相似位置的词",
    "class.poll.vectors.c": "编号和它相近的词",
    "class.poll.vectors.why": "词向量是在预测上下文时学出来的：出现在相似位置的词，向量也相似；编号只是行号。",
    "class.poll.one_step.question": "第 3 步：nn.RNN(input_size=10, hidden_size=20) 的 W_hh 是什么形状？",
    "class.poll.one_step.a": "(20, 10)",
    "class.poll.one_step.b": "(20, 20)",
    "class.poll.one_step.c": "(10, 20)",
    "class.poll.one_step.d": "(10, 10)",
    "class.poll.one_step.why": "W_hh 把上一步的隐藏状态（20 个数）变成新的 20 个数；(20, 10) 的是 W_ih。",
    "class.poll.over_time.question": "第 4 步：读到第二句时，第一句还在隐藏状态里留下痕迹吗？",
    "class.poll.over_time.a": "没有：每一句都从零开始",
    "class.poll.over_time.b": "有：隐藏状态把它带下去，慢慢变淡",
    "class.poll.over_time.c": "只有两句有相同的词时才有",
    "class.poll.over_time.why": "换行也只是一个词：h_t 每一步都混入过去，旧的词随着新词到来慢慢变淡。",
    "class.poll.next_word.question": "第 5 步：温度从 1 调到 1.5，排第一的词的概率会……",
    "class.poll.next_word.a": "变大",
    "class.poll.next_word.b": "变小",
    "class.poll.next_word.c": "不变",
    "class.poll.next_word.why": "分数除以大于 1 的温度后彼此更接近，softmax 把概率摊得更平，排第一的词就分得少了。",
    "class.poll.gates.question": "第 6 步：读完 50 个随机词，普通 RNN 最后一步的梯度传回第一个词还剩多少？",
    "class.poll.gates.a": "几乎全部",
    "class.poll.gates.b": "大约一半",
    "class.poll.gates.c": "几乎没有：梯度消失了",
    "class.poll.gates.why": "每往回一步，梯度都要乘上 W_hh 和 tanh 的斜率，大多小于 1：乘五十次就几乎不剩了。",
    "class.poll.training.question": "第 7 步：一句像歌词的话和一句平常说的话，哪一句的困惑度高？",
    "class.poll.training.a": "像歌词的那一句",
    "class.poll.training.b": "平常说的那一句",
    "class.poll.training.c": "差不多",
    "class.poll.training.why": "模型是从歌词学的：歌词里的词让它不那么意外，所以平常说的话困惑度更高。",
    "class.poll.memory.question": "第 8 步：副歌重复的时候，缓存会看向哪里？",
    "class.poll.memory.a": "只看最近几个词",
    "class.poll.memory.b": "看前一遍副歌里同样的位置",
    "class.poll.memory.c": "随便看前面的地方",
    "class.poll.memory.d": "哪里都不看：缓存会跳过重复",
    "class.poll.memory.why": "那里的隐藏状态和现在的最像，缓存给它最大的权重，让当时接下来的那个词更可能出现。",
}
