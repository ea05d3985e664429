// Diagnostic for the LAPS word prior: fits ibmLanguageModel on the frontiers of a wake–sleep run (the solved train
// tasks, first description each) and prints, over the held-out test tasks that have a reference program, the mean
// gain in description length (nats, uniform grammar minus word-conditioned grammar) and how many gain, for a few
// prior settings. Uses the test tasks' reference programs: a diagnostic, not a tuning set. DIR is a bench cell / kt
// run of task wake-sleep (its last artifacts/iteration-<k>.json) or a runWakeSleep checkpoint directory (wake-sleep.json).
// Usage: node tools/bench/synthesis/prior-check.mjs text|list runs/bench-synthesis/text-editing/laps-test
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as s from '@kt/synthesis';
const suiteName = process.argv[2], dir = process.argv[3];
const suite = suiteName === 'text' ? s.textEditingSuite() : s.listFunctionsSuite();
const iterations = fs.existsSync(path.join(dir, 'artifacts')) ? fs.readdirSync(path.join(dir, 'artifacts')).filter((f) => /^iteration-\d+\.json$/.test(f)).sort((a, b) => parseInt(a.slice(10)) - parseInt(b.slice(10))) : [];
const stateFile = iterations.length > 0 ? path.join(dir, 'artifacts', iterations.at(-1)) : path.join(dir, s.WAKE_SLEEP_STATE_FILE);
if (!fs.existsSync(stateFile)) throw new Error(`${dir}: neither artifacts/iteration-<k>.json (a kt run of wake-sleep) nor ${s.WAKE_SLEEP_STATE_FILE}`);
const st = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const byName = new Map(suite.train.map((t) => [t.name, t]));
const pairs = Object.entries(st.frontiers).map(([n, ps]) => ({ words: s.descriptionWords(byName.get(n).descriptions[0]), programs: ps.map((p) => s.parseProgram(p)) }));
const g = s.Grammar.uniform([...s.PRIMITIVE_SETS[suite.primitives]().values()]);
const tests = suite.test.filter((t) => t.program);
for (const opts of [{}, { prior: { uniformMix: 0.9 } }, { strength: 0.5 }, { prior: { uniformMix: 0.9 }, strength: 0.5 }]) {
  const lm = s.ibmLanguageModel(opts); lm.fit(pairs);
  const gains = tests.map((t) => { const pr = lm.primitivePrior(s.descriptionWords(t.descriptions[0]), g.productions); const c = new s.Grammar(g.productions, g.unigram.map((w, i) => w + pr[i]), g.bigram); const req = s.parseType(t.type), p = s.parseProgram(t.program); return s.descriptionLength(g, req, p) - s.descriptionLength(c, req, p); });
  console.log(JSON.stringify(opts), pairs.length, 'solved; mean DL gain', (gains.reduce((a, b) => a + b, 0) / gains.length).toFixed(2), 'positive', gains.filter((x) => x > 0).length, '/', gains.length);
}
