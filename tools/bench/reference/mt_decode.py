"""PyTorch reference of kt's MT decoding throughput (tools/bench/kernels/step-worker.mjs --case=greedy|beam):
@kt/mt's Transformer at the shapes of tools/bench/mt-decode (V 8000, D256, 4 heads, FF1024, 3+3 layers), a batch of
32 source sentences of 20 tokens, `--steps` output tokens with a KV cache (self-attention K/V appended per step,
cross-attention K/V computed once). Both sides run exactly `--steps` steps (no stop at EOS, so the work is the same
whatever a random model emits). Greedy: argmax per step. Beam (k): log-softmax + running scores, top-k over
[B, k*V], cache rows reordered by parent. Sample: softmax and torch.multinomial per step (temperature 1, the full
vocabulary: what HF generate(do_sample=True) does, and on-policy KD — TRL's GKD — decodes with). With --weights (kt's model and source batch) the greedy tokens are
compared with kt's (sameTokens: fraction of equal tokens).

  python3 mt_decode.py --mode greedy|beam|sample [--beam 4] [--steps 20] [--threads 1|0] [--weights PREFIX]
"""
import torch

from common import emit, measure, parse_args, read_weights
from mt_model import KtTransformer, init_weights

DECODE = {'vocabSize': 8000, 'dModel': 256, 'heads': 4, 'ffDim': 1024, 'encoderLayers': 3, 'decoderLayers': 3,
          'maxLen': 64, 'dropout': 0.0, 'padId': 0, 'bosId': 1, 'batch': 32, 'srcLen': 20}


def extra(p):
    p.add_argument('--mode', choices=['greedy', 'beam', 'sample'], default='greedy')
    p.add_argument('--beam', type=int, default=4)
    p.add_argument('--steps', type=int, default=20)


def decode(model, src, steps, bos, choose):
    """`steps` cached decoding steps from BOS; choose(logits [N, V]) -> next ids [N]."""
    memory, bias = model.encode(src)
    cache = model.init_cache(memory, bias)
    feed = torch.full((src.shape[0],), bos, dtype=torch.int64)
    out = []
    for _ in range(steps):
        logits, cache = model.decode_step(cache, feed)
        feed = choose(logits)
        out.append(feed)
    return torch.stack(out, 1)


def greedy(model, src, steps, bos):
    return decode(model, src, steps, bos, lambda logits: logits.argmax(-1))


def sample(model, src, steps, bos, generator):
    return decode(model, src, steps, bos, lambda logits: torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1))


def beam_search(model, src, steps, bos, k):
    b = src.shape[0]
    memory, bias = model.encode(src)
    rows = torch.arange(b).repeat_interleave(k)
    cache = model.init_cache(memory.index_select(0, rows), bias.index_select(0, rows))
    scores = torch.full((b * k, 1), float('-inf'))
    scores[::k] = 0
    feed = torch.full((b * k,), bos, dtype=torch.int64)
    tokens = torch.zeros(b * k, 0, dtype=torch.int64)
    for _ in range(steps):
        logits, cache = model.decode_step(cache, feed)
        vocab = logits.shape[-1]
        total = (torch.log_softmax(logits, -1) + scores).view(b, k * vocab)
        top, idx = total.topk(k, dim=-1)
        parents = (torch.arange(b).unsqueeze(1) * k + idx // vocab).view(-1)
        feed = (idx % vocab).view(-1)
        scores = top.view(-1, 1)
        tokens = torch.cat([tokens.index_select(0, parents), feed.unsqueeze(1)], 1)
        cache = model.reorder_cache(cache, parents)
    return tokens.view(b, k, -1)[:, 0]


def main():
    args = parse_args(__doc__, extra)
    cfg = dict(DECODE)
    kt_tokens = None
    if args.weights:
        w, meta = read_weights(args.weights)
        src = w.pop('src').long()
        kt_tokens = w.pop('greedyTokens', None)
        weights = {k[len('model.'):]: v for k, v in w.items() if k.startswith('model.')}
        cfg.update(meta.get('config', {}))
    else:
        weights = init_weights(cfg, 1)
        g = torch.Generator().manual_seed(7)
        src = torch.randint(3, cfg['vocabSize'], (cfg['batch'], cfg['srcLen']), generator=g)
    model = KtTransformer(cfg, weights)
    bos = cfg['bosId']
    extra_fields = {}
    with torch.inference_mode():
        if args.mode == 'greedy':
            run = lambda: greedy(model, src, args.steps, bos)
            if kt_tokens is not None:
                ours = run()
                n = min(ours.shape[1], kt_tokens.shape[1])
                extra_fields['sameTokens'] = round((ours[:, :n] == kt_tokens[:, :n].long()).float().mean().item(), 4)
        elif args.mode == 'sample':
            generator = torch.Generator().manual_seed(13)
            run = lambda: sample(model, src, args.steps, bos, generator)
        else:
            run = lambda: beam_search(model, src, args.steps, bos, args.beam)
        r = measure(lambda: (run(), None)[1], args)
    sentences = src.shape[0]
    r['sentencesPerSecond'] = round(sentences / (r['wallMs'] / 1e3), 2)
    emit(args.mode, r, args, beam=args.beam if args.mode == 'beam' else 1, tokens=args.steps,
         sentences=sentences, sameWeights=bool(args.weights), **extra_fields)


if __name__ == '__main__':
    main()
