"""Hand-written PyTorch models the import tests read, as a user's repository would hold them."""

import torch
import torch.nn.functional as F
from torch import nn


class Functional(nn.Module):
    """A small CNN written with functional calls."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        y = torch.tanh(self.conv2(x))
        x = torch.add(x, y) + torch.sigmoid(y)
        x = F.adaptive_avg_pool2d(x, (4, 4))
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return F.softmax(self.fc2(x), dim=1)


class Block(nn.Module):
    """Two 3x3 convolutions with the input added back."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class Residual(nn.Module):
    """The same residual block class used four times, at two widths."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.stage1 = nn.Sequential(Block(8), Block(8))
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.stage2 = nn.Sequential(Block(16), Block(16))
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stage1(torch.relu(self.stem(x)))
        x = self.stage2(self.down(x))
        return self.head(torch.mean(x, dim=(2, 3)))


class TwoBranch(nn.Module):
    """Two convolution branches joined with torch.cat."""

    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 4, 1)
        self.right = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(10 * 8 * 8, 5)

    def forward(self, x):
        joined = torch.cat([self.left(x), self.right(x)], dim=1)
        return self.fc(joined.flatten(1))


class Swish(nn.Module):
    """x * sigmoid(beta * x): a constant factor NetCanvas has no layer for."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


class Gate(nn.Module):
    """Branches on the data, so torch.fx cannot follow it."""

    def __init__(self, width, threshold=0.0):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.threshold = threshold

    def forward(self, x):
        if x.mean() > self.threshold:
            return self.fc(x)
        return x


class Kept(nn.Module):
    """Parts NetCanvas keeps as they are: a custom activation, untraceable code, a PyTorch module without a layer."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.act = Swish(beta=1.5)
        self.gate = Gate(16)
        self.elu = nn.ELU(alpha=0.5)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(self.elu(self.gate(self.act(self.fc1(x)))))


class Branchy(nn.Module):
    """Its own forward branches on the data: nothing to keep it in."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return -self.fc(x)


class Layers(nn.Module):
    """One of many layer kinds, for the module table."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=1, padding=1, dilation=1, groups=2)
        self.bn = nn.BatchNorm2d(4, eps=1e-3, momentum=0.2)
        self.lrn = nn.LocalResponseNorm(3, alpha=2e-4, beta=0.5, k=1.5)
        self.act = nn.LeakyReLU(0.2)
        self.pool = nn.AvgPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")
        self.deconv = nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1)
        self.gelu = nn.GELU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(3 * 8 * 8, 12)
        self.norm = nn.LayerNorm(12)
        self.bn1d = nn.BatchNorm1d(12)
        self.out = nn.LogSoftmax(dim=-1)

    def forward(self, x):
        x = self.pool(self.act(self.lrn(self.bn(self.conv(x)))))
        x = self.maxpool(self.gelu(self.deconv(self.up(x))))
        x = self.drop(self.flatten(x))
        return self.out(self.bn1d(self.norm(self.fc(x))))


class Tokens(nn.Module):
    """Token ids through an embedding, a two-layer LSTM and a GRU started from its state."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 6)
        self.encoder = nn.LSTM(6, 8, num_layers=2, batch_first=True)
        self.decoder = nn.GRU(8, 8, batch_first=True)
        self.fc = nn.Linear(8, 20)

    def forward(self, tokens):
        embedded = self.embed(tokens)
        sequence, (h, _) = self.encoder(embedded)
        start = h[-1].unsqueeze(0).contiguous()
        decoded, _ = self.decoder(sequence, start)
        return self.fc(decoded[:, -1])


class SqueezeExcite(nn.Module):
    """A squeeze-and-excitation block as model repositories write it: the pooling window read from the input's
    size, and a per-channel gate of shape (C, 1, 1) multiplied into the (C, H, W) map."""

    def __init__(self, channels=8, squeezed=2):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x):
        out = F.relu(self.conv(x))
        w = F.avg_pool2d(out, out.size(2))
        w = torch.sigmoid(self.fc2(F.relu(self.fc1(w))))
        return out * w


class Root(nn.Module):
    """Takes a list of feature maps (as DLA's aggregation nodes do): it cannot be a block of its own."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, channels, 1)

    def forward(self, xs):
        return F.relu(self.conv(torch.cat(xs, 1)))


class Aggregating(nn.Module):
    """Joins two branches through `Root`, which NetCanvas draws inside this network."""

    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 4, 3, padding=1)
        self.right = nn.Conv2d(3, 4, 5, padding=2)
        self.root = Root(4)

    def forward(self, x):
        return self.root([self.left(x), self.right(x)])


class DualPath(nn.Module):
    """Splits its channels in two as dual-path networks do: x[:, :d] is added, x[:, d:] is joined."""

    def __init__(self, split=4):
        super().__init__()
        self.split = split
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        x = self.conv1(x)
        out = self.conv2(x)
        d = self.split
        return torch.cat([x[:, :d] + out[:, :d], x[:, d:, :, :], out[:, d:]], 1)[..., -2:]


class CeilPools(nn.Module):
    """Pools that round their window count up (ceil_mode), as GoogLeNet's do."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)

    def forward(self, x):
        return F.avg_pool2d(self.pool(self.conv(x)), 2, ceil_mode=True)


class Shuffle(nn.Module):
    """ShuffleNet's channel shuffle written out, as kuangliu/pytorch-cifar writes it, and as a module."""

    def __init__(self, groups=2):
        super().__init__()
        self.groups = groups
        self.conv = nn.Conv2d(3, 8, 1, groups=1)
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.module = nn.ChannelShuffle(4)

    def forward(self, x):
        x = self.conv(x)
        n, c, h, w = x.size()
        g = self.groups
        x = x.view(n, g, c // g, h, w).permute(0, 2, 1, 3, 4).reshape(n, c, h, w)
        x = self.grouped(x)
        x = x.view(n, g, c // g, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        return self.module(x)


class NeedsArgs(nn.Module):
    """Cannot be built with no arguments."""

    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, 2)

    def forward(self, x):
        return self.fc(x)


class ExitsOnBuild(nn.Module):
    """Calls exit() in its constructor."""

    def __init__(self):
        super().__init__()
        raise SystemExit(3)

    def forward(self, x):
        return x


def not_a_module():
    return 42
