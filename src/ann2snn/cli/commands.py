"""What each command does, once its arguments are parsed: check everything the user gave,
then do the work, then write the outputs (atomically)."""

from __future__ import annotations

import argparse
import sys

from torch.utils.data import DataLoader, Subset

from ann2snn.cli.options import method_options
from ann2snn.devices import default_device, parse_device
from ann2snn.errors import Ann2SnnError
from ann2snn.methods import get_method
from ann2snn.methods.options import DEFAULT_METHOD
from ann2snn.outputs import check_distinct, check_output_file, write_json, write_text
from ann2snn.run_options import TIMESTEP_LIST
from ann2snn.text import plural


def cmd_demo(args: argparse.Namespace) -> int:
    from ann2snn.demo import run_demo

    if args.json:
        check_output_file(args.json, "--json")
    reports = run_demo(epochs=args.epochs, seed=args.seed)
    if args.json:
        write_json(reports, args.json)
        print(f"wrote {len(reports)} reports to {args.json}")
    return 0


def _network(args: argparse.Namespace):
    from ann2snn.models.loading import load_network

    net = load_network(checkpoint=args.checkpoint, model=args.model, weights=args.weights,
                       dataset=args.dataset, data=args.data, normalize=args.normalize,
                       activation=args.activation, levels=args.levels,
                       dataset_options=args.dataset_option)
    if net.dataset is None:
        raise Ann2SnnError(f"the checkpoint {net.checkpoint} records no dataset; pass --dataset")
    return net


def _check_method(args: argparse.Namespace) -> dict:
    """The method options, checked before any work (``auto``: once the network says which
    method it is, before any data is read)."""
    args.method = args.method or DEFAULT_METHOD
    options = method_options(args)
    if args.method != "auto":
        get_method(args.method, **options)
    return options


#: what a saved network decides (``evaluate --snn``): flag -> its value when not given
_SNN_DECIDES = {"checkpoint": None, "weights": None, "normalize": None, "activation": None,
                "levels": None, "method": None, "calib_batches": None, "maxpool": "error",
                "seed": None}


def _saved_network(args: argparse.Namespace):
    """The network of ``evaluate --snn FILE``: its ANN and architecture from the file."""
    from ann2snn.conversion.serialize import load_converted
    from ann2snn.data import parse_dataset_options
    from ann2snn.data.normalization import Normalization
    from ann2snn.models.loading import LoadedNetwork

    given = [f"--{k.replace('_', '-')}" for k, unset in _SNN_DECIDES.items()
             if getattr(args, k) != unset] + [f"--{k.replace('_', '-')}" for k in method_options(args)]
    if given:
        raise Ann2SnnError(f"{', '.join(given)} would be ignored: the saved network {args.snn} "
                           "decides its ANN and conversion; drop them")
    if args.dataset is None:
        raise Ann2SnnError("evaluate --snn needs --dataset (and --data): the test images")
    ann, snn = load_converted(args.snn, args.model)
    arch = snn.info.architecture or {}
    norm = arch.get("normalization")
    net = LoadedNetwork(ann, arch.get("model", "saved network"),
                        Normalization.from_dict(norm, args.snn) if norm else Normalization("none"),
                        args.dataset, args.data,
                        parse_dataset_options(args.dataset, args.dataset_option or []))
    return net, snn


def calibration_batches(net, args: argparse.Namespace):
    """The training split as calibration batches: pass 0 plain (thresholds, SNNC), fresh
    passes with the dataset's standard augmentation (FTBC), all seeded by ``--seed``."""
    from ann2snn.data import SeededBatches, load_dataset

    seed = 0 if args.seed is None else args.seed
    train = load_dataset(net.dataset, net.data, "train", augment=True, seed=seed,
                         **net.dataset_options)
    return SeededBatches(train, args.batch_size, seed)


def _sweep(args: argparse.Namespace, run, load=_network) -> tuple:
    """Load the network (``load(args)``) and its splits, then ``run(net, test_loader, calib,
    procs, shared)`` on this process's shard of the test set (torchrun), leaving the process
    group cleanly; no calibration data for a saved network (``--snn``). Returns
    ``(net, procs, result)``."""
    from ann2snn import distributed as D
    from ann2snn.data import evenly_spaced, load_dataset

    device = parse_device(args.device or default_device())
    outputs = {"--json": args.json, "--markdown": getattr(args, "markdown", None)}
    check_distinct(outputs)
    for flag, path in outputs.items():
        if path is not None:
            check_output_file(path, flag)
    net = load(args)
    test = evenly_spaced(load_dataset(net.dataset, net.data, "test", **net.dataset_options),
                         args.limit)
    procs = D.setup(device)
    shard = Subset(test, D.shard(len(test), procs)) if procs.active else test
    if procs.main:
        print(f"{net.name} on {net.dataset} ({len(test)} test images"
              f"{f', {procs.world} processes' if procs.active else ''}), input normalisation: "
              f"{net.normalization.name}", file=sys.stderr)
    shared = {"calib_batches": args.calib_batches, "device": procs.device, "progress": procs.main,
              "dataset": net.dataset, "model_name": net.name, "processes": procs,
              "maxpool": args.maxpool}
    try:
        calib = None if getattr(args, "snn", None) else calibration_batches(net, args)
        result = run(net.model.to(procs.device), DataLoader(shard, batch_size=args.batch_size),
                     calib, shared)
    except BaseException:
        D.teardown(procs, clean=False)
        raise
    D.teardown(procs)
    if procs.main and isinstance(result, dict):
        result["normalization"] = net.normalization.name
    return net, procs, result


def stored_steps(snn) -> list[int]:
    """The T a saved network was converted for (its method depends on T), else the default
    list."""
    made_for = snn.info.timesteps
    return [made_for] if made_for is not None else list(TIMESTEP_LIST.default)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ann2snn.evaluate import evaluate

    if args.snn:
        saved = {}

        def load(a):
            net, saved["snn"] = _saved_network(a)
            return net
        _, procs, report = _sweep(args, lambda model, test, calib, shared: evaluate(
            model, test, args.timesteps or stored_steps(saved["snn"]), snn=saved["snn"],
            **shared), load)
    else:
        options = _check_method(args)
        _, procs, report = _sweep(args, lambda model, test, calib, shared: evaluate(
            model, test, args.timesteps or TIMESTEP_LIST.default, args.method, calib,
            **shared, **options))
    if procs.main:
        ann = report["ann"]
        print(f"ANN accuracy: {ann['accuracy']:.4f}  energy {ann['energy_uj']:.4g} µJ "
              f"({ann['macs']:.4g} MACs)")
        for row in report["snn"]:
            print(f"SNN T={row['T']:<4d} accuracy: {row['accuracy']:.4f}  spikes/neuron "
                  f"{row['spikes_per_neuron']:.3f}  energy {row['energy_uj']:.4g} µJ "
                  f"({row['energy_ratio']:.3f} x ANN)  latency {plural(row['latency_steps'], 'step')}")
        if args.json:
            write_json(report, args.json)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from ann2snn.compare import compare
    from ann2snn.reporting.table import format_compare_table

    methods = _method_list(args.methods)
    options = method_options(args)
    _, procs, result = _sweep(args, lambda model, test, calib, shared: compare(
        model, test, args.timesteps or TIMESTEP_LIST.default, calib, methods=methods,
        log=_say if shared["progress"] else (lambda m: None), **shared, **options))
    if procs.main:
        table = format_compare_table(result)
        print(table)
        if args.json:
            write_json(result, args.json)
        if args.markdown:
            write_text(args.markdown, table + "\n", "--markdown")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ann2snn.reporting.summary import write_report

    written = write_report(args.reports, args.out, method=args.method, steps=args.timesteps,
                           layer=args.layer)
    print(f"wrote {len(written)} files to {args.out}: {', '.join(p.name for p in written)}")
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _method_list(text: str | None) -> list[str] | None:
    from ann2snn.methods import list_methods

    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in list_methods()]
    if unknown or not names:
        raise Ann2SnnError(f"--methods: unknown {', '.join(unknown) or '(none given)'}; "
                           f"registered: {', '.join(list_methods())}")
    return names


def cmd_convert(args: argparse.Namespace) -> int:
    from ann2snn.conversion.converter import convert
    from ann2snn.conversion.serialize import save_snn
    options = _check_method(args)
    device = parse_device(args.device or default_device())
    check_output_file(args.out, "--out")
    net = _network(args)
    if args.method == "auto":  # the method the network's activations call for
        from ann2snn.conversion.converter import method_recipe, prepare_ann
        args.method = method_recipe("auto", options, prepare_ann(net.model)).name
    if args.timesteps is not None and not get_method(args.method, **options).depends_on_timesteps:
        raise Ann2SnnError(f"--timesteps would be ignored: {args.method} converts the same for "
                           "every T; drop it")
    snn = convert(net.model.to(device), args.method, calibration_batches(net, args),
                  timesteps=args.timesteps, calib_batches=args.calib_batches, device=device,
                  maxpool=args.maxpool, **options)
    if snn.info.input_shape is None and net.input_shape is not None:
        snn.info.input_shape = net.input_shape  # θ = λ read no data: the record knows the shape
    save_snn(snn, args.out)
    print(f"wrote {args.out}: {net.name} converted by {args.method}"
          f"{f' for T={args.timesteps}' if args.timesteps else ''}; {snn.summary()}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import os

    from ann2snn.data import parse_dataset_options
    from ann2snn.training import TrainConfig, train
    from ann2snn.training.config import OPTIONS

    cfg = TrainConfig(
        model=args.model, dataset=args.dataset, data=args.data,
        dataset_options=parse_dataset_options(args.dataset, args.dataset_option or []),
        **{name: getattr(args, name) for name in OPTIONS},
        weights=args.weights, teacher=args.teacher, out=args.out,
        device=args.device or default_device(), amp=not args.no_amp,
        normalize=args.normalize, resume=args.resume, progress=not args.no_progress,
        command="ann2snn " + " ".join(sys.argv[1:]))
    meta = train(cfg)
    if meta.get("history") and os.environ.get("RANK", "0") == "0":
        print(f"{args.out}: test accuracy {meta['history'][-1]['test_accuracy']:.4f} after "
              f"{plural(meta['history'][-1]['epoch'], 'epoch')}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ann2snn.conversion.serialize import load_snn
    from ann2snn.export import export_nir

    check_output_file(args.out, "--out")
    snn = load_snn(args.snn, args.model)
    lost = export_nir(snn, args.out, args.input_shape, lossy=args.lossy)
    for loss in lost:
        print(f"lost: {loss}", file=sys.stderr)
    print(f"wrote {args.out}: {snn.method} network as NIR ({len(snn.neurons())} spiking layers, "
          f"{'lossy: ' + str(len(lost)) + ' losses' if lost else 'exact'}; input: the "
          "normalised image, output: average over the T steps)")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from ann2snn.models.registry import MODELS

    for name in MODELS.names():
        meta = MODELS.meta(name)
        shape = "x".join(map(str, meta.get("input_shape", ()))) or "?"
        doc = (MODELS.get(name).__doc__ or "").replace("``", "").strip().splitlines()
        print(f"{name:10s} input {shape:8s} {meta.get('num_classes', '?')} classes by default"
              f"{'  ' + doc[0] if doc else ''}")
    print("any model: --model package.module:function (a function or nn.Module class you "
          "wrote); with --dataset, the classes and input size come from the data")
    return 0


def cmd_methods(args: argparse.Namespace) -> int:
    from ann2snn.methods import get_method, list_methods

    for name in list_methods():
        recipe = get_method(name)
        print(f"{name:14s} {recipe.description}")
    return 0

