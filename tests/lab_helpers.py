"""Helpers for the Lab's tests: one torch thread, a served chart's curves, the language of a refusal."""

from __future__ import annotations

import pytest
import torch

from lyricgen.web.validate import InputError

CJK = ("\u4e00", "\u9fff")


def curves(plot: dict) -> dict[str, list[dict]]:
    """A LinePlot's data as the client receives it → {curve: [row, ...]} in the order sent."""
    out: dict[str, list[dict]] = {}
    for row in plot["data"]:
        record = dict(zip(plot["columns"], row, strict=True))
        out.setdefault(record["curve"], []).append(record)
    return out


def has_cjk(text: str) -> bool:
    return any(CJK[0] <= ch <= CJK[1] for ch in text)


def english(error: BaseException) -> bool:
    """A message in English alone: no Chinese half beside it."""
    return not has_cjk(str(error))


def refused_in_english(client, api_name: str, args: tuple, message: str) -> None:
    """The endpoint refuses these inputs with a message matching `message`, in English alone."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message) as info:
        client.predict(*args, api_name=api_name)
    assert english(info.value)


def chinese_too(error: InputError) -> bool:
    """The same message exists in Chinese (the page in Chinese shows that one)."""
    return has_cjk(error.msg.render("zh"))


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread in these tests: on a shared, busy CPU two threads wait on each other far more than they
    gain. Restored afterwards, since the thread count is the whole process's."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
