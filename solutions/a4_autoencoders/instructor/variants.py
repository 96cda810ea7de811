"""Correct implementations written differently from the reference; each must earn full marks (tests/test_variants.py)."""
from autograder.mutants import Edit, Variant

MODULE = "autoencoders.py"

VARIANTS = [
    Variant(
        name="decoder_registered_first",
        idea="every autoencoder assigns self.decoder before self.encoder (parameters listed decoder first), "
             "and the MLP is built by a helper from a list of widths",
        edits=(
            Edit(MODULE, """        self.encoder = nn.Sequential(*layers_in)  # input_dim -> ... -> latent_dim
        self.decoder = nn.Sequential(*layers_out)  # latent_dim -> ... -> input_dim""",
                 """        self.decoder = nn.Sequential(*layers_out)  # latent_dim -> ... -> input_dim
        self.encoder = nn.Sequential(*layers_in)  # input_dim -> ... -> latent_dim"""),
            Edit(MODULE, """        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),""",
                 """        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 128 * 4 * 4), nn.ReLU(),
            nn.Unflatten(1, (128, 4, 4)),
            nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=0), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, kernel_size=3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),"""),
            Edit(MODULE, """            nn.Flatten(), nn.Linear(128 * 4 * 4, latent_dim),  # 2048 features -> linear bottleneck
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 128 * 4 * 4), nn.ReLU(),
            nn.Unflatten(1, (128, 4, 4)),
            nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=0), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, kernel_size=3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        )""",
                 """            nn.Flatten(), nn.Linear(128 * 4 * 4, latent_dim),  # 2048 features -> linear bottleneck
        )"""),
            Edit(MODULE, """        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, latent_dim, bias=False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))""",
                 """        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, latent_dim, bias=False))"""),
        ),
    ),
    Variant(
        name="named_nested_layers",
        idea="layers named with OrderedDict and grouped in nested nn.Sequential blocks (conv + ReLU), other "
             "Flatten/Unflatten arguments, comprehension-built MLP",
        edits=(
            Edit(MODULE, """        widths = [input_dim, *hidden_channels, latent_dim]
        with_bias = len(hidden_channels) > 0
        layers_in, layers_out = [], []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers_in.append(nn.Linear(a, b, bias=with_bias))
            if i < len(widths) - 2:
                layers_in.append(nn.ReLU())
        back = widths[::-1]
        for i, (a, b) in enumerate(zip(back[:-1], back[1:])):
            layers_out.append(nn.Linear(a, b, bias=with_bias))
            if i < len(back) - 2:
                layers_out.append(nn.ReLU())
        self.encoder = nn.Sequential(*layers_in)  # input_dim -> ... -> latent_dim
        self.decoder = nn.Sequential(*layers_out)  # latent_dim -> ... -> input_dim""",
                 """        from collections import OrderedDict

        def mlp(sizes, tag):
            named = []
            for k in range(len(sizes) - 1):
                if k:
                    named.append((f"{tag}_act{k}", nn.ReLU(inplace=True)))
                named.append((f"{tag}_fc{k}", nn.Linear(sizes[k], sizes[k + 1], bias=bool(hidden_channels))))
            return nn.Sequential(OrderedDict(named))

        sizes = [input_dim] + list(hidden_channels) + [latent_dim]
        self.encoder = mlp(sizes, "enc")
        self.decoder = mlp(sizes[::-1], "dec")"""),
            Edit(MODULE, """        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(128 * 4 * 4, latent_dim),  # 2048 features -> linear bottleneck
        )""",
                 """        def down(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1), nn.ReLU())

        self.encoder = nn.Sequential(down(1, 32), down(32, 64), down(64, 128), nn.Flatten(start_dim=1),
                                     nn.Linear(2048, latent_dim))"""),
            Edit(MODULE, """        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, latent_dim, bias=False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))""",
                 """        self.encoder = nn.Sequential(nn.Flatten(start_dim=-3), nn.Linear(784, latent_dim, False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 784, False), nn.Unflatten(-1, (1, 28, 28)))"""),
        ),
    ),
    Variant(
        name="other_loops_and_closed_forms",
        idea="sample_rectangle draws each column with uniform_; the training loop splits a permuted copy with "
             "tensor.split and an if/elif optimizer choice; examples_seen in closed form with numpy; "
             "the epoch MSEs are accumulated as sums of squared errors",
        edits=(
            Edit(MODULE, """    unit = torch.rand(n, 2, generator=generator)
    corner = torch.tensor([-2.0, -1.0])
    size = torch.tensor([4.0, 2.0])
    return corner + size * unit""",
                 """    x = torch.empty(n).uniform_(-2.0, 2.0, generator=generator)
    y = torch.empty(n).uniform_(-1.0, 1.0, generator=generator)
    return torch.stack([x, y], dim=1)"""),
            Edit(MODULE, """    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    stepper = optimizers[optimizer](trainable, lr=lr)
    n_samples = data.shape[0]
    step = n_samples if batch_size is None else batch_size
    step_losses = []
    for _epoch in range(n_epochs):
        order = torch.randperm(n_samples, generator=generator)
        for start in range(0, n_samples, step):
            batch = data[order[start:start + step]]
            stepper.zero_grad()  # gradients of the previous step must not add up
            batch_loss = F.mse_loss(model(batch), batch)
            batch_loss.backward()  # d(batch MSE) / d(parameters)
            stepper.step()
            step_losses.append(batch_loss.item())
    return step_losses""",
                 """    params = filter(lambda p: p.requires_grad, model.parameters())
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.0)
    else:
        raise ValueError("unknown optimizer " + str(optimizer))
    losses = []
    for _ in range(n_epochs):
        shuffled = data[torch.randperm(len(data), generator=generator)]
        for batch in shuffled.split(batch_size or len(data)):
            opt.zero_grad(set_to_none=False)
            loss = ((model(batch) - batch) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(float(loss))
    return losses"""),
            Edit(MODULE, """    size = n_samples if batch_size is None else batch_size
    one_epoch = [min(size, n_samples - start) for start in range(0, n_samples, size)]
    cumulative = list(itertools.accumulate(one_epoch * n_epochs))
    return cumulative""",
                 """    import numpy as np

    size = batch_size or n_samples
    full, rest = divmod(n_samples, size)
    sizes = np.array([size] * full + ([rest] if rest else []), dtype=np.int64)
    return [int(v) for v in np.cumsum(np.tile(sizes, n_epochs))]"""),
            Edit(MODULE, """            summed += image_loss.item() * len(images)
            n_seen += len(images)
        train_mse.append(summed / n_seen)""",
                 """            summed += image_loss.item() * images.numel()  # the batch's sum of squared errors
            n_seen += images.numel()
        train_mse.append(summed / n_seen)"""),
            Edit(MODULE, """        with torch.no_grad():  # no graph needed to measure the test error
            for images, _labels in test_loader:
                summed += F.mse_loss(model(images), images).item() * len(images)
                n_seen += len(images)
        test_mse.append(summed / n_seen)""",
                 """        with torch.no_grad():  # all test reconstructions at once, one MSE
            pairs = [(model(images), images) for images, _labels in test_loader]
            test_mse.append(F.mse_loss(torch.cat([p for p, _ in pairs]), torch.cat([t for _, t in pairs])).item())"""),
        ),
    ),
    Variant(
        name="functional_numpy_outside",
        idea="decode_latent_line from a numpy linspace, detach() instead of no_grad for the codes, model.eval()/"
             "model.train(), retrain_encoder resets layers with Module.apply (children first) and freezes with "
             "requires_grad_(False) on the whole decoder",
        edits=(
            Edit(MODULE, """    z_line = torch.linspace(z_min, z_max, n)[:, None]
    with torch.no_grad():  # a curve to draw, not to train
        return model.decoder(z_line)""",
                 """    import numpy as np

    z_line = torch.from_numpy(np.linspace(z_min, z_max, n, dtype=np.float32)).reshape(n, 1)
    return model.decoder(z_line).detach()"""),
            Edit(MODULE, """    for layer in model.encoder.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    for frozen in model.decoder.parameters():
        frozen.requires_grad_(False)""",
                 """    model.encoder.apply(lambda m: m.reset_parameters() if callable(getattr(m, "reset_parameters", None)) else None)
    model.decoder.requires_grad_(False)"""),
            Edit(MODULE, """    model.train(False)  # evaluation mode, e.g. for BatchNorm
    code_batches, label_batches = [], []
    with torch.no_grad():  # codes for plotting, no gradients
        for images, batch_labels in loader:
            code_batches.append(model.encoder(images))
            label_batches.append(batch_labels)
    return torch.cat(code_batches), torch.cat(label_batches)""",
                 """    model.eval()
    pairs = [(model.encoder(images).detach(), labels) for images, labels in loader]
    return torch.cat([c for c, _ in pairs], dim=0), torch.cat([y for _, y in pairs], dim=0)"""),
            Edit(MODULE, """        model.train(True)  # training mode for this epoch""", """        model.train()"""),
            Edit(MODULE, """        model.train(False)  # evaluation mode for the test images""", """        model.eval()"""),
        ),
    ),
]

PLAYGROUND = "playground.py"

VARIANTS += [
    Variant(
        name="playground_written_otherwise",
        idea="make_dataset draws in another order and shuffles the points (the order is free); the penalty "
             "uses torch.linalg.vector_norm; split_train_test cuts with torch.split; build_mlp names its "
             "layers (OrderedDict); train_classifier records float(loss) and zeroes gradients to zero tensors",
        edits=(
            Edit(PLAYGROUND, """        s = torch.rand(n, generator=g)
        radius = torch.where(y == 1, s, 1.5 + s)
        theta = 2 * math.pi * torch.rand(n, generator=g)""",
                 """        theta = 2 * math.pi * torch.rand(n, generator=g)
        s = torch.rand(n, generator=g)
        radius = torch.where(y == 1, s, 1.5 + s)"""),
            Edit(PLAYGROUND, """    X = X + noise * torch.randn(n, 2, generator=g)  # labels stay those of the noiseless points
    return X.to(torch.float32), y""",
                 """    X = X + noise * torch.randn(n, 2, generator=g)  # labels stay those of the noiseless points
    order = torch.randperm(n, generator=g)
    return X[order].to(torch.float32), y[order]"""),
            Edit(PLAYGROUND, """    train, test = perm[:n_train], perm[n_train:]""",
                 """    train, test = torch.split(perm, [n_train, len(X) - n_train])"""),
            Edit(PLAYGROUND, """    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)""",
                 """    from collections import OrderedDict

    layers = OrderedDict()
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers[f"fc{i}"] = nn.Linear(a, b)
        if i < len(widths) - 2:
            layers[f"act{i}"] = ACTIVATIONS[activation]()
    return nn.Sequential(layers)"""),
            Edit(PLAYGROUND, """        return rate * sum(w.abs().sum() for w in weights)""",
                 """        return rate * torch.stack([torch.linalg.vector_norm(w, ord=1) for w in weights]).sum()"""),
            Edit(PLAYGROUND, """        return rate * 0.5 * sum(w.square().sum() for w in weights)""",
                 """        return rate / 2 * torch.stack([torch.linalg.vector_norm(w) ** 2 for w in weights]).sum()"""),
            Edit(PLAYGROUND, """        sgd.zero_grad()
        data_loss""", """        sgd.zero_grad(set_to_none=False)
        data_loss"""),
            Edit(PLAYGROUND, """        history.append(data_loss.item())""", """        history.append(float(data_loss))"""),
        ),
    ),
]
