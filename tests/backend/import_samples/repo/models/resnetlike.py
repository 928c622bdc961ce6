"""Models built by functions, as model repositories build them."""

from torch import nn

from .blocks import Basic, Gate


class Net(nn.Module):
    def __init__(self, block, depth, width=8, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.body = nn.Sequential(*[block(width) for _ in range(depth)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flat = nn.Flatten()
        self.gate = Gate(width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        return self.head(self.gate(self.flat(self.pool(self.body(self.stem(x))))))


def Small():
    return Net(Basic, 2)


def Deeper(classes=5) -> "Net":
    model = Net(Basic, 4, classes=classes)
    return model


def deeper_alias():
    return Deeper()


def _private():
    return Net(Basic, 1)


def Wide(width):
    return Net(Basic, 2, width=width)


def test():
    print(Small())
