"""Correct implementations of A2 written differently from the reference; each must earn full marks
(tests/test_variants.py). They are what real students hand in: other names and registration order,
functional layers, cross-entropy instead of logsumexp, numpy for the bookkeeping, other batching."""
from autograder.mutants import Edit, Variant

MODULE = "contrastive.py"

_LOSS_BODY_START = "    u = F.normalize(torch.cat([z1, z2], dim=0), dim=1)  # (2N, D), unit rows\n"
_LOSS_BODY_END = "    return per_anchor.mean()\n"


def _replace_loss_body(new_body: str) -> tuple[Edit, ...]:
    """Edits that swap the reference's loss computation (after the input checks) for ``new_body``."""
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / MODULE).read_text()
    start = source.index(_LOSS_BODY_START)
    end = source.index(_LOSS_BODY_END) + len(_LOSS_BODY_END)
    return (Edit(MODULE, source[start:end], new_body),)


VARIANTS = [
    Variant(
        name="cross_entropy_interleaved",
        idea="F.cross_entropy over the similarity matrix with the views interleaved (SimCLR paper's 2k-1, 2k "
             "order), the diagonal masked with a large negative number, the batch reshaped with stack/view",
        edits=_replace_loss_body(
            "    n = z1.shape[0]\n"
            "    u = torch.stack([z1, z2], dim=1).reshape(2 * n, -1)  # rows z1[0], z2[0], z1[1], z2[1], ...\n"
            "    u = u / u.norm(dim=1, keepdim=True)\n"
            "    sim = torch.einsum('id,jd->ij', u, u) / temperature\n"
            "    sim = sim - torch.eye(2 * n, dtype=sim.dtype) * 1e9\n"
            "    labels = torch.arange(2 * n) ^ 1  # the partner of row 2k is 2k + 1 and vice versa\n"
            "    return F.cross_entropy(sim, labels)\n"),
    ),
    Variant(
        name="two_directions_as_blocks",
        idea="the 2N x 2N matrix seen as four N x N blocks (z1 z1^T, z1 z2^T, ...); each direction's mean "
             "is taken separately and the two are averaged",
        edits=_replace_loss_body(
            "    a = F.normalize(z1, dim=-1)\n"
            "    b = F.normalize(z2, dim=-1)\n"
            "    own = torch.eye(n_pairs, dtype=torch.bool)\n"
            "    aa = (a @ a.T / temperature).masked_fill(own, float('-inf'))\n"
            "    bb = (b @ b.T / temperature).masked_fill(own, float('-inf'))\n"
            "    ab = a @ b.T / temperature\n"
            "    pos = torch.diagonal(ab)\n"
            "    first = torch.logsumexp(torch.cat([ab, aa], dim=1), dim=1) - pos\n"
            "    second = torch.logsumexp(torch.cat([ab.T, bb], dim=1), dim=1) - pos\n"
            "    return (first.mean() + second.mean()) / 2\n"),
    ),
    Variant(
        name="numpy_bookkeeping",
        idea="the masks and target indices are built with numpy and turned into tensors; the positive is "
             "picked with gather; the mean is a sum divided by the number of anchors",
        edits=_replace_loss_body(
            "    import numpy as np\n"
            "    two_n = 2 * n_pairs\n"
            "    emb = torch.cat((z1, z2))\n"
            "    emb = emb / torch.linalg.vector_norm(emb, dim=1, keepdim=True)\n"
            "    scores = emb @ emb.t() / temperature\n"
            "    keep = torch.from_numpy(~np.eye(two_n, dtype=bool))\n"
            "    scores_masked = torch.where(keep, scores, torch.tensor(float('-inf'), dtype=scores.dtype))\n"
            "    target = torch.from_numpy(np.concatenate([np.arange(n_pairs, two_n), np.arange(n_pairs)]))\n"
            "    positive = scores.gather(1, target[:, None]).squeeze(1)\n"
            "    total = (torch.logsumexp(scores_masked, dim=1) - positive).sum()\n"
            "    return total / two_n\n"),
    ),
    Variant(
        name="functional_encoder_reordered",
        idea="SimpleEncoder holds raw nn.Parameters, the linear ones registered before the conv ones, with "
             "other names, and uses F.conv2d / F.linear / x.view and a hand-written normalization",
        edits=(
            Edit(MODULE,
                 "        self.conv = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)\n"
                 "        self.linear = nn.Linear(16 * 16 * 16, 128)\n",
                 "        reference_fc, reference_conv = nn.Linear(4096, 128), nn.Conv2d(3, 16, 3, 2, 1)\n"
                 "        self.fc_w = nn.Parameter(reference_fc.weight.detach().clone())\n"
                 "        self.fc_b = nn.Parameter(reference_fc.bias.detach().clone())\n"
                 "        self.kernel = nn.Parameter(reference_conv.weight.detach().clone())\n"
                 "        self.kernel_bias = nn.Parameter(reference_conv.bias.detach().clone())\n"),
            Edit(MODULE,
                 "        features = self.conv(x).flatten(start_dim=1)\n"
                 "        return F.normalize(self.linear(features), dim=1)\n",
                 "        h = F.conv2d(x, self.kernel, self.kernel_bias, stride=2, padding=1)\n"
                 "        z = F.linear(h.view(h.shape[0], -1), self.fc_w, self.fc_b)\n"
                 "        return z / z.pow(2).sum(dim=1, keepdim=True).sqrt()\n"),
        ),
    ),
    Variant(
        name="sequential_encoder_two_passes",
        idea="the encoder is an nn.Sequential (Linear registered under another name); the experiment encodes "
             "the two views in two forward passes, pairs (B1, B1) first, and records float(loss)",
        edits=(
            Edit(MODULE,
                 "        self.conv = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)\n"
                 "        self.linear = nn.Linear(16 * 16 * 16, 128)\n",
                 "        self.net = nn.Sequential(nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1),\n"
                 "                                 nn.Flatten(),\n"
                 "                                 nn.Linear(16 * 16 * 16, 128))\n"),
            Edit(MODULE,
                 "        features = self.conv(x).flatten(start_dim=1)\n"
                 "        return F.normalize(self.linear(features), dim=1)\n",
                 "        return F.normalize(self.net(x), p=2.0, dim=1)\n"),
            Edit(MODULE,
                 "        c1, c2, b1 = encoder(toy_images)\n"
                 "        batch_loss = info_nce_loss(torch.stack([c1, b1]), torch.stack([c2, b1]), temperature)\n",
                 "        view1 = encoder(toy_images[[2, 0]])  # B1, C1\n"
                 "        view2 = encoder(toy_images[[2, 1]])  # B1, C2\n"
                 "        batch_loss = info_nce_loss(view1, view2, temperature)\n"),
            Edit(MODULE, "        step_losses.append(batch_loss.item())\n",
                 "        step_losses.append(float(batch_loss.detach()))\n"),
        ),
    ),
    Variant(
        name="modules_reordered_numpy_similarities",
        idea="SimpleEncoder registers its Linear before its Conv2d, under other names; the experiment draws the "
             "images before seeding (make_toy_images uses its own generator), builds Adam with positional lr, "
             "computes the similarity matrices with numpy and stores the losses from a numpy array",
        edits=(
            Edit(MODULE,
                 "        self.conv = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)\n"
                 "        self.linear = nn.Linear(16 * 16 * 16, 128)\n",
                 "        self.project = nn.Linear(16 * 16 * 16, 128)\n"
                 "        self.features = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=2,\n"
                 "                                  padding=1)\n"),
            Edit(MODULE,
                 "        features = self.conv(x).flatten(start_dim=1)\n"
                 "        return F.normalize(self.linear(features), dim=1)\n",
                 "        return F.normalize(self.project(torch.flatten(self.features(x), 1)), dim=1)\n"),
            Edit(MODULE,
                 "    torch.manual_seed(seed)  # the initial weights depend on the seed only\n"
                 "    encoder = SimpleEncoder()\n"
                 "    toy_images = make_toy_images(seed)\n"
                 "    adam = torch.optim.Adam(encoder.parameters(), lr=lr)\n",
                 "    toy_images = make_toy_images(seed)\n"
                 "    torch.manual_seed(seed)\n"
                 "    encoder = SimpleEncoder()\n"
                 "    adam = torch.optim.Adam(encoder.parameters(), lr)\n"),
            Edit(MODULE,
                 '            "similarity_before": before @ before.T, "similarity_after": after @ after.T,\n'
                 '            "losses": torch.tensor(step_losses, dtype=torch.float32)}\n',
                 '            "similarity_before": torch.from_numpy(before.numpy() @ before.numpy().T),\n'
                 '            "similarity_after": torch.from_numpy(after.numpy() @ after.numpy().T),\n'
                 '            "losses": torch.from_numpy(np.asarray(step_losses, dtype="float32"))}\n'),
            Edit(MODULE, "import torch\n", "import numpy as np\nimport torch\n"),
        ),
    ),
]
