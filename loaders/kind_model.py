"""The learned fact-kind gate: for each sentence, how likely it states a fact of each kind.

One logistic regression per fact kind over :mod:`carekg.loaders.sentence_features`,
trained by ``carekg train`` from gold files (:mod:`carekg.loaders.train`) and committed as
``models/sentence-kinds.json``: the weights of the features that matter, nothing else, so
the file is small, readable and diffable, and nothing is downloaded or unpickled at run
time. Scoring is a sum of weights, in plain Python.

The extractors propose; the gate decides. A rule's candidate of a kind survives when the
sentence's probability of that kind reaches the kind's ``keep`` threshold; a sentence whose
probability reaches ``add`` but where no rule fired gets a fact built by the generic
readers of :mod:`carekg.loaders.extract.fallback`. The thresholds are chosen by training
on leave-one-council-out predictions, the figure that predicts a council never seen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path

from carekg.errors import InputError
from carekg.loaders.model import FACT_KINDS, Candidate

MODEL_FILE = "sentence-kinds.json"
#: A "sentence" longer than this is a run of text the segmenter could not split (a table
#: flattened into one line, a page without full stops): it is no one sentence, so the gate
#: neither scores it nor reads it generically, and the rules' facts of it stand (scoring
#: and reading each of its figures against the whole run would grow with its square).
MAX_GATED_CHARS = 2000
FORMAT_VERSION = 1


@dataclass(frozen=True)
class KindWeights:
    bias: float
    weights: Mapping[str, float]
    keep: float  # a rule's candidate of this kind survives at this probability
    add: float  # a fact is built where no rule fired at this probability


def _logistic(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


@dataclass(frozen=True)
class KindModel:
    kinds: Mapping[str, KindWeights]
    trained_on: tuple[str, ...] = ()
    meta: Mapping[str, object] = field(default_factory=dict)

    @cached_property
    def thresholds(self) -> dict[str, tuple[float, float]]:
        return {kind: (w.keep, w.add) for kind, w in self.kinds.items()}

    @cached_property
    def _by_feature(self) -> dict[str, list[tuple[int, float]]]:
        """Each feature's weights in every kind that has one: a sentence's features are
        looked up once for all kinds."""
        table: dict[str, list[tuple[int, float]]] = {}
        for index, weights in enumerate(self.kinds.values()):
            for name, weight in weights.weights.items():
                table.setdefault(name, []).append((index, weight))
        return table

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        scores = [weights.bias for weights in self.kinds.values()]
        table = self._by_feature
        for name in set(features):
            for index, weight in table.get(name, ()):
                scores[index] += weight
        return {kind: _logistic(score) for kind, score in zip(self.kinds, scores, strict=True)}

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT_VERSION,
            "about": "carekg sentence fact-kind gate; made by `carekg train` "
                     "(carekg.loaders.train), read by carekg.loaders.kind_model",
            "meta": dict(self.meta),
            "trained_on": list(self.trained_on),
            "kinds": {kind: {"bias": round(w.bias, 4), "keep": w.keep, "add": w.add,
                             "weights": dict(sorted(w.weights.items()))}
                      for kind, w in self.kinds.items()},
        }

    def save(self, path: Path) -> None:
        """Write atomically: a half-written model would break every later load."""
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n",
                       encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def from_json(cls, data: Mapping[str, object], origin: str = MODEL_FILE) -> KindModel:
        if data.get("format") != FORMAT_VERSION:
            raise InputError(Path(origin), f"not a carekg kind model of format {FORMAT_VERSION}")
        raw = data.get("kinds")
        if not isinstance(raw, dict) or set(raw) - set(FACT_KINDS):
            raise InputError(Path(origin), "its kinds are not the model's fact kinds")
        kinds = {kind: KindWeights(float(v["bias"]), {str(k): float(x)
                                                      for k, x in v["weights"].items()},
                                   float(v["keep"]), float(v["add"]))
                 for kind, v in raw.items()}
        trained = data.get("trained_on") or ()
        meta = data.get("meta") or {}
        return cls(kinds, tuple(trained) if isinstance(trained, list) else (),
                   meta if isinstance(meta, dict) else {})

    @classmethod
    def load(cls, path: Path) -> KindModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(Path(path), f"cannot read the kind model ({exc})") from exc
        return cls.from_json(data, str(path))


#: Kinds one sentence rarely states both of: a figure counts provision or need, not both.
#: Where both pass their thresholds and at most one was read by a rule, the one a rule
#: read, else the likelier one, is taken.
RIVALS = (("Capacity", "NeedEstimate"),)


def decide(probabilities: Mapping[str, float], fired: set[str],
           thresholds: Mapping[str, tuple[float, float]]) -> set[str]:
    """The kinds a sentence states: a kind a rule fired on at its ``keep`` threshold, one
    no rule fired on at its ``add`` threshold (``thresholds``: kind -> (keep, add)); a
    kind the model does not score is the rules' alone."""
    chosen = {kind for kind in fired if kind not in thresholds}
    for kind, (keep, add) in thresholds.items():
        if probabilities.get(kind, 0.0) >= (keep if kind in fired else add):
            chosen.add(kind)
    for a, b in RIVALS:
        if a in chosen and b in chosen and not (a in fired and b in fired):
            # a kind a rule read is never displaced by one only the model proposes
            weaker = a if probabilities.get(a, 0.0) < probabilities.get(b, 0.0) else b
            if weaker in fired:
                weaker = b if weaker == a else a
            chosen.discard(weaker)
    return chosen


def gated(candidates: list[Candidate], probabilities: Mapping[str, float],
          thresholds: Mapping[str, tuple[float, float]],
          read: Callable[[str], Iterable[Candidate]], only: str | None = None
          ) -> list[Candidate]:
    """A sentence's facts once decided: the rules' candidates of the chosen kinds, and
    ``read(kind)`` for each chosen kind no rule fired on (of ``only`` alone, if given).
    The pipeline's gate and training's held-out replay decide with this one function."""
    fired = {candidate.kind for candidate in candidates}
    chosen = decide(probabilities, fired, thresholds)
    if only is not None:
        chosen &= {only}
    kept = [c for c in candidates if c.kind in chosen]
    for kind in sorted(chosen - fired):
        kept.extend(read(kind))
    return kept


@cache
def default_model() -> KindModel | None:
    """The committed model, or None when there is none (the rules then decide alone)."""
    resource = files("carekg.loaders").joinpath("models", MODEL_FILE)
    if not resource.is_file():
        return None
    return KindModel.from_json(json.loads(resource.read_text(encoding="utf-8")), MODEL_FILE)


def model_path() -> Path:
    """Where ``carekg train`` writes the committed model in a checkout."""
    return Path(str(files("carekg.loaders").joinpath("models", MODEL_FILE)))
