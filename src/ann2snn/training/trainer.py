"""``ann2snn train``: conversion-aware training with checkpoints, resuming and many processes.

One run writes a checkpoint folder (see :mod:`ann2snn.models.checkpoint`) after every
epoch, and when stopped (Ctrl-C, or ``should_stop``) after the last finished step. A resumed
run continues from there and ends with the same weights as an uninterrupted one: the batch
order of epoch ``e`` comes from ``seed + e``, augmentation from ``(seed, e, sample)``, and
the optimiser, schedule and random state are restored.

Under ``torchrun`` each process trains on its share of every epoch's batches
(``--batch-size`` is the global batch) with DistributedDataParallel.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from ann2snn import distributed as D
from ann2snn.ann import BitSparsityRegularizer
from ann2snn.data import load_dataset
from ann2snn.devices import default_device
from ann2snn.errors import Ann2SnnError, WeightsError
from ann2snn.models.checkpoint import (
    META_FILE,
    MODEL_FILE,
    STATE_FILE,
    read_meta,
    save_checkpoint,
)
from ann2snn.models.weights import load_state_checked, read_state_dict
from ann2snn.text import plural
from ann2snn.training.config import RUN_FIELDS, TrainConfig, check_config, learning_rate
from ann2snn.training.control import EpochSampler, StopFlag
from ann2snn.training.loop import correct_and_total, make_optimizer, make_scheduler, train_one_epoch
from ann2snn.training.setup import build_model
from ann2snn.training.state import read_train_state


def accuracy_sharded(model: nn.Module, data: Dataset, batch_size: int, procs: D.Processes,
                     layout: str = "contiguous") -> float:
    """Test accuracy over ``data``, each process taking its shard; equal to one process's."""
    loader = DataLoader(Subset(data, D.shard(len(data), procs)), batch_size=batch_size)
    correct, total = correct_and_total(model, loader, procs.device, layout)
    correct, total = D.all_sum([correct, total], procs)
    return correct / max(total, 1)


def train(cfg: TrainConfig, *, should_stop: Callable[[int, int], bool] | None = None,
          log: Callable[[str], None] | None = None) -> dict:
    """Run (or resume) training as ``cfg`` says; returns the checkpoint's metadata.

    ``should_stop(epoch, step)`` is asked after every step (tests use it to interrupt).
    """
    check_config(cfg)
    procs = D.setup(cfg.device or default_device())
    try:
        meta = _train(cfg, procs, should_stop, log)
    except BaseException:
        D.teardown(procs, clean=False)
        raise
    D.teardown(procs)
    return meta


@dataclass
class Run:
    """Everything one training run holds: data, model, optimiser, position."""

    cfg: TrainConfig
    procs: D.Processes
    train_set: Dataset
    test_set: Dataset
    model: nn.Module
    net: nn.Module
    meta: dict
    sampler: EpochSampler
    opt: torch.optim.Optimizer
    sched: object
    scaler: torch.amp.GradScaler
    steps_per_epoch: int
    config: dict
    criterion: object
    history: list = field(default_factory=list)
    start_epoch: int = 0
    start_step: int = 0
    partial: tuple = (0.0, 0, 0)

    @property
    def per_batch(self) -> int:
        return self.cfg.batch_size // self.procs.world


def _prepare(cfg: TrainConfig, procs: D.Processes, say) -> tuple[Run, dict | None]:
    """Data, model (fine-tuned weights, λ from data), sampler, optimiser, schedule."""
    if cfg.batch_size % procs.world:
        raise Ann2SnnError(f"--batch-size {cfg.batch_size} must be divisible by the "
                           f"{procs.world} processes")
    torch.manual_seed(cfg.seed + procs.rank)
    train_set = load_dataset(cfg.dataset, cfg.data, "train", augment=True, seed=cfg.seed,
                             **cfg.dataset_options)
    train_plain = getattr(train_set, "base", train_set)
    test_set = load_dataset(cfg.dataset, cfg.data, "test", **cfg.dataset_options)
    state = read_train_state(cfg.out)
    model, net, meta, criterion = build_model(cfg, train_plain, procs.device, say,
                                              new_run=state is None)
    sampler = EpochSampler(len(train_set), procs, cfg.seed)
    if sampler.per_process() == 0:
        raise Ann2SnnError(f"the training split has {len(train_set)} samples, fewer than the "
                           f"{procs.world} processes")
    steps = math.ceil(sampler.per_process() / (cfg.batch_size // procs.world))
    meta["lr"] = learning_rate(cfg)
    opt = make_optimizer(net, meta["lr"], cfg.momentum, cfg.weight_decay, cfg.lambda_decay)
    amp = cfg.amp and procs.device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=amp and not torch.cuda.is_bf16_supported())
    config = {k: v for k, v in asdict(cfg).items() if k in RUN_FIELDS}
    run = Run(cfg, procs, train_set, test_set, model, net, meta, sampler, opt,
              make_scheduler(opt, cfg.epochs * steps), scaler, steps, config, criterion)
    return run, state


def _restore(run: Run, state: dict | None, say) -> dict | None:
    """Continue from ``state`` (``--resume``); the metadata if the run is already complete."""
    cfg = run.cfg
    if state is None:
        if cfg.resume:
            raise Ann2SnnError(f"nothing to resume in {cfg.out} (no training state); drop --resume")
        return None
    if not cfg.resume:
        raise Ann2SnnError(f"{cfg.out} already holds a training run; pass --resume to continue "
                           "it, or choose another --out")
    old = read_meta(cfg.out)
    if not isinstance(old.get("config"), dict) or not isinstance(old.get("history"), list):
        raise WeightsError(f"cannot resume {cfg.out}: its {META_FILE} has no config or history "
                           "(damaged); restore it, or choose another --out")
    differ = [k for k in RUN_FIELDS if old["config"].get(k) != run.config[k]]
    if differ:
        raise Ann2SnnError(f"cannot resume {cfg.out}: it was trained with other "
                           f"{', '.join(differ)}; use the same options or another --out")
    load_state_checked(run.model, read_state_dict(f"{cfg.out}/{MODEL_FILE}"), f"{cfg.out}/{MODEL_FILE}")
    try:
        run.opt.load_state_dict(state["optimizer"])
        run.sched.load_state_dict(state["scheduler"])
        if state.get("scaler"):
            run.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["rng"])
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError, AttributeError) as exc:
        raise WeightsError(f"cannot resume {cfg.out}: its training state does not fit this run "
                           f"({type(exc).__name__}: {str(exc)[:120]}); delete "
                           f"{cfg.out}/{STATE_FILE} to start over") from None
    run.start_epoch, run.start_step, run.history = state["epoch"], state["step"], old["history"]
    if isinstance(old.get("start_accuracy"), float):
        run.meta["start_accuracy"] = old["start_accuracy"]
    run.partial = tuple(state["partial"])
    if run.start_epoch >= cfg.epochs:
        say(f"{cfg.out} is complete ({plural(cfg.epochs, 'epoch')}); nothing to do")
        return old
    say(f"resuming {cfg.out} at epoch {run.start_epoch + 1}, step {run.start_step}")
    return None


def _checkpoint(run: Run, epoch: int, step: int, partial_sums) -> None:
    if run.procs.main:
        history = run.history
        run.meta.update(config=run.config, history=history, command=run.cfg.command,
                        epochs_done=epoch if step == 0 else epoch + step / run.steps_per_epoch,
                        accuracy=history[-1]["test_accuracy"] if history else None)
        save_checkpoint(run.cfg.out, run.model, run.meta, {
            "optimizer": run.opt.state_dict(), "scheduler": run.sched.state_dict(),
            "scaler": run.scaler.state_dict() if run.scaler.is_enabled() else None,
            "rng": torch.get_rng_state(), "epoch": epoch, "step": step,
            "partial": list(partial_sums)})
    D.barrier(run.procs)


def _train(cfg, procs: D.Processes, should_stop, log) -> dict:
    say = (log or (lambda m: print(m, file=sys.stderr))) if procs.main else (lambda m: None)
    run, state = _prepare(cfg, procs, say)
    done = _restore(run, state, say)
    if done is not None:
        return done
    if state is None and cfg.weights:  # what the fine-tune starts from, said and recorded
        start = accuracy_sharded(run.net, run.test_set, run.per_batch, procs, cfg.layout)
        run.meta["start_accuracy"] = start
        say(f"before fine-tuning: test accuracy {start:.4f}")
    ddp = nn.parallel.DistributedDataParallel(run.net) if procs.active else run.net
    regularizer = BitSparsityRegularizer(run.model, cfg.bit_sparsity) if cfg.bit_sparsity else None
    try:
        with StopFlag() as flag:
            for epoch in range(run.start_epoch, cfg.epochs):
                _epoch(run, ddp, epoch, regularizer, flag, should_stop, say)
    finally:
        if regularizer is not None:
            regularizer.remove()
    return run.meta


def _epoch(run: Run, ddp, epoch: int, regularizer, flag, should_stop, say) -> None:
    """One epoch: train, then (unless stopped) evaluate and checkpoint."""
    cfg, procs = run.cfg, run.procs
    first = run.start_step if epoch == run.start_epoch else 0
    run.sampler.set_epoch(epoch, first * run.per_batch)
    if hasattr(run.train_set, "set_epoch"):
        run.train_set.set_epoch(epoch)
    loader = DataLoader(run.train_set, batch_size=run.per_batch, sampler=run.sampler,
                        num_workers=cfg.workers, pin_memory=procs.device.type == "cuda")
    started = time.perf_counter()
    bar = _bar(cfg.progress and procs.main, run.steps_per_epoch, first,
               f"epoch {epoch + 1}/{cfg.epochs}")
    stopped = {}

    every = max(1, run.steps_per_epoch // 10)

    def on_step(step, loss, acc):
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", acc=f"{acc:.3f}")
        elif cfg.progress and (first + step + 1) % every == 0:  # a log: a line per tenth
            say(f"epoch {epoch + 1}/{cfg.epochs}: step {first + step + 1}/"
                f"{run.steps_per_epoch}, loss {loss:.4f}, train accuracy {acc:.4f}")
        asked = flag.set or (should_stop is not None and should_stop(epoch, first + step + 1))
        if D.any_true(asked, procs):
            stopped["step"] = first + step + 1
            return True
        return False

    try:
        extra = (lambda *_: regularizer()) if regularizer else None
        stats = train_one_epoch(
            ddp, loader, run.opt, run.sched, extra_loss=extra, criterion=run.criterion,
            layout=cfg.layout, device=procs.device, amp=cfg.amp and procs.device.type == "cuda",
            scaler=run.scaler, on_step=on_step, start=run.partial if epoch == run.start_epoch
            else None, where=f"epoch {epoch + 1}")
    finally:
        if bar is not None:
            bar.close()
    if stopped:
        _checkpoint(run, epoch, stopped["step"], stats["sums"])
        say(f"stopped at epoch {epoch + 1}, step {stopped['step']}/{run.steps_per_epoch}; saved "
            f"to {cfg.out}: continue with the same command and --resume")
        raise KeyboardInterrupt
    loss_sum, correct, total = D.all_sum(list(stats["sums"]), procs)
    test_acc = accuracy_sharded(run.net, run.test_set, run.per_batch, procs, cfg.layout)
    run.history.append({"epoch": epoch + 1, "loss": loss_sum / total,
                        "train_accuracy": correct / total, "test_accuracy": test_acc,
                        "lr": run.sched.get_last_lr()[0],
                        "seconds": round(time.perf_counter() - started, 1)})
    say(f"epoch {epoch + 1}/{cfg.epochs}: loss {loss_sum / total:.4f}, train accuracy "
        f"{correct / total:.4f}, test accuracy {test_acc:.4f}")
    _checkpoint(run, epoch + 1, 0, (0.0, 0, 0))


def _bar(enabled: bool, total: int, initial: int, desc: str):
    """A progress bar on a terminal only; in a log the per-epoch lines say enough."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True)
