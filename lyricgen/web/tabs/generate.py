"""Generate: start text, length, temperature, cell, top-k, seed and top-p in; the lyrics streamed out.

The words come from the cell's decoding engine (lyricgen/engine.py), which advances every request of
the class by one word per batched step; a request gets the same words it would get alone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import partial

import gradio as gr

from ...cache import GENERATION_LAM_SCALE, recorded_settings
from ...checkpoint import Checkpoint
from ...engine import DecodingEngine
from ...generate import GenerationSettings
from ...tokens import UNK, join_words
from .. import i18n, limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import MINE, Chosen, StudentModels
from ..render import md_cell, model_name
from ..streaming import new_steps, submit
from ..validate import with_cache_of
from ..widgets import retell_button

EXAMPLES = [  # start text, cell, temperature: short everyday phrases, not corpus lines; the last shows unknown words
    ["星星", "lstm", 0.8],
    ["你的微笑", "gru", 0.8],
    ["我想你", "rnn", 0.8],
    ["夏天的风", "lstm", 0.0],
    ["Hello 世界", "gru", 1.2],
]


def generation_info(cell: Chosen, settings: GenerationSettings, words: list[str], unknown: list[str],
                    seed: int) -> str:
    """Markdown under the lyrics: the seed to type back, the model and settings, and unknown start words."""
    ckpt, sampling = cell.ckpt, settings.sampling
    lines = [
        t("generate.info.seed", seed=seed),
        t("generate.info.model", cell=model_name(cell.name, ckpt), device=ckpt.model.device,
          temperature=f"{sampling.temperature:g}",
          greedy=t("generate.info.greedy") if sampling.temperature == 0 else "",
          top_k=sampling.top_k or t("generate.info.all"),
          top_p=f" · top-p: {sampling.top_p:g}" if sampling.top_p < 1 else ""),
    ]
    if settings.cache is not None:
        c = settings.cache
        scoring = recorded_settings(ckpt.metrics)  # the λ chosen for scoring, of which generation takes a share
        scoring_lam = scoring.lam if scoring is not None else c.lam / GENERATION_LAM_SCALE
        lines.append(t("generate.info.cache", lam=f"{c.lam:g}", theta=f"{c.theta:.3g}", window=c.window,
                       lag=c.min_lag, scoring_lam=f"{scoring_lam:g}"))
    if not words:
        lines.append(t("generate.info.no_start"))
    if unknown:
        lines.append(t("generate.info.unknown", unk=UNK, words="、".join(map(md_cell, dict.fromkeys(unknown)))))
    return "\n\n".join(lines)


def lyrics_file(cell: Chosen, settings: GenerationSettings, seed: int, lyrics: str) -> str:
    """The text of the download: the lyrics, then every setting that writes them again, and the model's
    file hashes, so that anyone can check which model wrote them."""
    on_off = {True: t("generate.file.on"), False: t("generate.file.off")}
    ckpt, sampling = cell.ckpt, settings.sampling
    settings_lines = [
        (t("generate.file.start"), settings.start_text),
        (t("generate.file.cell"), model_name(cell.name, ckpt)),
        (t("generate.file.length"), settings.length),
        (t("generate.file.temperature"), f"{sampling.temperature:g}"),
        (t("generate.file.top_k"), sampling.top_k or 0),
        (t("generate.file.top_p"), f"{sampling.top_p:g}"),
        (t("generate.file.seed"), seed),
        (t("generate.file.cache"), on_off[settings.cache is not None]),
    ]
    parts = [f"# {t('generate.file.heading')}", "", lyrics, "", f"# {t('generate.file.settings')}"]
    parts += [f"{name}: {value}" for name, value in settings_lines]
    parts += ["", f"# {t('generate.file.files')}"]
    parts += [f"{ckpt.path.name}/{name}: {digest}" for name, digest in ckpt.file_hashes.items()]
    parts += ["", t("generate.file.again"), ""]
    return "\n".join(parts)


def settings_record(cell: Chosen, settings: GenerationSettings, seed: int) -> dict:
    """What wrote the lyrics, under Generate's link names: a class post's settings (its regenerate link)."""
    sampling = settings.sampling
    return {"start": settings.start_text, "length": settings.length, "cell": cell.name,
            "temperature": sampling.temperature, "top_k": sampling.top_k or 0, "top_p": sampling.top_p, "seed": seed,
            "cache": settings.cache is not None}


def download(cell: Chosen, settings: GenerationSettings, seed: int, lyrics: str) -> str:
    """The download, handed to the browser as JSON text: {"name": its file name, "text": lyrics_file(), and the
    lyrics and settings_record, which "post to the class" sends}.
    The browser saves it (DOWNLOAD_JS), so the server writes, copies and deletes no file per request;
    it travels in a hidden Textbox, whose code every page loads anyway (gr.JSON's would add to each)."""
    name = cell.ckpt.model.config.cell if cell.name != MINE else f"{MINE}-{cell.ckpt.model.config.cell}"
    return json.dumps({"name": f"lyrics-{name}-{seed}.txt", "text": lyrics_file(cell, settings, seed, lyrics),
                       "lyrics": lyrics, "settings": settings_record(cell, settings, seed)}, ensure_ascii=False)


# Saves the last lyrics' download as a file, in the browser; before the lyrics are complete there is none.
DOWNLOAD_JS = """(saved) => {
  if (!saved) return;
  const download = JSON.parse(saved);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([download.text], {type: "text/plain;charset=utf-8"}));
  link.download = download.name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}"""


# The tab's inputs, in the order of its endpoint's parameters (/generate).
FORM = params.Form(
    params.START.but(placeholder="generate.start_placeholder", look={"lines": 2}),
    params.LENGTH,
    params.TEMPERATURE.but(label="widget.temperature_long"),
    params.CELL,
    params.TOP_K.but(look={"min_width": 120}),
    params.SEED.but(look={"min_width": 120}),
    params.TOP_P,
    params.CACHE,
)


class GenerateTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], engines: dict[str, DecodingEngine],
                 every_s: float = limits.STREAM_EVERY_S, mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"
        self.engines = engines  # one decoding engine per cell, shared by every request
        self.every_s = every_s  # at most one streamed update this often; 0 = one per word
        self.told = i18n.Retold()  # each page's last info and download, to say again after a language switch

    @FORM.checked
    async def generate(self, start: str, length: int, temperature: float, cell: Chosen, top_k: int, seed: int | None,
                       top_p: float, cache: bool, request: gr.Request | None = None
                       ) -> AsyncIterator[tuple[str, str, str]]:
        """Stream (lyrics so far, info, download) as words are written: always the start text first and
        every word last; the download (lyrics and settings for a text file, see download()) once the lyrics
        are complete.

        Every update is a plain value: Gradio rebuilds a component for each update dict (gr.skip()
        included) it is sent, which at a class's load cost more than the model's own steps. The info and the
        download are kept as functions (self.told): after a language switch the page has them said again
        (the lyrics are data, in no language), and a stream under way speaks the new language from then on."""
        settings = with_cache_of(params.generation(start, length, temperature, seed, top_k, top_p), cell.ckpt, cache)
        engine = self.mine.engine(cell.ckpt) if cell.name == MINE else self.engines[cell.name]
        job = submit(engine, settings)
        key = cell.name
        try:
            lang = i18n.current()
            info_of = partial(generation_info, cell, settings, job.prompt.words, job.prompt.unknown, job.seed)
            info = info_of()
            self.told.keep(request, lambda: (info_of(), ""))
            words = list(job.prompt.words)
            yield join_words(words), info, ""  # the last lyrics' download goes away
            async for bunch in new_steps({key: job}, self.every_s):
                if bunch[key]:
                    words.extend(step.token for step in bunch[key])
                    if (now := i18n.remembered(request) or lang) != lang:  # the page switched language
                        lang = now
                        with i18n.using(lang):
                            info = info_of()
                    yield join_words(words), info, ""
            lyrics = join_words(words)
            seed = job.seed  # kept, not the job: it holds the engine's steps
            with i18n.using(lang):
                saved = download(cell, settings, seed, lyrics)
            self.told.keep(request, lambda: (info_of(), download(cell, settings, seed, lyrics)))
            yield lyrics, info, saved
        finally:  # the page may close at any yield: the request leaves the batch at the engine's next step
            job.cancel()

    def layout(self) -> gr.Textbox:
        """The tab; returns its lyrics box, which the memorization check can read."""
        with gr.Tab(t("tab.generate"), id="generate", elem_id="tab-generate"):
            with gr.Row():
                with gr.Column(scale=2, min_width=280):
                    fields = FORM.fields(self)
                    fields.show("start", "cell", "length", "temperature")
                    with gr.Row():
                        fields.show("top_k", "seed")
                    fields.show()  # the rest: top-p, cache
                    button = gr.Button(t("widget.generate"), variant="primary")
                with gr.Column(scale=3, min_width=280):
                    lyrics = gr.Textbox(label=t("generate.lyrics"), lines=14, interactive=False, elem_id="lyrics")
                    info = gr.Markdown(elem_id="generate-info")
                    saved = gr.Textbox(visible="hidden", elem_id="download-data")  # download(): the last lyrics'
                    with gr.Row():
                        save = gr.Button(t("generate.download"), size="sm", elem_id="download-lyrics")
                        # Wired by the Class tab (ClassTab.offer_posting), which knows the class this page joined.
                        self.post_button = gr.Button(t("generate.post"), size="sm", elem_id="generate-post")
                    self.post_status = gr.HTML(elem_id="generate-post-status")
            start = fields["start"]
            gr.Examples(EXAMPLES, inputs=[start, fields["cell"], fields["temperature"]], label=t("generate.examples"))
            inputs = fields.inputs()
            outputs = [lyrics, info, saved]
            # No concurrency limit: a request waits in the engine's batch, not for one of Gradio's slots.
            button.click(self.generate, inputs, outputs, api_name="generate", concurrency_limit=None)
            start.submit(self.generate, inputs, outputs, api_visibility="private",  # Enter works too
                         concurrency_limit=None)
            save.click(None, saved, None, js=DOWNLOAD_JS)
            retell_button(self.told, [info, saved])
            self.saved = saved  # the last lyrics and their settings, for the class post
            CodeView("generate", FORM, self, "tab.generate").layout(fields, fields.offer(run=button))
        return lyrics
