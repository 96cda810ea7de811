"""Correct implementations of A1 written differently from the reference (tests/test_variants.py: full marks).

Each is what a real student might hand in: other attribute names and registration order, functional
layers, raw parameters with einsum, numpy inside and torch outside, another batch handling, other loop
structure. A test that fails one of them depends on something the spec does not fix.
"""
from autograder.mutants import Edit, Variant

CONV = "conv_arithmetic.py"
DATA = "galaxy_data.py"
MODEL = "galaxy_cnn.py"
TRAINING = "galaxy_training.py"

REF_CNN_INIT = """        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 16, 14, 14) -> (B, 3136)
            nn.Linear(16 * 14 * 14, 64), nn.ReLU(),
            nn.Linear(64, 32), nn.ReLU(),
            nn.Linear(32, 10),
        )
"""
REF_CNN_FORWARD = "        return self.classifier(self.features(x))\n"
REF_ROTATION = """        logits = [self.base(torch.rot90(x, k, dims=(2, 3))) for k in range(4)]
        return torch.stack(logits).mean(dim=0)
"""

VARIANTS = [
    Variant(
        name="reordered_functional_layers",
        idea="GalaxyCNN registers its layers classifier-first under other names and applies ReLU/pooling with "
             "torch.nn.functional; RotationInvariantCNN runs the four rotations as one batch of 4B images",
        edits=(
            Edit(MODEL, REF_CNN_INIT, """        self.out = nn.Linear(32, 10)
        self.hidden2 = nn.Linear(64, 32)
        self.hidden1 = nn.Linear(3136, 64)
        self.conv_b = nn.Conv2d(8, 16, 5)
        self.conv_a = nn.Conv2d(3, 8, 5)
"""),
            Edit(MODEL, REF_CNN_FORWARD, """        import torch.nn.functional as F
        x = F.max_pool2d(F.relu(self.conv_a(x)), 2)
        x = F.max_pool2d(F.relu(self.conv_b(x)), kernel_size=2, stride=2)
        x = torch.flatten(x, start_dim=1)
        x = F.relu(self.hidden1(x))
        x = F.relu(self.hidden2(x))
        return self.out(x)
"""),
            Edit(MODEL, REF_ROTATION, """        batch = len(x)
        turned = torch.cat([torch.rot90(x, k, dims=(2, 3)) for k in range(4)])  # (4B, C, H, W)
        return self.base(turned).reshape(4, batch, -1).mean(dim=0)
"""),
        ),
    ),
    Variant(
        name="raw_parameters_einsum",
        idea="GalaxyCNN holds raw nn.Parameter tensors (linear ones registered first) and computes with F.conv2d "
             "and einsum; the loss is the closed form logsumexp - logit of the label; the confusion matrix "
             "accumulates with index_put_",
        edits=(
            Edit(MODEL, REF_CNN_INIT, """        def param(*shape, fan_in):
            bound = 1 / fan_in ** 0.5
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

        self.W3, self.c3 = param(10, 32, fan_in=32), param(10, fan_in=32)
        self.W2, self.c2 = param(32, 64, fan_in=64), param(32, fan_in=64)
        self.W1, self.c1 = param(64, 3136, fan_in=3136), param(64, fan_in=3136)
        self.K2, self.b2 = param(16, 8, 5, 5, fan_in=200), param(16, fan_in=200)
        self.K1, self.b1 = param(8, 3, 5, 5, fan_in=75), param(8, fan_in=75)
"""),
            Edit(MODEL, REF_CNN_FORWARD, """        import torch.nn.functional as F
        h = F.max_pool2d(torch.clamp(F.conv2d(x, self.K1, self.b1), min=0), 2)
        h = F.max_pool2d(torch.clamp(F.conv2d(h, self.K2, self.b2), min=0), 2)
        h = h.reshape(h.shape[0], -1)
        h = torch.relu(torch.einsum("bi,oi->bo", h, self.W1) + self.c1)
        h = torch.relu(torch.einsum("bi,oi->bo", h, self.W2) + self.c2)
        return torch.einsum("bi,oi->bo", h, self.W3) + self.c3
"""),
            Edit(TRAINING, "    return nn.functional.cross_entropy(logits, labels)\n",
                 "    picked = logits.gather(1, labels.long().unsqueeze(1)).squeeze(1)\n"
                 "    return (torch.logsumexp(logits, dim=1) - picked).mean()\n"),
            Edit(TRAINING, """    flat = labels.to(torch.int64) * n_classes + predictions.to(torch.int64)
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
""", """    matrix = torch.zeros(n_classes, n_classes, dtype=torch.long)
    matrix.index_put_((labels.long(), predictions.long()), torch.ones(len(labels), dtype=torch.long), accumulate=True)
    return matrix
"""),
        ),
    ),
    Variant(
        name="numpy_inside",
        idea="the data functions and conv2d_output_size compute with numpy and math (numpy's generator for the "
             "split, numpy's biased std, normalization written out) and hand torch tensors back",
        edits=(
            Edit(CONV, """    out = []
    for size, k, p, s, d in zip(sizes, kernels, paddings, strides, dilations):
        if size <= 0 or k <= 0 or s <= 0 or d <= 0:
            raise ValueError(f"sizes, kernel, stride and dilation must be positive (got size={size}, "
                             f"kernel={k}, stride={s}, dilation={d})")
        if p < 0:
            raise ValueError(f"padding must be non-negative, got {p}")
        span = d * (k - 1) + 1
        if span > size + 2 * p:
            raise ValueError(f"the kernel covers {span} pixels, more than the padded input ({size + 2 * p})")
        out.append((size + 2 * p - span) // s + 1)
    return out[0], out[1]
""", """    import math

    if min(sizes + kernels + strides + dilations) < 1 or min(paddings) < 0:
        raise ValueError("sizes, kernels, strides and dilations must be >= 1 and paddings >= 0")
    out = []
    for axis in range(2):
        padded = sizes[axis] + 2 * paddings[axis]
        covered = dilations[axis] * (kernels[axis] - 1) + 1
        if covered > padded:
            raise ValueError(f"axis {axis}: a kernel covering {covered} pixels does not fit into {padded}")
        out.append(int(math.floor((padded - covered) / strides[axis])) + 1)
    return tuple(out)
"""),
            Edit(DATA, """    with h5py.File(path, "r") as f:
        raw_images = torch.from_numpy(f["images"][()])
        raw_labels = torch.from_numpy(f["ans"][()])
    images = raw_images.permute(0, 3, 1, 2).to(torch.float32).div_(255.0).contiguous()
    return images, raw_labels.to(torch.int64)
""", """    import numpy as np

    with h5py.File(path, "r") as f:
        pixels = np.asarray(f["images"])
        answers = np.asarray(f["ans"])
    images = np.ascontiguousarray(np.transpose(pixels, (0, 3, 1, 2))).astype(np.float32) / np.float32(255)
    return torch.from_numpy(images), torch.from_numpy(answers.astype(np.int64))
"""),
            Edit(DATA, """    generator = torch.Generator().manual_seed(seed)
    train_parts, val_parts, test_parts = [], [], []
    for c in torch.unique(labels).tolist():  # stratified: each class is split on its own
        members = torch.nonzero(labels == c).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        n_val = round(val_fraction * len(members))
        n_test = round(test_fraction * len(members))
        val_parts.append(members[:n_val])
        test_parts.append(members[n_val:n_val + n_test])
        train_parts.append(members[n_val + n_test:])
    return tuple(torch.cat(parts).to(torch.int64) for parts in (train_parts, val_parts, test_parts))
""", """    import numpy as np

    rng = np.random.default_rng(seed)
    y = labels.numpy()
    train, val, test = [], [], []
    for c in sorted(set(y.tolist()), reverse=True):
        members = rng.permutation(np.flatnonzero(y == c))
        n_test = int(np.floor(test_fraction * len(members) + 0.5))
        n_val = int(np.floor(val_fraction * len(members) + 0.5))
        test.extend(members[:n_test])
        val.extend(members[n_test:n_test + n_val])
        train.extend(members[n_test + n_val:])
    return tuple(torch.tensor(np.array(part, dtype=np.int64), dtype=torch.int64) for part in (train, val, test))
"""),
            Edit(DATA, """    std, mean = torch.std_mean(images, dim=(0, 2, 3))
    return mean.to(torch.float32), std.to(torch.float32)
""", """    import numpy as np

    per_channel = np.moveaxis(images.numpy(), 1, 0).reshape(images.shape[1], -1).astype(np.float64)
    return (torch.from_numpy(per_channel.mean(axis=1).astype(np.float32)),
            torch.from_numpy(per_channel.std(axis=1).astype(np.float32)))
"""),
            Edit(DATA, """    normalize = Normalize(mean.tolist(), std.tolist())
    datasets = [TensorDataset(normalize(images[idx]), labels[idx]) for idx in (train_idx, val_idx, test_idx)]
""", """    normalize = Normalize(mean, std)
    scale = lambda x: (x - mean[None, :, None, None]) / std[None, :, None, None]  # noqa: E731 - what Normalize does
    datasets = [TensorDataset(scale(images[idx]), labels[idx]) for idx in (train_idx, val_idx, test_idx)]
"""),
        ),
    ),
    Variant(
        name="other_loop_structure",
        idea="evaluate sums per-sample losses over its own loop; predict uses inference_mode; train_model zeroes "
             "gradients after each step, counts hits with eq().sum(), keeps a deep copy next to the file and "
             "reloads from the file; make_optimizer passes the parameters as a list",
        edits=(
            Edit(TRAINING, "    return torch.optim.Adam(model.parameters(), lr=lr)\n",
                 "    params = [p for p in model.parameters()]\n    return torch.optim.Adam(params, lr)\n"),
            Edit(TRAINING, """    model.eval()  # dropout off, batch norm uses its running statistics
    all_logits, all_labels = [], []
    with torch.no_grad():  # no graph: less memory, faster
        for x, y in loader:  # in the loader's order
            all_logits.append(model(x.to(device)).float().cpu())
            all_labels.append(y.cpu())
    return torch.cat(all_logits), torch.cat(all_labels).to(torch.int64)
""", """    model.train(False)
    outputs = []
    with torch.inference_mode():
        for batch_x, batch_y in loader:
            outputs.append((model(batch_x.to(device)).cpu().to(torch.float32), batch_y.long()))
    return torch.cat([o for o, _ in outputs]), torch.cat([t for _, t in outputs])
"""),
            Edit(TRAINING, """    logits, labels = predict(model, loader, device)
    loss = classification_loss(logits, labels).item()
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy
""", """    model.eval()
    total_loss, hits, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            scores = model(x.to(device)).cpu()
            total_loss += classification_loss(scores, y).item() * len(y)
            hits += int(scores.argmax(1).eq(y).sum())
            count += len(y)
    return total_loss / count, hits / count
"""),
            Edit(TRAINING, '    model.to(device)  # parameters and batches on the same device\n    optimizer = make_optimizer(model, lr)\n    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}\n    best_loss, best_epoch = float("inf"), -1\n    for epoch in range(n_epochs):\n        model.train()  # evaluate() left the model in eval mode\n        correct, seen = 0, 0\n        for x, y in train_loader:\n            x, y = x.to(device), y.to(device)\n            optimizer.zero_grad()  # gradients accumulate otherwise\n            logits = model(x)  # (B, n_classes), before the step\n            loss = classification_loss(logits, y)\n            loss.backward()  # gradients of the batch loss\n            optimizer.step()  # one Adam update\n            history["train_loss"].append(loss.item())\n            correct += (logits.argmax(dim=1) == y).sum().item()\n            seen += len(y)\n        history["train_acc"].append(correct / seen)\n        val_loss, val_acc = evaluate(model, val_loader, device)\n        history["val_loss"].append(val_loss)\n        history["val_acc"].append(val_acc)\n        if val_loss < best_loss:\n            best_loss, best_epoch = val_loss, epoch\n            torch.save(model.state_dict(), checkpoint_path)  # on disk now: survives a crash or Ctrl-C\n        if verbose:\n            print(f"epoch {epoch + 1:3d}/{n_epochs}: train loss {sum(history[\'train_loss\'][-len(train_loader):]) / len(train_loader):.4f}"\n                  f" acc {history[\'train_acc\'][-1]:.3f} | val loss {val_loss:.4f} acc {val_acc:.3f}")\n    if best_epoch >= 0:\n        model.load_state_dict(torch.load(checkpoint_path, map_location="cpu", weights_only=True))\n    history["best_epoch"] = best_epoch\n    return history  # the model now holds the best weights\n', '    import copy\n\n    model = model.to(device)\n    opt = make_optimizer(model, lr=lr)\n    losses, train_accs, val_losses, val_accs = [], [], [], []\n    best_epoch = -1\n    for epoch in range(n_epochs):\n        model.train(True)\n        hits, total = 0, 0\n        for inputs, targets in train_loader:\n            inputs, targets = inputs.to(device), targets.to(device)\n            scores = model(inputs)\n            batch_loss = classification_loss(scores, targets)\n            batch_loss.backward()\n            opt.step()\n            opt.zero_grad(set_to_none=True)\n            losses.append(float(batch_loss.detach()))\n            hits += int(scores.detach().argmax(1).eq(targets).sum())\n            total += targets.numel()\n        train_accs.append(hits / total)\n        v_loss, v_acc = evaluate(model, val_loader, device)\n        val_losses.append(v_loss)\n        val_accs.append(v_acc)\n        if best_epoch < 0 or v_loss < val_losses[best_epoch]:\n            best_epoch = epoch\n            kept = copy.deepcopy(model.state_dict())  # a real copy, and on disk at once\n            torch.save(kept, str(checkpoint_path))\n        if verbose:\n            print(f"epoch {epoch}: loss {sum(losses[-len(train_loader):]) / len(train_loader):.3f}, val {v_loss:.3f}")\n    if best_epoch >= 0:\n        model.load_state_dict(torch.load(str(checkpoint_path), weights_only=True))\n    return {"train_loss": losses, "train_acc": train_accs, "val_loss": val_losses, "val_acc": val_accs,\n            "best_epoch": best_epoch}\n'),
        ),
    ),
]
