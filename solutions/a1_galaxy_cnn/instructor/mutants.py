"""Classic mistakes for A1; each must lose points in the named tasks only (tests/test_mutants.py)."""
from autograder.mutants import Mutant

DATA = "galaxy_data.py"
MODEL = "galaxy_cnn.py"
TRAINING = "galaxy_training.py"

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
        name="best_state_by_reference",
        mistake="the best checkpoint is stored as a bare model.state_dict() (live references, not a copy)",
        file=TRAINING,
        old="best_state = copy.deepcopy(model.state_dict())",
        new="best_state = model.state_dict()",
        loses=("6",),
        feedback="state_dict() returns references",
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
