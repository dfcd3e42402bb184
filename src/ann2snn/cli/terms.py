"""Messages raised by the API, spelled as the command line spells them: ``timesteps=T`` is
``--timesteps T`` there, ``calib=`` its ``--data`` training split (docs/methods.md#inputs)."""

from __future__ import annotations

import re

from ann2snn.methods.options import FIELDS, flagged
from ann2snn.run_options import BATCH_SIZE, CALIB_BATCHES, INPUT_SHAPE, LIMIT, SEED, TIMESTEPS

#: API phrases with no declared option behind them, and how the command line says them
PHRASES = {
    "pass calib= (a DataLoader of training batches, never test data)":
        "pass --dataset and --data (its training split calibrates; never the test split)",
    "pass calib=": "pass --dataset and --data (its training split calibrates)",
    "ann2snn.register_method": "a registered method",
}


def _spellings() -> list[tuple[str, str]]:
    """``(name=, its command-line form)`` for every declared option: its flag, else
    ``--method-option name=`` for a method field without one."""
    options = [*flagged(), TIMESTEPS, CALIB_BATCHES, LIMIT, BATCH_SIZE, INPUT_SHAPE, SEED]
    pairs = {o.name: f"{o.flag} " for o in options if o.flag}
    for name in FIELDS:
        pairs.setdefault(name, f"--method-option {name}=")
    return sorted(pairs.items(), key=lambda p: -len(p[0]))


def in_cli_terms(text: str) -> str:
    """``text`` with every API spelling of an option replaced by the command line's."""
    for phrase, cli in PHRASES.items():
        text = text.replace(phrase, cli)
    for option in flagged():
        if option.is_switch:
            text = re.sub(rf"(?<![\w\-.]){option.name}=True\b", option.flag, text)
            text = re.sub(rf"(?<![\w\-.]){option.name}=False\b", f"no {option.flag}", text)
    for name, cli in _spellings():
        text = re.sub(rf"(?<![\w\-.]){re.escape(name)}=(?!=)", cli, text)
    return text
