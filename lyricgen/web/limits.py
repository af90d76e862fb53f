"""Every limit and default of the page, once.

The server checks every value itself (validate.py): a Textbox's max_length or a Slider's range only
binds the browser, and a client can send anything. These keep one request cheap enough for a class
sharing one CPU.
"""

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

# Serving a class: 2 requests run together, the others wait their turn in a queue long enough for
# everyone to press the button twice (see the README's load figures).
CONCURRENCY_LIMIT = 2
QUEUE_MAX_SIZE = 64
STREAM_EVERY_S = 0.04  # a streamed update at most this often: each costs the server more than a word does
