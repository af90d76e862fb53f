"""Look inside the models: numbers only — tensors, arrays, dataclasses — computed from the loaded weights.

    states.py     hidden states and gates computed by hand; the open-box terms of the plain RNN
    words.py      next-word candidates, comparing cells, scoring a line
    embedding.py  nearest words, a 2-D PCA map
    memory.py     copied lines and runs against a training Fingerprint
    attention.py  where the continuous cache looked: its weights over earlier positions
    gradients.py  how far back a loss reaches: the gradient's size at every earlier hidden state
    shapes.py     nn.RNN / nn.LSTM / nn.GRU built from their arguments: every tensor's shape

Nothing here draws, writes HTML or Markdown, or words a message: lyricgen/web/ does, and it checks
every input before calling in, so these functions trust their arguments.
"""
