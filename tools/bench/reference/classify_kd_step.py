"""PyTorch reference of tools/bench/kernels/classify-kd-step.mjs: the classify plugin's KD step. Teacher: @kt/vision's
ResNet (widths 16-32-64, one basic block a stage, BatchNorm in eval mode, global average pooling), no gradient;
learner: @kt/vision's CNN (conv3x3 16 + ReLU + max-pool 2, conv3x3 32 + ReLU + max-pool 2, dense 64 ReLU, logits),
28x28x1 images, batch 64, 10 classes. Loss 0.5 * CE(labels) + 0.5 * forward KL(teacher || learner) at temperature 4
(times 4^2, mean over the batch; @kt/core's createTransferObjective with alpha 0.5), Adam lr 1e-3 eps 1e-7.
kt's layouts: NHWC activations (flattened in h, w, c order), conv kernels [kh, kw, in, out], dense kernels [in, out],
TensorFlow 'same' padding (the extra row / column after, for stride 2). With --weights (kt's weights and batch) the
loss at init (initialLoss) must equal kt's.

  python3 classify_kd_step.py [--threads 1|0] [--weights PREFIX]
"""
import math

import torch
import torch.nn.functional as F

from common import conv_same, emit_step, forward_kl_rows, kd_step, loss_at_init, measure, parse_args, read_weights

CLASSIFY_KD = {
    'batch': 64, 'height': 28, 'width': 28, 'channels': 1, 'classes': 10,
    'teacherWidths': [16, 32, 64], 'learnerChannels': [16, 32], 'learnerDense': 64,
    'alpha': 0.5, 'temperature': 4.0, 'lr': 1e-3, 'bnEps': 1e-5,
}


def kt_weights_from_init(cfg):
    """Random weights of kt's shapes (for a run without --weights: throughput only, no loss check)."""
    g = torch.Generator().manual_seed(0)
    w = {}

    def he(name, shape, fan_in):
        w[name] = torch.randn(*shape, generator=g) * math.sqrt(2 / fan_in)

    def bn(name, c):
        w[f'{name}/gamma'], w[f'{name}/beta'] = torch.ones(c), torch.zeros(c)
        w[f'{name}/runningMean'], w[f'{name}/runningVariance'] = torch.zeros(c), torch.ones(c)

    widths, cin = cfg['teacherWidths'], cfg['channels']
    he('teacher.stem/conv/kernel', (3, 3, cin, widths[0]), 9 * cin)
    bn('teacher.stem/bn', widths[0])
    cin = widths[0]
    for s, cout in enumerate(widths):
        key = f'teacher.stage{s}/block0'
        he(f'{key}/conv1/kernel', (3, 3, cin, cout), 9 * cin)
        bn(f'{key}/bn1', cout)
        he(f'{key}/conv2/kernel', (3, 3, cout, cout), 9 * cout)
        bn(f'{key}/bn2', cout)
        if s > 0 or cin != cout:
            he(f'{key}/shortcut/conv/kernel', (1, 1, cin, cout), cin)
            bn(f'{key}/shortcut/bn', cout)
        cin = cout
    he('teacher.output/kernel', (cin, cfg['classes']), cin)
    w['teacher.output/bias'] = torch.zeros(cfg['classes'])
    c, h = cfg['channels'], cfg['height']
    for i, cout in enumerate(cfg['learnerChannels']):
        he(f'learner.conv{i}/kernel', (3, 3, c, cout), 9 * c)
        w[f'learner.conv{i}/bias'] = torch.zeros(cout)
        c, h = cout, h // 2
    flat = h * h * c
    he('learner.dense0/kernel', (flat, cfg['learnerDense']), flat)
    w['learner.dense0/bias'] = torch.zeros(cfg['learnerDense'])
    he('learner.output/kernel', (cfg['learnerDense'], cfg['classes']), cfg['learnerDense'])
    w['learner.output/bias'] = torch.zeros(cfg['classes'])
    x = torch.rand(cfg['batch'], cfg['height'], cfg['width'], cfg['channels'], generator=g)
    y = torch.randint(0, cfg['classes'], (cfg['batch'],), generator=g)
    return w, x, y


class KtResNet:
    """@kt/vision's createResNet forward (eval mode: BatchNorm with the running statistics)."""

    def __init__(self, w, widths, eps):
        self.w, self.widths, self.eps = w, widths, eps

    def bn(self, x, name):
        w = self.w
        return F.batch_norm(x, w[f'{name}/runningMean'], w[f'{name}/runningVariance'], w[f'{name}/gamma'], w[f'{name}/beta'],
                            training=False, eps=self.eps)

    def forward(self, x):
        w = self.w
        h = F.relu(self.bn(conv_same(x, w['stem/conv/kernel'], 1), 'stem/bn'))
        for s, _ in enumerate(self.widths):
            key = f'stage{s}/block0'
            stride = 2 if s > 0 else 1
            main = F.relu(self.bn(conv_same(h, w[f'{key}/conv1/kernel'], stride), f'{key}/bn1'))
            main = self.bn(conv_same(main, w[f'{key}/conv2/kernel'], 1), f'{key}/bn2')
            if f'{key}/shortcut/conv/kernel' in w:
                skip = self.bn(conv_same(h, w[f'{key}/shortcut/conv/kernel'], stride), f'{key}/shortcut/bn')
            else:
                skip = h
            h = F.relu(main + skip)
        pooled = h.mean(dim=(2, 3))
        return pooled @ w['output/kernel'] + w['output/bias']


class KtCnn:
    """@kt/vision's createCnn forward: (conv3x3 same + bias, ReLU, max-pool 2x2) per block, dense ReLU, logits."""

    def __init__(self, w, blocks):
        self.w, self.blocks = w, blocks

    def parameters(self):
        return list(self.w.values())

    def forward(self, x):
        w = self.w
        h = x
        for i in range(self.blocks):
            h = F.relu(conv_same(h, w[f'conv{i}/kernel'], 1) + w[f'conv{i}/bias'].view(1, -1, 1, 1))
            h = F.max_pool2d(h, 2, 2)
        flat = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # kt flattens NHWC
        hidden = F.relu(flat @ w['dense0/kernel'] + w['dense0/bias'])
        return hidden @ w['output/kernel'] + w['output/bias']


def kd_loss(teacher_logits, learner_logits, labels, cfg):
    t = cfg['temperature']
    ce = F.cross_entropy(learner_logits, labels)
    kl = (forward_kl_rows(teacher_logits, learner_logits, t) * (t * t)).mean()
    return cfg['alpha'] * ce + (1 - cfg['alpha']) * kl


def main():
    args = parse_args(__doc__)
    cfg = CLASSIFY_KD
    if args.weights:
        w, _meta = read_weights(args.weights)
        x, y = w.pop('batch.x'), w.pop('batch.y').long()
    else:
        w, x, y = kt_weights_from_init(cfg)
    x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    lw = {k[len('learner.'):]: v.clone().requires_grad_(True) for k, v in w.items() if k.startswith('learner.')}
    tw = {k[len('teacher.'):]: v for k, v in w.items() if k.startswith('teacher.')}
    teacher = KtResNet(tw, cfg['teacherWidths'], cfg['bnEps'])
    learner = KtCnn(lw, len(cfg['learnerChannels']))
    opt = torch.optim.Adam(learner.parameters(), lr=cfg['lr'], eps=1e-7)
    initial = loss_at_init(lambda: kd_loss(teacher.forward(x), learner.forward(x), y, cfg))
    step = kd_step(opt, lambda: teacher.forward(x), lambda t_logits: kd_loss(t_logits, learner.forward(x), y, cfg))
    emit_step('classify-kd', measure(step, args), args, initial)


if __name__ == '__main__':
    main()
