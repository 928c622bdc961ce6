"""Generative presets: a variational autoencoder and a GAN, both dense, on the digits.

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
from graph.presets.base import MAX_CHANNELS, Preset, finish, new_project, sequential, training
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
    _width("hidden_size", 256, "Neurons in the widest hidden layer of each network."),
    _width("latent_dim", 32, "Size of the random noise vector the generator starts from."),
)


def build_vae(options: dict[str, Any]) -> Project:
    project = new_project(
        "VAE",
        "A variational autoencoder: the encoder maps each digit to a mean and log-variance, samples a "
        "code z from them, and the decoder draws the digit back from z.",
        "vae",
        training(dataset="digits", task="vae", loss="auto", optimizer="adam", lr=1e-3, batch_size="64", epochs=30),
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
    project = new_project(
        "GAN",
        "A generative adversarial network: the generator turns random noise into digits, the "
        "discriminator tells them from real ones, and each learns from the other.",
        "gan",
        # The usual DCGAN settings: a small step and a short memory for Adam's momentum.
        training(
            dataset="digits", task="gan", loss="auto", optimizer="adam", lr=2e-4, beta1=0.5, batch_size="64", epochs=60
        ),
    )
    channels, size = options["in_channels"], options["image_size"]
    hidden, latent = options["hidden_size"], options["latent_dim"]
    narrow = max(1, hidden // 2)
    generator = project.add_network(Network("generator"))
    noise = generator.add("Input", name="noise", shape=(latent,))
    last = sequential(
        generator,
        noise,
        ("Linear", "fc1", {"out_features": narrow}),
        ("LeakyReLU", "act1", {"negative_slope": 0.2}),
        ("Linear", "fc2", {"out_features": hidden}),
        ("LeakyReLU", "act2", {"negative_slope": 0.2}),
        ("Linear", "fc3", {"out_features": channels * size * size}),
        ("Tanh", "tanh", {}),
        ("Reshape", "to_image", {"shape": (channels, size, size)}),
    )
    generator.wire(last, generator.add("Output", name="image"))

    discriminator = project.add_network(Network("discriminator"))
    image = discriminator.add("Input", name="image", shape=(channels, size, size))
    last = sequential(
        discriminator,
        image,
        ("Flatten", "flatten", {}),
        ("Linear", "fc1", {"out_features": hidden}),
        ("LeakyReLU", "act1", {"negative_slope": 0.2}),
        ("Linear", "fc2", {"out_features": narrow}),
        ("LeakyReLU", "act2", {"negative_slope": 0.2}),
        ("Linear", "fc3", {"out_features": 1}),
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
