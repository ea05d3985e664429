"""PyTorch reference of tools/bench/kernels/recognition-step.mjs: the synthesis plugin's recognition-model training
step. @kt/synthesis's RecognitionModel: characters of each printed example embedded (padding 0 masked out), sum-pooled
and scaled by 1/8, a GELU (tanh) layer, averaged over each task's examples; the description's word buckets embedded and
averaged; both concatenated through a GELU layer to unigram log-weights over the grammar's choices. Loss: per choice
point of each program, cross-entropy over the choices open there (the others masked with -1e4), weighted by
1 / (programs of the task) and averaged (@kt/core's sequenceNll); Adam lr 0.01 eps 1e-7. kt builds the batch's dense
arrays from its prepared examples every step; here they are tensors made once (as a DataLoader would hand them over).
With --weights (kt's weights and batch; the config is read from the file) the loss at init must equal kt's.

  python3 recognition_step.py [--threads 1|0] [--weights PREFIX]
"""
import torch
import torch.nn.functional as F

from common import emit_step, loss_at_init, measure, parse_args, read_weights, train_step

RECOGNITION_STEP = {'embedding': 32, 'hidden': 64, 'outputs': 46, 'lr': 0.01, 'tasks': 16, 'examplesPerTask': 8,
                    'chars': 48, 'charBuckets': 257, 'wordBuckets': 256, 'pointsPerTask': 5}


def random_batch(cfg):
    """Weights of kt's shapes and a batch of the same sizes (throughput only, no loss check)."""
    g = torch.Generator().manual_seed(0)
    e, h, o = cfg['embedding'], cfg['hidden'], cfg['outputs']
    w = {
        'chars': torch.randn(cfg['charBuckets'], e, generator=g) * 0.3,
        'words': torch.randn(cfg['wordBuckets'], e, generator=g) * 0.3,
        'w1': torch.randn(e, h, generator=g) / e ** 0.5, 'b1': torch.zeros(h),
        'w2': torch.randn(h + e, h, generator=g) / (h + e) ** 0.5, 'b2': torch.zeros(h),
        'wo': torch.randn(h, o, generator=g) * 0.01, 'bo': torch.zeros(o),
    }
    t, per = cfg['tasks'], cfg['examplesPerTask']
    n = t * cfg['pointsPerTask']
    chars = torch.randint(0, cfg['charBuckets'], (t * per, cfg['chars']), generator=g)
    pool = torch.kron(torch.eye(t), torch.full((1, per), 1 / per))
    bag = torch.zeros(t, cfg['wordBuckets'])
    bag[torch.arange(t), torch.randint(0, cfg['wordBuckets'], (t,), generator=g)] = 1
    task_of = torch.arange(n) // cfg['pointsPerTask']
    targets = torch.randint(0, o, (n,), generator=g)
    masks = torch.zeros(n, o)
    return w, (chars, pool, bag, task_of, targets, masks, torch.ones(n))


def logits(w, chars, pool, bag):
    mask = (chars > 0).float().unsqueeze(-1)
    emb = F.embedding(chars, w['chars']) * mask
    pooled = emb.sum(1) * (1 / 8)
    per_example = F.gelu(pooled @ w['w1'] + w['b1'], approximate='tanh')
    examples = pool @ per_example
    words = bag @ w['words']
    h = F.gelu(torch.cat([examples, words], 1) @ w['w2'] + w['b2'], approximate='tanh')
    return h @ w['wo'] + w['bo']


def loss_fn(w, batch):
    chars, pool, bag, task_of, targets, masks, weights = batch
    rows = logits(w, chars, pool, bag)[task_of] + masks
    nll = F.cross_entropy(rows, targets, reduction='none')
    return (nll * weights).sum() / weights.sum()


def main():
    args = parse_args(__doc__)
    cfg = dict(RECOGNITION_STEP)
    if args.weights:
        t, meta = read_weights(args.weights)
        cfg.update(meta.get('config', {}))
        w = {k[len('model.'):]: v for k, v in t.items() if k.startswith('model.')}
        b = {k[len('batch.'):]: v for k, v in t.items() if k.startswith('batch.')}
        batch = (b['chars'].long(), b['pool'], b['bag'], b['taskOf'].long(), b['targets'].long(), b['masks'], b['weights'])
    else:
        w, batch = random_batch(cfg)
    w = {k: v.clone().requires_grad_(True) for k, v in w.items()}
    opt = torch.optim.Adam(w.values(), lr=cfg['lr'], eps=1e-7)
    initial = loss_at_init(lambda: loss_fn(w, batch))
    step = lambda: train_step(opt, lambda: loss_fn(w, batch))  # noqa: E731
    emit_step('recognition', measure(step, args), args, initial, choicePoints=int(batch[4].shape[0]))


if __name__ == '__main__':
    main()
