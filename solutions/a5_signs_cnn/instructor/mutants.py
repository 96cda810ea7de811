"""Classic mistakes for A5; each must lose points in the named tasks only (tests/test_mutants.py).

One mutant per requirement of the spec-coverage table (instructor/README.md): it breaks that
requirement and nothing else, and ``cause`` is the text of the diagnosis ("likely cause: ...") that
the failing test prints for it.
"""
from autograder.mutants import Mutant

GAUSSIANS = "gaussians.py"
MODEL = "signs_cnn.py"
TRAINING = "training.py"

_PDF = "    return torch.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))\n"
_DATASET_CHECKS = """        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must have shape (N, H, W, 3), got {images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(f"expected {len(images)} labels, got an array of shape {labels.shape}")
"""
_IMAGE = "image = torch.from_numpy(self.images[index]).permute(2, 0, 1).to(torch.float32) / 255"
_LABELS_TO_GETITEM = '''        images, labels = np.asarray(images), np.asarray(labels, dtype=np.int64)
''' + _DATASET_CHECKS + '''        self.images = images
        self.labels = labels
        ### END SOLUTION

    def __len__(self) -> int:
        ### BEGIN SOLUTION hint: the number of images
        return len(self.images)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION hint: HWC -> CHW with permute, uint8 -> float32 in [0, 1]; the label as a 0-d int64 tensor
        ''' + _IMAGE + '''
        label = torch.tensor(self.labels[index], dtype=torch.int64)
'''
_CONVS = """            nn.Conv2d(3, 4, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(4, 8, kernel_size=3, stride=1, padding=1),
"""
_SEQUENTIAL_TO_FORWARD = '''        self.layers = nn.Sequential(
            nn.Conv2d(3, 4, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(4, 8, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Flatten(),  # (B, 8, 16, 16) -> (B, 2048)
            nn.Linear(8 * 16 * 16, 64),
            nn.ReLU(),
            nn.Linear(64, 6),
            nn.LogSoftmax(dim=1),
        )
        ### END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float32 ``(B, 3, 64, 64)``; returns log-probabilities ``(B, 6)``."""
        ### BEGIN SOLUTION hint: run the layers in order
        return self.layers(x)
'''
_EPOCH_SUMS = """            loss_sum += loss.item() * len(labels)
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
        history[0, epoch] = loss_sum / seen
        history[2, epoch] = correct / seen
"""
_EVALUATE_SUMS = """            loss_sum += nn.functional.nll_loss(log_probs, labels, reduction="sum").item()
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
    return loss_sum / seen, correct / seen
"""
_BEST = 'return max(results, key=lambda lr: (results[lr]["val_acc"][-1], -results[lr]["val_loss"][-1]))'

MUTANTS = [
    # ---- task 1: gaussian_pdf, convolve_densities, sum_of_gaussians
    Mutant(
        name="pdf_missing_half",
        mistake="gaussian_pdf uses exp(-z^2) instead of exp(-z^2 / 2)",
        file=GAUSSIANS, old=_PDF, new="    return torch.exp(-z * z) / (sigma * math.sqrt(2 * math.pi))\n",
        loses=("1",), feedback="gaussian_pdf(x, mu, sigma) differs", cause="the exponent lacks the factor 1/2",
    ),
    Mutant(
        name="pdf_always_float64",
        mistake="gaussian_pdf computes in float64 whatever the dtype of x",
        file=GAUSSIANS, old="    z = (x - mu) / sigma\n", new="    z = (x.double() - mu) / sigma\n",
        loses=("1",), feedback="gaussian_pdf of a float32 tensor has dtype torch.float64",
        cause="the computation converts to float64",
    ),
    Mutant(
        name="pdf_accepts_zero_sigma",
        mistake="gaussian_pdf checks sigma < 0, so sigma = 0 gets through",
        file=GAUSSIANS, old="    if not sigma > 0:\n", new="    if sigma < 0:\n",
        loses=("1",), feedback="sigma=0.0) should raise ValueError", cause="the check lets 0 through",
    ),
    Mutant(
        name="correlation_instead_of_convolution",
        mistake="convolve_densities does not flip q (a cross-correlation)",
        file=GAUSSIANS,
        old="kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)",
        new="kernel = q.to(torch.float64).reshape(1, 1, -1)",
        loses=("1",), feedback="cross-correlation", cause="q is not flipped",
    ),
    Mutant(
        name="convolve_without_dx",
        mistake="convolve_densities forgets the factor dx of the Riemann sum",
        file=GAUSSIANS, old="    return full.reshape(-1) * dx\n", new="    return full.reshape(-1)\n",
        loses=("1",), feedback="convolve_densities(p, q", cause="the factor dx of the Riemann sum is missing",
    ),
    Mutant(
        name="convolve_keeps_input_dtype",
        mistake="convolve_densities computes in the inputs' dtype (float32 stays float32)",
        file=GAUSSIANS,
        old="""    signal = p.to(torch.float64).reshape(1, 1, -1)
    kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)""",
        new="""    signal = p.reshape(1, 1, -1)
    kernel = torch.flip(q, dims=[0]).reshape(1, 1, -1)""",
        loses=("1",), feedback="has dtype torch.float32, expected torch.float64", cause="the inputs keep their float32",
    ),
    Mutant(
        name="convolve_same_length",
        mistake="convolve_densities returns a 'same'-size convolution (length of p)",
        file=GAUSSIANS, old="padding=len(q) - 1)", new='padding="same")',
        loses=("1",), feedback="expected (6,)", cause="the result keeps the length of one input",
    ),
    Mutant(
        name="convolve_python_loop",
        mistake="convolve_densities loops over the grid points in Python",
        file=GAUSSIANS,
        old="""    full = F.conv1d(signal, kernel, padding=len(q) - 1)  # (1, 1, n + m - 1)
    return full.reshape(-1) * dx""",
        new="""    pp, qq = p.to(torch.float64), q.to(torch.float64)
    r = torch.zeros(len(p) + len(q) - 1, dtype=torch.float64)
    for i in range(len(p)):
        r[i:i + len(q)] += pp[i] * qq
    return r * dx""",
        loses=("1",), feedback="executed more than 2000 lines of Python", cause="a Python loop over the grid points",
    ),
    Mutant(
        name="convolve_accepts_zero_dx",
        mistake="convolve_densities checks dx < 0, so dx = 0 gets through",
        file=GAUSSIANS, old="    if not dx > 0:\n", new="    if dx < 0:\n",
        loses=("1",), feedback="dx = 0.0 should raise ValueError", cause="the check lets 0 through",
    ),
    Mutant(
        name="convolve_accepts_2d",
        mistake="convolve_densities does not check that p and q are 1-D",
        file=GAUSSIANS, old="    if p.ndim != 1 or q.ndim != 1 or len(p) == 0 or len(q) == 0:\n",
        new="    if len(p) == 0 or len(q) == 0:\n",
        loses=("1",), feedback="a 2-D p of shape (30, 100) should raise ValueError", cause="the shapes are not checked",
    ),
    Mutant(
        name="sum_of_stds",
        mistake="sum_of_gaussians adds the standard deviations",
        file=GAUSSIANS, old="    return float(mu1 + mu2), math.sqrt(sigma1**2 + sigma2**2)\n",
        new="    return float(mu1 + mu2), float(sigma1 + sigma2)\n",
        loses=("1",), feedback="standard deviation of N(1, 3^2) + N(2, 4^2) is 7", cause="the standard deviations are added",
    ),
    Mutant(
        name="sum_returns_tensors",
        mistake="sum_of_gaussians returns 0-d tensors instead of Python floats",
        file=GAUSSIANS, old="    return float(mu1 + mu2), math.sqrt(sigma1**2 + sigma2**2)\n",
        new="    return torch.tensor(mu1 + mu2), torch.sqrt(torch.tensor(sigma1**2 + sigma2**2))\n",
        loses=("1",), feedback="mu should be a Python float", cause="convert it with float(...)",
    ),
    Mutant(
        name="sum_accepts_zero_sigma",
        mistake="sum_of_gaussians checks sigma < 0, so sigma = 0 gets through",
        file=GAUSSIANS, old="    if not (sigma1 > 0 and sigma2 > 0):\n", new="    if sigma1 < 0 or sigma2 < 0:\n",
        loses=("1",), feedback="sigma1=0.0, 0, 1) should raise ValueError", cause="the check lets 0 through",
    ),
    # ---- task 2: conv2d_output_size
    Mutant(
        name="padding_counted_once",
        mistake="conv2d_output_size adds the padding once instead of on both edges",
        file=MODEL, old="        out.append((size + 2 * p - span) // s + 1)\n", new="        out.append((size + p - span) // s + 1)\n",
        loses=("2",), feedback="expected (64, 64)", cause="the padding is counted once",
    ),
    Mutant(
        name="pair_first_entry_only",
        mistake="conv2d_output_size uses the first entry of a kernel pair for both axes",
        file=MODEL, old='    kernel = _pair(kernel_size, "kernel_size")\n',
        new='    kernel = (_pair(kernel_size, "kernel_size")[0],) * 2\n',
        loses=("2",), feedback="kernel_size=(3, 1)", cause="only the first entry of an (h, w) pair is used",
    ),
    Mutant(
        name="output_size_as_list",
        mistake="conv2d_output_size returns a list instead of a tuple",
        file=MODEL, old="    return out[0], out[1]\n", new="    return out\n",
        loses=("2",), feedback="should return a tuple of two Python ints", cause="it returns a list",
    ),
    Mutant(
        name="negative_padding_accepted",
        mistake="conv2d_output_size does not reject a negative padding",
        file=MODEL, old='        if p < 0:\n            raise ValueError(f"padding must not be negative, got {p}")\n', new="",
        loses=("2",), feedback="padding -1 should raise ValueError", cause="padding -1 is not checked",
    ),
    Mutant(
        name="oversized_kernel_accepted",
        mistake="conv2d_output_size does not reject a kernel larger than the padded input",
        file=MODEL,
        old='        if span > size + 2 * p:\n            raise ValueError(f"the kernel spans {span} pixels, more than the padded input ({size} + 2*{p})")\n',
        new="",
        loses=("2",), feedback="should raise ValueError", cause="a kernel that does not fit is not checked",
    ),
    # ---- task 3: split_train_val, SignsDataset
    Mutant(
        name="split_not_stratified",
        mistake="split_train_val draws the validation indices from all labels at once",
        file=MODEL,
        old="""        val.append(rng.choice(members, size=n_val_per_class, replace=False))
    val_idx = np.sort(np.concatenate(val)).astype(np.int64)""",
        new="""    val = rng.choice(len(labels), size=n_val_per_class * len(np.unique(labels)), replace=False)
    val_idx = np.sort(val).astype(np.int64)""",
        loses=("3",), feedback="expected 20 each (stratified)", cause="drawn from all labels at once",
    ),
    Mutant(
        name="split_first_of_each_class",
        mistake="split_train_val takes the first indices of each class instead of drawing them",
        file=MODEL, old="        val.append(rng.choice(members, size=n_val_per_class, replace=False))\n",
        new="        val.append(members[:n_val_per_class])\n",
        loses=("3",), feedback="the same validation", cause="the first indices of each class are taken",
    ),
    Mutant(
        name="split_unseeded",
        mistake="split_train_val ignores the seed (an unseeded generator)",
        file=MODEL, old="    rng = np.random.default_rng(seed)\n", new="    rng = np.random.default_rng()\n",
        loses=("3",), feedback="two calls with seed 3 gave different splits", cause="the random generator is not seeded",
    ),
    Mutant(
        name="split_unsorted",
        mistake="split_train_val returns the validation indices in drawing order",
        file=MODEL, old="    val_idx = np.sort(np.concatenate(val)).astype(np.int64)\n",
        new="    val_idx = np.concatenate(val).astype(np.int64)\n",
        loses=("3",), feedback="should be sorted", cause="in the order they were drawn",
    ),
    Mutant(
        name="split_float_indices",
        mistake="split_train_val collects the indices in a float array (np.array([]) is float64)",
        file=MODEL,
        old="""    val_idx = np.sort(np.concatenate(val)).astype(np.int64)
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx).astype(np.int64)""",
        new="""    val_idx = np.sort(np.concatenate([np.array([])] + val))
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx)""",
        loses=("3",), feedback="dtype float64", cause="collected in a float array",
    ),
    Mutant(
        name="split_val_also_in_train",
        mistake="split_train_val returns every index as training index",
        file=MODEL, old="    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx).astype(np.int64)\n",
        new="    train_idx = np.arange(len(labels), dtype=np.int64)\n",
        loses=("3",), feedback="split sizes are 1080 / 120", cause="train_idx still contains the validation indices",
    ),
    Mutant(
        name="split_allows_empty_training_class",
        mistake="split_train_val accepts a class with exactly n_val_per_class examples",
        file=MODEL, old="        if len(members) <= n_val_per_class:\n", new="        if len(members) < n_val_per_class:\n",
        loses=("3",), feedback="3 validation examples for a class of 3 should raise ValueError",
        cause="a class with exactly n_val_per_class examples is let through",
    ),
    Mutant(
        name="len_counts_channels",
        mistake="SignsDataset keeps a channels-first stack (3, N, H, W) and len() counts its first axis",
        file=MODEL,
        old="""        self.images = images
        self.labels = labels
        ### END SOLUTION

    def __len__(self) -> int:
        ### BEGIN SOLUTION hint: the number of images
        return len(self.images)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION hint: HWC -> CHW with permute, uint8 -> float32 in [0, 1]; the label as a 0-d int64 tensor
        """ + _IMAGE,
        new="""        self.images = torch.from_numpy(images).permute(3, 0, 1, 2)
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[:, index].to(torch.float32) / 255""",
        loses=("3",), feedback="is 3, expected 5", cause="len() counts the channels",
    ),
    Mutant(
        name="getitem_returns_hwc",
        mistake="__getitem__ returns the image in (H, W, C) layout",
        file=MODEL, old=_IMAGE, new="image = torch.from_numpy(self.images[index]).to(torch.float32) / 255",
        loses=("3",), feedback="permute(2, 0, 1)", cause="the image is still height x width x channels",
        keeps_tests=("test_image_is_float32", "test_dataset_length_and_label"),
    ),
    Mutant(
        name="float64_images",
        mistake="__getitem__ divides the uint8 numpy image by 255.0, which gives float64",
        file=MODEL, old=_IMAGE, new="image = torch.from_numpy(self.images[index] / 255.0).permute(2, 0, 1)",
        loses=("3",), feedback="float64", cause="dividing a uint8 numpy array by 255.0 gives float64",
        keeps_tests=("test_image_is_channels_first", "test_image_values"),
    ),
    Mutant(
        name="image_reshaped",
        mistake="__getitem__ reshapes (H, W, 3) to (3, H, W) instead of permuting the axes",
        file=MODEL, old=_IMAGE,
        new="image = torch.from_numpy(self.images[index]).reshape(3, *self.images[index].shape[:2]).to(torch.float32) / 255",
        loses=("3",), feedback="differs at", cause="reshape/view to (3, H, W) scrambles the pixels",
        keeps_tests=("test_image_is_channels_first", "test_image_is_float32"),
    ),
    Mutant(
        name="label_keeps_input_dtype",
        mistake="SignsDataset keeps the labels' dtype (int32 labels give int32 label tensors)",
        file=MODEL, old=_LABELS_TO_GETITEM,
        new=_LABELS_TO_GETITEM.replace("np.asarray(labels, dtype=np.int64)", "np.asarray(labels)")
                              .replace("torch.tensor(self.labels[index], dtype=torch.int64)", "torch.tensor(self.labels[index])"),
        loses=("3",), feedback="has dtype torch.int32", cause="the label keeps the dtype of the labels passed in",
    ),
    Mutant(
        name="images_tensor_input_fails",
        mistake="SignsDataset works only when the images are a numpy array, not a uint8 tensor",
        file=MODEL, old="        images, labels = np.asarray(images), np.asarray(labels, dtype=np.int64)\n",
        new="        labels = np.asarray(labels, dtype=np.int64)\n",
        loses=("3",), feedback="images given as a uint8 torch tensor", cause="SignsDataset works on numpy arrays only",
    ),
    Mutant(
        name="dataset_plain_class",
        mistake="SignsDataset is a plain class, not a torch.utils.data.Dataset",
        file=MODEL, old="class SignsDataset(Dataset):\n", new="class SignsDataset:\n",
        loses=("3",), feedback="should subclass torch.utils.data.Dataset", cause="the class has no base class",
    ),
    Mutant(
        name="dataset_accepts_bad_shapes",
        mistake="SignsDataset does not check the shapes of images and labels",
        file=MODEL, old=_DATASET_CHECKS, new="",
        loses=("3",), feedback="should raise ValueError, but nothing was raised", cause="__init__ does not check the shapes",
    ),
    # ---- task 4: SignsCNN
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
        loses=("4",), feedback="goes between each Conv2d and its ReLU", cause="BatchNorm comes after the ReLU",
        keeps_tests=("test_parameter_count", "test_output_is_log_probabilities", "test_layers_with_parameters"),
    ),
    Mutant(
        name="no_relu_between_linears",
        mistake="SignsCNN has no ReLU between its two Linear layers",
        file=MODEL, old="""            nn.Linear(8 * 16 * 16, 64),
            nn.ReLU(),
""", new="""            nn.Linear(8 * 16 * 16, 64),
""",
        loses=("4",), feedback="SignsCNN output in", cause="the ReLU between the two Linear layers is missing",
        keeps_tests=("test_parameter_count", "test_batchnorm_right_after_each_convolution"),
    ),
    Mutant(
        name="conv_without_bias",
        mistake="the convolutions have no bias (bias=False), since BatchNorm follows them",
        file=MODEL, old=_CONVS,
        new=_CONVS.replace("padding=1),", "padding=1, bias=False),"),
        loses=("4",), feedback="131,946 trainable parameters", cause="the Conv2d layers have no bias",
        keeps_tests=("test_computes_the_specified_layers",),
    ),
    Mutant(
        name="convolutions_without_padding",
        mistake="the convolutions have no padding, so the first Linear gets 8 * 14 * 14 features",
        file=MODEL, old=_CONVS, new=_CONVS.replace("stride=1, padding=1)", "stride=1)"),
        # SignsCNN cannot run, so training it in task 6 fails as well.
        loses=("4", "6"), feedback="raised RuntimeError", cause="a Linear layer gets 1568 features",
    ),
    Mutant(
        name="softmax_output",
        mistake="SignsCNN ends in Softmax (probabilities) instead of LogSoftmax",
        file=MODEL, old="            nn.LogSoftmax(dim=1),\n", new="            nn.Softmax(dim=1),\n",
        loses=("4",), feedback="exp(output).sum(dim=1)", cause="the output are probabilities (Softmax)",
    ),
    Mutant(
        name="layers_in_python_list",
        mistake="the layers are kept in a plain Python list, so they are not registered in the model",
        file=MODEL, old=_SEQUENTIAL_TO_FORWARD,
        new=_SEQUENTIAL_TO_FORWARD.replace("self.layers = nn.Sequential(", "self.layers = [")
        .replace("nn.LogSoftmax(dim=1),\n        )", "nn.LogSoftmax(dim=1),\n        ]")
        .replace("        return self.layers(x)\n", "        for layer in self.layers:\n            x = layer(x)\n        return x\n"),
        # The model has no parameters: Adam refuses it, so the training tests of task 6 fail too.
        loses=("4", "6"), feedback="not registered in the model", cause="not registered in the model",
    ),
    # ---- task 5: train_cnn
    Mutant(
        name="logsoftmax_into_cross_entropy",
        mistake="the LogSoftmax output is fed to CrossEntropyLoss (a second log-softmax)",
        file=TRAINING,
        old="    criterion = nn.NLLLoss()  # the model already outputs log-probabilities\n",
        new="    criterion = nn.CrossEntropyLoss()\n",
        loses=("5",), feedback="CrossEntropyLoss, which applies log-softmax again",
        cause="CrossEntropyLoss, which applies log-softmax again",
        keeps_tests=("test_train_loss_averages_the_whole_epoch", "test_reaches_the_optimum_of_a_convex_problem"),
    ),
    Mutant(
        name="adam_lr_ignored",
        mistake="train_cnn does not pass lr to Adam, which then uses its default 0.001",
        file=TRAINING, old="    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n",
        new="    optimizer = torch.optim.Adam(model.parameters())\n",
        # Task 6 trains with lr 0.001, Adam's default: only task 5 can tell.
        loses=("5",), feedback="Adam", cause="the learning rate is not passed to Adam",
    ),
    Mutant(
        name="gradients_never_zeroed",
        mistake="the gradients are never zeroed, so they accumulate over all steps",
        file=TRAINING,
        old="            optimizer.zero_grad()  # otherwise backward() adds to the previous step's gradients\n",
        new="",
        # Training SignsCNN fails too: the end-to-end test of task 6 needs a working loop.
        loses=("5", "6"), feedback="zero_grad", cause="gradients are never zeroed",
        keeps_tests=("test_train_loss_averages_the_whole_epoch", "test_loss_is_nll_of_the_output_as_it_is"),
    ),
    Mutant(
        name="train_mode_not_restored",
        mistake="train_cnn calls model.train() once, so after the first validation it trains in evaluation mode",
        file=TRAINING,
        old="""    for epoch in range(n_epochs):  # each epoch: one pass over the training data, then validation
        model.train()  # BatchNorm uses batch statistics (evaluate() switched to eval mode)
""",
        new="""    model.train()
    for epoch in range(n_epochs):
""",
        loses=("5",), feedback="train_loss", cause="the model stays in evaluation mode after the first validation",
    ),
    Mutant(
        name="train_loss_of_last_batch",
        mistake="the epoch's training loss is the last batch's loss",
        file=TRAINING,
        old="        history[0, epoch] = loss_sum / seen\n",
        new="        history[0, epoch] = loss.item()\n",
        loses=("5",), feedback="last batch", cause="equals the last batch's value alone",
        keeps_tests=("test_train_accuracy_averages_the_whole_epoch", "test_reaches_the_optimum_of_a_convex_problem"),
    ),
    Mutant(
        name="train_loss_unweighted",
        mistake="the epoch's training loss is the plain mean of the batch losses (the smaller last batch counts fully)",
        file=TRAINING, old=_EPOCH_SUMS,
        new=_EPOCH_SUMS.replace("loss.item() * len(labels)", "loss.item()")
                       .replace("history[0, epoch] = loss_sum / seen", "history[0, epoch] = loss_sum / len(train_loader)"),
        loses=("5",), feedback="train_loss[0]", cause="the plain mean of the batch means",
        keeps_tests=("test_train_accuracy_averages_the_whole_epoch",),
    ),
    Mutant(
        name="train_acc_unweighted",
        mistake="the epoch's training accuracy is the plain mean of the batch accuracies",
        file=TRAINING, old=_EPOCH_SUMS,
        new=_EPOCH_SUMS.replace("== labels).sum().item()", "== labels).double().mean().item()")
                       .replace("history[2, epoch] = correct / seen", "history[2, epoch] = correct / len(train_loader)"),
        loses=("5",), feedback="train_acc[0]", cause="the plain mean of the batch means",
        keeps_tests=("test_train_loss_averages_the_whole_epoch",),
    ),
    Mutant(
        name="train_loss_after_the_epoch",
        mistake="train_loss and train_acc are computed again after the epoch (evaluate on the training set)",
        file=TRAINING,
        old="""        history[0, epoch] = loss_sum / seen
        history[2, epoch] = correct / seen
""",
        new="""        history[0, epoch], history[2, epoch] = evaluate(model, train_loader, device)
""",
        loses=("5",), feedback="train_loss", cause="computed again after the epoch",
    ),
    Mutant(
        name="validation_in_train_mode",
        mistake="train_cnn validates with its own loop, without switching to evaluation mode",
        file=TRAINING,
        old="        history[1, epoch], history[3, epoch] = evaluate(model, val_loader, device)\n",
        new="""        val_sum, val_correct = 0.0, 0
        with torch.no_grad():
            for inputs, labels in val_loader:
                inputs, labels = inputs.to(device), labels.to(device)
                log_probs = model(inputs)
                val_sum += nn.functional.nll_loss(log_probs, labels, reduction="sum").item()
                val_correct += (log_probs.argmax(dim=1) == labels).sum().item()
        history[1, epoch] = val_sum / len(val_loader.dataset)
        history[3, epoch] = val_correct / len(val_loader.dataset)
""",
        loses=("5",), feedback="val_loss", cause="validation runs in train mode",
    ),
    Mutant(
        name="histories_as_lists",
        mistake="train_cnn returns Python lists instead of numpy arrays",
        file=TRAINING, old="    return history[0], history[1], history[2], history[3]\n",
        new="    return list(history[0]), list(history[1]), list(history[2]), list(history[3])\n",
        loses=("5",), feedback="should be a float64 numpy array", cause="collected in a Python list",
    ),
    # ---- task 6: evaluate, lr_sweep, best_learning_rate
    Mutant(
        name="evaluate_in_train_mode",
        mistake="evaluate does not switch the model to evaluation mode",
        file=TRAINING, old="    model.eval()  # BatchNorm uses its running statistics, Dropout is off\n", new="",
        # train_cnn validates with evaluate, so its validation test fails too.
        loses=("5", "6"), feedback="train mode", cause="train mode (BatchNorm uses the batch's statistics)",
    ),
    Mutant(
        name="evaluate_unweighted",
        mistake="evaluate averages the batch means (the smaller last batch counts fully)",
        file=TRAINING, old=_EVALUATE_SUMS,
        new=_EVALUATE_SUMS.replace('labels, reduction="sum").item()', "labels).item()")
                          .replace("== labels).sum().item()", "== labels).double().mean().item()")
                          .replace("return loss_sum / seen, correct / seen", "return loss_sum / len(loader), correct / len(loader)"),
        # train_cnn validates with evaluate, so its validation test fails too.
        loses=("5", "6"), feedback="plain mean of the batch means", cause="the plain mean of the batch means",
    ),
    Mutant(
        name="evaluate_returns_tensors",
        mistake="evaluate returns 0-d tensors instead of Python floats",
        file=TRAINING, old=_EVALUATE_SUMS,
        new=_EVALUATE_SUMS.replace('reduction="sum").item()', 'reduction="sum")').replace(".sum().item()", ".sum()"),
        loses=("6",), feedback="two Python floats", cause="the sums are tensors",
    ),
    Mutant(
        name="sweep_seeds_once",
        mistake="lr_sweep seeds once before the loop, so each run starts from other weights",
        file=TRAINING,
        old="""    for lr in lrs:
        torch.manual_seed(seed)  # the same initial weights (and shuffling) for every learning rate
""",
        new="""    torch.manual_seed(seed)
    for lr in lrs:
""",
        loses=("6",), feedback="after the 0.01 run vs alone", cause="depends on the run before it",
    ),
    Mutant(
        name="sweep_without_model",
        mistake="lr_sweep does not return the trained models",
        file=TRAINING, old='        results[lr] = {"model": model, "train_loss": train_loss,',
        new='        results[lr] = {"train_loss": train_loss,',
        loses=("6",), feedback="should be a dict with keys model", cause="are missing",
    ),
    Mutant(
        name="best_lr_best_epoch",
        mistake="best_learning_rate compares each run's best validation accuracy instead of its last",
        file=TRAINING, old=_BEST,
        new='return max(results, key=lambda lr: (max(results[lr]["val_acc"]), -results[lr]["val_loss"][-1]))',
        loses=("6",), feedback="best_learning_rate gave 0.1", cause="it compares the best epoch of each run",
    ),
    Mutant(
        name="best_lr_tie_ignored",
        mistake="best_learning_rate ignores the tie-break by the last validation loss",
        file=TRAINING, old=_BEST, new='return max(results, key=lambda lr: results[lr]["val_acc"][-1])',
        loses=("6",), feedback="best_learning_rate gave 0.001", cause="the tie at 0.7 is not broken",
    ),
]
