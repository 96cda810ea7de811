"""Classic mistakes for A1; each must lose points in the named tasks only (tests/test_mutants.py)."""
from autograder.mutants import Mutant

CONV = "conv_arithmetic.py"
DATA = "galaxy_data.py"
MODEL = "galaxy_cnn.py"
TRAINING = "galaxy_training.py"

SAVE = "            torch.save(model.state_dict(), checkpoint_path)  # on disk now: survives a crash or Ctrl-C"
LOAD = '        model.load_state_dict(torch.load(checkpoint_path, map_location="cpu", weights_only=True))'
SAVE_IF_BETTER = ("        if val_loss < best_loss:\n"
                  "            best_loss, best_epoch = val_loss, epoch\n" + SAVE)
# From the save inside the epoch loop to the reload after it (one exact text of galaxy_training.py).
CHECKPOINT_BLOCK = SAVE_IF_BETTER + """
        if verbose:
            print(f"epoch {epoch + 1:3d}/{n_epochs}: train loss {sum(history['train_loss'][-len(train_loader):]) / len(train_loader):.4f}"
                  f" acc {history['train_acc'][-1]:.3f} | val loss {val_loss:.4f} acc {val_acc:.3f}")
    if best_epoch >= 0:
""" + LOAD

MUTANTS = [
    Mutant(
        name="missing_relu",
        mistake="GalaxyCNN leaves out the ReLU after the second convolution",
        file=MODEL,
        old="nn.Conv2d(8, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),",
        new="nn.Conv2d(8, 16, kernel_size=5), nn.MaxPool2d(2),",
        loses=("3",),
        feedback="the ReLU after the second convolution is missing",
        keeps_tests=("test_parameter_count", "test_layer_shapes", "test_logits_shape_for_any_batch_size"),
        cause='ReLU after the second convolution is missing',
    ),
    Mutant(
        name="channels_swapped",
        mistake="the convolutions have 16 and 8 output channels instead of 8 and 16 (flatten size adapted)",
        file=MODEL,
        old="""            nn.Conv2d(3, 8, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 16, 14, 14) -> (B, 3136)
            nn.Linear(16 * 14 * 14, 64), nn.ReLU(),""",
        new="""            nn.Conv2d(3, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 8, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 8, 14, 14) -> (B, 1568)
            nn.Linear(8 * 14 * 14, 64), nn.ReLU(),""",
        loses=("3",),
        feedback="channel counts swapped",
        keeps_tests=("test_logits_shape_for_any_batch_size",),
        cause='channel counts swapped',
    ),
    Mutant(
        name="softmax_before_cross_entropy",
        mistake="classification_loss applies softmax to the logits before cross-entropy",
        file=TRAINING,
        old="return nn.functional.cross_entropy(logits, labels)",
        new="return nn.functional.cross_entropy(torch.softmax(logits, dim=1), labels)",
        loses=("4",),
        feedback="softmax was applied before cross-entropy",
        cause='softmax was applied before cross-entropy',
    ),
    Mutant(
        name="statistics_from_all_images",
        mistake="normalization statistics computed on all images instead of the training split",
        file=DATA,
        old="mean, std = channel_stats(images[train_idx])",
        new="mean, std = channel_stats(images)",
        loses=("2",),
        feedback="Normalize uses the mean of all images",
        keeps_tests=("test_channel_stats", "test_split_is_disjoint_and_complete"),
        cause='computed on all images',
    ),
    Mutant(
        name="statistics_from_test_split",
        mistake="normalization statistics computed on the test split",
        file=DATA,
        old="mean, std = channel_stats(images[train_idx])",
        new="mean, std = channel_stats(images[test_idx])",
        loses=("2",),
        feedback="Normalize uses the mean of the test split",
        cause='computed on the test split',
    ),
    Mutant(
        name="validation_test_overlap",
        mistake="the test indices are cut from the same place as the validation indices, so the two overlap",
        file=DATA,
        old="test_parts.append(members[n_val:n_val + n_test])",
        new="test_parts.append(members[:n_test])",
        loses=("2",),
        feedback="validation and test indices overlap",
        keeps_tests=("test_split_is_stratified", "test_split_is_seeded"),
        cause='overlapping ranges',
    ),
    Mutant(
        name="checkpoint_written_after_training",
        mistake="the best weights are kept in memory (a real copy) and written to disk once, after the last epoch",
        file=TRAINING,
        old=CHECKPOINT_BLOCK,
        new=CHECKPOINT_BLOCK.replace(SAVE, "            import copy\n            best_state = copy.deepcopy(model.state_dict())").replace(
            LOAD, "        torch.save(best_state, checkpoint_path)\n        model.load_state_dict(best_state)"),
        loses=("6",),
        feedback="each time the validation loss improves (not once after training)",
        keeps_tests=("test_restores_the_best_weights_from_the_file",),
        cause='not once after training',
    ),
    Mutant(
        name="best_state_by_reference",
        mistake="the best weights are kept as a bare model.state_dict() (live references, not a copy) and written at the end",
        file=TRAINING,
        old=CHECKPOINT_BLOCK,
        new=CHECKPOINT_BLOCK.replace(SAVE, "            best_state = model.state_dict()").replace(
            LOAD, "        torch.save(best_state, checkpoint_path)\n        model.load_state_dict(best_state)"),
        loses=("6",),
        feedback="a state_dict() kept in a variable until later holds references",
        cause='references to the live tensors',
    ),
    Mutant(
        name="best_weights_not_reloaded",
        mistake="the best weights are saved to disk but never loaded back: the model ends with the last epoch's",
        file=TRAINING,
        old="    if best_epoch >= 0:\n" + LOAD,
        new="",
        loses=("6",),
        feedback="load the saved weights back into the model",
        cause='load the saved weights back',
    ),
    Mutant(
        name="checkpoint_saved_every_epoch",
        mistake="the checkpoint is overwritten after every epoch, not only when the validation loss improves",
        file=TRAINING,
        old=SAVE_IF_BETTER,
        new=SAVE_IF_BETTER.replace(SAVE, SAVE.replace("            ", "        ", 1)),
        loses=("6",),
        feedback="did not improve the validation loss",
        cause='did not improve the validation loss',
    ),
    Mutant(
        name="validation_without_eval",
        mistake="predict/evaluate never call model.eval(), so dropout stays active during validation",
        file=TRAINING,
        old="    model.eval()  # dropout off, batch norm uses its running statistics\n",
        new="",
        loses=("5",),
        feedback="call .eval() on the model before validating",
        keeps_tests=("test_history_has_one_loss_per_iteration", "test_training_learns_blobs"),
        cause='call .eval() on the model',
    ),
    Mutant(
        name="two_rotations_only",
        mistake="the 'rotation-invariant' model averages only 0 and 180 degrees",
        file=MODEL,
        old="for k in range(4)]",
        new="for k in (0, 2)]",
        loses=("7",),
        feedback="logits after a rotation by 90 degrees",
        cause='0 and 180 degrees',
    ),

    # --- added with the spec-coverage table (instructor/README.md): one requirement each ---
    Mutant(
        name="padding_one_edge",
        mistake="conv2d_output_size adds the padding once instead of on both edges",
        file=CONV,
        old="out.append((size + 2 * p - span) // s + 1)",
        new="out.append((size + p - span) // s + 1)",
        loses=("1",),
        feedback="but nn.Conv2d produces",
        cause="padding is added on one edge only",
    ),
    Mutant(
        name="dilation_ignored",
        mistake="conv2d_output_size ignores the dilation (the kernel covers K pixels)",
        file=CONV,
        old="span = d * (k - 1) + 1",
        new="span = k",
        loses=("1",),
        feedback="but nn.Conv2d produces",
        cause="the dilation is ignored",
        keeps_tests=("test_valid_and_same_special_cases", "test_matches_nn_conv2d"),
    ),
    Mutant(
        name="positivity_not_checked",
        mistake="conv2d_output_size never checks that sizes, kernels, strides and dilations are positive",
        file=CONV,
        old="""        if size <= 0 or k <= 0 or s <= 0 or d <= 0:
            raise ValueError(f"sizes, kernel, stride and dilation must be positive (got size={size}, "
                             f"kernel={k}, stride={s}, dilation={d})")
""",
        new="",
        loses=("1",),
        feedback="should raise ValueError",
        cause="the arguments are not checked before the formula",
        keeps_tests=("test_matches_nn_conv2d",),
    ),
    Mutant(
        name="reshape_not_permute",
        mistake="load_galaxy10_images reshapes (N, H, W, C) to (N, C, H, W) instead of permuting the axes",
        file=DATA,
        old="raw_images.permute(0, 3, 1, 2)",
        new="raw_images.reshape(-1, 3, 69, 69)",
        loses=("2",),
        feedback="images differs at",
        cause="reshape/view does not move the channel axis",
    ),
    Mutant(
        name="split_not_stratified",
        mistake="split_indices draws one permutation of all images and cuts it 80/10/10, ignoring the classes",
        file=DATA,
        old="    for c in torch.unique(labels).tolist():  # stratified: each class is split on its own\n"
            "        members = torch.nonzero(labels == c).flatten()\n",
        new="    for c in [0]:\n        members = torch.arange(len(labels))\n",
        loses=("2",),
        feedback="split each class on its own",
        cause="the split is drawn over all images at once",
        keeps_tests=("test_split_is_disjoint_and_complete", "test_split_is_seeded"),
    ),
    Mutant(
        name="split_ignores_seed",
        mistake="split_indices seeds its generator with 0 whatever the seed argument",
        file=DATA,
        old="generator = torch.Generator().manual_seed(seed)",
        new="generator = torch.Generator().manual_seed(0)",
        loses=("2",),
        feedback="seeds 0 and 1 gave the same validation set",
        cause="the seed argument is not used",
    ),
    Mutant(
        name="fractions_not_checked",
        mistake="split_indices accepts negative fractions and fractions that sum to 1 or more",
        file=DATA,
        old="""    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise ValueError(f"need 0 <= val_fraction, test_fraction and a sum below 1, got {val_fraction}, {test_fraction}")
""",
        new="",
        loses=("2",),
        feedback="should raise ValueError",
        cause="the fractions are not checked",
    ),
    Mutant(
        name="std_of_per_image_stds",
        mistake="channel_stats averages the per-image standard deviations instead of taking the std over all pixels",
        file=DATA,
        old="std, mean = torch.std_mean(images, dim=(0, 2, 3))",
        new="std, mean = images.std(dim=(2, 3)).mean(dim=0), images.mean(dim=(0, 2, 3))",
        loses=("2",),
        feedback="std differs at",
        cause="average of per-image standard deviations",
    ),
    Mutant(
        name="stats_in_float64",
        mistake="channel_stats computes in float64 and returns float64 tensors",
        file=DATA,
        old="""    std, mean = torch.std_mean(images, dim=(0, 2, 3))
    return mean.to(torch.float32), std.to(torch.float32)""",
        new="""    std, mean = torch.std_mean(images.double(), dim=(0, 2, 3))
    return mean, std""",
        loses=("2",),
        feedback="expected torch.float32",
        cause="computed in float64",
    ),
    Mutant(
        name="validation_and_test_not_normalized",
        mistake="make_loaders normalizes the training split only",
        file=DATA,
        old="TensorDataset(normalize(images[idx]), labels[idx])",
        new="TensorDataset(normalize(images[idx]) if idx is train_idx else images[idx], labels[idx])",
        loses=("2",),
        feedback="val_loader.dataset.tensors[0] differs",
        cause="the val split is not normalized",
    ),
    Mutant(
        name="shuffle_not_seeded",
        mistake="the training loader shuffles without the seeded generator (the order depends on the global random state)",
        file=DATA,
        old="shuffle=True, generator=shuffling)",
        new="shuffle=True)",
        loses=("2",),
        feedback="yield their first epoch in different orders",
        cause="does not use a generator seeded with seed",
    ),
    Mutant(
        name="same_padding",
        mistake="GalaxyCNN pads its convolutions to keep the size ('same'), so the first Linear has 4624 inputs",
        file=MODEL,
        old="""            nn.Conv2d(3, 8, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 16, 14, 14) -> (B, 3136)
            nn.Linear(16 * 14 * 14, 64), nn.ReLU(),""",
        new="""            nn.Conv2d(3, 8, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 17 * 17, 64), nn.ReLU(),""",
        loses=("3",),
        feedback="trainable parameters, expected 207,002",
        cause="padding keeps the size",
        keeps_tests=("test_logits_shape_for_any_batch_size",),
    ),
    Mutant(
        name="output_squeezed",
        mistake="GalaxyCNN squeezes its output, which drops the batch dimension for a batch of one image",
        file=MODEL,
        old="return self.classifier(self.features(x))",
        new="return self.classifier(self.features(x)).squeeze()",
        loses=("3",),
        feedback="GalaxyCNN()(x) for x of shape (1, 3, 69, 69) has shape (10,)",
        cause="the batch dimension is lost",
    ),
    Mutant(
        name="softmax_output",
        mistake="GalaxyCNN returns softmax probabilities instead of logits",
        file=MODEL,
        old="return self.classifier(self.features(x))",
        new="return torch.softmax(self.classifier(self.features(x)), dim=1)",
        loses=("3",),
        feedback="GalaxyCNN logits differs at",
        cause="the model returns probabilities",
    ),
    Mutant(
        name="loss_summed",
        mistake="classification_loss sums the per-sample losses instead of averaging them",
        file=TRAINING,
        old="return nn.functional.cross_entropy(logits, labels)",
        new="return nn.functional.cross_entropy(logits, labels, reduction=\"sum\")",
        loses=("4",),
        feedback="classification_loss(logits, labels) differs",
        cause="summed over the batch, not averaged",
    ),
    Mutant(
        name="log_of_softmax",
        mistake="classification_loss takes log(softmax(logits)) in two steps (underflows for large logits)",
        file=TRAINING,
        old="return nn.functional.cross_entropy(logits, labels)",
        new="return nn.functional.nll_loss(torch.log(torch.softmax(logits, dim=1)), labels)",
        loses=("4",),
        feedback="non-finite values",
        cause="log(0) = -inf",
        keeps_tests=("test_loss_matches_cross_entropy",),
    ),
    Mutant(
        name="optimizer_ignores_lr",
        mistake="make_optimizer always uses lr 1e-3, whatever lr it is given",
        file=TRAINING,
        old="return torch.optim.Adam(model.parameters(), lr=lr)",
        new="return torch.optim.Adam(model.parameters(), lr=1e-3)",
        loses=("4",),
        feedback="make_optimizer(model, lr=0.05) has learning rate 0.001",
        cause="the lr argument is not used",
    ),
    Mutant(
        name="train_mode_only_once",
        mistake="train_model calls model.train() once before the loop, so after the first validation it trains in eval mode",
        file=TRAINING,
        old="""    for epoch in range(n_epochs):
        model.train()  # evaluate() left the model in eval mode
""",
        new="""    model.train()
    for epoch in range(n_epochs):
""",
        loses=("5",),
        feedback="history['train_loss'] differs",
        cause="call model.train() at the start of every epoch",
    ),
    Mutant(
        name="gradients_not_zeroed",
        mistake="train_model never zeroes the gradients, so they accumulate over the batches",
        file=TRAINING,
        old="            optimizer.zero_grad()  # gradients accumulate otherwise\n",
        new="",
        loses=("5",),
        feedback="history['train_loss'] differs",
        cause="gradients are never zeroed",
    ),
    Mutant(
        name="train_loss_per_epoch",
        mistake="train_model records one training loss per epoch (the last batch's), not one per iteration",
        file=TRAINING,
        old="""            history["train_loss"].append(loss.item())
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
""",
        new="""            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
        history["train_loss"].append(loss.item())
""",
        loses=("5",),
        feedback="one per iteration",
        cause="one loss per epoch is recorded",
    ),
    Mutant(
        name="equal_loss_counts_as_better",
        mistake="train_model saves the checkpoint when the validation loss is lower or equal (<=), not strictly lower",
        file=TRAINING,
        old="        if val_loss < best_loss:\n",
        new="        if val_loss <= best_loss:\n",
        loses=("5",),
        feedback="with three equal validation losses",
        cause="save and count only a strictly lower one",
    ),
    Mutant(
        name="train_model_ignores_lr",
        mistake="train_model builds its optimizer with make_optimizer(model), dropping its lr argument",
        file=TRAINING,
        old="optimizer = make_optimizer(model, lr)",
        new="optimizer = make_optimizer(model)",
        loses=("5",),
        feedback="with lr=0 the validation loss changed",
        cause="train_model does not pass its lr to make_optimizer",
    ),
    Mutant(
        name="evaluate_mean_of_batch_means",
        mistake="evaluate averages the per-batch mean losses and accuracies (the smaller last batch weighs too much)",
        file=TRAINING,
        old="""    logits, labels = predict(model, loader, device)
    loss = classification_loss(logits, labels).item()
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy""",
        new="""    model.eval()
    losses, accuracies = [], []
    with torch.no_grad():
        for x, y in loader:
            logits = model(x.to(device)).cpu()
            losses.append(classification_loss(logits, y).item())
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)""",
        loses=("5",),
        feedback="evaluate(...) loss is",
        cause="mean of per-batch means",
    ),
    Mutant(
        name="predict_records_gradients",
        mistake="predict runs the model without torch.no_grad(), so its logits carry a graph",
        file=TRAINING,
        old="with torch.no_grad():  # no graph: less memory, faster",
        new="if True:",
        loses=("5",),
        feedback="the logits from predict require gradients",
        cause="run them inside torch.no_grad()",
    ),
    Mutant(
        name="confusion_matrix_transposed",
        mistake="confusion_matrix puts the predictions in the rows and the true classes in the columns",
        file=TRAINING,
        old="flat = labels.to(torch.int64) * n_classes + predictions.to(torch.int64)",
        new="flat = predictions.to(torch.int64) * n_classes + labels.to(torch.int64)",
        loses=("6",),
        feedback="confusion_matrix differs",
        cause="rows are the true classes",
    ),
    Mutant(
        name="bincount_without_minlength",
        mistake="confusion_matrix calls torch.bincount without minlength, which fails when the last classes never occur",
        file=TRAINING,
        old="torch.bincount(flat, minlength=n_classes * n_classes)",
        new="torch.bincount(flat)",
        loses=("6",),
        feedback="raised RuntimeError",
        cause="without minlength",
        keeps_tests=("test_confusion_matrix_small_example",),
    ),
    Mutant(
        name="rotation_logits_summed",
        mistake="RotationInvariantCNN sums the four rotations' logits instead of averaging them (still invariant)",
        file=MODEL,
        old="return torch.stack(logits).mean(dim=0)",
        new="return torch.stack(logits).sum(dim=0)",
        loses=("7",),
        feedback="RotationInvariantCNN(base)(x) differs",
        cause="summed, not averaged",
        keeps_tests=("test_invariant_to_90_degree_rotations", "test_output_shape"),
    ),
]
