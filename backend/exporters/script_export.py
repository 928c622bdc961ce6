"""``export --format script``: one standalone ``train.py`` that trains the project as NetCanvas does.

The script is the generated model code, the training plan's own source
(``backend/plan``: data reading, split, normalisation, fitting, batch order,
augmentation, losses, optimizers, schedules, metrics; copied by
``script_plan``), the run's settings as constants, and a short main loop to read.
Its first epoch gives the engine's numbers for the same seed. It runs with
``python train.py`` (``--data PATH`` when the data set lives elsewhere) and with
``torchrun --nproc_per_node=N train.py``, where each process trains on its share
of every epoch's batches under DistributedDataParallel (gloo on CPUs, nccl on
GPUs) and rank 0 writes metrics.csv and model.pt. On CUDA it uses bf16 autocast
and channels-last images like the engine; ``--compile`` compiles the model.
"""

from __future__ import annotations

import ast
from pathlib import Path
from string import Template

from backend.codegen import CodegenError, generate
from backend.exporters.common import Exported, ExportError, write_text
from backend.exporters.script_plan import import_block, join_definitions, parse_module, plan_code
from backend.plan.tables import read_csv_rows, suggest_target
from backend.training.setup import RunPlan
from graph.project import Project

SUPPORTED_TASKS = ("classification", "regression", "sequence", "vae", "gan")
SETTING_NAMES = (
    "seed", "val_split", "epochs", "batch_size", "max_batches", "optimizer", "lr", "momentum", "beta1", "beta2", "eps",
    "weight_decay", "schedule", "step_size", "gamma", "early_stopping", "min_delta", "restore_best", "augment", "amp",
    "channels_last", "kl_weight", "label_smoothing",
)  # fmt: skip

HEADER = '''"""Train $title: a standalone script written by NetCanvas.

    python train.py                              # CUDA when there is a GPU, else the CPU
    python train.py --epochs 3 --out runs/try    # fewer epochs, another folder$data_line
    torchrun --nproc_per_node=4 train.py         # data-parallel on 4 GPUs (or CPU processes)

It trains exactly as NetCanvas does: below the model comes NetCanvas's own training
plan (data, split, normalisation, batch order, loss, optimizer), then the loop.
It writes OUT/metrics.csv (one row per epoch) and OUT/model.pt ($saved).
"""'''

RUN = '''
import argparse
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

SETTINGS = $settings
TASK = $task  # classification, regression, sequence, vae or gan
LOSS = $loss
FIT = $fit  # how samples become what the Input takes
$constants

def load_source(args):
    """The data set: $data_doc."""
    return $reader_call


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"], help="per process")
    parser.add_argument("--max-batches", type=int, default=SETTINGS["max_batches"], help="per epoch; 0: all")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--out", default="out", help="folder for metrics.csv and model.pt")
    parser.add_argument("--workers", type=int, help="processes that read large data (default: from the cores)")
    parser.add_argument("--compile", action="store_true", help="compile the model with torch.compile")$data_argument
    return parser.parse_args()


def start(device_choice):
    """Join the other processes when torchrun started several: (distributed, rank, world size, device)."""
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    use_cuda = device_choice == "cuda" or (device_choice == "auto" and torch.cuda.is_available())
    rank, world, local_rank = 0, 1, 0
    if distributed:
        dist.init_process_group("nccl" if use_cuda else "gloo")
        rank, world, local_rank = dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    return distributed, rank, world, device


def build(model, device, settings, image_batches, compile_it, distributed):
    """(the model to evaluate, the model to train): compiled if asked, wrapped by DDP under torchrun."""
    model = model.to(device)
    if settings.channels_last and image_batches:
        model = model.to(memory_format=torch.channels_last)
    runner = torch.compile(model) if compile_it else model
    if not distributed:
        return runner, runner
    return runner, DistributedDataParallel(runner, device_ids=[device.index] if device.type == "cuda" else None)


def first_output(out):
    """The network's first Output (a network with several returns a tuple)."""
    return out[0] if isinstance(out, tuple) else out


def log_epoch(out, history, rate):
    """Print the epoch's metrics and rewrite metrics.csv (rank 0 only)."""
    out.mkdir(parents=True, exist_ok=True)
    shown = ", ".join(f"{key} {value:.4g}" for key, value in history[-1].items() if key != "epoch")
    print(f"epoch {history[-1]['epoch']}: {shown}, {rate:,.0f} samples/s", flush=True)
    write_metrics(out / "metrics.csv", history)
'''

SUPERVISED = """

def main():
    args = parse_args()
    distributed, rank, world, device = start(args.device)
    settings = speed_settings(device, SETTINGS["amp"], SETTINGS["channels_last"])
    torch.manual_seed(SETTINGS["seed"])
    data = prepare(load_source(args), FIT, TASK, SETTINGS["val_split"], SETTINGS["seed"], device, args.batch_size,
                   workers=args.workers)
    torch.manual_seed(SETTINGS["seed"])  # the initial weights NetCanvas draws for this seed
    model = $model_class()
    runner, trained = build(model, device, settings, data.is_image, args.compile, distributed)
    loss_fn = supervised_loss(LOSS, TASK, data.num_classes)
    optimizer = make_optimizer(SETTINGS["optimizer"], model.parameters(), SETTINGS)
    schedule = Schedule(SETTINGS["schedule"], [optimizer], SETTINGS, args.epochs)
    stopper = EarlyStopping(SETTINGS["early_stopping"], SETTINGS["min_delta"], SETTINGS["restore_best"])
    augment = Augmenter(SETTINGS["augment"], data.value_range, data.pixel_scale)

    def forward(net, x):
        with settings.autocast():
            return first_output(net(x))

    out, history = Path(args.out), []
    for epoch in range(1, args.epochs + 1):
        model.train()
        generator = epoch_generator(SETTINGS["seed"], epoch)  # this epoch's shuffle and augmentation draws
        meter, started = EpochMeter((), device), time.perf_counter()
        for x, y in data.train_batches(generator, args.batch_size, args.max_batches, rank, world):
            loss = loss_fn(forward(trained, settings.layout(augment(x, generator))), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # under DDP this also averages the gradients of all processes
            optimizer.step()
            meter.add(loss.detach(), {}, len(x))
        if distributed:
            dist.all_reduce(meter.sums)
        rate = meter.samples / (time.perf_counter() - started)
        model.eval()  # every process evaluates, so all take the same schedule and stopping decisions
        metrics, _ = evaluate_supervised(lambda x: forward(runner, x), data.val_batches(), loss_fn, TASK,
                                         data.num_classes)
        history.append({"epoch": epoch, **meter.means(), **metrics, "lr": optimizer.param_groups[0]["lr"]})
        monitored = metrics.get("val_loss", history[-1]["train_loss"])
        schedule.step(monitored)
        if rank == 0:
            log_epoch(out, history, rate)
        if stopper.update(epoch, monitored, {"model": model}):
            print(f"stopped early after epoch {epoch} (best: epoch {stopper.best_epoch})")
            break
    stopper.restore({"model": model})
    if rank == 0:
        torch.save(model.state_dict(), out / "model.pt")
        print(f"wrote {out / 'metrics.csv'} and {out / 'model.pt'}")
    if distributed:
        dist.destroy_process_group()

"""

VAE = '''

def vae_losses(encoder, decoder, x, settings, recon_fn):
    """Encode x, decode its z, score both: (recon + kl_weight * kl, recon, kl)."""

    def encode(batch):
        with settings.autocast():
            return dict(zip(ENCODER_OUTPUTS, encoder(batch)))  # the encoder returns its Outputs in this order

    def decode(z):
        with settings.autocast():
            return first_output(decoder(z))

    return vae_objective(encode, decode, x, recon_fn, SETTINGS["kl_weight"])


def main():
    args = parse_args()
    distributed, rank, world, device = start(args.device)
    settings = speed_settings(device, SETTINGS["amp"], SETTINGS["channels_last"])
    torch.manual_seed(SETTINGS["seed"])
    data = prepare(load_source(args), FIT, TASK, SETTINGS["val_split"], SETTINGS["seed"], device, args.batch_size,
                   workers=args.workers)
    torch.manual_seed(SETTINGS["seed"])  # the initial weights NetCanvas draws for this seed
    encoder, decoder = $encoder_class(), $decoder_class()
    encoder_runner, trained_encoder = build(encoder, device, settings, data.is_image, args.compile, distributed)
    decoder_runner, trained_decoder = build(decoder, device, settings, data.is_image, args.compile, distributed)
    optimizer = make_optimizer(SETTINGS["optimizer"], [*encoder.parameters(), *decoder.parameters()], SETTINGS)
    schedule = Schedule(SETTINGS["schedule"], [optimizer], SETTINGS, args.epochs)
    augment = Augmenter(SETTINGS["augment"], data.value_range, data.pixel_scale)
    recon_fn = reconstruction_loss(LOSS)

    out, history = Path(args.out), []
    for epoch in range(1, args.epochs + 1):
        encoder.train()
        decoder.train()
        generator = epoch_generator(SETTINGS["seed"], epoch)
        meter, started = EpochMeter(("recon", "kl"), device), time.perf_counter()
        for x, _ in data.train_batches(generator, args.batch_size, args.max_batches, rank, world):
            loss, recon, kl = vae_losses(trained_encoder, trained_decoder, settings.layout(augment(x, generator)),
                                         settings, recon_fn)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # under DDP this also averages the gradients of all processes
            optimizer.step()
            meter.add(loss.detach(), {"recon": recon.detach(), "kl": kl.detach()}, len(x))
        if distributed:
            dist.all_reduce(meter.sums)
        rate = meter.samples / (time.perf_counter() - started)
        encoder.eval()
        decoder.eval()
        totals = torch.zeros(3, device=device)
        with torch.no_grad():
            for x, _ in data.val_batches():
                totals += torch.stack(vae_losses(encoder_runner, decoder_runner, x, settings, recon_fn)) * len(x)
        val_loss, val_recon, val_kl = (totals / max(1, data.val.count)).tolist()
        history.append({"epoch": epoch, **meter.means(), "val_loss": val_loss, "val_recon": val_recon,
                        "val_kl": val_kl, "lr": optimizer.param_groups[0]["lr"]})
        schedule.step(val_loss)
        if rank == 0:
            log_epoch(out, history, rate)
    if rank == 0:
        torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, out / "model.pt")
        print(f"wrote {out / 'metrics.csv'} and {out / 'model.pt'}")
    if distributed:
        dist.destroy_process_group()

'''

GAN = """

def main():
    args = parse_args()
    distributed, rank, world, device = start(args.device)
    settings = speed_settings(device, SETTINGS["amp"], SETTINGS["channels_last"])
    torch.manual_seed(SETTINGS["seed"])
    data = prepare(load_source(args), FIT, TASK, SETTINGS["val_split"], SETTINGS["seed"], device, args.batch_size,
                   workers=args.workers)
    torch.manual_seed(SETTINGS["seed"])  # the initial weights NetCanvas draws for this seed
    generator_net, discriminator = $generator_class(), $discriminator_class()
    _, trained_g = build(generator_net, device, settings, False, args.compile, distributed)
    _, trained_d = build(discriminator, device, settings, data.is_image, args.compile, distributed)
    d_optimizer = make_optimizer(SETTINGS["optimizer"], discriminator.parameters(), SETTINGS)
    g_optimizer = make_optimizer(SETTINGS["optimizer"], generator_net.parameters(), SETTINGS)
    schedule = Schedule(SETTINGS["schedule"], [d_optimizer, g_optimizer], SETTINGS, args.epochs)
    augment = Augmenter(SETTINGS["augment"], data.value_range, data.pixel_scale)

    def generate(noise):
        with settings.autocast():
            return first_output(trained_g(noise))

    def score(images):
        with settings.autocast():
            return first_output(trained_d(images)).float()

    out, history = Path(args.out), []
    for epoch in range(1, args.epochs + 1):
        generator_net.train()
        discriminator.train()
        generator = epoch_generator(SETTINGS["seed"], epoch)
        meter, started = EpochMeter(("d_loss", "g_loss"), device), time.perf_counter()
        for real, _ in data.train_batches(generator, args.batch_size, args.max_batches, rank, world):
            real = settings.layout(augment(real, generator))
            noise = torch.randn((len(real), *NOISE_SHAPE), device=device)
            # the discriminator learns real from generated, then the generator learns to fool it
            d_loss, g_loss = gan_step(generate, score, real, noise, d_optimizer, g_optimizer,
                                      SETTINGS["label_smoothing"])
            meter.add(d_loss + g_loss, {"d_loss": d_loss, "g_loss": g_loss}, len(real))
        if distributed:
            dist.all_reduce(meter.sums)
        history.append({"epoch": epoch, **meter.means(), "lr": d_optimizer.param_groups[0]["lr"]})
        schedule.step(None)
        if rank == 0:
            log_epoch(out, history, meter.samples / (time.perf_counter() - started))
    if rank == 0:
        torch.save({"generator": generator_net.state_dict(), "discriminator": discriminator.state_dict()},
                   out / "model.pt")
        print(f"wrote {out / 'metrics.csv'} and {out / 'model.pt'}")
    if distributed:
        dist.destroy_process_group()

"""

MAIN_GUARD = """if __name__ == "__main__":
    try:
        main()
    except DataError as error:  # a problem with the data: one line, not a traceback
        raise SystemExit(f"{Path(__file__).name}: {error}") from None"""


def _call(reader: str, args: dict, path_arg: str | None) -> str:
    parts = [f"{key}=args.data" if key == path_arg else f"{key}={value!r}" for key, value in args.items()]
    return f"{reader}({', '.join(parts)})"


def _source_parts(plan: RunPlan) -> dict[str, str]:
    """How the script reads the data: the reader call, its docstring, and ``--data`` for files."""
    spec = plan.spec
    args = dict(spec.args)
    if spec.reader == "read_csv_table" and not args.get("target"):
        args["target"] = suggest_target(*read_csv_rows(args["path"]))
    if spec.path_arg is None:
        return {
            "reader_call": _call(spec.reader, args, None),
            "data_doc": f"the built-in {plan.config['dataset']} set",
            "data_argument": "",
            "data_line": "",
        }
    path = args[spec.path_arg]
    return {
        "reader_call": _call(spec.reader, args, spec.path_arg),
        "data_doc": f"{Path(path).name}, or the file or folder given with --data",
        "data_argument": f'\n    parser.add_argument("--data", default={path!r}, help="the data file or folder")',
        "data_line": f"\n    python train.py --data {Path(path).name}{' ' * max(1, 23 - len(Path(path).name))}"
        "# the data set in another place",
    }


def _settings(plan: RunPlan) -> dict:
    settings = {name: plan.config[name] for name in SETTING_NAMES}
    settings["batch_size"] = plan.batch_size
    return settings


def script_text(project: Project, plan: RunPlan) -> str:
    """The text of ``train.py`` for `project` run as `plan` (see the module docstring)."""
    if plan.task not in SUPPORTED_TASKS:
        raise ExportError(f"the training script cannot train a {plan.task} task")
    names = list(project.networks)
    try:
        generated = generate(project, names, {name: info.report for name, info in plan.infos.items()})
    except CodegenError as error:
        raise ExportError(f"the network has errors:\n{error}") from None
    classes = generated.class_names
    constants = ""
    if plan.task == "vae":
        constants = f"ENCODER_OUTPUTS = {tuple(plan.outputs['encoder'])!r}  # the encoder's Outputs, in order\n"
        main = Template(VAE).substitute(encoder_class=classes["encoder"], decoder_class=classes["decoder"])
    elif plan.task == "gan":
        constants = f"NOISE_SHAPE = {plan.noise_shape!r}  # the generator's Input: random noise for one sample\n"
        main = Template(GAN).substitute(
            generator_class=classes["generator"], discriminator_class=classes["discriminator"]
        )
    else:
        main = Template(SUPERVISED).substitute(model_class=classes[names[0]])
    run = (
        Template(RUN).substitute(
            settings="{\n" + "".join(f'    "{key}": {value!r},\n' for key, value in _settings(plan).items()) + "}",
            task=repr(plan.task),
            loss=repr(plan.loss),
            fit=repr(plan.fit),
            constants=constants,
            **_source_parts(plan),
        )
        + main
    )
    run_module = parse_module(run, "train.py")
    model_module = parse_module(generated.source, "model")
    used = set().union(*(d.refers for d in run_module.definitions)) | {"DataError"}
    own = frozenset(name for module in (model_module, run_module) for d in module.definitions for name in d.names)
    plan_imports, plan_source = plan_code(used, own)
    imports = [*plan_imports]
    for module in (model_module, run_module):
        refers = set().union(*(d.refers for d in module.definitions))
        imports += [item for name, item in module.imports.items() if name in refers]
    several = len(names) > 1
    header = Template(HEADER).substitute(
        title=project.name or names[0],
        saved="a dict of state_dicts, one per network" if several else "the state_dict",
        data_line=_source_parts(plan)["data_line"],
    )
    sections = [
        header + "\n\n" + import_block(imports),
        join_definitions(model_module.definitions),
        plan_source,
        "# --- the run: its settings and the training loop\n\n" + join_definitions(run_module.definitions),
        MAIN_GUARD,
    ]
    return "\n\n\n".join(section.strip("\n") for section in sections) + "\n"


def export_script(project: Project, path: str | Path) -> list[Exported]:
    """Write a standalone training script for `project` to `path`.

    Raises:
        ExportError: the project cannot train (the reason in one line).
    """
    from backend.data import DataError
    from backend.training.losses import LossError
    from backend.training.setup import TrainingSetupError, plan_run, resolve_config

    try:
        plan = plan_run(project, resolve_config(project.training, {}))
    except (TrainingSetupError, DataError, LossError, CodegenError) as error:
        raise ExportError(f"the training script cannot be written: {error}") from None
    text = script_text(project, plan)
    ast.parse(text)  # a generated script that does not parse is our bug; fail here, not in the user's hands
    target = write_text(path, text)
    return [Exported(target, next(iter(project.networks)))]
