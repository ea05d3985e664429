"""PyTorch reference of kt's DeepInversion synthesis throughput (tools/bench/deepinversion).

The same teacher shape as packages/deepinversion/configs/fashion-di.yaml (a ResNet of basic blocks, widths
16-32-64, one block a stage, BatchNorm, 28x28x1 input, 10 classes; random weights: throughput does not depend on
them) and the same loss (CE + feature term with first-layer weight 5 + TV-L2 + L2, jitter 2, Adam(0.5, 0.9) on the
pixels), batch 100. Prints JSON: images x iterations per second, on as many threads as kt uses (default 2).

    pip install torch  # CPU build
    python tools/bench/reference/deepinversion_synthesis.py --iterations 50 --threads 2

The feature term follows DeepInversion's DeepInversionFeatureHook (NVlabs/DeepInversion, deepinversion.py):
mean and biased variance of each BN layer's input over (N, H, W) against running_mean / running_var, L2 norms.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=1, in_ch=1, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for s, w in enumerate(widths):
            for b in range(blocks):
                layers.append(BasicBlock(cin, w, 2 if s > 0 and b == 0 else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(F.relu(self.bn(self.conv(x))))
        return self.fc(x.mean(dim=(2, 3)))


class FeatureHook:
    def __init__(self, module):
        self.hook = module.register_forward_hook(self.hook_fn)
        self.r_feature = None

    def hook_fn(self, module, inputs, output):
        x = inputs[0]
        nch = x.shape[1]
        mean = x.mean([0, 2, 3])
        var = x.permute(1, 0, 2, 3).contiguous().view([nch, -1]).var(1, unbiased=False)
        self.r_feature = torch.norm(module.running_var.data - var, 2) + torch.norm(module.running_mean.data - mean, 2)


def tv_l2(x):
    d1 = x[:, :, :, :-1] - x[:, :, :, 1:]
    d2 = x[:, :, :-1, :] - x[:, :, 1:, :]
    d3 = x[:, :, 1:, :-1] - x[:, :, :-1, 1:]
    d4 = x[:, :, :-1, :-1] - x[:, :, 1:, 1:]
    return torch.norm(d1) + torch.norm(d2) + torch.norm(d3) + torch.norm(d4)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--iterations', type=int, default=50)
    p.add_argument('--batch', type=int, default=100)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    teacher = ResNet().eval()
    # non-trivial running statistics, as after training
    for m in teacher.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    hooks = [FeatureHook(m) for m in teacher.modules() if isinstance(m, nn.BatchNorm2d)]
    x = (0.5 + 0.2 * torch.randn(a.batch, 1, 28, 28)).requires_grad_(True)
    y = torch.arange(a.batch) % 10
    opt = torch.optim.Adam([x], lr=0.1, betas=(0.5, 0.9), eps=1e-8)
    weights = [5.0] + [1.0] * (len(hooks) - 1)

    def step():
        dy, dx = torch.randint(-2, 3, (2,)).tolist()
        xj = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        opt.zero_grad()
        logits = teacher(xj)
        loss = F.cross_entropy(logits, y)
        loss = loss + sum(w * h.r_feature for w, h in zip(weights, hooks))
        loss = loss + 1e-3 * tv_l2(xj) + 1e-4 * torch.norm(xj)
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(a.iterations):
        step()
    seconds = time.perf_counter() - t
    print(json.dumps({
        'impl': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'batch': a.batch,
        'iterations': a.iterations, 'seconds': seconds, 'imageIterationsPerSecond': a.batch * a.iterations / seconds,
    }))


if __name__ == '__main__':
    main()
