"""Every limit and default of the page, once.

The server checks every value itself (validate.py): a Textbox's max_length or a Slider's range only
binds the browser, and a client can send anything. These keep one request cheap enough for a class
sharing one CPU.
"""

from .. import classroom
from ..inspect import attention

# Text a student types: a start text, a sentence to tokenize or trace, a line to score.
MAX_TEXT_CHARS = 200
MAX_WORD_CHARS = 20  # the word asked about in the neighbours panel
MAX_BOX_CHARS = 30  # "a short sentence" to open the box on: every step is a row of the table
MAX_MEMORY_WORDS = 2000  # words checked at once for memorization: far more than one generation
MAX_MEMORY_CHARS = MAX_MEMORY_WORDS * 4  # lyrics pasted into the memorization check

# Generation settings.
MIN_LENGTH = 1
MAX_LENGTH = 300  # tokens (words and line breaks) the Generate tab writes at most
MAX_INSIDE_LENGTH = 100  # tokens of one next-word or compare request: every step is shown
DEFAULT_LENGTH = 60
DEFAULT_INSIDE_LENGTH = 30
MAX_TEMPERATURE = 2.0
DEFAULT_TEMPERATURE = 0.8
MAX_TOP_K = 1000  # 0 in the page means "no top-k": sample from the whole vocabulary
MAX_SEED = 2**31 - 1  # new_generator draws seeds below 2**31, so a shown seed can always be typed back

# What the look-inside panels show.
SHOWN_DIMS = 8  # embedding dimensions shown as table columns in the tokenize tab (the heatmap shows them all)
TOP_CANDIDATES = 10  # candidates in the next-word bar charts
NEIGHBOURS = 10  # nearest words per cell
MAP_WORDS = 200  # commonest words on the embedding map
MAX_BOX_UNITS = 8  # hidden units shown in the open-box table
DEFAULT_BOX_UNITS = 4

# Messages.
BRIEF_CHARS = 24  # a wrong value quoted in a message is cut to this many characters

# Serving a class. Generate and Compare wait in the decoding engines' batches (lyricgen/engine.py),
# not in Gradio's slots: their events run without a concurrency limit, and each engine bounds itself.
# Every other endpoint runs CONCURRENCY_LIMIT at a time; the queue holds the rest.
ENGINE_MAX_BATCH = 64  # requests one engine advances together (python app.py --max-batch)
ENGINE_MAX_WAITING = 128  # requests waiting for a place in an engine's batch before "busy" (--max-waiting)
CONCURRENCY_LIMIT = 2
QUEUE_MAX_SIZE = 256  # events waiting in Gradio's queue: a class of 100 pressing two buttons each
STREAM_EVERY_S = 0.04  # a streamed update at most this often: each costs the server more than a word does
MAX_UPDATES_PER_S = 50  # streamed updates a second for the whole class: many streams at once update less often
MIN_TOP_P = 0.01  # top-p (nucleus sampling) from this up to 1 (= off)

# ---------------------------------------------------------------------------------------------
# Memory & attention (the continuous-cache panel, tabs/attention.py)
MAX_ATTENTION_CHARS = 2000  # a whole song: the cache is about what comes back
MAX_ATTENTION_TOKENS = attention.MAX_ATTENTION_TOKENS  # the core's bound: checked here first, to refuse in words
ATTENTION_PICTURE_PX = 720  # the heatmap's side, about: cells shrink (to 1 pixel) as the text grows
ATTENTION_TOP_POSITIONS = 5  # earlier words listed (and marked in the text) for the chosen word
# Used when a checkpoint's metrics.json records no "cache" settings (lyricgen/cache.py chooses them on
# validation text when training): λ, θ·mean‖h‖² (θ scaled to the cell's hidden-state size), N.
DEFAULT_CACHE_LAM = 0.3
DEFAULT_CACHE_SHARPNESS = 20.0
DEFAULT_CACHE_WINDOW = 250


# ---------------------------------------------------------------------------------------------
# Lab: the 实验室 Lab tab (lyricgen/web/tabs/lab_*.py). Training runs in threads of its own, outside the
# generation slots above, so these bound what a class can start at once.

# 自己训练 Train it yourself
LAB_MAX_TEXT_CHARS = 30_000  # pasted lyrics, one line per lyric line
LAB_MIN_LINES = 4  # lines of text: the last ones become the validation tail
LAB_MIN_WORDS = 100  # words (tokens holding a letter or a digit) in the training part, at the least
LAB_MIN_VOCAB = 10  # words seen twice or more (the vocabulary's rule), at the least
# A training's defaults are LabConfig's (lyricgen/lab.py): the core owns them, since it never imports the page.
# The ranges are the page's alone.
LAB_MIN_HIDDEN, LAB_MAX_HIDDEN = 16, 256
LAB_MIN_LR, LAB_MAX_LR = 1e-4, 0.05
LAB_MIN_BUDGET_S, LAB_MAX_BUDGET_S = 5.0, 90.0  # wall-clock seconds of one training
LAB_TRAININGS_CPU = 2  # trainings at once on a CPU server, one per browser session
LAB_TRAININGS_GPU = 4  # when the models serve from a GPU, the CPU cores are left to training
LAB_NICE = 10  # a training thread's Linux nice value: the class's generation requests get the cores first
LAB_WAITING_S = 60.0  # a student refused for want of a slot is first in line for a freed one this long
LAB_MAX_WAITING = 1_000  # students remembered in that line at most
LAB_ABANDONED_S = 15.0  # a training nobody has read for this long stops by itself (the page was closed)
LAB_SHOWN_SAMPLES = 12  # samples listed at most: the first, the latest, and evenly spaced ones between
LAB_PLOT_POINTS = 200  # points per curve sent to the page at most: train losses are averaged in bins
LAB_ZIP_KEEP = 20  # trained models kept for download; older zips are deleted
LAB_ZIP_MAX_AGE_S = 3600.0  # and none is kept longer than this

# 梯度消失 Vanishing gradients
LAB_MIN_GRAD_STEPS = 2  # a gradient needs a step to flow back through
LAB_MAX_GRAD_STEPS = 200  # time steps of the sequence whose gradients are shown
LAB_DEFAULT_GRAD_STEPS = 60
LAB_MIN_SCALE, LAB_MAX_SCALE = 0.25, 2.0  # the factor W_hh of the plain RNN is multiplied by
LAB_MAX_CLIP = 10.0  # gradient clipping threshold; 0 = no clipping

# 形状实验 Shapes: each size bounded, and the layer's cost too
LAB_MAX_SEQ_LEN = 100
LAB_MAX_BATCH = 64
LAB_MAX_FEATURES = 1024  # input_size and hidden_size
LAB_MAX_LAYERS = 6
LAB_MAX_SHAPE_PARAMS = 5_000_000  # parameters of the layer built
LAB_MAX_SHAPE_WORK = 200_000_000  # seq_len × batch × parameters: about the multiply-adds of one forward pass

# What the server keeps per browser session (lyricgen/web/sessions.py): a class is a hundred pages, a few each.
MAX_LIVE_SESSIONS = 2_000  # sessions kept at once; the least recently used is forgotten first
SESSION_IDLE_S = 3 * 3600  # a session with no event for this long is forgotten (a lesson is shorter)
# A link (?tab=…): the longest the server reads, query included, once URL-encoded (a Chinese character is
# nine). Holds a whole song for the attention panel; Gradio itself fails on an address over 64 KB.
MAX_LINK_CHARS = 32_000
# Uploads (POST /gradio_api/upload, open to any visitor): a little above the 20 MB a student's model zip may be.
MAX_UPLOAD_BYTES = 24 * 1024 * 1024

# Languages: the language chosen on each page is remembered for its session (lyricgen/web/i18n.py).
MAX_SESSIONS = 10_000  # pages remembered at once; the oldest is forgotten first (it falls back to its browser's)
DOWNLOAD_MAX_AGE_S = 3600  # a file handed out (the Lab's trained model) stays in Gradio's cache this long

# Your own model (lyricgen/web/mine.py): the Lab's, or an upload, used in every panel as "mine".
MINE_MAX_ZIP_BYTES = 20 * 1024 * 1024  # an uploaded zip, packed and unpacked
MINE_MAX_VOCAB = 30_000  # the most words the Lab's 30,000 characters can give
MINE_MAX_LAYERS = 2
MINE_MAX_MODELS = 60  # held at once on the server; the least recently used goes first
MINE_MAX_HELD_BYTES = 400 * 1024 * 1024  # and their memory, all together
MINE_BYTES_PER_HASH = 80  # a fingerprint's hash in a Python set, about
MINE_IDLE_S = 30 * 60  # a model unused this long is dropped
MINE_MAX_DROPPED = 2_000  # sessions remembered to be told why their model went
MINE_ENGINE_BATCH = 4  # requests a student's model advances together: one student, a few tabs
MINE_ENGINE_WAITING = 8
MINE_NICE = 19  # a student's model's loop, the lowest priority: the shipped models' requests get the cores first
# The students' own work (their models' steps, their Lab trainings' steps) while any shipped model has a request:
# one step at a time, all of them together, and at most this share of the time (lyricgen/gate.py). However many
# students generate with their own models or train, the class on the shipped models keeps the rest.
STUDENT_WORK_SHARE = 0.2
CODE_FOLDERS_KEPT = 200  # a panel's code as files (.py, .ipynb) for the last this many distinct inputs
MINE_DETAIL_CHARS = 300  # a loader's message quoted in a refusal, at most
LAB_GAVE_WAY_SHOWN_S = 1.0  # a training that waited this long for the class's generation says so (STUDENT_WORK_SHARE)
LAB_HIGH_UNKNOWN = 0.5  # a validation split with this share of unknown words gets a warning beside the curve

# ---------------------------------------------------------------------------------------------
# 课堂 Class: the class together (lyricgen/web/tabs/classroom.py). What one class holds is the class store's
# (lyricgen/classroom.py), which enforces it whoever calls; named here for the page's boxes.
CLASS_MAX_STUDENTS = classroom.MAX_STUDENTS
CLASS_MAX_POSTS = classroom.MAX_POSTS
CLASS_MAX_POSTS_PER_STUDENT = classroom.MAX_POSTS_PER_STUDENT
CLASS_MAX_TEXT_CHARS = classroom.MAX_TEXT_CHARS  # lyrics posted, and their settings as JSON
CLASS_MAX_NICKNAME_CHARS = classroom.MAX_NICKNAME_CHARS
CLASS_CODE_BOX_CHARS = 20  # the code box: a code typed with spaces around it fits
CLASS_REFRESH_S = 4.0  # the teacher's chart and the students' wall and answers refresh this often
CLASS_WALL_SHOWN = 100  # posts the page shows, newest first (the download holds them all)
CLASS_WALLS_KEPT = 64  # students' walls kept drawn (class, language, content): a class's pages share one drawing
CLASS_QR_BOX_PX = 12  # pixels per QR module: about 450 px for a class link, readable from the back of a room
