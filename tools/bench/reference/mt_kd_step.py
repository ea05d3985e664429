"""PyTorch reference of tools/bench/kernels/mt-kd-step.mjs: the MT learner's word-level KD step. Learner
(D256, 4 heads, FF1024, 2+2 layers, ReLU, dropout 0.1) and teacher (3+3 layers) are @kt/mt's Transformer
(mt_model.py), joint vocabulary 6000, tied embeddings, batch 32 sentences of 12-20 tokens. Teacher forward
without gradient, forward KL(teacher || learner) summed over the vocabulary and averaged over real target tokens
(@kt/core's forwardKl) — or with --divergence jsd the generalized JSD at beta 0.5 as HF TRL's GKD defines it
(@kt/core's generalizedJsd) — Adam lr 1e-3 eps 1e-7. With --weights (kt's learner/teacher weights and batch) the
loss at init without dropout (initialLoss) must equal kt's.

  python3 mt_kd_step.py [--divergence forward|jsd] [--threads 1|0] [--weights PREFIX]
"""
import math

import torch

from common import emit_step, forward_kl_rows, kd_step, loss_at_init, measure, parse_args, read_weights
from mt_model import KtTransformer, init_weights

MT_KD = {
    'vocab': 6000, 'batch': 32, 'srcLen': 20, 'tgtLen': 20,
    'learner': {'dModel': 256, 'heads': 4, 'ffDim': 1024, 'encoderLayers': 2, 'decoderLayers': 2},
    'teacher': {'dModel': 256, 'heads': 4, 'ffDim': 1024, 'encoderLayers': 3, 'decoderLayers': 3},
}


def model_cfg(cfg, which):
    return {'vocabSize': cfg['vocab'], 'maxLen': 64, 'dropout': 0.1, 'padId': 0, **cfg[which]}


def random_batch(cfg):
    g = torch.Generator().manual_seed(11)
    b = cfg['batch']
    lens_s = torch.randint(12, cfg['srcLen'] + 1, (b,), generator=g)
    lens_t = torch.randint(12, cfg['tgtLen'], (b,), generator=g)
    src = torch.zeros(b, cfg['srcLen'], dtype=torch.int64)
    tgt_in = torch.zeros(b, cfg['tgtLen'], dtype=torch.int64)
    mask = torch.zeros(b, cfg['tgtLen'])
    for i in range(b):
        src[i, : lens_s[i]] = torch.randint(3, cfg['vocab'], (int(lens_s[i]),), generator=g)
        tgt_in[i, 0] = 1
        tgt_in[i, 1 : lens_t[i] + 1] = torch.randint(3, cfg['vocab'], (int(lens_t[i]),), generator=g)
        mask[i, : lens_t[i] + 1] = 1
    return src, tgt_in, mask


def forward_kl(teacher_logits, learner_logits, mask):
    kl = forward_kl_rows(teacher_logits, learner_logits)
    return (kl * mask).sum() / mask.sum().clamp_min(1e-30)


def generalized_jsd(teacher_logits, learner_logits, mask, beta=0.5):
    """beta*KL(pt||M) + (1-beta)*KL(pl||M), M = beta*pt + (1-beta)*pl, per token, masked mean (TRL's
    generalized_jsd_loss with kt's reduction); log M by logsumexp of the weighted log-probabilities."""
    log_pt = torch.log_softmax(teacher_logits, -1)
    log_pl = torch.log_softmax(learner_logits, -1)
    log_m = torch.logsumexp(torch.stack([log_pt + math.log(beta), log_pl + math.log(1 - beta)]), 0)
    kl_t = (log_pt.exp() * (log_pt - log_m)).sum(-1)
    kl_l = (log_pl.exp() * (log_pl - log_m)).sum(-1)
    jsd = beta * kl_t + (1 - beta) * kl_l
    return (jsd * mask).sum() / mask.sum().clamp_min(1e-30)


def main():
    args = parse_args(__doc__, lambda p: p.add_argument('--divergence', choices=['forward', 'jsd'], default='forward'))
    div = forward_kl if args.divergence == 'forward' else generalized_jsd
    cfg = MT_KD
    lcfg, tcfg = model_cfg(cfg, 'learner'), model_cfg(cfg, 'teacher')
    if args.weights:
        w, _meta = read_weights(args.weights)
        src, tgt_in, mask = w.pop('batch.src').long(), w.pop('batch.tgtIn').long(), w.pop('batch.mask')
        lw = {k[len('learner.'):]: v for k, v in w.items() if k.startswith('learner.')}
        tw = {k[len('teacher.'):]: v for k, v in w.items() if k.startswith('teacher.')}
    else:
        lw, tw = init_weights(lcfg, 1), init_weights(tcfg, 2)
        src, tgt_in, mask = random_batch(cfg)
    learner = KtTransformer(lcfg, {k: v.clone().requires_grad_(True) for k, v in lw.items()})
    teacher = KtTransformer(tcfg, tw)
    opt = torch.optim.Adam(learner.parameters(), lr=1e-3, eps=1e-7)
    initial = loss_at_init(lambda: div(teacher.forward(src, tgt_in), learner.forward(src, tgt_in), mask))
    step = kd_step(opt, lambda: teacher.forward(src, tgt_in), lambda t_logits: div(t_logits, learner.forward(src, tgt_in, training=True), mask))
    emit_step('mt-kd' if args.divergence == 'forward' else 'mt-kd-jsd', measure(step, args), args, initial)


if __name__ == '__main__':
    main()
