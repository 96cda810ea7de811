"""Classic mistakes for A4; each must lose points in the named tasks only (tests/test_mutants.py)."""
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
    ),
    Mutant(
        name="pca_autoencoder_with_bias",
        mistake="the PCA autoencoder (empty hidden list) keeps the biases of its two Linear layers",
        file=MODULE,
        old="with_bias = len(hidden_channels) > 0",
        new="with_bias = True",
        loses=("1",),
        feedback="has no biases",
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
    ),
    Mutant(
        name="conv_decoder_32x32",
        mistake="output_padding=1 on every ConvTranspose2d: the decoder goes 4 -> 8 -> 16 -> 32",
        file=MODULE,
        old="nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=0)",
        new="nn.ConvTranspose2d(128, 64, kernel_size=3, stride=2, padding=1, output_padding=1)",
        loses=("3", "4"),
        feedback="4 -> 7 -> 14 -> 28",
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
        feedback="not re-initialized",
    ),
]

# Further classic mistakes. Grading one costs ~10 s, so tests/test_mutants.py grades only MUTANTS;
# check these by hand (each loses points exactly in its `loses` tasks):
#   .venv/bin/python solutions/a4_autoencoders/instructor/mutants.py
EXTRA_MUTANTS = [
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
        feedback="zero the gradients",
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
        feedback="weighted by batch size",
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
    ),
]


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from autograder import course, grade, mutants

    assignment = course.get("a4_autoencoders")
    for mutant in EXTRA_MUTANTS:
        with tempfile.TemporaryDirectory() as scratch:
            report = grade.grade_one(assignment, mutants.apply(assignment, mutant, Path(scratch) / mutant.name))
        lost = sorted(t.key for t in report.tasks() if t.earned < t.possible)
        messages = " | ".join(t.message for t in report.tests if t.outcome != "passed")
        ok = lost == sorted(mutant.loses) and mutant.feedback in messages
        print(f"{'ok  ' if ok else 'FAIL'} {mutant.name}: loses tasks {lost}, expected {sorted(mutant.loses)}")
