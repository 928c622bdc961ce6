"""The VAE and GAN parts of an exported training script: data scaling, losses and the training loop.

They mirror ``backend/training/recipes/vae.py`` and ``gan.py`` and the engine's data
preparation (``backend/data/split.py``): a VAE sees images in [0, 1] (its decoder
ends in Sigmoid) and a GAN sees them in [-1, 1] (its generator ends in Tanh);
other samples are standardised per feature (VAE) or divided by their largest
magnitude per feature (GAN). The shared helpers (``parse_args``, ``start``,
``parallel``, ``make_loader``, ``make_optimizer``) come from ``script_export``.
"""

from __future__ import annotations

PREPARE = '''

def prepare(x):
    """Fit the samples to the Input, split them with the seed, {scaled}."""
    if KIND == "image" and len(INPUT_SHAPE) != 1:
        channels, size = INPUT_SHAPE[-3] if len(INPUT_SHAPE) == 3 else 1, INPUT_SHAPE[-2:]
        if x.shape[1] != channels:  # greyscale to RGB or back
            x = x.mean(dim=1, keepdim=True).expand(-1, channels, -1, -1).contiguous()
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False).clamp(0, 1)
    elif KIND == "image" and x[0].numel() != INPUT_SHAPE[0]:
        side = math.isqrt(INPUT_SHAPE[0] // x.shape[1])
        x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False).clamp(0, 1)
    order = torch.tensor(np.random.default_rng(SETTINGS["seed"]).permutation(len(x)))
    n_val = min(len(x) - 1, max(1, round(len(x) * SETTINGS["val_split"]))) if SETTINGS["val_split"] > 0 else 0
    x_train, x_val = x[order[n_val:]], x[order[:n_val]]
{scaling}
    return x_train.reshape(len(x_train), *INPUT_SHAPE), x_val.reshape(len(x_val), *INPUT_SHAPE)
'''

VAE_SCALING = """\
    if KIND != "image":  # images stay in [0, 1]; other samples get one mean and spread per feature
        mean = x_train.reshape(-1, x.shape[-1]).mean(dim=0)
        std = x_train.reshape(-1, x.shape[-1]).std(dim=0)
        std = torch.where(std > 1e-8, std, torch.ones_like(std))
        x_train, x_val = (x_train - mean) / std, (x_val - mean) / std"""

GAN_SCALING = """\
    if KIND == "image":  # [0, 1] to [-1, 1], the range of the generator's Tanh
        x_train, x_val = x_train * 2 - 1, x_val * 2 - 1
    else:  # each feature divided by its largest magnitude, so it lies in [-1, 1]
        scale = x_train.abs().amax(dim=0).clamp_min(1e-8)
        x_train, x_val = x_train / scale, x_val / scale"""

RECONSTRUCTIONS = {
    "bce": 'F.binary_cross_entropy(output.clamp(1e-6, 1 - 1e-6), target, reduction="sum")',
    "mse": 'F.mse_loss(output, target, reduction="sum")',
    "l1": 'F.l1_loss(output, target, reduction="sum")',
}

VAE = '''

def reconstruction_loss(output, target):
    """How far the rebuilt samples are from the originals: summed over a sample, averaged over the batch."""
    output, target = output.reshape(len(target), -1), target.reshape(len(target), -1)
    return {reconstruction} / len(target)


def kl_divergence(mu, logvar):
    """KL(N(mu, sigma^2) || N(0, 1)) summed over the latent dimensions, averaged over the batch."""
    mu, logvar = mu.flatten(1), logvar.flatten(1)
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()


def vae_losses(encoder, decoder, x):
    """Encode x, decode its z, and score both: (loss, recon, kl) with loss = recon + kl_weight * kl."""
    outputs = dict(zip(ENCODER_OUTPUTS, encoder(x)))  # the encoder returns its Outputs in this order
    rebuilt = decoder(outputs["z"]){decoder_pick}
    recon = reconstruction_loss(rebuilt, x)
    kl = kl_divergence(outputs["mu"], outputs["logvar"])
    return recon + SETTINGS["kl_weight"] * kl, recon, kl


@torch.no_grad()
def evaluate(encoder, decoder, val_x, device):
    """Validation loss; in eval mode z is mu, so the score does not depend on the random draw."""
    encoder.eval()
    decoder.eval()
    total = 0.0
    for start in range(0, len(val_x), 512):
        x = val_x[start : start + 512].to(device)
        total += vae_losses(encoder, decoder, x)[0].item() * len(x)
    return total / max(1, len(val_x))


def main():
    args = parse_args()
    distributed, rank, device = start(args.device)
    torch.manual_seed(SETTINGS["seed"])  # every process builds the same data split and initial weights
    train_x, val_x = prepare(load_data()[0])
    torch.manual_seed(SETTINGS["seed"])
    encoder, decoder = {encoder_class}().to(device), {decoder_class}().to(device)
    trained_encoder, trained_decoder = parallel(encoder, device, distributed), parallel(decoder, device, distributed)
    optimizer = make_optimizer(list(encoder.parameters()) + list(decoder.parameters()))  # one optimizer for both
    loader, sampler = make_loader(TensorDataset(train_x), args.batch_size, distributed)

    out = Path(args.out)
    columns = ["epoch", "train_loss", "val_loss", "recon", "kl"]
    if rank == 0:
        start_metrics(out, columns)
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every process
        trained_encoder.train()
        trained_decoder.train()
        sums = torch.zeros(4, device=device)  # (sums of loss, recon and kl, number of samples)
        for step, (x,) in enumerate(loader, 1):
            x = x.to(device)
            loss, recon, kl = vae_losses(trained_encoder, trained_decoder, x)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # under DDP this also averages the gradients of all processes
            optimizer.step()
            parts = torch.stack([loss.detach(), recon.detach(), kl.detach()]) * len(x)
            sums += torch.cat([parts, torch.tensor([float(len(x))], device=device)])
            if step == args.max_batches:
                break
        if distributed:
            dist.all_reduce(sums)
        if rank == 0:
            loss, recon, kl = (sums[:3] / sums[3]).tolist()
            val_loss = evaluate(encoder, decoder, val_x, device)
            metrics = {{"train_loss": loss, "val_loss": val_loss, "recon": recon, "kl": kl}}
            log_epoch(out, epoch, args.epochs, metrics, columns)
    if rank == 0:
        torch.save({{"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}}, out / "model.pt")
        print(f"wrote {{out / 'metrics.csv'}} and {{out / 'model.pt'}}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''

GAN = """

def main():
    args = parse_args()
    distributed, rank, device = start(args.device)
    torch.manual_seed(SETTINGS["seed"])  # every process builds the same data split and initial weights
    train_x, _ = prepare(load_data()[0])
    torch.manual_seed(SETTINGS["seed"])
    generator, discriminator = {generator_class}().to(device), {discriminator_class}().to(device)
    trained_g, trained_d = parallel(generator, device, distributed), parallel(discriminator, device, distributed)
    g_optimizer, d_optimizer = make_optimizer(generator.parameters()), make_optimizer(discriminator.parameters())
    loader, sampler = make_loader(TensorDataset(train_x), args.batch_size, distributed)

    out = Path(args.out)
    columns = ["epoch", "d_loss", "g_loss"]
    if rank == 0:
        start_metrics(out, columns)
    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every process
        trained_g.train()
        trained_d.train()
        sums = torch.zeros(3, device=device)  # (sums of d_loss and g_loss, number of samples)
        for step, (real,) in enumerate(loader, 1):
            real = real.to(device)
            noise = torch.randn((len(real), *NOISE_SHAPE), device=device)
            fake = trained_g(noise){generator_pick}.reshape(real.shape)

            # 1. the discriminator learns to score real samples 1 - label_smoothing and generated ones 0
            real_score, fake_score = trained_d(real){discriminator_pick}, trained_d(fake.detach()){discriminator_pick}
            d_loss = F.binary_cross_entropy_with_logits(
                real_score, torch.full_like(real_score, 1 - SETTINGS["label_smoothing"])
            ) + F.binary_cross_entropy_with_logits(fake_score, torch.zeros_like(fake_score))
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()

            # 2. the generator learns to make the discriminator score its samples 1 (the non-saturating loss)
            fooled = trained_d(fake){discriminator_pick}
            g_loss = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
            g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            g_optimizer.step()

            sums += torch.stack([d_loss.detach(), g_loss.detach(), torch.ones((), device=device)]) * len(real)
            if step == args.max_batches:
                break
        if distributed:
            dist.all_reduce(sums)
        if rank == 0:
            metrics = {{"d_loss": (sums[0] / sums[2]).item(), "g_loss": (sums[1] / sums[2]).item()}}
            log_epoch(out, epoch, args.epochs, metrics, columns)
    if rank == 0:
        state = {{"generator": generator.state_dict(), "discriminator": discriminator.state_dict()}}
        torch.save(state, out / "model.pt")
        print(f"wrote {{out / 'metrics.csv'}} and {{out / 'model.pt'}}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
"""


def _pick(outputs: list[str]) -> str:
    """``[0]`` when a network returns several Outputs and the recipe uses the first, as the engine does."""
    return "[0]" if len(outputs) > 1 else ""


def generative_body(
    task: str, loss: str, outputs: dict[str, list[str]], class_names: dict[str, str], noise_shape: tuple = ()
) -> str:
    """The constants, ``prepare`` and training loop of a VAE or GAN script.

    Args:
        task: ``vae`` or ``gan``.
        loss: the resolved reconstruction loss of a VAE (bce, mse or l1).
        outputs: per network, its connected Outputs in the order forward returns them.
        class_names: per network, its generated class name.
        noise_shape: the generator's Input shape (a GAN's noise for one sample).
    """
    if task == "vae":
        constants = f"\nENCODER_OUTPUTS = {tuple(outputs['encoder'])!r}\n"
        prepare = PREPARE.format(scaled="and keep images in [0, 1] for the decoder's Sigmoid", scaling=VAE_SCALING)
        return (
            constants
            + prepare
            + VAE.format(
                reconstruction=RECONSTRUCTIONS[loss],
                decoder_pick=_pick(outputs["decoder"]),
                encoder_class=class_names["encoder"],
                decoder_class=class_names["decoder"],
            )
        )
    constants = f"\nNOISE_SHAPE = {tuple(noise_shape)!r}  # the generator's Input: random noise for one sample\n"
    prepare = PREPARE.format(scaled="and scale them to [-1, 1] like the generator's Tanh", scaling=GAN_SCALING)
    return (
        constants
        + prepare
        + GAN.format(
            generator_pick=_pick(outputs["generator"]),
            discriminator_pick=_pick(outputs["discriminator"]),
            generator_class=class_names["generator"],
            discriminator_class=class_names["discriminator"],
        )
    )
