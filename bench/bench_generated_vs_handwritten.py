"""Generated module vs the same network written by hand in PyTorch: training step time.

Target (DESIGN.md, "Performance targets"): generated / hand-written <= 1.03.
Networks: LeNet-5 and ResNet-18 as the presets build them (1x32x32 inputs, 10
classes), each beside an idiomatic hand-written twin (functional activations for
LeNet-5, torchvision's layout with in-place ReLU for ResNet-18; same parameter
count, checked). One step = forward, cross-entropy, backward, SGD with momentum.
CPU, single-threaded so other processes disturb less. The two models are timed
in alternation (order swapped every round) and each round's per-step time is
kept; the ratio is the median over rounds of generated / hand-written time (a
paired figure, steadier than a ratio of medians when the machine's load drifts;
both are shown). A control row times two hand-written LeNet-5s against each
other: how far it lands from 1.0 is the noise of the machine.

Run: ``python bench/bench_generated_vs_handwritten.py [rounds] [--quick]`` (default 21; ``--quick``: 7).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
import torch.nn.functional as F
from torch import nn

from backend.compiler import build_model, count_parameters
from bench.results import report
from graph.presets import build_preset

TARGET = 1.03


class LeNet5(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        layers = []
        in_planes = 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes)]
            in_planes = planes
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layers(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def step_time(model: nn.Module, optimizer, data: torch.Tensor, target: torch.Tensor, steps: int) -> float:
    """Seconds per training step over `steps` steps."""
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / steps


def compare(name: str, generated: nn.Module, handwritten: nn.Module, batch: int, steps: int, rounds: int) -> float:
    count_gen, count_hand = count_parameters(generated), count_parameters(handwritten)
    if count_gen != count_hand:
        raise SystemExit(f"{name}: the hand-written twin has {count_hand:,} parameters, generated {count_gen:,}")
    torch.manual_seed(0)
    data = torch.randn(batch, 1, 32, 32)
    target = torch.randint(0, 10, (batch,))
    pairs = {}
    for label, model in (("generated", generated), ("hand-written", handwritten)):
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        step_time(model, optimizer, data, target, 3)  # warm up allocator and kernels
        pairs[label] = (model, optimizer)
    times: dict[str, list[float]] = {"generated": [], "hand-written": []}
    for index in range(rounds):
        order = list(pairs) if index % 2 == 0 else list(reversed(pairs))
        for label in order:
            model, optimizer = pairs[label]
            times[label].append(step_time(model, optimizer, data, target, steps))
    gen, hand = statistics.median(times["generated"]), statistics.median(times["hand-written"])
    ratio = statistics.median(g / h for g, h in zip(times["generated"], times["hand-written"], strict=True))
    print(
        f"{name:<10}{batch:>6}{count_gen:>12,}{gen * 1000:>11.2f}{hand * 1000:>11.2f}"
        f"{gen / hand:>9.3f}{ratio:>8.3f}   {'meets' if ratio <= TARGET else 'misses'} {TARGET}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", type=int, nargs="?", default=21, help="timed rounds per pair of models")
    parser.add_argument("--quick", action="store_true", help="7 rounds")
    args = parser.parse_args()
    rounds = 7 if args.quick else args.rounds
    torch.set_num_threads(1)
    print(f"train step, generated vs hand-written  CPU, 1 thread  torch {torch.__version__}  {platform.machine()}")
    print(f"{'network':<10}{'batch':>6}{'params':>12}{'gen ms':>11}{'hand ms':>11}{'medians':>9}{'ratio':>8}")
    lenet = build_model(build_preset("lenet5"))
    lenet_ratio = compare("LeNet-5", lenet, LeNet5(), batch=64, steps=30, rounds=rounds)
    # Control: two hand-written instances against each other; its distance from 1.0 is the noise of this machine.
    control = compare("control", LeNet5(), LeNet5(), batch=64, steps=30, rounds=rounds)
    resnet = build_model(build_preset("resnet", {"depth": 18}))
    resnet_ratio = compare("ResNet-18", resnet, ResNet18(), batch=16, steps=3, rounds=rounds)
    report("train_step_generated_vs_handwritten_lenet5", lenet_ratio, "x", TARGET)
    report("train_step_generated_vs_handwritten_resnet18", resnet_ratio, "x", TARGET)
    report("train_step_control_lenet5_vs_its_twin", control, "x")


if __name__ == "__main__":
    main()
