"""The decoding engine's work on its batch, each loop iteration (lyricgen/engine.py draws it): admit the
newcomers, then advance every row one word.

Everything here runs on the engine's one loop thread (or the caller's, with DecodingEngine.step):
nothing locks.
"""

from __future__ import annotations

import torch

from .batch import Batch
from .generate import Step, cell_layers, primed_cache, with_cache
from .jobs import Request
from .model import Hidden, LyricModel
from .sampling import draw_uniforms, pick_rows, pick_token
from .vocab import Vocab


class Decoder:
    """One model's batch and the two things done to it each loop iteration: admit(), then advance()."""

    def __init__(self, model: LyricModel, vocab: Vocab):
        self.model = model  # in eval mode
        self.vocab = vocab
        self.device = model.device
        self.banned = [vocab.unk_id]  # never drawn
        # On the CPU the single-step cell functions, as generate_steps uses (nn.LSTM's oneDNN path
        # re-lays out the weights at every call); on a GPU the model itself.
        self.model_step = cpu_batch_step if self.device.type == "cpu" else forward_batch_step
        self.batch = Batch(self.device)  # the requests being decoded, one per row
        self.steps_run = 0  # batched model steps so far

    def admit(self, newcomers: list[Request]) -> None:
        """Run each newcomer's prompt (batch 1, as generate_steps does), draw its first word, and add
        those with words still to come to the batch."""
        joined, states = [], []
        for request in newcomers:
            if request.abandoned():
                continue
            try:
                ids = torch.tensor(request.prompt_ids, dtype=torch.long, device=self.device).unsqueeze(1)
                logits, hidden, outputs, _ = self.model.forward_with_outputs(ids)  # (prefix_len, 1, ...)
                last, h = logits[-1, 0].float().cpu(), outputs[-1, 0]  # (vocab_size,), (hidden_dim,)
                if request.settings.cache is not None:
                    request.cache = primed_cache(request.settings.cache, outputs[:, 0], request.prompt_ids)
                scores = last if request.cache is None else with_cache(last, request.cache, h)
                token_id, prob = pick_token(scores, request.settings.sampling, self.banned, request.generator)
                finished = self._send(request, token_id, prob, last, h)
            except Exception as error:  # this request's fault (its settings, its prompt): it alone ends
                request.fail(error)
                continue
            if not finished:
                if request.settings.sampling.temperature > 0:
                    request.uniforms = draw_uniforms(request.generator, request.settings.length - 1)
                joined.append(request)
                states.append(hidden)
        self.batch.join(joined, states)

    def advance(self) -> None:
        """One model step for every row, then every row draws its next word, all in one pass."""
        batch = self.batch
        batch.leave([row for row, request in enumerate(batch.requests) if request.abandoned()])
        if not batch.requests:
            return
        logits, batch.hidden = self.model_step(self.model, batch.last_tokens(), batch.hidden)  # (batch, vocab_size)
        self.steps_run += 1
        top = batch.top_outputs()  # (batch, hidden_dim)
        finished, scores = [], logits
        for row, request in enumerate(batch.requests):
            if request.cache is not None:  # its own mixture, row by row: few requests turn the cache on
                try:
                    scores = logits.clone() if scores is logits else scores
                    scores[row] = with_cache(logits[row], request.cache, top[row])
                except Exception as error:  # only this request ends; the others draw on
                    request.fail(error)
                    finished.append(row)
        rows = [row for row in range(len(batch)) if row not in finished]
        requests = [batch.requests[row] for row in rows]
        picked = pick_rows(scores[rows] if finished else scores, [r.settings.sampling for r in requests],
                           self.banned, [r.uniform() for r in requests])
        for row, request, pick in zip(rows, requests, picked, strict=True):
            if isinstance(pick, Exception):  # its settings failed it alone
                request.fail(pick)
                finished.append(row)
            elif self._send(request, *pick, logits[row], top[row]):
                finished.append(row)
        batch.leave(finished)

    def _send(self, request: Request, token_id: int, prob: float, logits: torch.Tensor, h: torch.Tensor) -> bool:
        """Hand the word drawn from logits (vocab_size,) to the request's consumer; True when it was the last.

        h (hidden_dim,): the top layer's state that made the logits, which the request's cache looks up."""
        # A copy, or the Step would keep the whole batch's logits alive for as long as it is queued.
        kept = logits.clone() if request.keep_logits else None
        return request.send(Step(token_id, self.vocab.tokens[token_id], prob, kept), h)


def cpu_batch_step(model: LyricModel, tokens: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """tokens (batch,) → logits (batch, vocab_size) and the next hidden state, with the single-step cell
    functions; at batch 1 exactly the computation of generate_steps' own step."""
    x = model.embedding.weight[tokens]  # (batch, embed_dim)
    x, hidden = cell_layers(model, x, hidden)  # (batch, hidden_dim)
    return model.head(x), hidden


def forward_batch_step(model: LyricModel, tokens: torch.Tensor, hidden: Hidden) -> tuple[torch.Tensor, Hidden]:
    """The same through model.forward (a GPU's fused kernels); the logits come back to the CPU in one copy."""
    logits, hidden = model(tokens.unsqueeze(0), hidden)  # (1, batch, vocab_size)
    return logits[0].float().cpu(), hidden
