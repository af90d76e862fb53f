"""Your model, everywhere (lyricgen/web/mine.py): a model trained through /train, or sent to /upload_model, is
"mine" in every panel of the session that made it, and only there."""

from __future__ import annotations

import random

import pytest
from archive_helpers import hostile_zips
from conftest import served_alone
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from panel_helpers import rows

from lyricgen.checkpoint import load_checkpoint
from lyricgen.web import links
from lyricgen.web.mine import MINE, StudentModels
from lyricgen.web.tabs.generate import GenerateTab
from lyricgen.web.tabs.hidden_states import HiddenStatesTab
from lyricgen.web.tabs.lab_train import TrainTab
from lyricgen.web.tabs.models import ModelTab
from lyricgen.web.tabs.next_words import NextWordsTab
from lyricgen.web.tabs.open_box import OpenBoxTab
from lyricgen.web.tabs.score_line import ScoreLineTab

STEPS = 30  # optimizer steps of a test training
# Words no shipped (or tiny) model knows: whatever "mine" writes after the start, it wrote from its own vocabulary.
MADE_UP = ["zorp", "blik", "quam", "fendo", "tarsk", "mipple", "drabo", "vexil", "snorf", "glimb", "praxo", "wendle"]


def made_up_text(lines: int = 60, seed: int = 0) -> str:
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(MADE_UP) for _ in range(6)) for _ in range(lines))


def train_args(text: str, cell: str = "gru") -> list:
    # source, text, cell, hidden_size, lr, budget, feeding, start, tokens (made-up words: jieba keeps each whole)
    return ["paste", text, cell, 16, 0.003, 30, "project", "zorp", "word"]


def client(url: str) -> Client:
    """A browser session of its own."""
    return Client(url, verbose=False, download_files=False, headers={"Accept-Language": "en"})


@pytest.fixture
def zips(tiny_weights):
    """Hostile zips made from the tiny GRU's folder (none over the upload cap: Gradio refuses those itself)."""
    return lambda where: hostile_zips(tiny_weights["gru"], where, large=False)


@pytest.fixture(scope="module")
def page(tiny, engines, tmp_path_factory):
    """(the store, the URL): the Lab's training beside the panels, sharing one store of students' models."""
    store = StudentModels()
    tabs = [TrainTab(tiny, max_trainings=2, max_steps=STEPS, zip_dir=tmp_path_factory.mktemp("zips"), mine=store),
            GenerateTab(tiny, engines, 0, mine=store), HiddenStatesTab(tiny, mine=store),
            NextWordsTab(tiny, mine=store), ScoreLineTab(tiny, mine=store), OpenBoxTab(tiny, mine=store),
            ModelTab(tiny, mine=store)]
    with served_alone(*tabs) as url:
        yield store, url
    store.stop()


@pytest.fixture(scope="module")
def trained(page):
    """A session that trained its model through /train: (its client, the zip's path, the train's status)."""
    _, url = page
    alice = client(url)
    _, status, _, file = alice.predict(*train_args(made_up_text()), api_name="/train")
    return alice, file["path"], status


def test_a_trained_model_is_mine_in_every_panel_of_its_session(page, trained, tiny):
    store, _ = page
    alice, zip_path, status = trained
    assert "My model" in status and len(store) >= 1
    own = load_checkpoint(zip_path, "cpu")
    lyrics, info, _ = alice.predict("zorp", 12, 0.8, MINE, 0, "7", 1.0, False, api_name="/generate")
    written = lyrics.split()
    assert written[0] == "zorp" and len(written) > 1 and "My model (GRU)" in info
    assert set(written) <= set(own.vocab.tokens) and not set(written) & set(tiny["gru"].vocab.tokens)
    picture, table, info = alice.predict("zorp blik quam", MINE, api_name="/hidden_states")
    assert [r["input"] for r in rows(table)][-3:] == ["zorp", "blik", "quam"] and "My model (GRU)" in info
    html, info, *_ = alice.predict("zorp", MINE, 6, 0.8, "3", 2, 0, api_name="/next_words")
    assert "My model (GRU)" in info and html.count("<span title=") == 6
    summary, colored, words = alice.predict("zorp blik", api_name="/score_line")
    cells = [r["cell"] for r in rows(summary)]
    assert cells == ["RNN", "LSTM", "GRU", "My model (GRU)"]
    mine_bits = [r["My model (GRU) (bits)"] for r in rows(words)]
    assert len(mine_bits) == 3 and all(b > 0 for b in mine_bits)  # zorp, blik, the line's end
    card, curves = alice.predict(api_name="/my_model")
    assert "My model (GRU)" in card and {r[2] for r in curves["data"]} == {"L_train", "L_val"}
    with pytest.raises(AppError, match="not an RNN"):  # a GRU of one's own: the RNN formula is not its
        alice.predict("zorp blik", 3, MINE, api_name="/open_box")


def test_another_session_never_gets_someone_elses_model(page, trained):
    _, url = page
    bob = client(url)
    for args, api in ((("zorp", 5, 0.8, MINE, 0, "7", 1.0, False), "/generate"), (("zorp", MINE), "/hidden_states"),
                      ((), "/my_model")):
        with pytest.raises(AppError, match="no model of your own yet: train one in the Lab"):
            bob.predict(*args, api_name=api)
    summary, _, _ = bob.predict("zorp blik", api_name="/score_line")
    assert [r["cell"] for r in rows(summary)] == ["RNN", "LSTM", "GRU"]  # the shipped models only


def test_the_downloaded_zip_uploaded_elsewhere_writes_the_same(page, trained):
    store, url = page
    alice, zip_path, _ = trained
    carol = client(url)
    status = carol.predict(handle_file(zip_path), api_name="/upload_model")
    assert status.startswith("✓ Taken: GRU, 16 hidden units")
    args = ("zorp", 20, 0.9, MINE, 0, "11", 1.0, False)
    assert carol.predict(*args, api_name="/generate")[0] == alice.predict(*args, api_name="/generate")[0]


def test_hostile_uploads_are_refused_and_leave_nothing(page, tmp_path, zips):
    store, url = page
    dave = client(url)
    held = len(store), store.held_bytes()
    for name, path in zips(tmp_path).items():
        with pytest.raises(AppError, match="This model was not taken: ") as info:
            dave.predict(handle_file(str(path)), api_name="/upload_model")
        assert "\n" not in str(info.value), name  # one sentence
    assert (len(store), store.held_bytes()) == held
    with pytest.raises(AppError, match="no model of your own"):
        dave.predict("zorp", MINE, api_name="/hidden_states")


def test_a_link_to_mine_opens_for_an_owner_and_falls_back_for_others(tiny, trained, page):
    store, _ = page
    tab = HiddenStatesTab(tiny, mine=store)

    class Visitor:  # what a gr.Request carries that the store reads
        def __init__(self, session):
            self.session_hash = session

    owner = next(iter(store.owned))
    spec = tab_form_cell(tab)
    assert spec.read(MINE, tab, Visitor(owner)) == MINE
    filled = links.read_query({"hidden_states": fake_setup(spec, tab)}, {"tab": "hidden_states", "cell": MINE},
                              Visitor("someone else"))
    assert filled.values == {} and "no model of your own" in filled.notices[0]


def tab_form_cell(tab):
    from lyricgen.web.tabs.hidden_states import FORM

    return FORM.specs["cell"]


def fake_setup(spec, tab) -> links.Setup:
    import functools

    return links.Setup("hidden_states", {"cell": links.Param(None, functools.partial(spec.read, owner=tab))}, None)
