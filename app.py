"""The lyricgen web app: a lesson on recurrent language models, lyrics to generate, and every step inside.

    python app.py                                   # http://127.0.0.1:7860
    python app.py --lan                             # for a class on the same Wi-Fi: prints the addresses
    python app.py --share --auth teacher:secret     # also a temporary public gradio.live link
    python app.py --host 0.0.0.0 --port 8080        # reachable from other machines on the network

This file only assembles the page from the tabs in lyricgen/web/tabs/ (one module each: its layout
and its handlers) and launches it. It runs unchanged as a Hugging Face Space (app_file: app.py).
To add a panel:
  1. write lyricgen/web/tabs/<name>.py: its FORM (its inputs' specs, lyricgen/web/params.py), its layout and
     its handlers (@FORM.checked), and fields.offer() so that links may set it up;
  2. import it and lay it out in build_demo below;
  3. put every string it shows in both lyricgen/web/strings/en.py and zh.py, under the same keys
     (tests/test_i18n.py);
  4. give a step of the Lesson (lyricgen/web/tabs/lesson.py) a "try it" link that opens it, and the link's
     label in both string files (tests/test_links.py: the Lesson meets every panel once).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Gradio reads this when it is imported: no usage reports leave a classroom machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from lyricgen import classroom  # noqa: E402
from lyricgen.checkpoint import Checkpoint, CheckpointError, load_cells  # noqa: E402
from lyricgen.engine import DecodingEngine, stop_engines  # noqa: E402
from lyricgen.tokens import init_jieba  # noqa: E402
from lyricgen.web import limits, network, polls, server  # noqa: E402
from lyricgen.web.i18n import t  # noqa: E402
from lyricgen.web.mine import StudentModels  # noqa: E402
from lyricgen.web.page import PageBuilder  # noqa: E402
from lyricgen.web.tabs import (  # noqa: E402
    attention,
    compare,
    generate,
    hidden_states,
    lab_gradients,
    lab_shapes,
    lab_train,
    lesson,
    memorized,
    models,
    neighbours,
    next_words,
    open_box,
    score_line,
    tokenize,
)
from lyricgen.web.tabs.classroom import ClassTab  # noqa: E402


def build_demo(checkpoints: dict[str, Checkpoint], engines: dict[str, DecodingEngine] | None = None,
               mine: StudentModels | None = None, class_store: classroom.ClassStore | None = None) -> gr.Blocks:
    """The page around the loaded models; engines: their decoding loops (default: start one per model);
    mine: each session's own model, offered as "mine" in every panel (default: a store of its own);
    class_store: where the Class tab keeps its classes (default: CLASS_STORE)."""
    engines = engines if engines is not None else server.engines_for(checkpoints)
    mine = mine if mine is not None else StudentModels(yield_to=engines.values())
    page = PageBuilder()
    with gr.Blocks(title="lyricgen", analytics_enabled=False,
                   delete_cache=(limits.DOWNLOAD_MAX_AGE_S, limits.DOWNLOAD_MAX_AGE_S)) as demo, page.building():
        page.header(models.device_of(checkpoints))
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap"):  # on a phone every tab shows, in two rows
            teaching = lesson.LessonTab(checkpoints)
            teaching.layout()
            writer = generate.GenerateTab(checkpoints, engines, mine=mine)
            lyrics = writer.layout()
            tokenize.TokenizeTab(checkpoints, mine=mine).layout()
            with gr.Tab(t("tab.inside"), id="inside", elem_id="tab-inside"), gr.Tabs():
                next_words.NextWordsTab(checkpoints, mine=mine).layout()
                compare.CompareTab(checkpoints, engines, mine=mine).layout()
                hidden_states.HiddenStatesTab(checkpoints, mine=mine).layout()
                open_box.OpenBoxTab(checkpoints, mine=mine).layout()
                neighbours.NeighboursTab(checkpoints, mine=mine).layout()
                memorized.MemorizedTab(checkpoints, mine=mine).layout(lyrics)
                score_line.ScoreLineTab(checkpoints, mine=mine).layout()
                attention.AttentionTab(checkpoints, mine=mine).layout()
            with gr.Tab(t("tab.lab"), id="lab", elem_id="tab-lab"), gr.Tabs():
                lab_train.TrainTab(checkpoints, mine=mine).layout()
                lab_gradients.GradientsTab(checkpoints, mine=mine).layout()
                lab_shapes.ShapesTab(checkpoints).layout()
            class_tab = ClassTab(class_store or CLASS_STORE, checkpoints, lambda: page.classroom.urls)
            class_tab.layout(demo)
            class_tab.offer_posting(writer)  # Generate's lyrics and settings to the class wall
            class_tab.offer_polls(teaching)  # the Lesson's questions answered to the class
            models.ModelTab(checkpoints, mine=mine).layout()
        page.finish(demo)
        demo.unload(mine.forget_request)  # a page closed: its model goes
    demo.lyricgen_page = page  # its strings, link setups and classroom line (for main, and tests)
    demo.lyricgen_mine = mine  # the students' own models, for tests
    return server.configure_queue(demo)


# Loaded once, when the module is imported (by `python app.py`, a Space, or a test).
# Broken weights stop the app here, with a message naming the file, rather than serve garbage.
init_jieba()
try:
    CHECKPOINTS = load_cells(server.weights_root(Path(__file__).resolve().parent / "weights"))
except CheckpointError as error:
    sys.exit(f"lyricgen 无法启动 cannot start: {error}")  # both: no page to choose a language yet
if __name__ == "__main__":  # the server process only: tests import this module and keep glibc's defaults
    server.limit_allocator_arenas()  # before any thread starts: memory stays flat under a class's load
ENGINES = server.engines_for(CHECKPOINTS)
# The classes' SQLite file: --class-db, else $LYRICGEN_CLASS_DB, else data/ beside this file (git ignores it).
# Nothing is written until the server starts or a class is opened, so importing this module makes no file.
CLASS_STORE = classroom.ClassStore(os.environ.get("LYRICGEN_CLASS_DB") or Path(__file__).resolve().parent / "data"
                                   / "classes.sqlite", polls.QUESTIONS)
demo = build_demo(CHECKPOINTS, ENGINES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; 0.0.0.0 = all)")
    where.add_argument("--lan", action="store_true",
                       help=f"serve the local network (--host {network.ALL_INTERFACES}, port {network.PORT} unless "
                            "--port), and print and show the addresses students open")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default 7860, or the next free one; serving the network, 7860)")
    parser.add_argument("--share", action="store_true", help="also ask Gradio for a temporary public link")
    parser.add_argument("--auth", default=None, metavar="USER:PASSWORD", help="require this login")
    parser.add_argument("--max-batch", type=int, default=limits.ENGINE_MAX_BATCH,
                        help="requests one model advances together (default %(default)s)")
    parser.add_argument("--max-waiting", type=int, default=limits.ENGINE_MAX_WAITING,
                        help="requests waiting for a place before 'busy' (default %(default)s)")
    parser.add_argument("--class-db", default=None, metavar="PATH",
                        help=f"the SQLite file the Class tab keeps its classes in (default {CLASS_STORE.path})")
    args = parser.parse_args(argv)
    if args.max_batch < 1 or args.max_waiting < 0:
        parser.error("--max-batch must be at least 1 and --max-waiting at least 0")
    for engine in ENGINES.values():  # read by each loop at its next step
        engine.max_batch, engine.max_waiting = args.max_batch, args.max_waiting
    try:
        auth = server.parse_auth(args.auth)
    except ValueError as e:
        parser.error(str(e))
    # For the server process only (tests import this module and keep torch's defaults):
    server.share_cpu_threads()  # requests running together do not fight over the same cores
    if args.class_db:
        CLASS_STORE.use(args.class_db)
    CLASS_STORE.start()  # the schema, WAL, and classes past a week removed, before the first student arrives
    server.settle_process()  # what lives as long as the server leaves the garbage collector's scans
    host, port, lan = network.listen_on(args.host, args.port, args.lan)
    if lan is not None:
        demo.lyricgen_page.classroom.show(lan)  # the header names the addresses too
    try:
        server.serve(demo, host, port, args.share, auth, classroom=lan)
    finally:  # Ctrl+C, or the server stopped: the decoding loops stop with it
        stop_engines(ENGINES)


if __name__ == "__main__":
    main()
