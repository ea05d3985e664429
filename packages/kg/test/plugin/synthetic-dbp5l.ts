import { Rng } from '@kt/core';
import { writeFiles } from '../helpers';

/**
 * A small DBP-5L-layout folder: one hidden graph over `n` entities rendered as three language KGs
 * (xx, yy, zz) with their own entity ids (a permutation each), different samples of the triples, and
 * seed links for 70 % of the entities. xx, the target, is sparse (35 % of the triples in train).
 */
export function syntheticDbp5l(seed = 0, n = 60): string {
  const rng = Rng.fromSeed(seed);
  const relations = 3;
  const triples = new Set<string>();
  // Structured facts: r0 links i to i+1 (a chain), r1 links i to its group hub, r2 random.
  for (let i = 0; i < n; i++) {
    triples.add(`${i}\t0\t${(i + 1) % n}`);
    triples.add(`${i}\t1\t${(i % 6) * 10}`);
    triples.add(`${i}\t2\t${rng.int(n)}`);
  }
  const all = [...triples].map((t) => t.split('\t').map(Number) as [number, number, number]);
  const files: Record<string, string> = { 'relations.txt': Array.from({ length: relations }, (_, r) => `http://dbpedia.org/ontology/r${r}`).join('\n') + '\n' };
  const perm: Record<string, number[]> = {};
  const order = rng.permutation(all.length);
  const testIdx = new Set(order.slice(0, 20));
  const validIdx = new Set(order.slice(20, 35));
  for (const [lang, keep] of [['xx', 0.35], ['yy', 0.9], ['zz', 0.8]] as const) {
    const p = rng.permutation(n);
    perm[lang] = p;
    files[`entity/${lang}.tsv`] = Array.from({ length: n }, (_, local) => `http://${lang}.dbpedia.org/resource/E${p.indexOf(local)}`).join('\n') + '\n';
    const row = ([h, r, t]: [number, number, number]): string => `${p[h]}\t${r}\t${p[t]}`;
    const train = all.filter((_, i) => (lang !== 'xx' || (!testIdx.has(i) && !validIdx.has(i))) && rng.next() < keep);
    files[`kg/${lang}-train.tsv`] = train.map(row).join('\n') + '\n';
    files[`kg/${lang}-val.tsv`] = all.filter((_, i) => validIdx.has(i)).map(row).join('\n') + '\n';
    files[`kg/${lang}-test.tsv`] = all.filter((_, i) => testIdx.has(i)).map(row).join('\n') + '\n';
  }
  for (const [a, b] of [['xx', 'yy'], ['xx', 'zz'], ['yy', 'zz']] as const) {
    const lines: string[] = [];
    for (let e = 0; e < n; e++) if (rng.next() < 0.7) lines.push(`${perm[a]![e]}.0\t${perm[b]![e]}.0`);
    files[`seed_alignlinks/${a}-${b}.tsv`] = lines.join('\n') + '\n';
  }
  return writeFiles(files);
}
