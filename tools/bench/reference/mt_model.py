"""@kt/mt's Transformer (packages/mt/src/models/transformer.ts) in PyTorch, on kt's weight names and layout.

Pre-LN encoder-decoder: shared embedding [V, D] scaled by sqrt(D) + sinusoidal positions, tied output projection
(logits = h @ E^T + output.bias), fused q|k|v self-attention projection and k|v cross-attention projection
(x @ W + b, W [in, out]), ReLU FFN, final LN on both sides, additive -1e9 masks for padding and causality,
dropout on the embedded input and every residual branch when training. Incremental decoding with a KV cache
(self-attention K/V appended per step, cross-attention K/V computed once), as kt's decodeStep.
"""
import math

import torch
import torch.nn.functional as F

MASK_BIAS = -1e9


def sinusoidal_positions(max_len, d):
    pe = torch.zeros(max_len, d)
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    i = torch.arange(0, d, 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, i / d)
    pe[:, 0::2] = torch.sin(angle).float()
    pe[:, 1::2] = torch.cos(angle[:, : d // 2]).float()
    return pe


def weight_shapes(cfg):
    """kt's weight names and shapes, in construction order."""
    v, d, f = cfg['vocabSize'], cfg['dModel'], cfg['ffDim']
    shapes = {'embedding': [v, d], 'output.bias': [v]}
    ln = lambda p: {f'{p}.gamma': [d], f'{p}.beta': [d]}
    self_attn = lambda p: {f'{p}.wqkv': [d, 3 * d], f'{p}.bqkv': [3 * d], f'{p}.wo': [d, d], f'{p}.bo': [d]}
    ffn = lambda p: {f'{p}.w1': [d, f], f'{p}.b1': [f], f'{p}.w2': [f, d], f'{p}.b2': [d]}
    for i in range(cfg['encoderLayers']):
        p = f'encoder.{i}'
        shapes.update({**ln(f'{p}.norm1'), **self_attn(f'{p}.selfAttn'), **ln(f'{p}.norm2'), **ffn(f'{p}.ffn')})
    shapes.update(ln('encoder.norm'))
    for i in range(cfg['decoderLayers']):
        p = f'decoder.{i}'
        shapes.update({**ln(f'{p}.norm1'), **self_attn(f'{p}.selfAttn'), **ln(f'{p}.norm2')})
        shapes.update({f'{p}.crossAttn.wq': [d, d], f'{p}.crossAttn.bq': [d], f'{p}.crossAttn.wkv': [d, 2 * d],
                       f'{p}.crossAttn.bkv': [2 * d], f'{p}.crossAttn.wo': [d, d], f'{p}.crossAttn.bo': [d]})
        shapes.update({**ln(f'{p}.norm3'), **ffn(f'{p}.ffn')})
    shapes.update(ln('decoder.norm'))
    return shapes


def init_weights(cfg, seed):
    """kt's initialisation scheme (glorot uniform, embedding uniform(+-sqrt(3/D)), LN ones/zeros, zero biases)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in weight_shapes(cfg).items():
        leaf = name.rsplit('.', 1)[-1]
        if name == 'embedding':
            lim = math.sqrt(3 / shape[1])
            out[name] = (torch.rand(*shape, generator=g) * 2 - 1) * lim
        elif leaf == 'gamma':
            out[name] = torch.ones(shape)
        elif len(shape) == 1:
            out[name] = torch.zeros(shape)
        else:
            lim = math.sqrt(6 / (shape[0] + shape[1]))
            out[name] = (torch.rand(*shape, generator=g) * 2 - 1) * lim
    return out


class KtTransformer:
    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.d = cfg['dModel']
        self.h = cfg['heads']
        self.dh = self.d // self.h
        missing = set(weight_shapes(cfg)) - set(weights)
        if missing:
            raise ValueError(f'missing weights: {sorted(missing)[:5]}')
        self.w = weights
        self.positions = sinusoidal_positions(cfg.get('maxLen', 128), self.d)
        self.pad = cfg.get('padId', 0)
        self.dropout = cfg.get('dropout', 0.0)

    def parameters(self):
        return list(self.w.values())

    # ---------------------------------------------------------------- pieces
    def _ln(self, x, p):
        return F.layer_norm(x, (self.d,), self.w[f'{p}.gamma'], self.w[f'{p}.beta'], 1e-5)

    def _lin(self, x, w, b):
        shape = x.shape
        return torch.addmm(self.w[b], x.reshape(-1, shape[-1]), self.w[w]).view(*shape[:-1], -1)

    def _heads(self, x, parts):
        # [N, T, P*D] -> P tensors [N, H, T, dh]
        n, t, _ = x.shape
        y = x.view(n, t, parts, self.h, self.dh).permute(2, 0, 3, 1, 4)
        return [y[i] for i in range(parts)]

    def _attend(self, q, k, v, bias):
        scores = q @ k.transpose(-1, -2) * (1 / math.sqrt(self.dh))
        if bias is not None:
            scores = scores + bias
        return torch.softmax(scores, dim=-1) @ v

    def _merge(self, a):
        n, h, t, dh = a.shape
        return a.transpose(1, 2).reshape(n, t, h * dh)

    def _drop(self, x, training):
        return F.dropout(x, self.dropout, training) if training and self.dropout > 0 else x

    def _embed(self, ids, offset, training):
        t = ids.shape[1]
        e = F.embedding(ids, self.w['embedding']) * math.sqrt(self.d) + self.positions[offset:offset + t]
        return self._drop(e, training)

    def _ffn(self, x, p):
        return self._lin(torch.relu(self._lin(x, f'{p}.w1', f'{p}.b1')), f'{p}.w2', f'{p}.b2')

    def _pad_bias(self, ids):
        return ((ids == self.pad).float() * MASK_BIAS)[:, None, None, :]

    def project(self, h):
        return h @ self.w['embedding'].t() + self.w['output.bias']

    # ---------------------------------------------------------------- full passes
    def encode(self, src, training=False):
        bias = self._pad_bias(src)
        x = self._embed(src, 0, training)
        for i in range(self.cfg['encoderLayers']):
            p = f'encoder.{i}'
            q, k, v = self._heads(self._lin(self._ln(x, f'{p}.norm1'), f'{p}.selfAttn.wqkv', f'{p}.selfAttn.bqkv'), 3)
            x = x + self._drop(self._lin(self._merge(self._attend(q, k, v, bias)), f'{p}.selfAttn.wo', f'{p}.selfAttn.bo'), training)
            x = x + self._drop(self._ffn(self._ln(x, f'{p}.norm2'), f'{p}.ffn'), training)
        return self._ln(x, 'encoder.norm'), bias

    def forward(self, src, tgt_in, training=False):
        memory, cross_bias = self.encode(src, training)
        t = tgt_in.shape[1]
        self_bias = torch.triu(torch.full((t, t), MASK_BIAS), diagonal=1)[None, None] + self._pad_bias(tgt_in)
        x = self._embed(tgt_in, 0, training)
        for i in range(self.cfg['decoderLayers']):
            p = f'decoder.{i}'
            q, k, v = self._heads(self._lin(self._ln(x, f'{p}.norm1'), f'{p}.selfAttn.wqkv', f'{p}.selfAttn.bqkv'), 3)
            x = x + self._drop(self._lin(self._merge(self._attend(q, k, v, self_bias)), f'{p}.selfAttn.wo', f'{p}.selfAttn.bo'), training)
            ck, cv = self._heads(self._lin(memory, f'{p}.crossAttn.wkv', f'{p}.crossAttn.bkv'), 2)
            x = x + self._drop(self._cross(x, p, ck, cv, cross_bias), training)
            x = x + self._drop(self._ffn(self._ln(x, f'{p}.norm3'), f'{p}.ffn'), training)
        return self.project(self._ln(x, 'decoder.norm'))

    def _cross(self, x, p, ck, cv, bias):
        q = self._heads(self._lin(self._ln(x, f'{p}.norm2'), f'{p}.crossAttn.wq', f'{p}.crossAttn.bq'), 1)[0]
        return self._lin(self._merge(self._attend(q, ck, cv, bias)), f'{p}.crossAttn.wo', f'{p}.crossAttn.bo')

    # ---------------------------------------------------------------- incremental decoding (KV cache)
    def init_cache(self, memory, cross_bias):
        cross = [self._heads(self._lin(memory, f'decoder.{i}.crossAttn.wkv', f'decoder.{i}.crossAttn.bkv'), 2)
                 for i in range(self.cfg['decoderLayers'])]
        return {'step': 0, 'keys': [None] * len(cross), 'values': [None] * len(cross), 'self_bias': None,
                'cross': cross, 'cross_bias': cross_bias}

    def decode_step(self, cache, tokens):
        """tokens [N] at position cache['step'] -> (logits [N, V], cache) (the cache is updated in place)."""
        n = tokens.shape[0]
        ids = tokens.view(n, 1)
        x = self._embed(ids, cache['step'], False)
        step_bias = self._pad_bias(ids)
        self_bias = step_bias if cache['self_bias'] is None else torch.cat([cache['self_bias'], step_bias], 3)
        for i in range(self.cfg['decoderLayers']):
            p = f'decoder.{i}'
            q, k, v = self._heads(self._lin(self._ln(x, f'{p}.norm1'), f'{p}.selfAttn.wqkv', f'{p}.selfAttn.bqkv'), 3)
            if cache['keys'][i] is not None:
                k = torch.cat([cache['keys'][i], k], 2)
                v = torch.cat([cache['values'][i], v], 2)
            cache['keys'][i], cache['values'][i] = k, v
            x = x + self._lin(self._merge(self._attend(q, k, v, self_bias)), f'{p}.selfAttn.wo', f'{p}.selfAttn.bo')
            ck, cv = cache['cross'][i]
            x = x + self._cross(x, p, ck, cv, cache['cross_bias'])
            x = x + self._ffn(self._ln(x, f'{p}.norm3'), f'{p}.ffn')
        cache['self_bias'] = self_bias
        cache['step'] += 1
        return self.project(self._ln(x, 'decoder.norm')).view(n, -1), cache

    @staticmethod
    def reorder_cache(cache, index):
        cache['keys'] = [k.index_select(0, index) for k in cache['keys']]
        cache['values'] = [v.index_select(0, index) for v in cache['values']]
        cache['self_bias'] = cache['self_bias'].index_select(0, index)
        return cache
