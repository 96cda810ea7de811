"""Classic mistakes for A1; each must lose points in the named tasks only (tests/test_mutants.py)."""
from autograder.mutants import Mutant

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
    ),
    Mutant(
        name="softmax_before_cross_entropy",
        mistake="classification_loss applies softmax to the logits before cross-entropy",
        file=TRAINING,
        old="return nn.functional.cross_entropy(logits, labels)",
        new="return nn.functional.cross_entropy(torch.softmax(logits, dim=1), labels)",
        loses=("4",),
        feedback="softmax was applied before cross-entropy",
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
    ),
    Mutant(
        name="statistics_from_test_split",
        mistake="normalization statistics computed on the test split",
        file=DATA,
        old="mean, std = channel_stats(images[train_idx])",
        new="mean, std = channel_stats(images[test_idx])",
        loses=("2",),
        feedback="Normalize uses the mean of the test split",
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
    ),
    Mutant(
        name="best_weights_not_reloaded",
        mistake="the best weights are saved to disk but never loaded back: the model ends with the last epoch's",
        file=TRAINING,
        old="    if best_epoch >= 0:\n" + LOAD,
        new="",
        loses=("6",),
        feedback="load the saved weights back into the model",
    ),
    Mutant(
        name="checkpoint_saved_every_epoch",
        mistake="the checkpoint is overwritten after every epoch, not only when the validation loss improves",
        file=TRAINING,
        old=SAVE_IF_BETTER,
        new=SAVE_IF_BETTER.replace(SAVE, SAVE.replace("            ", "        ", 1)),
        loses=("6",),
        feedback="did not improve the validation loss",
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
    ),
    Mutant(
        name="two_rotations_only",
        mistake="the 'rotation-invariant' model averages only 0 and 180 degrees",
        file=MODEL,
        old="for k in range(4)]",
        new="for k in (0, 2)]",
        loses=("7",),
        feedback="logits after a rotation by 90 degrees",
    ),
]
