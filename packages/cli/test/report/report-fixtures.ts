import * as fs from 'fs';
import * as path from 'path';
import { Container } from 'inversify';
import { ReportContribution, type RunSummary } from '@kt/core';

export interface FakeRun {
  name: string;
  divergence: string;
  seed: number;
  /** Loss at step s is `scale / s`; BLEU grows with the step. */
  scale: number;
  status?: RunSummary['status'];
  /** Stopped early at this step (same config, metrics only up to it), as early stopping leaves a run. */
  stoppedAt?: number;
}

/** Writes a finished run directory as kt writes one (config, summary, metrics.jsonl, artifacts) without training. */
export function writeFakeRun(parent: string, run: FakeRun, steps = 40, logEvery = 5, evalEvery = 10): string {
  const dir = path.join(parent, run.name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const config = { name: 'fake-mt', plugin: 'fake', task: 'kd', transfer: { divergence: run.divergence }, train: { seed: run.seed, steps, logEvery }, output: { dir: parent } };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const lines: string[] = [];
  let bleu = 0;
  const last = run.stoppedAt ?? steps;
  for (let s = logEvery; s <= last; s += logEvery) {
    lines.push(JSON.stringify({ step: s, split: 'train', loss: run.scale / s, lr: 0.01, epoch: 0 }));
    if (s % evalEvery === 0) {
      bleu = (s / steps) * 30 + run.seed;
      lines.push(JSON.stringify({ step: s, split: 'val', bleu, chrf: bleu * 2 }));
    }
  }
  lines.push(JSON.stringify({ step: 12, split: 'event', event: 'runaway-loss', message: 'x' }));
  // The final test evaluation: one point per metric, no curve (its values are in the metrics table).
  lines.push(JSON.stringify({ step: last, split: 'test', bleu: bleu - 1, chrf: bleu * 2 - 2 }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  const summary: RunSummary = {
    name: 'fake-mt',
    plugin: 'fake',
    task: 'kd',
    status: run.status ?? (run.stoppedAt === undefined ? 'completed' : 'stopped-early'),
    steps: last,
    totalSteps: steps,
    val: { bleu, chrf: bleu * 2 },
    test: { bleu: bleu - 1 },
    timings: { totalSeconds: 1, trainSeconds: 1, stepsPerSecond: steps },
    backend: 'cpu',
    versions: {},
    configHash: 'x',
    startedAt: new Date(0).toISOString(),
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
  fs.writeFileSync(path.join(dir, 'artifacts', 'samples.txt'), `hello <b>${run.name}</b>\n`);
  return dir;
}

/** A container with one report contribution for the fake plugin (the report knows no plugin). */
export function fakeContainer(): Container {
  const c = new Container();
  const contribution: ReportContribution = {
    plugin: 'fake',
    sections: (run) => [
      {
        title: 'Samples',
        blocks: [{ kind: 'table', headers: ['run', 'sample'], rows: [[run.id, fs.readFileSync(path.join(run.dir, 'artifacts', 'samples.txt'), 'utf8').trim()]] }],
      },
    ],
  };
  c.bind<ReportContribution>(ReportContribution).toConstantValue(contribution);
  return c;
}
