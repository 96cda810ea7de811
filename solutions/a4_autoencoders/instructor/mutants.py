"""Classic mistakes for A4; each must lose points in the named tasks only, with its diagnosis (tests/test_mutants.py).

Each violates one requirement of the docstrings; ``README.md`` (Spec coverage) names the tests that catch it.
"""
from autograder.mutants import Mutant

MODULE = "autoencoders.py"

MUTANTS = [
    Mutant(
        name="relu_on_bottleneck",
        mistake="a ReLU after the encoder's last Linear layer (the latent code cannot be negative)",
        file=MODULE,
        old="""            layers_in.append(nn.Linear(a, b, bias=with_bias))
            if i < len(widths) - 2:
                layers_in.append(nn.ReLU())""",
        new="""            layers_in.append(nn.Linear(a, b, bias=with_bias))
            layers_in.append(nn.ReLU())""",
        loses=("1",),
        feedback="after the bottleneck",
        cause="after the bottleneck",
    ),
    Mutant(
        name="relu_on_output",
        mistake="a ReLU after the decoder's last Linear layer (no negative reconstructions)",
        file=MODULE,
        old="""            layers_out.append(nn.Linear(a, b, bias=with_bias))
            if i < len(back) - 2:
                layers_out.append(nn.ReLU())""",
        new="""            layers_out.append(nn.Linear(a, b, bias=with_bias))
            layers_out.append(nn.ReLU())""",
        loses=("1",),
        feedback="on the output layer",
        cause="on the output layer",
    ),
    Mutant(
        name="pca_autoencoder_with_bias",
        mistake="the PCA autoencoder (empty hidden list) keeps the biases of its two Linear layers",
        file=MODULE,
        old="with_bias = len(hidden_channels) > 0",
        new="with_bias = True",
        loses=("1",),
        feedback="has no biases",
        cause="has no biases",
        keeps_tests=("test_layer_structure", "test_pca_autoencoder_learns_first_principal_axis"),
    ),
    Mutant(
        name="decoder_not_mirrored",
        mistake="the decoder goes through the hidden widths in the encoder's order instead of reversed",
        file=MODULE,
        old="back = widths[::-1]",
        new="back = [latent_dim, *hidden_channels, input_dim]",
        loses=("1",),
        feedback="not the mirror image",
        cause="not the mirror image",
    ),
    Mutant(
        name="conv_decoder_32x32",
        mistake="output_padding=1 on every ConvTranspose2d: the decoder goes 4 -> 8 -> 16 -> 32",
        file=MODULE,
        old="nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=0)",
        new="nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=1)",
        loses=("3", "4"),
        feedback="4 -> 7 -> 14 -> 28",
        cause="4 -> 7 -> 14 -> 28",
        keeps_tests=("test_conv_parameter_count", "test_encode_images"),
    ),
    Mutant(
        name="conv_decoder_27x27",
        mistake="no output_padding on the last ConvTranspose2d: the decoder goes 4 -> 7 -> 14 -> 27",
        file=MODULE,
        old="nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=1)",
        new="nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=0)",
        loses=("3", "4"),
        feedback="4 -> 7 -> 14 -> 28",
        cause="4 -> 7 -> 14 -> 28",
    ),
    Mutant(
        name="retrain_without_reinitializing",
        mistake="retrain_encoder freezes the decoder but keeps the trained encoder weights",
        file=MODULE,
        old="""    for layer in model.encoder.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
""",
        new="",
        loses=("2",),
        feedback="were re-initialized",
        cause="none of the encoder's layers",
    ),

    Mutant(
        name="decoder_not_frozen",
        mistake="retrain_encoder re-initializes the encoder but trains the decoder too",
        file=MODULE,
        old="""    for frozen in model.decoder.parameters():
        frozen.requires_grad_(False)
""",
        new="",
        loses=("2",),
        feedback="freeze the decoder",
        cause="freeze the decoder",
    ),
    Mutant(
        name="gradients_never_zeroed",
        mistake="train_autoencoder never zeroes the gradients, so they accumulate over the steps",
        file=MODULE,
        old="""            batch = data[order[start:start + step]]
            stepper.zero_grad()  # gradients of the previous step must not add up
""",
        new="""            batch = data[order[start:start + step]]
""",
        loses=("1", "2"),
        feedback="never zeroed",
        cause="never zeroed",
    ),
    Mutant(
        name="unweighted_epoch_mean",
        mistake="the epoch's train MSE is the plain mean of the batch losses (the smaller last batch counts fully)",
        file=MODULE,
        old="""            summed += image_loss.item() * len(images)
            n_seen += len(images)
        train_mse.append(summed / n_seen)""",
        new="""            summed += image_loss.item()
            n_seen += 1
        train_mse.append(summed / n_seen)""",
        loses=("4",),
        feedback="weight each by its batch size",
        cause="plain mean of the batch losses",
    ),
    Mutant(
        name="codes_in_training_mode",
        mistake="encode_images runs the encoder in training mode (no model.eval())",
        file=MODULE,
        old="""    model.train(False)  # evaluation mode, e.g. for BatchNorm
    code_batches, label_batches = [], []""",
        new="""    code_batches, label_batches = [], []""",
        loses=("4",),
        feedback="evaluation mode",
        cause="ran in training mode",
    ),
    Mutant(
        name="sample_float64",
        mistake="sample_rectangle builds its constants as float64, so the points are float64",
        file=MODULE,
        old="corner = torch.tensor([-2.0, -1.0])",
        new="corner = torch.tensor([-2.0, -1.0], dtype=torch.float64)",
        loses=("2",),
        feedback="expected torch.float32",
        cause="float64 tensor",
    ),
    Mutant(
        name="sample_axes_swapped",
        mistake="sample_rectangle stretches column 0 to [-1, 1] and column 1 to [-2, 2]",
        file=MODULE,
        old="""    corner = torch.tensor([-2.0, -1.0])
    size = torch.tensor([4.0, 2.0])""",
        new="""    corner = torch.tensor([-1.0, -2.0])
    size = torch.tensor([2.0, 4.0])""",
        loses=("2",),
        feedback="expected [-2, 2] and [-1, 1]",
        cause="columns are swapped",
    ),
    Mutant(
        name="sample_ignores_generator",
        mistake="sample_rectangle draws from the global generator even when a generator is passed",
        file=MODULE,
        old="unit = torch.rand(n, 2, generator=generator)",
        new="unit = torch.rand(n, 2)",
        loses=("2",),
        feedback="same generator seed",
        cause="do not follow the generator passed in",
    ),
    Mutant(
        name="sample_fresh_generator_when_none",
        mistake="with generator=None sample_rectangle draws from a new torch.Generator() (always the same points)",
        file=MODULE,
        old="unit = torch.rand(n, 2, generator=generator)",
        new="unit = torch.rand(n, 2, generator=generator if generator is not None else torch.Generator())",
        loses=("2",),
        feedback="torch.manual_seed(12)",
        cause="do not depend on torch's global generator",
    ),
    Mutant(
        name="tanh_activations",
        mistake="Autoencoder uses nn.Tanh() between its layers instead of nn.ReLU()",
        file=MODULE,
        old="""            if i < len(widths) - 2:
                layers_in.append(nn.ReLU())""",
        new="""            if i < len(widths) - 2:
                layers_in.append(nn.Tanh())""",
        loses=("1",),
        feedback="Tanh between the layers",
        cause="followed by nn.ReLU()",
    ),
    Mutant(
        name="input_dim_ignored",
        mistake="Autoencoder's widths start and end at 2 whatever input_dim is",
        file=MODULE,
        old="widths = [input_dim, *hidden_channels, latent_dim]",
        new="widths = [2, *hidden_channels, latent_dim]",
        loses=("1",),
        feedback="use the input_dim argument",
        cause="start (encoder) and end (decoder) at input_dim",
    ),
    Mutant(
        name="mlp_without_bias",
        mistake="every nn.Linear is bias-free, also with hidden layers",
        file=MODULE,
        old="with_bias = len(hidden_channels) > 0",
        new="with_bias = False",
        loses=("1",),
        feedback="keeps its bias",
        cause="with hidden layers every nn.Linear keeps its bias",
    ),
    Mutant(
        name="forward_relu_between_halves",
        mistake="Autoencoder.forward applies a ReLU to the latent code before decoding",
        file=MODULE,
        old="return self.decoder(self.encoder(x))  # nothing between the two halves",
        new="return self.decoder(torch.relu(self.encoder(x)))",
        loses=("1",),
        feedback="model(x) vs model.decoder(model.encoder(x))",
        cause="forward should only decode what the encoder returns",
    ),
    Mutant(
        name="unknown_optimizer_accepted",
        mistake="train_autoencoder falls back to Adam for an unknown optimizer name",
        file=MODULE,
        old="""    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    stepper = optimizers[optimizer](trainable, lr=lr)""",
        new="""    stepper = optimizers.get(optimizer, torch.optim.Adam)(trainable, lr=lr)""",
        loses=("2",),
        feedback="nothing was raised",
        cause="an unknown optimizer name is accepted",
    ),
    Mutant(
        name="sgd_with_momentum",
        mistake="optimizer='sgd' uses torch.optim.SGD with momentum 0.9",
        file=MODULE,
        old="""    optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}""",
        new="""    optimizers = {"adam": torch.optim.Adam,
                  "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9)}""",
        loses=("2",),
        feedback="5 full-batch GD steps",
        cause="SGD with momentum",
    ),
    Mutant(
        name="no_shuffle",
        mistake="train_autoencoder visits the samples in their stored order every epoch",
        file=MODULE,
        old="order = torch.randperm(n_samples, generator=generator)",
        new="order = torch.arange(n_samples)",
        loses=("2",),
        feedback="another order than torch.randperm",
        cause="the samples are not shuffled",
    ),
    Mutant(
        name="same_order_every_epoch",
        mistake="train_autoencoder draws one permutation before the first epoch and reuses it",
        file=MODULE,
        old="""    for _epoch in range(n_epochs):
        order = torch.randperm(n_samples, generator=generator)
""",
        new="""    order = torch.randperm(n_samples, generator=generator)
    for _epoch in range(n_epochs):
""",
        loses=("2",),
        feedback="same order as epoch 0",
        cause="the order is drawn once",
    ),
    Mutant(
        name="shuffle_ignores_generator",
        mistake="train_autoencoder shuffles with the global generator even when a generator is passed",
        file=MODULE,
        old="order = torch.randperm(n_samples, generator=generator)",
        new="order = torch.randperm(n_samples)",
        loses=("2",),
        feedback="another order than torch.randperm",
        cause="not the generator's",
    ),
    Mutant(
        name="drops_last_batch",
        mistake="train_autoencoder skips the last, smaller batch of each epoch",
        file=MODULE,
        old="for start in range(0, n_samples, step):",
        new="for start in range(0, n_samples - step + 1, step):",
        loses=("2",),
        feedback="one per step",
        cause="the last, smaller batch of each epoch is dropped",
    ),
    Mutant(
        name="loss_recorded_after_step",
        mistake="train_autoencoder records each batch's loss after the update",
        file=MODULE,
        old="""            stepper.step()
            step_losses.append(batch_loss.item())""",
        new="""            stepper.step()
            with torch.no_grad():
                step_losses.append(F.mse_loss(model(batch), batch).item())""",
        loses=("2",),
        feedback="loss of step 0",
        cause="the loss is recorded after the update",
    ),
    Mutant(
        name="history_of_tensors",
        mistake="train_autoencoder appends the loss tensors instead of Python floats",
        file=MODULE,
        old="step_losses.append(batch_loss.item())",
        new="step_losses.append(batch_loss.detach())",
        loses=("2",),
        feedback="should be a list of Python floats",
        cause="appended as tensors",
    ),
    Mutant(
        name="examples_seen_full_batches",
        mistake="examples_seen counts a full batch for every step, also the smaller last one",
        file=MODULE,
        old="one_epoch = [min(size, n_samples - start) for start in range(0, n_samples, size)]",
        new="one_epoch = [size for start in range(0, n_samples, size)]",
        loses=("2",),
        feedback="examples_seen(10, 4, 2)",
        cause="every step counts a full batch",
    ),
    Mutant(
        name="examples_seen_per_epoch",
        mistake="examples_seen restarts the count at every epoch",
        file=MODULE,
        old="cumulative = list(itertools.accumulate(one_epoch * n_epochs))",
        new="cumulative = list(itertools.accumulate(one_epoch)) * n_epochs",
        loses=("2",),
        feedback="examples_seen(10, 4, 2)",
        cause="the count restarts every epoch",
    ),
    Mutant(
        name="full_batch_is_32",
        mistake="train_autoencoder treats batch_size=None as batches of 32",
        file=MODULE,
        old="step = n_samples if batch_size is None else batch_size",
        new="step = 32 if batch_size is None else batch_size",
        loses=("2",),
        feedback="losses, expected",
        cause="batch_size=None means full batch",
    ),
    Mutant(
        name="examples_seen_none_unhandled",
        mistake="examples_seen uses batch_size as is, so batch_size=None fails",
        file=MODULE,
        old="size = n_samples if batch_size is None else batch_size",
        new="size = batch_size",
        loses=("2",),
        feedback="raised TypeError",
        cause="batch_size=None is not handled",
    ),
    Mutant(
        name="latent_line_as_row",
        mistake="decode_latent_line passes the latent values as one row of shape (1, n)",
        file=MODULE,
        old="z_line = torch.linspace(z_min, z_max, n)[:, None]",
        new="z_line = torch.linspace(z_min, z_max, n)[None, :]",
        loses=("2",),
        feedback="raised RuntimeError",
        cause="one row of shape (1, n)",
    ),
    Mutant(
        name="latent_line_tracks_gradients",
        mistake="decode_latent_line decodes outside torch.no_grad()",
        file=MODULE,
        old="""    with torch.no_grad():  # a curve to draw, not to train
        return model.decoder(z_line)""",
        new="""    return model.decoder(z_line)""",
        loses=("2",),
        feedback="still tracks gradients",
        cause="outside torch.no_grad()",
    ),
    Mutant(
        name="reinit_first_layer_only",
        mistake="retrain_encoder re-initializes only the encoder's first layer",
        file=MODULE,
        old="""    for layer in model.encoder.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()""",
        new="""    model.encoder[0].reset_parameters()""",
        loses=("2",),
        feedback="were re-initialized",
        cause="only some layers",
    ),
    Mutant(
        name="decoder_unfrozen_after",
        mistake="retrain_encoder unfreezes the decoder again after training",
        file=MODULE,
        old="""    return train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)
    ### END SOLUTION""",
        new="""    history = train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)
    for frozen in model.decoder.parameters():
        frozen.requires_grad_(True)
    return history
    ### END SOLUTION""",
        loses=("2",),
        feedback="requires_grad=True",
        cause="unfrozen again",
    ),
    Mutant(
        name="retrain_ignores_lr",
        mistake="retrain_encoder does not pass lr on to train_autoencoder",
        file=MODULE,
        old="return train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)",
        new="return train_autoencoder(model, data, n_epochs, batch_size=batch_size, generator=generator)",
        loses=("2",),
        feedback="loss history of retrain_encoder",
        cause="the lr argument is not passed on",
    ),
    Mutant(
        name="retrain_returns_nothing",
        mistake="retrain_encoder trains but returns nothing",
        file=MODULE,
        old="return train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)",
        new="train_autoencoder(model, data, n_epochs, lr=lr, batch_size=batch_size, generator=generator)",
        loses=("2",),
        feedback="got None",
        cause="has no return statement",
    ),
    Mutant(
        name="conv_relu_on_bottleneck",
        mistake="a ReLU after the conv encoder's Linear(2048, latent_dim)",
        file=MODULE,
        old="nn.Flatten(), nn.Linear(128 * 4 * 4, latent_dim),  # 2048 features -> linear bottleneck",
        new="nn.Flatten(), nn.Linear(128 * 4 * 4, latent_dim), nn.ReLU(),",
        loses=("3",),
        feedback="with the reference weights",
        cause="a ReLU after the bottleneck Linear",
    ),
    Mutant(
        name="conv_decoder_linear_without_relu",
        mistake="no ReLU after the conv decoder's Linear(latent_dim, 2048)",
        file=MODULE,
        old="nn.Linear(latent_dim, 128 * 4 * 4), nn.ReLU(),",
        new="nn.Linear(latent_dim, 128 * 4 * 4),",
        loses=("3",),
        feedback="with the reference weights",
        cause="no ReLU after the decoder's Linear",
    ),
    Mutant(
        name="conv_without_sigmoid",
        mistake="the conv decoder ends with the last ConvTranspose2d, without nn.Sigmoid()",
        file=MODULE,
        old="nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),",
        new="nn.ConvTranspose2d(32, 1, kernel_size=3, stride=2, padding=1, output_padding=1),",
        loses=("3",),
        feedback="expected values in [0, 1]",
        cause="must end with nn.Sigmoid()",
    ),
    Mutant(
        name="conv_without_bias",
        mistake="the convolutions of ConvAutoencoder are bias-free",
        file=MODULE,
        old="""            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1), nn.ReLU(),""",
        new="""            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1, bias=False), nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1, bias=False), nn.ReLU(),
            nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1, bias=False), nn.ReLU(),""",
        loses=("3",),
        feedback="parameters, expected",
        cause="the convolutions have no bias",
    ),
    Mutant(
        name="linear_with_bias",
        mistake="LinearAutoencoder's two nn.Linear layers keep their biases",
        file=MODULE,
        old="""        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, latent_dim, bias=False))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))""",
        new="""        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28), nn.Unflatten(1, (1, 28, 28)))""",
        loses=("3",),
        feedback="parameters of shapes",
        cause="both need bias=False",
    ),
    Mutant(
        name="linear_with_sigmoid",
        mistake="LinearAutoencoder's decoder ends with nn.Sigmoid() (pixels are in [0, 1])",
        file=MODULE,
        old="nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))",
        new="nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)), nn.Sigmoid())",
        loses=("3", "4"),  # task 4 trains it on centred digits, which a sigmoid cannot reach below 0
        feedback="no activation anywhere",
        cause="no activation anywhere",
    ),
    Mutant(
        name="linear_unflatten_in_forward",
        mistake="LinearAutoencoder's decoder returns flat (B, 784) vectors; forward reshapes them",
        file=MODULE,
        old="""        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False), nn.Unflatten(1, (1, 28, 28)))
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        \"\"\"Reconstruction of ``(B, 1, 28, 28)`` images, same shape (values are not clipped).\"\"\"
        ### BEGIN SOLUTION hint: encode, then decode
        return self.decoder(self.encoder(x))  # same shape as x""",
        new="""        self.decoder = nn.Sequential(nn.Linear(latent_dim, 28 * 28, bias=False))
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        \"\"\"Reconstruction of ``(B, 1, 28, 28)`` images, same shape (values are not clipped).\"\"\"
        ### BEGIN SOLUTION hint: encode, then decode
        return self.decoder(self.encoder(x)).view(-1, 1, 28, 28)""",
        loses=("3",),
        feedback="decoder(z) has shape",
        cause="unflattens to (1, 28, 28)",
    ),
    Mutant(
        name="adam_recreated_each_epoch",
        mistake="fit_image_autoencoder creates a new Adam optimizer at the start of every epoch",
        file=MODULE,
        old="""    adam = torch.optim.Adam(model.parameters(), lr=lr)
    train_mse, test_mse = [], []
    for _epoch in range(n_epochs):""",
        new="""    train_mse, test_mse = [], []
    for _epoch in range(n_epochs):
        adam = torch.optim.Adam(model.parameters(), lr=lr)""",
        loses=("4",),
        feedback="train_mse per epoch",
        cause="a new Adam optimizer every epoch",
    ),
    Mutant(
        name="train_mode_set_once",
        mistake="fit_image_autoencoder sets training mode once, before the first epoch",
        file=MODULE,
        old="""    for _epoch in range(n_epochs):
        model.train(True)  # training mode for this epoch""",
        new="""    model.train(True)
    for _epoch in range(n_epochs):""",
        loses=("4",),
        feedback="train_mse per epoch",
        cause="training mode is set only once",
    ),
    Mutant(
        name="test_mse_in_training_mode",
        mistake="fit_image_autoencoder evaluates the test images in training mode",
        file=MODULE,
        old="""        model.train(False)  # evaluation mode for the test images
""",
        new="",
        loses=("4",),
        feedback="mse per epoch",
        cause="evaluated in training mode",
    ),
    Mutant(
        name="fit_sums_loss_tensors",
        mistake="fit_image_autoencoder adds up the loss tensors, so the train MSE is a tensor",
        file=MODULE,
        old="summed += image_loss.item() * len(images)",
        new="summed += image_loss * len(images)",
        loses=("4",),
        feedback="should be a list of 2 Python floats",
        cause="the values are tensors",
    ),
    Mutant(
        name="codes_track_gradients",
        mistake="encode_images encodes outside torch.no_grad()",
        file=MODULE,
        old="""    with torch.no_grad():  # codes for plotting, no gradients
        for images, batch_labels in loader:
            code_batches.append(model.encoder(images))
            label_batches.append(batch_labels)""",
        new="""    for images, batch_labels in loader:
        code_batches.append(model.encoder(images))
        label_batches.append(batch_labels)""",
        loses=("4",),
        feedback="still track gradients",
        cause="outside torch.no_grad()",
    ),
    Mutant(
        name="codes_stacked",
        mistake="encode_images joins the batches with torch.stack (fails on a smaller last batch)",
        file=MODULE,
        old="return torch.cat(code_batches), torch.cat(label_batches)",
        new="return torch.stack(code_batches).flatten(0, 1), torch.stack(label_batches).flatten()",
        loses=("4",),
        feedback="raised RuntimeError",
        cause="torch.stack needs batches of equal size",
    ),
]


# --- Task 5 (bonus): the MLP playground, playground.py -------------------------------------------------
PLAYGROUND = "playground.py"


def _playground(name, mistake, old, new, feedback, cause, keeps_tests=()):
    return Mutant(name=name, mistake=mistake, file=PLAYGROUND, old=old, new=new, loses=("5",), feedback=feedback,
                  cause=cause, keeps_tests=keeps_tests)


MUTANTS += [
    _playground("l1_without_abs", "the L1 penalty sums w instead of |w|",
                "return rate * sum(w.abs().sum() for w in weights)", "return rate * sum(w.sum() for w in weights)",
                "regularization_penalty(model, 'l1'", "without abs"),
    _playground("dataset_unknown_name_accepted", "make_dataset does not check the name (an unknown one gives a spiral)",
                """    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
""", "", "should raise ValueError", "the name is not checked"),
    _playground("dataset_ignores_seed", "make_dataset's generator is not seeded (the same data for every seed)",
                "    g = torch.Generator().manual_seed(seed)\n", "    g = torch.Generator()\n",
                "gave the same points for seeds 3 and 4", "the generator is not seeded"),
    _playground("labels_float", "make_dataset returns float labels",
                "return X.to(torch.float32), y", "return X.to(torch.float32), y.float()",
                "expected torch.int64", "an int64 tensor"),
    _playground("circle_labels_inverted", "circle: class 0 inside the disc, class 1 on the ring",
                "radius = torch.where(y == 1, s, 1.5 + s)", "radius = torch.where(y == 0, s, 1.5 + s)",
                "class 1 lies on the ring", "the labels are inverted"),
    _playground("circle_uniform_in_area", "circle: the inner radius is sqrt(s) (uniform in area) instead of s",
                "radius = torch.where(y == 1, s, 1.5 + s)", "radius = torch.where(y == 1, s.sqrt(), 1.5 + s)",
                "mean radius of class 1", "not sqrt(s)"),
    _playground("xor_labels_flipped", "xor: class 1 where x_1 * x_2 < 0",
                "y = (X[:, 0] * X[:, 1] > 0).to(torch.int64)", "y = (X[:, 0] * X[:, 1] < 0).to(torch.int64)",
                "xor labels differ", "the labels are flipped"),
    _playground("gauss_variance_as_std", "gauss: the clusters' standard deviation is 0.25 (the variance) instead of 0.5",
                "X = centre + 0.5 * torch.randn(n, 2, generator=g)", "X = centre + 0.25 * torch.randn(n, 2, generator=g)",
                "standard deviation of class", "0.5 is the standard deviation"),
    _playground("spiral_one_arm", "spiral: both classes on the same arm (no turn by pi for class 1)",
                "radius, theta = 2.5 * s, 3 * math.pi * s + math.pi * y", "radius, theta = 2.5 * s, 3 * math.pi * s",
                "not on their arm", "both classes lie on one arm"),
    _playground("noise_not_added", "make_dataset ignores noise",
                "    X = X + noise * torch.randn(n, 2, generator=g)  # labels stay those of the noiseless points\n", "",
                "with noise=0.4", "the noise is not added"),
    _playground("labels_after_noise", "xor's labels are computed from the noisy points",
                "    X = X + noise * torch.randn(n, 2, generator=g)  # labels stay those of the noiseless points\n",
                "    X = X + noise * torch.randn(n, 2, generator=g)\n"
                "    if name == \"xor\":\n        y = (X[:, 0] * X[:, 1] > 0).to(torch.int64)\n",
                "still matches the sign", "the labels are computed after the noise is added"),
    _playground("split_floor", "split_train_test takes int(train_ratio * n) training rows instead of round(...)",
                "n_train = round(train_ratio * len(X))", "n_train = int(train_ratio * len(X))",
                "expected round(", "not int(...)"),
    _playground("split_labels_unpaired", "split_train_test cuts y in order instead of with X's rows",
                "return X[train], y[train], X[test], y[test]", "return X[train], y[:len(train)], X[test], y[len(train):]",
                "a point and its label are in different rows", "y is not indexed with the same rows as X"),
    _playground("split_ignores_seed", "split_train_test draws the permutation from the global generator",
                "perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))",
                "perm = torch.randperm(len(X))",
                "expected perm[:n_train]", "perm must come from torch.randperm(n, generator="),
    _playground("activation_on_logits", "build_mlp puts the activation after the output layer too",
                """        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())""",
                """        layers.append(nn.Linear(a, b))
        layers.append(ACTIVATIONS[activation]())""",
                "build_mlp(", "an activation after the last Linear"),
    _playground("activation_always_tanh", "build_mlp uses Tanh whatever the activation name",
                "layers.append(ACTIVATIONS[activation]())", "layers.append(nn.Tanh())",
                "build_mlp(", "pick the activation by its name"),
    _playground("unknown_activation_accepted", "build_mlp does not check the activation name",
                """    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}")
""", "", "should raise ValueError", "the activation name is not checked"),
    _playground("build_mlp_without_bias", "build_mlp's Linear layers have no bias",
                "layers.append(nn.Linear(a, b))", "layers.append(nn.Linear(a, b, bias=False))",
                "build_mlp(", "every nn.Linear keeps its bias"),
    _playground("l2_sqrt", "the L2 penalty is rate * sqrt(sum w^2), a norm",
                "return rate * 0.5 * sum(w.square().sum() for w in weights)",
                "return rate * sum(w.square().sum() for w in weights).sqrt()",
                "regularization_penalty(model, 'l2'", "no square root"),
    _playground("l2_without_half", "the L2 penalty is rate * sum w^2, without the playground's 1/2",
                "return rate * 0.5 * sum(w.square().sum() for w in weights)",
                "return rate * sum(w.square().sum() for w in weights)",
                "regularization_penalty(model, 'l2'", "L2 without the 1/2"),
    _playground("penalty_with_biases", "the penalty counts the biases too",
                "weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
                "weights = [p for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters()]",
                "regularization_penalty(model", "the biases are penalised too"),
    _playground("rate_not_applied", "the L1 penalty is sum |w|, without the rate",
                "return rate * sum(w.abs().sum() for w in weights)", "return sum(w.abs().sum() for w in weights)",
                "regularization_penalty(model, 'l1'", "rate is not applied"),
    _playground("penalty_detached", "the penalty is computed from detached weights (no gradient)",
                "weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
                "weights = [m.weight.detach() for m in model.modules() if isinstance(m, nn.Linear)]",
                "does not require grad", "computed without gradient tracking"),
    _playground("unknown_kind_returns_zero", "regularization_penalty returns 0 for an unknown kind",
                """raise ValueError(f"kind must be 'l1' or 'l2', got {kind!r}")""", "return torch.zeros(())",
                "should raise ValueError", "the kind is not checked"),
    _playground("history_total_loss", "train_classifier records the objective (cross-entropy + penalty)",
                "history.append(data_loss.item())", "history.append(objective.item())",
                "the history of train_classifier", "record the cross-entropy alone"),
    _playground("history_after_step", "train_classifier records the cross-entropy after the update",
                "history.append(data_loss.item())", "history.append(F.cross_entropy(model(X), y).item())",
                "the history of train_classifier", "recorded after the step"),
    _playground("classifier_gradients_never_zeroed", "train_classifier never zeroes the gradients",
                "        sgd.zero_grad()\n", "", "the history of train_classifier", "never zeroed"),
    _playground("penalty_not_added", "train_classifier never adds the penalty to the objective",
                "objective = data_loss if reg is None else data_loss + regularization_penalty(model, reg, rate)",
                "objective = data_loss", "train_classifier", "the penalty is not added"),
    _playground("classifier_with_momentum", "train_classifier uses SGD with momentum 0.9",
                "sgd = torch.optim.SGD(model.parameters(), lr=lr)",
                "sgd = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
                "the history of train_classifier", "SGD with momentum"),
]
