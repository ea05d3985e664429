"""PyTorch reference of tools/bench/kernels/finetune-step.mjs: the finetune plugin's training step. @kt/finetune's
FinetuneNet (conv 3x3 'same' + bias + ReLU + max-pool 2 per block, conv1..convN; fc ReLU; linear head; NHWC flattened
in h, w, c order; kt kernels [kh, kw, in, out] and [in, out]) fine-tuned on one target batch with
loss = CE(labels) + weight * penalty, Adam lr 1e-3 eps 1e-7. Penalties (@kt/finetune's regularisers):
  l2-sp   (alpha/2) sum_{w not head} |w - w0|^2 + (beta/2) sum_{w in head} |w|^2
  bss     the k smallest squared singular values of the batch's fc features [b, dense] (thuml's BatchSpectralShrinkage,
          torch.linalg.svd; kt: Jacobi eigen-decomposition of the Gram matrix)
  delta   sum_layers (0.5 C / (h w n)) sum_c W_c sum_{n,h,w} (FM_c(w, x) - FM_c(w0, x))^2, the starting point's maps
          computed every step without gradient; W (channel weights) from kt's file
With --weights (kt's learner and starting-point weights, batch and channel weights; the config is read from the file)
the loss at init (initialLoss) must equal kt's.

  python3 finetune_step.py [--regulariser l2-sp|bss|delta] [--threads 1|0] [--weights PREFIX]
"""
import math

import torch
import torch.nn.functional as F

from common import conv_same, emit_step, kd_step, loss_at_init, measure, parse_args, read_weights, train_step

FINETUNE_STEP = {
    'batch': 32, 'inputShape': [28, 28, 1], 'channels': [8, 16], 'dense': 64, 'classes': 5, 'lr': 1e-3,
    'regularisers': {
        'l2-sp': {'weight': 1, 'alpha': 0.01, 'beta': 0.01},
        'bss': {'weight': 0.001, 'k': 1},
        'delta': {'weight': 0.01, 'layers': ['conv1', 'conv2'], 'temperature': 5},
    },
}
HEAD = 'head/'


def extra(p):
    p.add_argument('--regulariser', choices=['l2-sp', 'bss', 'delta'], default='l2-sp')


def random_init(cfg, seed):
    """Weights of kt's shapes (He-normal convs and fc, Glorot-uniform head, zero biases): throughput only, no loss check."""
    g = torch.Generator().manual_seed(seed)
    w = {}
    h, wd, c = cfg['inputShape']
    for i, out in enumerate(cfg['channels']):
        w[f'conv{i + 1}/kernel'] = torch.randn(3, 3, c, out, generator=g) * math.sqrt(2 / (9 * c))
        w[f'conv{i + 1}/bias'] = torch.zeros(out)
        h, wd, c = h // 2, wd // 2, out
    flat = h * wd * c
    w['fc/kernel'] = torch.randn(flat, cfg['dense'], generator=g) * math.sqrt(2 / flat)
    w['fc/bias'] = torch.zeros(cfg['dense'])
    limit = math.sqrt(6 / (cfg['dense'] + cfg['classes']))
    w['head/kernel'] = (torch.rand(cfg['dense'], cfg['classes'], generator=g) * 2 - 1) * limit
    w['head/bias'] = torch.zeros(cfg['classes'])
    return w


class KtFinetuneNet:
    """@kt/finetune's FinetuneNet forward on NCHW images: body() -> ({convN: map after ReLU, before pooling}, features)."""

    def __init__(self, w, blocks):
        self.w, self.blocks = w, blocks

    def parameters(self):
        return list(self.w.values())

    def body(self, x):
        w = self.w
        maps = {}
        h = x
        for i in range(1, self.blocks + 1):
            a = F.relu(conv_same(h, w[f'conv{i}/kernel']) + w[f'conv{i}/bias'].view(1, -1, 1, 1))
            maps[f'conv{i}'] = a
            h = F.max_pool2d(a, 2, 2)
        flat = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # kt flattens NHWC
        return maps, F.relu(flat @ w['fc/kernel'] + w['fc/bias'])

    def head_logits(self, features):
        return features @ self.w['head/kernel'] + self.w['head/bias']


def l2_sp(w, w0, alpha, beta):
    shared = sum(((v - w0[k]) ** 2).sum() for k, v in w.items() if not k.startswith(HEAD))
    head = sum((v ** 2).sum() for k, v in w.items() if k.startswith(HEAD))
    return alpha / 2 * shared + beta / 2 * head


def bss(features, k):
    s = torch.linalg.svd(features, full_matrices=False)[1]  # descending
    return (s[-k:] ** 2).sum()


def delta(maps, start_maps, channel_weights):
    total = 0
    for layer, cw in channel_weights.items():
        a = maps[layer]
        n, c, h, wd = a.shape
        per_channel = ((a - start_maps[layer]) ** 2).sum(dim=(0, 2, 3))
        total = total + (per_channel * cw).sum() * (0.5 * c / (h * wd * n))
    return total


def main():
    args = parse_args(__doc__, extra)
    cfg = dict(FINETUNE_STEP)
    reg = args.regulariser
    if args.weights:
        w, meta = read_weights(args.weights)
        cfg.update(meta.get('config', {}))
        if meta.get('regulariser', reg) != reg:
            raise SystemExit(f"finetune_step.py: {args.weights} was written for regulariser {meta['regulariser']}, not {reg}")
        x, y = w.pop('batch.x'), w.pop('batch.y').long()
        lw = {k[len('learner.'):]: v for k, v in w.items() if k.startswith('learner.')}
        sw = {k[len('start.'):]: v for k, v in w.items() if k.startswith('start.')}
        cw = {k[len('channelWeights.'):]: v for k, v in w.items() if k.startswith('channelWeights.')}
    else:
        g = torch.Generator().manual_seed(11)
        h, wd, c = cfg['inputShape']
        x, y = torch.rand(cfg['batch'], h, wd, c, generator=g), torch.randint(0, cfg['classes'], (cfg['batch'],), generator=g)
        lw, sw = random_init(cfg, 1), random_init(cfg, 0)
        layers = cfg['regularisers']['delta']['layers']
        cw = {layer: torch.full((cfg['channels'][int(layer[4:]) - 1],), 1 / cfg['channels'][int(layer[4:]) - 1]) for layer in layers}
    r = cfg['regularisers'][reg]
    x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    blocks = len(cfg['channels'])
    learner = KtFinetuneNet({k: v.clone().requires_grad_(True) for k, v in lw.items()}, blocks)
    start = KtFinetuneNet(sw, blocks)
    opt = torch.optim.Adam(learner.parameters(), lr=cfg['lr'], eps=1e-7)

    def loss_of(start_maps):
        maps, features = learner.body(x)
        ce = F.cross_entropy(learner.head_logits(features), y)
        if reg == 'l2-sp':
            penalty = l2_sp(learner.w, start.w, r['alpha'], r['beta'])
        elif reg == 'bss':
            penalty = bss(features, r['k'])
        else:
            penalty = delta(maps, start_maps, cw)
        return ce + r['weight'] * penalty

    start_maps = lambda: start.body(x)[0]  # noqa: E731
    if reg == 'delta':
        initial = loss_at_init(lambda: loss_of(start_maps()))
        step = kd_step(opt, start_maps, loss_of)
    else:
        initial = loss_at_init(lambda: loss_of(None))
        step = lambda: train_step(opt, lambda: loss_of(None))  # noqa: E731
    emit_step(f'finetune-{reg}', measure(step, args), args, initial, regulariser=reg)


if __name__ == '__main__':
    main()
