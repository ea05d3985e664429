import { Rng } from '@kt/core';
import { MtDataError } from './mt-data-error';
import type { SentencePair } from './read-corpus';

/*
 * A small synchronous grammar that generates an English-like source language and an invented target language:
 *
 *   source:  Subj [Adv] Verb [Obj] [Prep NP] .          NP = Det Adj* Noun          (SVO, adjectives first)
 *   target:  [NP Postp] Subj [Obj na] [Adv] Verb .      NP = Det Noun Adj*(mirrored) (SOV, adjectives after)
 *
 * Target nouns have one of three lexical genders that the source does not show. The determiner and adjectives
 * agree with their noun in gender and number, and the verb carries a suffix for the subject's gender and
 * number (plus a past-tense infix), so a translator has to infer the gender from the noun. The lexicon is
 * fixed (generated once from a constant seed); the `seed` of `syntheticPairs` only drives sentence sampling.
 */

const ANIMATE = [
  'dog', 'cat', 'horse', 'bird', 'cow', 'goat', 'pig', 'rabbit', 'fox', 'bear', 'lion', 'tiger', 'snake', 'frog',
  'duck', 'owl', 'monkey', 'donkey', 'farmer', 'teacher', 'doctor', 'baker', 'singer', 'painter', 'soldier',
  'sailor', 'king', 'queen', 'prince', 'girl', 'boy', 'student', 'driver', 'lawyer', 'nurse', 'cook', 'friend',
  'neighbor', 'guest', 'stranger',
];
const THINGS = [
  'apple', 'book', 'letter', 'ball', 'kite', 'boat', 'car', 'bicycle', 'flower', 'stone', 'rope', 'key', 'coin',
  'map', 'song', 'picture', 'cake', 'lamp', 'bell', 'hat', 'shoe', 'coat', 'bag', 'cup', 'bottle',
];
const PLACES = [
  'house', 'garden', 'river', 'hill', 'forest', 'road', 'bridge', 'tower', 'table', 'box', 'window', 'door',
  'basket', 'tree', 'field',
];
const ADJECTIVES = [
  'big', 'small', 'old', 'young', 'red', 'blue', 'green', 'black', 'white', 'brown', 'happy', 'sad', 'quiet',
  'loud', 'tall', 'short', 'fast', 'slow', 'strong', 'weak', 'clever', 'lazy', 'brave', 'shy', 'rich', 'poor',
  'kind', 'angry', 'hungry', 'tired', 'clean', 'dirty', 'warm', 'cold', 'heavy', 'bright', 'dark', 'soft',
  'hard', 'strange',
];
const TRANSITIVE = [
  'watch', 'like', 'love', 'help', 'call', 'follow', 'push', 'pull', 'carry', 'paint', 'visit', 'clean', 'open',
  'touch', 'kick', 'wash', 'greet', 'thank', 'chase', 'want', 'need', 'hate', 'join', 'protect', 'guard',
  'count', 'fix', 'borrow', 'collect', 'deliver',
];
const INTRANSITIVE = ['walk', 'jump', 'laugh', 'cry', 'smile', 'dance', 'rest', 'wait', 'play', 'shout', 'listen', 'work'];
const ADVERBS = [
  'quickly', 'slowly', 'often', 'rarely', 'always', 'never', 'quietly', 'happily', 'sadly', 'carefully',
  'suddenly', 'again',
];
const PREPOSITIONS = ['in', 'on', 'near', 'behind', 'under', 'beside', 'above', 'below'];

type Definiteness = 'the' | 'a' | 'this';
const DETERMINERS: Record<Definiteness, { sg: string; pl: string; tgtSg: string[]; tgtPl: string[] }> = {
  the: { sg: 'the', pl: 'the', tgtSg: ['lo', 'la', 'le'], tgtPl: ['los', 'las', 'les'] },
  a: { sg: 'a', pl: 'some', tgtSg: ['un', 'una', 'une'], tgtPl: ['dos', 'das', 'des'] },
  this: { sg: 'this', pl: 'these', tgtSg: ['ko', 'ka', 'ke'], tgtPl: ['kos', 'kas', 'kes'] },
};
const NOUN_PLURAL = ['i', 'e', 'u'];
const ADJ_AGREEMENT = { sg: ['o', 'a', 'e'], pl: ['os', 'as', 'es'] };
const VERB_AGREEMENT = { sg: ['am', 'ef', 'in'], pl: ['amo', 'efo', 'ino'] };
const PAST_INFIX = 'it';
const OBJECT_MARKER = 'na';
const LEXICON_SEED = 20240917;

interface Noun {
  sg: string;
  pl: string;
  stem: string;
  gender: number;
}
interface Word {
  src: string;
  stem: string;
}
interface Verb {
  base: string;
  third: string;
  past: string;
  stem: string;
}

/** The fixed lexicon of the synthetic pair. */
export interface SyntheticLexicon {
  animate: Noun[];
  things: Noun[];
  places: Noun[];
  adjectives: Word[];
  transitive: Verb[];
  intransitive: Verb[];
  adverbs: Word[];
  prepositions: Word[];
}

function pluralize(noun: string): string {
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}
function pastTense(verb: string): string {
  if (verb.endsWith('e')) return `${verb}d`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ied`;
  return `${verb}ed`;
}

function stemMaker(random: Rng): () => string {
  const onsets = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'sh', 'tr', 'gl', 'br'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const codas = ['k', 'l', 'm', 'n', 'r', 's', 't', 'v', 'nd', 'rk', 'lt'];
  const pick = (xs: string[]): string => xs[random.int(xs.length)] as string;
  const used = new Set<string>([OBJECT_MARKER]);
  for (const d of Object.values(DETERMINERS)) for (const w of [...d.tgtSg, ...d.tgtPl]) used.add(w);
  return (): string => {
    for (;;) {
      const syllables = 1 + random.int(2);
      let stem = '';
      for (let i = 0; i < syllables; i++) stem += pick(onsets) + pick(vowels);
      stem += pick(codas);
      if (!used.has(stem)) {
        used.add(stem);
        return stem;
      }
    }
  };
}

let cachedLexicon: SyntheticLexicon | undefined;

/** The synthetic lexicon (the same in every call and on every machine). */
export function syntheticLexicon(): SyntheticLexicon {
  if (cachedLexicon !== undefined) return cachedLexicon;
  const random = Rng.fromSeed(LEXICON_SEED);
  const stem = stemMaker(random);
  const nouns = (words: string[]): Noun[] =>
    words.map((w) => ({ sg: w, pl: pluralize(w), stem: stem(), gender: random.int(3) }));
  const verbs = (words: string[]): Verb[] =>
    words.map((w) => ({ base: w, third: pluralize(w), past: pastTense(w), stem: stem() }));
  const plain = (words: string[]): Word[] => words.map((w) => ({ src: w, stem: stem() }));
  cachedLexicon = {
    animate: nouns(ANIMATE),
    things: nouns(THINGS),
    places: nouns(PLACES),
    adjectives: plain(ADJECTIVES),
    transitive: verbs(TRANSITIVE),
    intransitive: verbs(INTRANSITIVE),
    adverbs: plain(ADVERBS),
    prepositions: plain(PREPOSITIONS),
  };
  return cachedLexicon;
}

/**
 * A word-for-word dictionary from every source word form to the target's citation form (noun and adjective
 * stems, verb stems, masculine singular determiners). It ignores order and agreement: the baseline that the
 * synthetic task is built to defeat.
 */
export function syntheticDictionary(): Map<string, string> {
  const lex = syntheticLexicon();
  const dict = new Map<string, string>();
  for (const n of [...lex.animate, ...lex.things, ...lex.places]) {
    dict.set(n.sg, n.stem);
    dict.set(n.pl, n.stem);
  }
  for (const v of [...lex.transitive, ...lex.intransitive]) {
    for (const form of [v.base, v.third, v.past]) dict.set(form, v.stem);
  }
  for (const w of [...lex.adjectives, ...lex.adverbs, ...lex.prepositions]) dict.set(w.src, w.stem);
  for (const d of Object.values(DETERMINERS)) {
    dict.set(d.sg, d.tgtSg[0] as string);
    dict.set(d.pl, d.tgtPl[0] as string);
  }
  dict.set('an', DETERMINERS.a.tgtSg[0] as string);
  dict.set('.', '.');
  return dict;
}

interface Phrase {
  src: string[];
  tgt: string[];
}

function nounPhrase(random: Rng, pool: Noun[], adjectives: Word[]): Phrase & { noun: Noun; plural: boolean } {
  const noun = pool[random.int(pool.length)] as Noun;
  const plural = random.next() < 0.35;
  const r = random.next();
  const def: Definiteness = r < 0.5 ? 'the' : r < 0.8 ? 'a' : 'this';
  const nAdj = ((x: number): number => (x < 0.5 ? 0 : x < 0.85 ? 1 : 2))(random.next());
  const adjs: Word[] = [];
  while (adjs.length < nAdj) {
    const a = adjectives[random.int(adjectives.length)] as Word;
    if (!adjs.includes(a)) adjs.push(a);
  }
  const det = DETERMINERS[def];
  const srcWords = [...adjs.map((a) => a.src), plural ? noun.pl : noun.sg];
  let srcDet = plural ? det.pl : det.sg;
  if (srcDet === 'a' && /^[aeiou]/.test(srcWords[0] as string)) srcDet = 'an';
  const g = noun.gender;
  const tgtDet = (plural ? det.tgtPl : det.tgtSg)[g] as string;
  const tgtNoun = plural ? noun.stem + (NOUN_PLURAL[g] as string) : noun.stem;
  const agr = (plural ? ADJ_AGREEMENT.pl : ADJ_AGREEMENT.sg)[g] as string;
  const tgtAdjs = [...adjs].reverse().map((a) => a.stem + agr);
  return { src: [srcDet, ...srcWords], tgt: [tgtDet, tgtNoun, ...tgtAdjs], noun, plural };
}

function sentence(random: Rng, lex: SyntheticLexicon): SentencePair {
  const subject = nounPhrase(random, lex.animate, lex.adjectives);
  const transitive = random.next() < 0.65;
  const verbs = transitive ? lex.transitive : lex.intransitive;
  const verb = verbs[random.int(verbs.length)] as Verb;
  const past = random.next() < 0.4;
  const adverb = random.next() < 0.3 ? (lex.adverbs[random.int(lex.adverbs.length)] as Word) : undefined;
  const object = transitive
    ? nounPhrase(random, random.next() < 0.5 ? lex.things : lex.animate, lex.adjectives)
    : undefined;
  const prep = random.next() < 0.35 ? (lex.prepositions[random.int(lex.prepositions.length)] as Word) : undefined;
  const place = prep !== undefined ? nounPhrase(random, lex.places, lex.adjectives) : undefined;

  const srcVerb = past ? verb.past : subject.plural ? verb.base : verb.third;
  const agreement = (subject.plural ? VERB_AGREEMENT.pl : VERB_AGREEMENT.sg)[subject.noun.gender] as string;
  const tgtVerb = verb.stem + (past ? PAST_INFIX : '') + agreement;

  const src = [...subject.src];
  if (adverb) src.push(adverb.src);
  src.push(srcVerb);
  if (object) src.push(...object.src);
  if (prep && place) src.push(prep.src, ...place.src);
  src.push('.');

  const tgt: string[] = [];
  if (prep && place) tgt.push(...place.tgt, prep.stem);
  tgt.push(...subject.tgt);
  if (object) tgt.push(...object.tgt, OBJECT_MARKER);
  if (adverb) tgt.push(adverb.stem);
  tgt.push(tgtVerb, '.');
  return { src: src.join(' '), tgt: tgt.join(' ') };
}

export interface SyntheticPairsOptions {
  /** Number of sentence pairs. */
  n: number;
  /** Sampling seed; the same seed gives the same pairs. */
  seed: number;
}

/**
 * Sentence pairs of the built-in synthetic language pair (English-like SVO source, invented SOV target with
 * gender/number agreement). Deterministic for a seed.
 */
export function syntheticPairs(options: SyntheticPairsOptions): SentencePair[] {
  if (!Number.isInteger(options.n) || options.n < 0) {
    throw new MtDataError(`syntheticPairs: n must be a non-negative integer, got ${options.n}`);
  }
  const lex = syntheticLexicon();
  const random = Rng.fromSeed(options.seed);
  const pairs: SentencePair[] = [];
  for (let i = 0; i < options.n; i++) pairs.push(sentence(random, lex));
  return pairs;
}
