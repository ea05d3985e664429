"""PyTorch reference of the kg benchmark's speed rows (tools/bench/kg/run.mjs --part speed).

Same model, loss and batch as kt's: TransE (L2) or RotatE with RotatE's self-adversarial negative sampling,
uniform head/tail corruption, Adam; reports training triples/s over timed steps after a warm-up, and the wall
time of the full filtered evaluation of WN18RR's test set (3,134 triples, both directions, every one of the
40,943 entities, realistic ranks for ties) in query batches. Reads WN18RR from --data (the entities.dict layout).
Prints one JSON object. Usage:
  /usr/bin/python3 tools/bench/reference/kg_speed.py --data ../shared/data/wn18rr --model transe --dim 128 \
      --negatives 128 --batch 512 --steps 20 --threads 2
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument('--data', required=True)
parser.add_argument('--model', choices=['transe', 'rotate'], default='transe')
parser.add_argument('--dim', type=int, default=128)
parser.add_argument('--gamma', type=float, default=6.0)
parser.add_argument('--negatives', type=int, default=128)
parser.add_argument('--batch', type=int, default=512)
parser.add_argument('--steps', type=int, default=20)
parser.add_argument('--warmup', type=int, default=3)
parser.add_argument('--eval-batch', type=int, default=128)
parser.add_argument('--eval-max', type=int, default=0, help='rank only the first N test triples (0 = all)')
parser.add_argument('--threads', type=int, default=2)
args = parser.parse_args()
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(var, str(args.threads))
import torch  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)


def read_dict(path):
    out = {}
    with open(path) as f:
        for line in f:
            i, name = line.rstrip('\n').split('\t')
            out[name] = int(i)
    return out


ents = read_dict(os.path.join(args.data, 'entities.dict'))
rels = read_dict(os.path.join(args.data, 'relations.dict'))


def read_split(name):
    rows = []
    with open(os.path.join(args.data, name + '.txt')) as f:
        for line in f:
            h, r, t = line.rstrip('\n').split('\t')
            rows.append((ents[h], rels[r], ents[t]))
    return torch.tensor(rows, dtype=torch.long)


train, valid, test = read_split('train'), read_split('valid'), read_split('test')
N, M, D = len(ents), len(rels), args.dim
rng = (args.gamma + 2) / D
if args.model == 'transe':
    E = torch.nn.Parameter(torch.empty(N, D).uniform_(-rng, rng))
    R = torch.nn.Parameter(torch.empty(M, D).uniform_(-rng, rng))
else:
    E = torch.nn.Parameter(torch.empty(N, 2 * D).uniform_(-rng, rng))
    R = torch.nn.Parameter(torch.empty(M, D).uniform_(-3.14159, 3.14159))
opt = torch.optim.Adam([E, R], lr=0.005)


def query(direction, a, r):
    if args.model == 'transe':
        return a + r if direction == 'tail' else a - r
    ar, ai = a.chunk(2, -1)
    c, s = torch.cos(r), torch.sin(r)
    if direction == 'head':
        s = -s
    return torch.cat([ar * c - ai * s, ar * s + ai * c], -1)


def pair(q, e):
    if args.model == 'transe':
        return args.gamma - torch.sqrt(((q - e) ** 2).sum(-1) + 1e-9)
    qr, qi = q.chunk(2, -1)
    er, ei = e.chunk(2, -1)
    return args.gamma - torch.sqrt((qr - er) ** 2 + (qi - ei) ** 2 + 1e-9).sum(-1)


def all_scores(q):
    if args.model == 'transe':
        sq = (q * q).sum(-1, keepdim=True) - 2 * q @ E.t() + (E * E).sum(-1)[None, :]
        return args.gamma - torch.sqrt(sq.clamp_min(0) + 1e-9)
    out = []
    for start in range(0, N, 4096):
        out.append(pair(q[:, None, :], E[None, start:start + 4096, :]))
    return torch.cat(out, 1)


gen = torch.Generator().manual_seed(0)


def step():
    idx = torch.randint(0, len(train), (args.batch,), generator=gen)
    h, r, t = train[idx, 0], train[idx, 1], train[idx, 2]
    neg = torch.randint(0, N, (args.batch, args.negatives), generator=gen)
    head = torch.rand(args.batch, generator=gen) < 0.5
    nh = torch.where(head[:, None], neg, h[:, None])
    nt = torch.where(head[:, None], t[:, None], neg)
    pos = pair(query('tail', E[h], R[r]), E[t])
    negs = pair(query('tail', E[nh], R[r][:, None, :]), E[nt])
    w = torch.softmax(negs * 0.5, -1).detach()
    loss = (torch.nn.functional.softplus(-pos).mean() + (w * torch.nn.functional.softplus(negs)).sum(-1).mean()) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss)


for _ in range(args.warmup):
    step()
t0 = time.perf_counter()
for _ in range(args.steps):
    step()
train_seconds = time.perf_counter() - t0

known_t, known_h = {}, {}
for split in (train, valid, test):
    for h, r, t in split.tolist():
        known_t.setdefault((h, r), set()).add(t)
        known_h.setdefault((r, t), set()).add(h)

ev = test if args.eval_max <= 0 else test[:args.eval_max]
t0 = time.perf_counter()
ranks = []
with torch.no_grad():
    for start in range(0, len(ev), args.eval_batch):
        b = ev[start:start + args.eval_batch]
        for direction in ('tail', 'head'):
            anchor, answer = (b[:, 0], b[:, 2]) if direction == 'tail' else (b[:, 2], b[:, 0])
            scores = all_scores(query(direction, E[anchor], R[b[:, 1]]))
            target = scores.gather(1, answer[:, None])
            for i, (h, r, t) in enumerate(b.tolist()):
                others = known_t[(h, r)] if direction == 'tail' else known_h[(r, t)]
                ans = t if direction == 'tail' else h
                filt = [e for e in others if e != ans]
                if filt:
                    scores[i, filt] = float('-inf')
            greater = (scores > target).sum(1)
            equal = (scores == target).sum(1) - 1
            ranks.extend((1 + greater + equal / 2).tolist())
eval_seconds = time.perf_counter() - t0
ranks_t = torch.tensor(ranks, dtype=torch.float64)
print(json.dumps({
    'model': args.model, 'dim': D, 'negatives': args.negatives, 'batch': args.batch, 'threads': args.threads,
    'torch': torch.__version__, 'steps': args.steps,
    'triplesPerSecond': args.batch * args.steps / train_seconds,
    'evalTriples': len(ev), 'evalSeconds': eval_seconds,
    'untrainedMrr': float((1 / ranks_t).mean()),
}))
