"""Shared helpers of the PyTorch reference benchmarks (tools/bench/reference/*.py).

Every script measures one step the way tools/bench/kernels/step-worker.mjs measures kt's: warm-up, then timed
steps until a budget; it prints one JSON object: median wall ms per step, CPU ms per step (time.process_time,
all threads of the process), peak RSS (resource.getrusage), torch version and thread count.
Weights and batches come from a kt weight file (written by tools/bench/reference/weights-file.mjs) so both sides
start from identical parameters and data.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time


def _threads_from_argv():
    try:
        n = int(sys.argv[sys.argv.index('--threads') + 1])
    except (ValueError, IndexError):
        n = 1
    return n if n > 0 else (os.cpu_count() or 1)


# The BLAS under torch (Debian: OpenBLAS through the libblas.so.3 alternative) keeps its own thread pool, which
# torch.set_num_threads does not size: fix it before torch loads, so "1 thread" means one thread.
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, str(_threads_from_argv()))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def parse_args(description, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--threads', type=int, default=1, help='torch.set_num_threads; 0 = all cores (os.cpu_count())')
    p.add_argument('--weights', default=None, help='kt weight file prefix (<prefix>.json + <prefix>.bin)')
    p.add_argument('--min-steps', type=int, default=5)
    p.add_argument('--max-steps', type=int, default=25)
    p.add_argument('--budget-ms', type=float, default=2500)
    p.add_argument('--warmup', type=int, default=1)
    if extra is not None:
        extra(p)
    args = p.parse_args()
    threads = args.threads if args.threads > 0 else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    args.threads = threads
    torch.manual_seed(0)
    return args


def read_weights(prefix):
    """{name: torch.Tensor} from a kt weight file (float32 / int32, row-major, shapes in the manifest)."""
    with open(prefix + '.json', encoding='utf-8') as f:
        manifest = json.load(f)
    with open(prefix + '.bin', 'rb') as f:
        blob = f.read()
    out = {}
    for t in manifest['tensors']:
        dtype = {'float32': np.float32, 'int32': np.int32}[t['dtype']]
        count = int(np.prod(t['shape'])) if t['shape'] else 1
        arr = np.frombuffer(blob, dtype=dtype, count=count, offset=t['offset']).reshape(t['shape'])
        out[t['name']] = torch.from_numpy(arr.copy())
    return out, manifest.get('meta', {})


def peak_rss_mib():
    # Linux: ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(step, args):
    """Runs step() (returns a float or None) warm-up times, then timed until min/max steps and the budget."""
    last = None
    for _ in range(args.warmup):
        last = step()
    times = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while len(times) < args.min_steps or (len(times) < args.max_steps and (time.perf_counter() - start) * 1e3 < args.budget_ms):
        t0 = time.perf_counter()
        last = step()
        times.append((time.perf_counter() - t0) * 1e3)
    cpu_ms = (time.process_time() - cpu0) * 1e3 / len(times)
    return {
        'wallMs': round(statistics.median(times), 2),
        'wallMsMin': round(min(times), 2),
        'cpuMs': round(cpu_ms, 2),
        'reps': len(times),
        'last': last,
    }


def emit(case, result, args, **extra):
    record = {
        'case': case,
        'impl': 'pytorch',
        'torch': torch.__version__,
        'threads': args.threads,
        **result,
        'peakRssMiB': round(peak_rss_mib(), 1),
        **extra,
    }
    record.pop('last', None)
    json.dump(record, sys.stdout)
    sys.stdout.write('\n')
    sys.stdout.flush()


def conv_same(x, kernel, stride=1):
    """tf.conv2d(x, kernel, stride, 'same') on NCHW x with a kt kernel [kh, kw, in, out] (TensorFlow pads the extra
    row / column after, for stride 2)."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    pads = []
    for size, k in ((x.shape[3], kw), (x.shape[2], kh)):
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + k - size, 0)
        pads += [total // 2, total - total // 2]
    if any(pads):
        x = F.pad(x, pads)
    return F.conv2d(x, kernel.permute(3, 2, 0, 1), stride=stride)


def forward_kl_rows(teacher_logits, learner_logits, temperature=1.0):
    """KL(teacher || learner) of each row (summed over the last axis) at a temperature, without the tau^2 factor
    (@kt/core's forwardKl before its reduction)."""
    log_pt = F.log_softmax(teacher_logits / temperature, -1)
    log_pl = F.log_softmax(learner_logits / temperature, -1)
    return (log_pt.exp() * (log_pt - log_pl)).sum(-1)


def loss_at_init(loss):
    """loss() as a float, without building a graph (the initial-loss check against kt)."""
    with torch.no_grad():
        return loss().item()


def train_step(opt, loss):
    """One optimiser step on loss(): clears the gradients, back-propagates, updates; returns the loss as a float."""
    opt.zero_grad(set_to_none=True)
    value = loss()
    value.backward()
    opt.step()
    return value.item()


def kd_step(opt, teacher_forward, loss_of):
    """A KD step: the teacher's forward without gradient, then train_step on loss_of(teacher outputs)."""
    def step():
        with torch.no_grad():
            teacher_out = teacher_forward()
        return train_step(opt, lambda: loss_of(teacher_out))
    return step


def emit_step(case, result, args, initial_loss, **extra):
    """emit() for a training step: the initial loss, the last step's loss, and whether kt's weights were loaded."""
    emit(case, result, args, initialLoss=initial_loss, lastLoss=result['last'], sameWeights=bool(args.weights), **extra)
