"""Every hand: colours that keep their order without colour vision, and pictures that say what they show."""

from __future__ import annotations

import gradio as gr
import numpy as np

from lyricgen.web import i18n
from lyricgen.web.render import PROB_FLOOR, prob_color

# Machado, Oliveira & Fernandes (2009), severity 1.0: how a deuteranope and a protanope see sRGB (linear light).
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])


def linear(hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def luminance(rgb_linear: np.ndarray) -> float:
    """Relative luminance (WCAG): what a greyscale print keeps."""
    return float(np.clip(rgb_linear, 0, 1) @ np.array([0.2126, 0.7152, 0.0722]))


PROBS = np.logspace(np.log10(PROB_FLOOR), 0, 40)


def test_probability_colours_darken_steadily_in_greyscale_and_for_colour_blindness():
    for seen_as in (np.eye(3), DEUTERANOPIA, PROTANOPIA):
        grey = [luminance(seen_as @ linear(prob_color(p))) for p in PROBS]
        assert all(a > b for a, b in zip(grey, grey[1:], strict=False)), "order lost"
        assert grey[0] - grey[-1] > 0.35  # the ends are far apart, not just in order


def test_black_text_stays_readable_on_every_probability_colour():
    for p in PROBS:
        contrast = (luminance(linear(prob_color(p))) + 0.05) / 0.05  # against black
        assert contrast >= 7, (p, prob_color(p))  # WCAG AAA for normal text


def test_every_picture_has_alt_text_in_every_language(built):
    images = [block for block in built.blocks if isinstance(block, gr.Image)]
    assert len(images) >= 3
    recorded = {id(block): props for block, props, _ in built.strings.targets}
    for image in images:
        alt = recorded[id(image)]["alt_text"]
        for lang in i18n.LANGUAGES:
            assert len(alt.render(lang)) > 20
