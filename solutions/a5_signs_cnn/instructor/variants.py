"""Correct implementations of A5 written differently from the reference; each must earn full marks
(tests/test_variants.py). They are written the way students write them: other names and registration
order, functional style, FFT or numpy inside, other loops and bookkeeping."""
from pathlib import Path

from autograder.mutants import Edit, Variant

GAUSSIANS = "gaussians.py"
MODEL = "signs_cnn.py"
TRAINING = "training.py"

_SEQUENTIAL = '''        self.layers = nn.Sequential(
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
'''
_FORWARD = "        return self.layers(x)\n"

_TRAINING_TEXT = (Path(__file__).resolve().parents[1] / TRAINING).read_text()
_START = "    model.to(device)  # the parameters must be on the device before the optimizer sees them\n"
_END = "    return history[0], history[1], history[2], history[3]\n"
_TRAIN_BODY = _TRAINING_TEXT[_TRAINING_TEXT.index(_START):_TRAINING_TEXT.index(_END) + len(_END)]

VARIANTS = [
    Variant(
        name="functional_reordered_modules",
        idea="SignsCNN registers its layers as attributes with other names, the classifier first and the "
             "convolutions last, and applies ReLU, max-pooling, flattening and log-softmax as functions",
        edits=(
            Edit(MODEL, "from torch import nn\n", "from torch import nn\nfrom torch.nn import functional as F\n"),
            Edit(MODEL, _SEQUENTIAL, '''        self.out = nn.Linear(64, 6)
        self.hidden = nn.Linear(2048, 64)
        self.norm_b = nn.BatchNorm2d(8)
        self.conv_b = nn.Conv2d(4, 8, 3, padding="same")
        self.norm_a = nn.BatchNorm2d(4)
        self.conv_a = nn.Conv2d(3, 4, (3, 3), stride=(1, 1), padding=(1, 1))
'''),
            Edit(MODEL, _FORWARD, '''        x = F.max_pool2d(F.relu(self.norm_a(self.conv_a(x))), 2)
        x = F.max_pool2d(F.relu(self.norm_b(self.conv_b(x))), kernel_size=2, stride=2)
        x = F.relu(self.hidden(x.view(x.shape[0], -1)))
        return F.log_softmax(self.out(x), dim=-1)
'''),
        ),
    ),
    Variant(
        name="blocks_pool_before_relu",
        idea="SignsCNN as two nn.Sequential blocks in an nn.ModuleList plus a head, max-pooling before the ReLU "
             "(the two commute), and torch.flatten in forward",
        edits=(
            Edit(MODEL, _SEQUENTIAL, '''        self.head = nn.Sequential(nn.Linear(2048, 64), nn.ReLU(), nn.Linear(64, 6), nn.LogSoftmax(dim=1))
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.MaxPool2d(2), nn.ReLU())
            for c_in, c_out in ((3, 4), (4, 8))
        )
'''),
            Edit(MODEL, _FORWARD, '''        for block in self.blocks:
            x = block(x)
        return self.head(torch.flatten(x, start_dim=1))
'''),
        ),
    ),
    Variant(
        name="fft_numpy_and_closed_forms",
        idea="convolve_densities by FFT, gaussian_pdf written as exp(-(x-mu)^2/(2 var))/sqrt(2 pi var), "
             "sum_of_gaussians with math.hypot, conv2d_output_size with math.floor, split_train_val with "
             "a permutation per class (classes visited in reverse), SignsDataset converting all images in "
             "__init__",
        edits=(
            Edit(GAUSSIANS, "    z = (x - mu) / sigma\n    return torch.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))\n",
                 "    var = sigma ** 2\n    return torch.exp(-((x - mu) ** 2) / (2 * var)) / math.sqrt(2 * math.pi * var)\n"),
            Edit(GAUSSIANS, '''    signal = p.to(torch.float64).reshape(1, 1, -1)
    kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)
    full = F.conv1d(signal, kernel, padding=len(q) - 1)  # (1, 1, n + m - 1)
    return full.reshape(-1) * dx
''', '''    size = len(p) + len(q) - 1
    spectrum = torch.fft.rfft(p.double(), n=size) * torch.fft.rfft(q.double(), n=size)
    return dx * torch.fft.irfft(spectrum, n=size)
'''),
            Edit(GAUSSIANS, "    return float(mu1 + mu2), math.sqrt(sigma1**2 + sigma2**2)\n",
                 "    return mu1 + mu2 + 0.0, math.hypot(sigma1, sigma2)\n"),
            Edit(MODEL, "        out.append((size + 2 * p - span) // s + 1)\n",
                 "        out.append(math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1)\n"),
            Edit(MODEL, "import numpy as np\n", "import math\n\nimport numpy as np\n"),
            Edit(MODEL, '''    val = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) <= n_val_per_class:
            raise ValueError(f"class {c} has {len(members)} examples, needs more than {n_val_per_class}")
        val.append(rng.choice(members, size=n_val_per_class, replace=False))
    val_idx = np.sort(np.concatenate(val)).astype(np.int64)
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx).astype(np.int64)
''', '''    is_val = np.zeros(len(labels), dtype=bool)
    for c in sorted(set(labels.tolist()), reverse=True):
        members = np.where(labels == c)[0]
        if members.size < n_val_per_class + 1:
            raise ValueError(f"class {c}: too few examples")
        is_val[rng.permutation(members)[:n_val_per_class]] = True
    val_idx = np.nonzero(is_val)[0].astype(np.int64)
    train_idx = np.nonzero(~is_val)[0].astype(np.int64)
'''),
            Edit(MODEL, '''        self.images = images
        self.labels = labels
''', '''        self.images = torch.as_tensor(images).permute(0, 3, 1, 2).float().div(255.0)
        self.labels = torch.as_tensor(labels)
'''),
            Edit(MODEL, '''        image = torch.from_numpy(self.images[index]).permute(2, 0, 1).to(torch.float32) / 255
        label = torch.tensor(self.labels[index], dtype=torch.int64)
''', '''        image, label = self.images[index], self.labels[index]
'''),
        ),
    ),
    Variant(
        name="numpy_convolve_and_other_loops",
        idea="convolve_densities with np.convolve (numpy inside, torch outside); train_cnn validates with its "
             "own loop and keeps tensor sums; evaluate concatenates per-sample losses; best_learning_rate sorts; "
             "lr_sweep builds the dict in a comprehension",
        edits=(
            Edit(GAUSSIANS, '''    signal = p.to(torch.float64).reshape(1, 1, -1)
    kernel = torch.flip(q.to(torch.float64), dims=[0]).reshape(1, 1, -1)
    full = F.conv1d(signal, kernel, padding=len(q) - 1)  # (1, 1, n + m - 1)
    return full.reshape(-1) * dx
''', '''    import numpy as np

    r = np.convolve(p.detach().cpu().numpy().astype(np.float64), q.detach().cpu().numpy().astype(np.float64)) * dx
    return torch.from_numpy(r)
'''),
            Edit(TRAINING, _TRAIN_BODY, '''    model = model.to(device)
    optimizer = torch.optim.Adam(params=model.parameters(), lr=lr)
    train_loss, val_loss, train_acc, val_acc = [], [], [], []
    for _ in range(n_epochs):
        model.train()
        total, hits, count = torch.zeros(()), torch.zeros(()), 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = nn.functional.nll_loss(out, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach().cpu() * y.shape[0]
            hits += (out.argmax(-1) == y).float().sum().cpu()
            count += y.shape[0]
        train_loss.append(total.item() / count)
        train_acc.append(hits.item() / count)
        model.eval()
        with torch.inference_mode():
            losses, right = [], []
            for x, y in val_loader:
                out = model(x.to(device))
                losses.append(nn.functional.nll_loss(out, y.to(device), reduction="none"))
                right.append(out.argmax(1) == y.to(device))
            val_loss.append(torch.cat(losses).double().mean().item())
            val_acc.append(torch.cat(right).double().mean().item())
        if verbose:
            print(_, train_loss[-1], val_loss[-1], train_acc[-1], val_acc[-1], flush=True)
    return tuple(np.array(h, dtype=np.float64) for h in (train_loss, val_loss, train_acc, val_acc))
'''),
            Edit(TRAINING, '''    model.to(device)  # a no-op when the model is there already
    model.eval()  # BatchNorm uses its running statistics, Dropout is off
    loss_sum, correct, seen = 0.0, 0, 0
    with torch.no_grad():  # no graph: less memory, and nothing here can train
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            log_probs = model(inputs)
            loss_sum += nn.functional.nll_loss(log_probs, labels, reduction="sum").item()
            correct += (log_probs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
    return loss_sum / seen, correct / seen
''', '''    model.train(False).to(device)
    losses, hits = [], []
    with torch.inference_mode():
        for inputs, labels in loader:
            out = model(inputs.to(device))
            losses.append(nn.functional.nll_loss(out, labels.to(device), reduction="none").cpu())
            hits.append((out.argmax(1) == labels.to(device)).cpu())
    return float(torch.cat(losses).double().mean()), float(torch.cat(hits).double().mean())
'''),
            Edit(TRAINING, '''    return max(results, key=lambda lr: (results[lr]["val_acc"][-1], -results[lr]["val_loss"][-1]))
''', '''    ranked = sorted(results.items(), key=lambda item: (-item[1]["val_acc"][-1], item[1]["val_loss"][-1]))
    return ranked[0][0]
'''),
            Edit(TRAINING, '''    results = {}
    for lr in lrs:
        torch.manual_seed(seed)  # the same initial weights (and shuffling) for every learning rate
        model = make_model()
        if verbose:
            print(f"learning rate {lr:g} ({len(results) + 1} of {len(lrs)})", flush=True)
        train_loss, val_loss, train_acc, val_acc = train_cnn(model, train_loader, val_loader, lr, n_epochs, device,
                                                             verbose=verbose)
        results[lr] = {"model": model, "train_loss": train_loss, "val_loss": val_loss,
                       "train_acc": train_acc, "val_acc": val_acc}
    return results
''', '''    def run(lr):
        torch.manual_seed(seed)
        model = make_model()
        histories = train_cnn(model, train_loader, val_loader, lr, n_epochs, device, verbose)
        return dict(zip(("train_loss", "val_loss", "train_acc", "val_acc"), histories), model=model)

    return {lr: run(lr) for lr in lrs}
'''),
        ),
    ),
]
