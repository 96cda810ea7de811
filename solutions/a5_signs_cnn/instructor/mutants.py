"""Classic mistakes for A5; each must lose points in the named tasks only (tests/test_mutants.py)."""
from autograder.mutants import Mutant

GAUSSIANS = "gaussians.py"
MODEL = "signs_cnn.py"
TRAINING = "training.py"

MUTANTS = [
    Mutant(
        name="logsoftmax_into_cross_entropy",
        mistake="the LogSoftmax output is fed to CrossEntropyLoss (a second log-softmax)",
        file=TRAINING,
        old="    criterion = nn.NLLLoss()  # the model already outputs log-probabilities\n",
        new="    criterion = nn.CrossEntropyLoss()\n",
        loses=("5",),
        feedback="CrossEntropyLoss, which applies log-softmax again",
        keeps_tests=("test_train_loss_averages_the_whole_epoch", "test_reaches_the_optimum_of_a_convex_problem"),
    ),
    Mutant(
        name="batchnorm_after_relu",
        mistake="BatchNorm placed after the ReLU in both convolution blocks",
        file=MODEL,
        old="""            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(4, 8, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),""",
        new="""            nn.ReLU(),
            nn.BatchNorm2d(4),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(4, 8, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.BatchNorm2d(8),""",
        loses=("4",),
        feedback="BatchNorm goes between the convolution and its ReLU",
        keeps_tests=("test_parameter_count", "test_output_is_log_probabilities"),
    ),
    Mutant(
        name="gradients_never_zeroed",
        mistake="the gradients are never zeroed, so they accumulate over all steps",
        file=TRAINING,
        old="            optimizer.zero_grad()  # otherwise backward() adds to the previous step's gradients\n",
        new="",
        # Training SignsCNN fails too: the end-to-end test of task 6 needs a working loop.
        loses=("5", "6"),
        feedback="zero_grad",
        keeps_tests=("test_train_loss_averages_the_whole_epoch", "test_loss_is_nll_of_the_output_as_it_is"),
    ),
    Mutant(
        name="getitem_returns_hwc",
        mistake="__getitem__ returns the image in (H, W, C) layout",
        file=MODEL,
        old="image = torch.from_numpy(self.images[index]).permute(2, 0, 1).to(torch.float32) / 255",
        new="image = torch.from_numpy(self.images[index]).to(torch.float32) / 255",
        loses=("3",),
        feedback="permute(2, 0, 1)",
        keeps_tests=("test_image_is_float32", "test_dataset_length_and_label"),
    ),
    Mutant(
        name="float64_images",
        mistake="__getitem__ divides the uint8 numpy image by 255.0, which gives float64",
        file=MODEL,
        old="image = torch.from_numpy(self.images[index]).permute(2, 0, 1).to(torch.float32) / 255",
        new="image = torch.from_numpy(self.images[index] / 255.0).permute(2, 0, 1)",
        loses=("3",),
        feedback="float64",
        keeps_tests=("test_image_is_channels_first", "test_image_values"),
    ),
    Mutant(
        name="train_loss_of_last_batch",
        mistake="the epoch's training loss is the last batch's loss",
        file=TRAINING,
        old="        history[0, epoch] = loss_sum / seen\n",
        new="        history[0, epoch] = loss.item()\n",
        loses=("5",),
        feedback="last batch",
        keeps_tests=("test_train_accuracy_averages_the_whole_epoch", "test_reaches_the_optimum_of_a_convex_problem"),
    ),
    Mutant(
        name="correlation_instead_of_convolution",
        mistake="convolve_densities does not flip q (a cross-correlation)",
        file=GAUSSIANS,
        old="kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)",
        new="kernel = q.to(torch.float64).reshape(1, 1, -1)",
        loses=("1",),
        feedback="cross-correlation",
    ),
]
