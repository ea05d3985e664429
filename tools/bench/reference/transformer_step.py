"""PyTorch reference of tools/bench/kernels/transformer.mjs: one training step of the benchmark decoder-only
transformer (2 pre-LN layers, D128, 4 heads, T64, batch 8, vocab 512, GELU (tanh) MLP 4x, final LN, untied output
projection, mean softmax cross-entropy, Adam lr 1e-3, eps 1e-7 as tfjs). Same layout as kt's weights
(x @ W + b, packed q|k|v projection), so kt's initial weights load unchanged and the first loss must agree.

  python3 transformer_step.py [--threads 1|0] [--weights PREFIX] [--min-steps 5 --max-steps 25 --budget-ms 2500]
"""
import math

import torch
import torch.nn.functional as F

from common import emit_step, measure, parse_args, read_weights, train_step

CFG = {'layers': 2, 'dModel': 128, 'heads': 4, 'seqLen': 64, 'batch': 8, 'vocab': 512, 'mlp': 4}
BLOCK_KEYS = ['ln1G', 'ln1B', 'wqkv', 'bqkv', 'wo', 'bo', 'ln2G', 'ln2B', 'w1', 'b1', 'w2', 'b2']


def init_params(cfg):
    """Used without --weights: same scheme as kt (normal 0.02, LN ones/zeros, zero biases), other draws."""
    d, v, t, m = cfg['dModel'], cfg['vocab'], cfg['seqLen'], cfg['mlp']
    g = torch.Generator().manual_seed(1)
    n = lambda *shape: torch.randn(*shape, generator=g) * 0.02
    p = {'emb': n(v, d), 'pos': n(t, d), 'out': n(d, v), 'lnfG': torch.ones(d), 'lnfB': torch.zeros(d)}
    for i in range(cfg['layers']):
        b = {'ln1G': torch.ones(d), 'ln1B': torch.zeros(d), 'wqkv': n(d, 3 * d), 'bqkv': torch.zeros(3 * d),
             'wo': n(d, d), 'bo': torch.zeros(d), 'ln2G': torch.ones(d), 'ln2B': torch.zeros(d),
             'w1': n(d, m * d), 'b1': torch.zeros(m * d), 'w2': n(m * d, d), 'b2': torch.zeros(d)}
        p.update({f'blocks.{i}.{k}': x for k, x in b.items()})
    gen = torch.Generator().manual_seed(7)
    seq = torch.randint(0, v, (cfg['batch'], t + 1), generator=gen, dtype=torch.int64)
    return p, seq[:, :-1], seq[:, 1:]


def loss_fn(p, tokens, targets, cfg):
    d, h, v = cfg['dModel'], cfg['heads'], cfg['vocab']
    b, t = tokens.shape
    dh = d // h
    x = F.embedding(tokens, p['emb']) + p['pos']
    causal = torch.triu(torch.full((t, t), -1e9), diagonal=1)
    for i in range(cfg['layers']):
        w = lambda k: p[f'blocks.{i}.{k}']
        hN = F.layer_norm(x, (d,), w('ln1G'), w('ln1B'), 1e-5)
        qkv = torch.addmm(w('bqkv'), hN.reshape(b * t, d), w('wqkv')).view(b, t, 3, h, dh).permute(2, 0, 3, 1, 4)
        q, k, vv = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(dh)) + causal, dim=-1) @ vv
        merged = att.transpose(1, 2).reshape(b * t, d)
        x = x + torch.addmm(w('bo'), merged, w('wo')).view(b, t, d)
        h2 = F.layer_norm(x, (d,), w('ln2G'), w('ln2B'), 1e-5).reshape(b * t, d)
        m = F.gelu(torch.addmm(w('b1'), h2, w('w1')), approximate='tanh')
        x = x + torch.addmm(w('b2'), m, w('w2')).view(b, t, d)
    logits = F.layer_norm(x, (d,), p['lnfG'], p['lnfB'], 1e-5).reshape(b * t, d) @ p['out']
    return F.cross_entropy(logits, targets.reshape(-1))


def main():
    args = parse_args(__doc__)
    cfg = dict(CFG)
    if args.weights:
        w, meta = read_weights(args.weights)
        cfg.update(meta.get('config', {}))
        tokens, targets = w.pop('tokens').long(), w.pop('targets').long()
        params = w
    else:
        params, tokens, targets = init_params(cfg)
    params = {k: x.clone().requires_grad_(True) for k, x in params.items()}
    opt = torch.optim.Adam(params.values(), lr=1e-3, eps=1e-7)
    first = []

    def step():
        value = train_step(opt, lambda: loss_fn(params, tokens, targets, cfg))
        if not first:
            first.append(value)
        return value

    r = measure(step, args)
    emit_step('transformer', r, args, first[0])


if __name__ == '__main__':
    main()
