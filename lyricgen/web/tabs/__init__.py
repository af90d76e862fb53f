"""One module per tab: its layout (a `layout` method) and its handlers (the other methods), side by side.

Each tab class is built around the loaded checkpoints ({cell: Checkpoint}); app.py lays the tabs out
in order. A handler takes the widgets' values exactly as Gradio (or a client) sends them, checks each
once with lyricgen.web.validate, asks lyricgen.inspect for the numbers and returns what the widgets show.
"""
