import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figuresSection, replaceFiguresSection, selectCharts } from '../figures.mjs';

const section = (pngs) => figuresSection({ bench: 'classify-kd', pngs, runs: 12, source: 'node tools/bench/classify-kd/run.mjs --figures', date: '2026-12-02' });

test('the figures section embeds each chart PNG of kt report in its order, relative to docs/results', () => {
  const s = section(['/x/docs/results/fig/classify-kd/train.loss.png', '/x/docs/results/fig/classify-kd/val.accuracy.png']);
  assert.match(s, /^<!-- kt-figures:classify-kd:start/);
  assert.match(s, /## Figures/);
  assert.match(s, /12 run directories of `node tools\/bench\/classify-kd\/run.mjs --figures` \(2026-12-02\)/);
  const images = s.split('\n').filter((l) => l.startsWith('!['));
  assert.deepEqual(images, ['![train.loss](fig/classify-kd/train.loss.png)', '![val.accuracy](fig/classify-kd/val.accuracy.png)']);
});

test('a doc gets the section appended once, and a later run replaces it without touching the rest', () => {
  const doc = '# Results\n\nprose\n';
  const once = replaceFiguresSection(doc, 'classify-kd', section(['a/train.loss.png']));
  assert.ok(once.startsWith('# Results\n\nprose\n\n<!-- kt-figures:classify-kd:start'));
  const twice = replaceFiguresSection(`${once}\n## After\n`, 'classify-kd', section(['a/val.accuracy.png']));
  assert.equal(twice.match(/kt-figures:classify-kd:start/g).length, 1);
  assert.ok(twice.includes('![val.accuracy](fig/classify-kd/val.accuracy.png)'));
  assert.ok(!twice.includes('train.loss'));
  assert.ok(twice.startsWith('# Results\n\nprose\n\n') && twice.endsWith('## After\n'));
});

test('blocks of two benches live side by side in one doc', () => {
  const other = figuresSection({ bench: 'classify-kd-fashion', pngs: ['f/train.loss.png'], runs: 9, source: 's', date: 'd', heading: 'Fashion-MNIST' });
  const both = replaceFiguresSection(replaceFiguresSection('# R\n', 'classify-kd', section(['a/train.loss.png'])), 'classify-kd-fashion', other);
  assert.match(both, /## Figures: Fashion-MNIST/);
  assert.equal(replaceFiguresSection(both, 'classify-kd', section(['a/val.accuracy.png'])).match(/!\[/g).length, 2);
});

test('a doc may show a subset of the charts, in the order it names them', () => {
  const drawn = ['/f/train.loss.png', '/f/train.l2-sp.png', '/f/val.accuracy.png', '/f/val.nll.png', '/f/test.accuracy.png'];
  assert.deepEqual(selectCharts(drawn, ['val.accuracy', 'train.loss', 'val.nll']), ['/f/val.accuracy.png', '/f/train.loss.png', '/f/val.nll.png']);
  assert.deepEqual(selectCharts(drawn, ['val.bleu']), []);
});
