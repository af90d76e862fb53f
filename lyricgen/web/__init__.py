"""Everything the page needs, and nothing the numbers need: limits, input checks, drawing, serving, and one
module per tab (tabs/) holding that tab's layout and handlers. The only package that imports gradio."""
