"""PyTorch reference of kt's DeepInversion synthesis throughput (tools/bench/deepinversion/throughput.mjs).

The teacher is kt's own network, read from a kt weight file that throughput.mjs writes (`--weights PREFIX`): a ResNet
of basic blocks (stem conv3x3-BN-ReLU, one block a stage, stride 2 in the first block of stages > 0, 1x1 conv + BN
shortcut where the shape changes, global average pooling, dense logits), with kt's weights and BatchNorm running
statistics, and the batch of initial images kt starts from. Convolutions pad like TensorFlow's 'same' (asymmetric
for stride 2: nothing before, the rest after), so the numbers match kt's, not PyTorch's symmetric padding=1.

The loss is kt's (packages/deepinversion/src/losses): CE + feature term (first BN layer x first_layer_weight) +
tvL2 x TV-L2 + l2 x ||x||, jitter (random roll), Adam(lr, beta1, beta2) on the pixels, clip to [0, 1]; the weights
come from the file's meta. The feature term follows DeepInversion's DeepInversionFeatureHook (NVlabs/DeepInversion):
mean and biased variance of each BN layer's input over (N, H, W) against running_mean / running_var, L2 norms.

Before timing, the loss terms of the first iteration without jitter are computed and compared with kt's (in the meta):
a relative difference above 1e-3 in any term exits with status 3.

    /usr/bin/python3 tools/bench/reference/deepinversion_synthesis.py --weights /tmp/x/teacher --iterations 20 --threads 2

Prints one JSON line: images x iterations per second (wall), CPU seconds, and the first-iteration check.
"""
import argparse
import json
import math
import sys
import time

from common import read_weights  # first: it sizes the BLAS thread pool before torch loads

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def same_pad(x, k, stride):
    """TensorFlow 'same' padding of NCHW `x` for a k x k kernel at `stride` (extra row/column after)."""
    h, w = x.shape[2], x.shape[3]
    ph = max((math.ceil(h / stride) - 1) * stride + k - h, 0)
    pw = max((math.ceil(w / stride) - 1) * stride + k - w, 0)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class KtResNet:
    """kt's vision ResNet (packages/vision/src/models/create-resnet.ts) on PyTorch ops, from kt's weights (NHWC kernels)."""

    def __init__(self, w, eps):
        self.eps = eps
        self.stats = []  # per forward: (mean, biased variance, running mean, running variance) of each BN input
        self.w = {}
        for name, t in w.items():
            if name.endswith('/kernel') and t.dim() == 4:
                self.w[name] = t.permute(3, 2, 0, 1).contiguous()  # [k, k, cin, cout] -> [cout, cin, k, k]
            elif name == 'output/kernel':
                self.w[name] = t.t().contiguous()  # [cin, classes] -> [classes, cin]
            else:
                self.w[name] = t
        self.blocks = []
        s = 0
        while f'stage{s}/block0/conv1/kernel' in self.w:
            b = 0
            while f'stage{s}/block{b}/conv1/kernel' in self.w:
                self.blocks.append((f'stage{s}/block{b}', 2 if s > 0 and b == 0 else 1))
                b += 1
            s += 1

    def conv(self, x, key, stride):
        k = self.w[key + '/kernel']
        return F.conv2d(same_pad(x, k.shape[2], stride), k, stride=stride)

    def bn(self, x, key):
        rm, rv = self.w[key + '/runningMean'], self.w[key + '/runningVariance']
        mean = x.mean([0, 2, 3])
        var = x.permute(1, 0, 2, 3).reshape(x.shape[1], -1).var(1, unbiased=False)
        self.stats.append((mean, var, rm, rv))
        return F.batch_norm(x, rm, rv, self.w[key + '/gamma'], self.w[key + '/beta'], training=False, eps=self.eps)

    def __call__(self, x):
        self.stats = []
        h = F.relu(self.bn(self.conv(x, 'stem/conv', 1), 'stem/bn'))
        for key, stride in self.blocks:
            main = F.relu(self.bn(self.conv(h, key + '/conv1', stride), key + '/bn1'))
            main = self.bn(self.conv(main, key + '/conv2', 1), key + '/bn2')
            skip = self.bn(self.conv(h, key + '/shortcut/conv', stride), key + '/shortcut/bn') if key + '/shortcut/conv/kernel' in self.w else h
            h = F.relu(main + skip)
        return F.linear(h.mean(dim=(2, 3)), self.w['output/kernel'], self.w['output/bias'])


def tv_l2(x):
    d1 = x[:, :, :, :-1] - x[:, :, :, 1:]
    d2 = x[:, :, :-1, :] - x[:, :, 1:, :]
    d3 = x[:, :, 1:, :-1] - x[:, :, :-1, 1:]
    d4 = x[:, :, :-1, :-1] - x[:, :, 1:, 1:]
    return torch.norm(d1) + torch.norm(d2) + torch.norm(d3) + torch.norm(d4)


def terms_of(teacher, x, y, loss):
    """Every term of kt's synthesis loss (unweighted) and the weighted total."""
    logits = teacher(x)
    t = {'ce': F.cross_entropy(logits, y)}
    if loss['feature'] > 0:
        feats = [torch.norm(m - rm) + torch.norm(v - rv) for (m, v, rm, rv) in teacher.stats]
        t['feature'] = loss['firstLayerWeight'] * feats[0] + sum(feats[1:])
    if loss['tvL2'] > 0:
        t['tvL2'] = tv_l2(x)
    if loss['l2'] > 0:
        t['l2'] = torch.norm(x)
    total = loss['ce'] * t['ce']
    for k in ('feature', 'tvL2', 'l2'):
        if k in t:
            total = total + loss[k] * t[k]
    t['total'] = total
    return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--weights', required=True, help='kt weight file prefix written by tools/bench/deepinversion/throughput.mjs')
    p.add_argument('--iterations', type=int, default=20)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    w, meta = read_weights(a.weights)
    for k in ('tvL1', 'competition'):
        if meta['loss'].get(k, 0) > 0:
            sys.exit(f'deepinversion_synthesis.py: loss term {k} is not implemented in this reference')
    x0 = w.pop('images').permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    y = w.pop('labels').long()
    teacher = KtResNet(w, meta.get('bnEpsilon', 1e-5))
    s = meta['settings']
    loss = meta['loss']

    # the first iteration without jitter: the same terms as kt's, to 1e-3 relative
    with torch.no_grad():
        first = {k: float(v) for k, v in terms_of(teacher, x0, y, loss).items()}
    kt_first = meta['ktFirstIteration']
    worst = max(abs(first[k] - kt_first[k]) / max(abs(kt_first[k]), 1e-12) for k in kt_first)
    check = {'pytorch': first, 'kt': kt_first, 'maxRelativeDifference': worst, 'ok': worst <= 1e-3}

    x = x0.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=s['lr'], betas=(s['beta1'], s['beta2']), eps=1e-8)
    jit = s['jitter']

    def step():
        dy, dx = torch.randint(-jit, jit + 1, (2,)).tolist() if jit > 0 else (0, 0)
        xj = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        opt.zero_grad()
        terms_of(teacher, xj, y, loss)['total'].backward()
        opt.step()
        if s.get('clip', True):
            with torch.no_grad():
                x.clamp_(0, 1)

    for _ in range(2):  # warm-up
        step()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(a.iterations):
        step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = x.shape[0]
    print(json.dumps({
        'impl': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'batch': n, 'iterations': a.iterations,
        'seconds': wall, 'cpuSeconds': cpu, 'imageIterationsPerSecond': n * a.iterations / wall,
        'imageIterationsPerCpuSecond': n * a.iterations / cpu, 'firstIteration': check,
    }))
    if not check['ok']:
        sys.exit(3)


if __name__ == '__main__':
    main()
