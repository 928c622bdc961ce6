"""Generative presets on the digits: a dense variational autoencoder and a convolutional GAN (DCGAN).

The GAN's generator enlarges with Upsample + Conv2d rather than ConvTranspose2d:
on these smooth, upscaled 8x8 digits it gives no checkerboard speckle and a lower
Fréchet distance for the same time. Both default to 16x16 images: the data hold
8x8 pixels, so 16x16 shows all there is, and each step costs about a third of
28x28's, which buys more epochs in the same minutes.

Conventions the training engine relies on (see the brief): the VAE has networks
``encoder`` (Input ``image`` -> Outputs ``z``, ``mu``, ``logvar``, in that order,
sampled with Reparameterize) and ``decoder`` (Input ``z`` -> Output
``reconstruction``, the image's shape, ending in Sigmoid); the GAN has
``generator`` (Input ``noise`` -> Output ``image``, ending in Tanh) and
``discriminator`` (Input ``image`` -> Output ``score``, one logit).
"""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.params import Param
from graph.presets.base import MAX_CHANNELS, Preset, PresetError, finish, new_project, sequential, training
from graph.project import Project

MAX_WIDTH = 65_536


def _image_options(default_size: int) -> tuple[Param, ...]:
    return (
        Param(
            "in_channels", "int", 1, "Colour channels of the images (1: grayscale).", minimum=1, maximum=MAX_CHANNELS
        ),
        Param(
            "image_size",
            "int",
            default_size,
            "Height and width of the images; the data loader resizes to it.",
            minimum=2,
            maximum=1024,
        ),
    )


def _width(name: str, default: int, doc: str) -> Param:
    return Param(name, "int", default, doc, minimum=1, maximum=MAX_WIDTH)


VAE_OPTIONS = (
    *_image_options(16),
    _width("hidden_size", 256, "Neurons in the hidden layer of the encoder and of the decoder."),
    _width("latent_dim", 16, "Size of the code z each image is squeezed into."),
)

GAN_OPTIONS = (
    *_image_options(16),
    _width(
        "width",
        64,
        "Feature maps of the convolutions next to the image; one stage further in there are twice as many.",
    ),
    _width("latent_dim", 32, "Size of the random noise vector the generator starts from."),
)


def build_vae(options: dict[str, Any]) -> Project:
    project = new_project(
        "VAE",
        "A variational autoencoder: the encoder maps each digit to a mean and log-variance, samples a "
        "code z from them, and the decoder draws the digit back from z.",
        "vae",
        # measured on the digits (Fréchet distance of samples, tests/helpers/frechet.py): lr 2e-3 for 60 epochs
        # brings the distance from 74 (lr 1e-3, 30 epochs) to 44, in about 5 s on two cores
        training(dataset="digits", task="vae", loss="auto", optimizer="adam", lr=2e-3, batch_size="64", epochs=60),
    )
    channels, size = options["in_channels"], options["image_size"]
    hidden, latent = options["hidden_size"], options["latent_dim"]
    encoder = project.add_network(Network("encoder"))
    image = encoder.add("Input", name="image", shape=(channels, size, size))
    features = sequential(
        encoder,
        image,
        ("Flatten", "flatten", {}),
        ("Linear", "fc", {"out_features": hidden}),
        ("ReLU", "relu", {}),
    )
    fc_mu = encoder.add("Linear", name="fc_mu", out_features=latent)
    fc_logvar = encoder.add("Linear", name="fc_logvar", out_features=latent)
    sample = encoder.add("Reparameterize", name="sample")
    encoder.wire(features, fc_mu)
    encoder.wire(features, fc_logvar)
    encoder.wire(fc_mu, sample, dst_port="mu")
    encoder.wire(fc_logvar, sample, dst_port="logvar")
    for source, output in ((sample, "z"), (fc_mu, "mu"), (fc_logvar, "logvar")):
        encoder.wire(source, encoder.add("Output", name=output))

    decoder = project.add_network(Network("decoder"))
    z = decoder.add("Input", name="z", shape=(latent,))
    last = sequential(
        decoder,
        z,
        ("Linear", "fc1", {"out_features": hidden}),
        ("ReLU", "relu", {}),
        ("Linear", "fc2", {"out_features": channels * size * size}),
        ("Sigmoid", "sigmoid", {}),
        ("Reshape", "to_image", {"shape": (channels, size, size)}),
    )
    decoder.wire(last, decoder.add("Output", name="reconstruction"))
    return finish(project)


def build_gan(options: dict[str, Any]) -> Project:
    channels, size = options["in_channels"], options["image_size"]
    width, latent = options["width"], options["latent_dim"]
    if size % 4:
        raise PresetError(f"gan: image_size must be a multiple of 4 (two stride-2 stages), got {size}")
    project = new_project(
        "GAN",
        "A deep convolutional GAN (DCGAN): the generator grows random noise into a digit, doubling the "
        "image twice (upsample, then a 3x3 convolution), the discriminator tells generated digits from real "
        "ones with strided convolutions, and each learns from the other.",
        "gan",
        # DCGAN's settings (Adam with lr 2e-4 and a short memory, beta1 0.5, so neither network overshoots the
        # other) plus one-sided label smoothing 0.1, which keeps the discriminator from winning outright on 1,437
        # digits. Measured (tests/helpers/frechet.py, bench/bench_gan.py): these settings beat batch 128 / lr 4e-4,
        # a cosine schedule, a narrower or dropout discriminator and transposed convolutions.
        training(
            dataset="digits",
            task="gan",
            loss="auto",
            optimizer="adam",
            lr=2e-4,
            beta1=0.5,
            label_smoothing=0.1,
            batch_size="64",
            epochs=60,
        ),
    )
    start = size // 4
    generator = project.add_network(Network("generator"))
    noise = generator.add("Input", name="noise", shape=(latent,))
    last = sequential(
        generator,
        noise,
        ("Linear", "project", {"out_features": 2 * width * start * start, "bias": False}),
        ("Reshape", "to_maps", {"shape": (2 * width, start, start)}),
        ("BatchNorm2d", "bn1", {}),
        ("ReLU", "relu1", {}),
        ("Upsample", "up1", {}),
        ("Conv2d", "conv1", {"out_channels": width, "padding": (1, 1), "bias": False}),
        ("BatchNorm2d", "bn2", {}),
        ("ReLU", "relu2", {}),
        ("Upsample", "up2", {}),
        ("Conv2d", "conv2", {"out_channels": channels, "padding": (1, 1)}),
        ("Tanh", "tanh", {}),
    )
    generator.wire(last, generator.add("Output", name="image"))

    discriminator = project.add_network(Network("discriminator"))
    image = discriminator.add("Input", name="image", shape=(channels, size, size))
    last = sequential(
        discriminator,
        image,
        ("Conv2d", "down1", {"out_channels": width, "kernel_size": (4, 4), "stride": (2, 2), "padding": (1, 1)}),
        ("LeakyReLU", "act1", {"negative_slope": 0.2}),
        (
            "Conv2d",
            "down2",
            {"out_channels": 2 * width, "kernel_size": (4, 4), "stride": (2, 2), "padding": (1, 1), "bias": False},
        ),
        ("BatchNorm2d", "bn2", {}),
        ("LeakyReLU", "act2", {"negative_slope": 0.2}),
        ("Flatten", "flatten", {}),
        ("Linear", "fc", {"out_features": 1}),
    )
    discriminator.wire(last, discriminator.add("Output", name="score"))
    return finish(project)


PRESETS = (
    Preset(
        name="vae",
        title="VAE",
        description="A variational autoencoder on the digits: encode to a small random code, decode back, "
        "then draw new digits from random codes.",
        category="Generative",
        options=VAE_OPTIONS,
        build=build_vae,
    ),
    Preset(
        name="gan",
        title="GAN",
        description="A generator and a discriminator trained against each other until the generator "
        "draws convincing digits from noise.",
        category="Generative",
        options=GAN_OPTIONS,
        build=build_gan,
    ),
)
