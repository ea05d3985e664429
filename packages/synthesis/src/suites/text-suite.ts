import type { Rng } from '@kt/core';
import { buildSuite, pick, randInt, type JsonValue, type TaskSpec, type TaskSuite } from './suite-task';

/**
 * The string-editing suite in the style of LAPS's "regex" domain: delete, replace or insert characters and
 * tokens, change case, take the first/last word, split on and join with delimiters, add prefixes and
 * suffixes, abbreviate, pull fields out of emails, file names, dates and names. Every example is an output of
 * the reference implementation on a seeded random input.
 */

const SS = 'str -> str';
const WORDS = [
  'apple', 'river', 'stone', 'cloud', 'tiger', 'lemon', 'paper', 'music', 'green', 'house', 'table', 'light', 'water',
  'bread', 'chair', 'smile', 'night', 'dance', 'storm', 'plant', 'honey', 'metal', 'ocean', 'pilot', 'queen', 'robot',
  'sugar', 'train', 'voice', 'zebra', 'cat', 'dog', 'sky', 'map', 'ink', 'owl', 'kite', 'moon', 'fox', 'leaf',
];
const NAMES = ['Anna', 'Ben', 'Carla', 'David', 'Elena', 'Felix', 'Grace', 'Hugo', 'Iris', 'Jonas', 'Kira', 'Liam', 'Maya', 'Noah', 'Olga'];
const SURNAMES = ['Smith', 'Garcia', 'Novak', 'Ito', 'Berg', 'Khan', 'Rossi', 'Meyer', 'Silva', 'Dubois', 'Larsen', 'Okafor'];
const DOMAINS = ['mail.com', 'uni.edu', 'web.org', 'corp.net', 'kt.io'];
const EXTENSIONS = ['txt', 'pdf', 'png', 'csv', 'json', 'md'];

/** The delimiters with their names (for task names) and how people say them. */
const DELIMS: readonly (readonly [char: string, name: string, said: string, program: string])[] = [
  [' ', 'space', 'space', 'SPACE'],
  [',', 'comma', 'comma', "','"],
  ['-', 'dash', 'dash', "'-'"],
  ['.', 'period', 'period', "'.'"],
  ['_', 'underscore', 'underscore', "'_'"],
  ['/', 'slash', 'slash', "'/'"],
];

const plural = (said: string): string => (said.endsWith('sh') ? `${said}es` : `${said}s`);
const word = (rng: Rng): string => pick(rng, WORDS);
const words = (rng: Rng, min: number, max: number): string[] => Array.from({ length: randInt(rng, min, max) }, () => word(rng));
/** Words joined with `d`. */
const phrase =
  (d: string, min = 2, max = 4) =>
  (rng: Rng): JsonValue[] => [words(rng, min, max).join(d)];
/** Words joined by a random mix of the delimiters, so delete/replace tasks see several kinds. */
const mixed = (rng: Rng): JsonValue[] => {
  const ws = words(rng, 2, 4);
  return [ws.reduce((acc, w) => acc + pick(rng, DELIMS)[0] + w)];
};
/** A phrase with some capitalised words and digits. */
const noisy = (rng: Rng): JsonValue[] => {
  const ws = words(rng, 1, 3).map((w) => (rng.int(2) === 0 ? w[0]!.toUpperCase() + w.slice(1) : w));
  if (rng.int(3) > 0) ws.splice(rng.int(ws.length + 1), 0, String(randInt(rng, 0, 999)));
  return [ws.join(' ')];
};
const single = (rng: Rng): JsonValue[] => [word(rng)];
const sentence = phrase(' ', 2, 4);
const fullName = (rng: Rng): JsonValue[] => [`${pick(rng, NAMES)} ${pick(rng, SURNAMES)}`];
const email = (rng: Rng): JsonValue[] => [`${pick(rng, NAMES).toLowerCase()}${rng.int(2) === 0 ? '.' + pick(rng, SURNAMES).toLowerCase() : ''}@${pick(rng, DOMAINS)}`];
const fileName = (rng: Rng): JsonValue[] => [`${word(rng)}${rng.int(2) === 0 ? '_' + word(rng) : ''}.${pick(rng, EXTENSIONS)}`];
const date = (rng: Rng): JsonValue[] => [`${randInt(rng, 1990, 2030)}-${String(randInt(rng, 1, 12)).padStart(2, '0')}-${String(randInt(rng, 1, 28)).padStart(2, '0')}`];
const withParens = (rng: Rng): JsonValue[] => [`${word(rng)} (${words(rng, 1, 2).join(' ')}) ${word(rng)}`];

/** An int constant with the text primitives (which have 0 and 1 only): 2 is `(+ 1 1)`. */
function numeral(n: number): string {
  if (n <= 1) return String(n);
  const half = numeral(Math.floor(n / 2));
  return n % 2 === 0 ? `(+ ${half} ${half})` : `(+ 1 ${numeral(n - 1)})`;
}

const isVowel = (c: string): boolean => 'aeiouAEIOU'.includes(c);
const cap = (w: string): string => (w.length === 0 ? w : w[0]!.toUpperCase() + w.slice(1).toLowerCase());
const mapWords = (s: string, f: (w: string) => string): string => s.split(' ').map(f).join(' ');

type Def = Omit<TaskSpec, 'name' | 'family'>;
function def(type: string, descriptions: string[], draw: (rng: Rng) => JsonValue[], run: (...a: never[]) => JsonValue, program?: string): Def {
  return { type, descriptions, draw, run, ...(program === undefined ? {} : { program }) };
}
function spec(name: string, family: string, d: Def): TaskSpec {
  return { name, family, ...d };
}
/** One task per parameter; the family is named once. */
function family<K>(fam: string, ks: readonly K[], make: (k: K) => [name: string, def: Def]): TaskSpec[] {
  return ks.map((k) => {
    const [name, d] = make(k);
    return spec(name, fam, d);
  });
}

function delimiterTasks(): TaskSpec[] {
  return [
    ...family('first-token', DELIMS, ([d, name, said, p]) => [
      `first-token-${name}`,
      def(SS, [`the text before the first ${said}`, `keep only the first part when splitting on ${plural(said)}`, `everything up to the first ${said}`], phrase(d), (s: string) => s.split(d)[0]!, `(lambda (car (split ${p} $0)))`),
    ]),
    ...family('last-token', DELIMS, ([d, name, said, p]) => [
      `last-token-${name}`,
      def(SS, [`the text after the last ${said}`, `keep the final piece after splitting on ${said}`], phrase(d), (s: string) => s.split(d).at(-1)!, `(lambda (car (reverse (split ${p} $0))))`),
    ]),
    ...family('drop-first-token', DELIMS, ([d, name, said, p]) => [
      `drop-first-token-${name}`,
      def(SS, [`remove everything up to and including the first ${said}`, `delete the first ${said}-separated piece`], phrase(d), (s: string) => s.split(d).slice(1).join(d), `(lambda (join (cons ${p} empty) (cdr (split ${p} $0))))`),
    ]),
    ...family('count-tokens', DELIMS, ([d, name, said, p]) => [
      `count-tokens-${name}`,
      def('str -> int', [`how many pieces are separated by ${plural(said)}`, `count the parts between ${plural(said)}`], phrase(d, 1, 5), (s: string) => s.split(d).length, `(lambda (length (split ${p} $0)))`),
    ]),
    ...family('split-on', DELIMS, ([d, name, said, p]) => [
      `split-on-${name}`,
      def('str -> list(str)', [`split the text at every ${said}`, `break the string into pieces on ${plural(said)}`], phrase(d, 1, 4), (s: string) => s.split(d), `(lambda (split ${p} $0))`),
    ]),
    ...family('join-with', DELIMS, ([d, name, said, p]) => [
      `join-with-${name}`,
      def('list(str) -> str', [`join the words with a ${said}`, `put a ${said} between the words and glue them together`], (rng) => [words(rng, 1, 4)], (ws: readonly string[]) => ws.join(d), `(lambda (join (cons ${p} empty) $0))`),
    ]),
    ...family(
      'replace-delimiter',
      [
        [0, 4],
        [0, 2],
        [2, 0],
        [4, 0],
        [3, 1],
        [1, 0],
        [5, 2],
        [0, 5],
        [3, 4],
      ] as const,
      ([a, b]) => {
        const [da, na, sa, pa] = DELIMS[a]!;
        const [db, nb, sb, pb] = DELIMS[b]!;
        return [
          `replace-${na}-with-${nb}`,
          def(SS, [`replace every ${sa} with a ${sb}`, `change ${plural(sa)} into ${plural(sb)}`, `swap each ${sa} for a ${sb}`], phrase(da), (s: string) => s.split(da).join(db), `(lambda (map (lambda (if (char-eq? $0 ${pa}) ${pb} $0)) $0))`),
        ];
      },
    ),
    ...family('delete-delimiter', DELIMS, ([d, name, said, p]) => [
      `delete-${plural(name)}`,
      def(SS, [`delete every ${said}`, `remove all the ${plural(said)} from the text`], mixed, (s: string) => s.split(d).join(''), `(lambda (filter (lambda (not (char-eq? $0 ${p}))) $0))`),
    ]),
  ];
}

function charTasks(): TaskSpec[] {
  return [
    ...family('delete-letter', ['a', 'e', 'o', 'r', 't'], (c) => [`delete-letter-${c}`, def(SS, [`remove every ${c}`, `delete the letter ${c} wherever it appears`], sentence, (s: string) => s.split(c).join(''))]),
    ...family('count-letter', ['a', 'e', 'o'], (c) => [`count-letter-${c}`, def('str -> int', [`how many times does ${c} occur`, `count the letter ${c}`], sentence, (s: string) => s.split(c).length - 1)]),
    ...family('contains-char', [['@', 'at'], ['.', 'period'], ['-', 'dash'], [' ', 'space'], ['z', 'z']] as const, ([c, said]) => [
      `contains-${said === 'z' ? 'letter-z' : said}`,
      def('str -> bool', [`does the text contain a ${said}`, `is there a ${said} in the string`], (rng) => (rng.int(2) === 0 ? mixed(rng) : rng.int(2) === 0 ? email(rng) : single(rng)), (s: string) => s.includes(c)),
    ]),
    ...family('replace-vowels', [['*', 'star'], ['_', 'underscore'], ['e', 'e']] as const, ([c, said]) => [
      `replace-vowels-with-${said}`,
      def(SS, [`replace each vowel with ${said === 'e' ? 'the letter e' : `a ${said}`}`, `every vowel becomes ${c}`], sentence, (s: string) => Array.from(s, (x) => (isVowel(x) ? c : x)).join('')),
    ]),
    ...family('separate-letters', [['-', 'dash'], [' ', 'space'], ['.', 'period']] as const, ([c, said]) => [
      `separate-letters-with-${said}`,
      def(SS, [`put a ${said} between every two letters`, `spell the word out with ${plural(said)} between the characters`], single, (s: string) => Array.from(s).join(c)),
    ]),
    ...family('wrap', [['(', ')', 'parens', 'parentheses'], ['<', '>', 'angles', 'angle brackets'], ['*', '*', 'stars', 'stars'], ['"', '"', 'quotes', 'double quotes']] as const, ([l, r, name, said]) => [
      `wrap-in-${name}`,
      def(SS, [`put the text in ${said}`, `surround the string with ${said}`], (rng) => (rng.int(2) === 0 ? single(rng) : sentence(rng)), (s: string) => l + s + r, name === 'parens' ? '(lambda (cons LPAREN (++ $0 (cons RPAREN empty))))' : undefined),
    ]),
  ];
}

function affixTasks(): TaskSpec[] {
  return [
    ...family('append-suffix', ['.com', 'ing', '!', 's', 'ed', '.txt', '?'], (x) => [
      `append-${x.replace(/^\./, 'dot-').replace('!', 'bang').replace('?', 'question-mark')}`,
      def(SS, [`add "${x}" to the end`, `append ${x} to the word`, `put ${x} after the text`], single, (s: string) => s + x),
    ]),
    ...family('prepend-prefix', ['the ', 'Mr. ', 're', 'un', '#', '@', 'Dr. '], (x) => [
      `prepend-${x.trim().replace('.', '').replace('#', 'hash').replace('@', 'at').toLowerCase()}`,
      def(SS, [`add "${x}" at the start`, `put ${x.trim()} in front of the text`], single, (s: string) => x + s),
    ]),
    ...family('suffix-each-word', ['s', 'ing', '!'], (x) => [
      `suffix-each-word-${x === '!' ? 'bang' : x}`,
      def(SS, [`add ${x} to the end of every word`, `each word gets "${x}" appended`], sentence, (s: string) => mapWords(s, (w) => w + x)),
    ]),
    ...family('prefix-each-word', ['#', 'un'], (x) => [
      `prefix-each-word-${x === '#' ? 'hash' : x}`,
      def(SS, [`put ${x} before every word`, `prefix each word with "${x}"`], sentence, (s: string) => mapWords(s, (w) => x + w)),
    ]),
    ...family('take-first-chars', [2, 3, 4], (n) => [
      `take-first-${n}-chars`,
      def(SS, [`keep the first ${n} letter${n > 1 ? 's' : ''}`, `the first ${n} character${n > 1 ? 's' : ''} of the word`], single, (s: string) => s.slice(0, n), `(lambda (slice 0 ${numeral(n)} $0))`),
    ]),
    ...family('drop-first-chars', [1, 2, 3, 4], (n) => [
      `drop-first-${n}-chars`,
      def(SS, [`remove the first ${n} letter${n > 1 ? 's' : ''}`, `cut ${n} character${n > 1 ? 's' : ''} off the front`], single, (s: string) => s.slice(n), `(lambda (slice ${numeral(n)} (length $0) $0))`),
    ]),
    ...family('take-last-chars', [2, 3, 4], (n) => [
      `take-last-${n}-chars`,
      def(SS, [`keep the last ${n} letter${n > 1 ? 's' : ''}`, `the final ${n} character${n > 1 ? 's' : ''}`], single, (s: string) => s.slice(-n)),
    ]),
    ...family('drop-last-chars', [1, 2, 3, 4], (n) => [
      `drop-last-${n}-chars`,
      def(SS, [`remove the last ${n} letter${n > 1 ? 's' : ''}`, `cut ${n} character${n > 1 ? 's' : ''} off the end`], single, (s: string) => s.slice(0, s.length - n)),
    ]),
    ...family('abbreviate-words', [1, 2, 3], (n) => [
      `abbreviate-words-to-${n}`,
      def(SS, [`shorten every word to its first ${n} letter${n > 1 ? 's' : ''}`, `keep ${n} character${n > 1 ? 's' : ''} of each word`], sentence, (s: string) => mapWords(s, (w) => w.slice(0, n))),
    ]),
    ...family('nth-word', [1, 2], (n) => [
      `word-${n + 1}`,
      def(SS, [`the ${n === 1 ? 'second' : 'third'} word`, `return word number ${n + 1}`], phrase(' ', n + 1, n + 3), (s: string) => s.split(' ')[n]!, `(lambda (index ${numeral(n)} (split SPACE $0)))`),
    ]),
  ];
}

function caseTasks(): TaskSpec[] {
  return [
    spec('uppercase', 'case', def(SS, ['make everything uppercase', 'capital letters throughout', 'shout the text'], noisy, (s: string) => s.toUpperCase(), '(lambda (upper $0))')),
    spec('lowercase', 'case', def(SS, ['make everything lowercase', 'no capital letters'], noisy, (s: string) => s.toLowerCase(), '(lambda (lower $0))')),
    spec('capitalize', 'case', def(SS, ['capitalise the first letter and lowercase the rest', 'sentence case'], noisy, (s: string) => cap(s), '(lambda (capitalize $0))')),
    spec('title-case', 'case-words', def(SS, ['capitalise every word', 'each word starts with a capital letter'], sentence, (s: string) => mapWords(s, cap), '(lambda (join (cons SPACE empty) (map capitalize (split SPACE $0))))')),
    spec('swap-case', 'case', def(SS, ['swap upper and lower case', 'capitals become small letters and small letters capitals'], noisy, (s: string) => Array.from(s, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''))),
    spec('uppercase-first-word', 'case-words', def(SS, ['write the first word in capitals', 'uppercase only the first word'], sentence, (s: string) => s.split(' ').map((w, i) => (i === 0 ? w.toUpperCase() : w)).join(' '))),
    spec('uppercase-last-letter', 'case-letters', def(SS, ['capitalise the last letter', 'make the final character uppercase'], single, (s: string) => s.slice(0, -1) + s.slice(-1).toUpperCase())),
    spec('uppercase-vowels', 'case-letters', def(SS, ['make the vowels capital letters', 'uppercase a, e, i, o and u'], sentence, (s: string) => Array.from(s, (c) => (isVowel(c) ? c.toUpperCase() : c)).join(''))),
    spec('uppercase-consonants', 'case-letters', def(SS, ['capitalise the consonants', 'every letter that is not a vowel in upper case'], single, (s: string) => Array.from(s, (c) => (isVowel(c) ? c : c.toUpperCase())).join(''))),
    spec('lowercase-first-letter', 'case-letters', def(SS, ['make the first letter small', 'lowercase the initial'], fullName, (s: string) => s.slice(0, 1).toLowerCase() + s.slice(1))),
    spec('is-capitalized', 'case-tests', def('str -> bool', ['does it start with a capital letter', 'is the first character uppercase'], noisy, (s: string) => s[0] !== undefined && s[0] !== s[0].toLowerCase(), '(lambda (is-upper? (car $0)))')),
    spec('has-uppercase', 'case-tests', def('str -> bool', ['is there any capital letter', 'does the text contain an uppercase character'], noisy, (s: string) => Array.from(s).some((c) => c !== c.toLowerCase()), '(lambda (not (empty? (filter is-upper? $0))))')),
    spec('keep-uppercase', 'char-classes', def(SS, ['keep only the capital letters', 'delete everything that is not uppercase'], noisy, (s: string) => Array.from(s).filter((c) => c !== c.toLowerCase()).join(''), '(lambda (filter is-upper? $0))')),
    spec('remove-uppercase', 'char-classes', def(SS, ['delete the capital letters', 'remove every uppercase character'], noisy, (s: string) => Array.from(s).filter((c) => c === c.toLowerCase()).join(''))),
    spec('keep-digits', 'char-classes', def(SS, ['keep only the digits', 'extract the numbers from the text'], noisy, (s: string) => s.replace(/[^0-9]/g, ''), '(lambda (filter is-digit? $0))')),
    spec('remove-digits', 'char-classes', def(SS, ['delete all the digits', 'take out the numbers'], noisy, (s: string) => s.replace(/[0-9]/g, ''), '(lambda (filter (lambda (not (is-digit? $0))) $0))')),
    spec('keep-letters', 'char-classes', def(SS, ['keep only the letters', 'remove spaces, digits and punctuation'], noisy, (s: string) => s.replace(/[^A-Za-z]/g, ''), '(lambda (filter is-letter? $0))')),
    spec('replace-digits-with-hash', 'char-classes', def(SS, ['replace every digit with #', 'mask the numbers with hash signs'], noisy, (s: string) => s.replace(/[0-9]/g, '#'))),
    spec('remove-vowels', 'vowels', def(SS, ['remove the vowels', 'delete a, e, i, o and u'], sentence, (s: string) => Array.from(s).filter((c) => !isVowel(c)).join(''))),
    spec('double-vowels', 'vowels', def(SS, ['double every vowel', 'write each vowel twice'], single, (s: string) => Array.from(s, (c) => (isVowel(c) ? c + c : c)).join(''))),
    spec('count-vowels', 'vowels', def('str -> int', ['how many vowels are there', 'count the vowels'], sentence, (s: string) => Array.from(s).filter(isVowel).length)),
    spec('starts-with-vowel', 'vowels', def('str -> bool', ['does the word start with a vowel', 'is the first letter a vowel'], single, (s: string) => isVowel(s[0]!))),
  ];
}

/**
 * Tasks that compute the same function as a task of another family share that family (remove-extension is
 * first-token-period, date-year first-token-dash, surname word-2, is-single-word the negation of contains-space), and exact
 * duplicates are left out (take-first-1-chars is `first-char`, hyphenating is replace-space-with-dash), so
 * the split never puts one copy in train and the other in test.
 */
function wordTasks(): TaskSpec[] {
  const initials = (s: string): string => s.split(' ').map((w) => w[0]!).join('');
  return [
    spec('reverse', 'reverse', def(SS, ['reverse the text', 'write the string backwards'], single, (s: string) => Array.from(s).reverse().join(''), '(lambda (reverse $0))')),
    spec('reverse-words', 'reverse', def(SS, ['reverse the order of the words', 'the words backwards, each word kept as is'], sentence, (s: string) => s.split(' ').reverse().join(' '), '(lambda (join (cons SPACE empty) (reverse (split SPACE $0))))')),
    spec('reverse-each-word', 'reverse', def(SS, ['reverse every word but keep their order', 'spell each word backwards'], sentence, (s: string) => mapWords(s, (w) => Array.from(w).reverse().join('')), '(lambda (join (cons SPACE empty) (map reverse (split SPACE $0))))')),
    spec('length', 'length', def('str -> int', ['how many characters are there', 'the length of the text'], (rng) => (rng.int(2) === 0 ? single(rng) : sentence(rng)), (s: string) => s.length, '(lambda (length $0))')),
    spec('word-lengths', 'length', def('str -> list(int)', ['the length of each word', 'how many letters every word has'], sentence, (s: string) => s.split(' ').map((w) => w.length), '(lambda (map length (split SPACE $0)))')),
    spec('duplicate', 'duplicate', def(SS, ['write the text twice', 'repeat the string'], single, (s: string) => s + s, '(lambda (++ $0 $0))')),
    spec('duplicate-with-space', 'duplicate', def(SS, ['say the word twice with a space between', 'repeat the word, separated by a space'], single, (s: string) => `${s} ${s}`, '(lambda (++ $0 (cons SPACE $0)))')),
    spec('double-letters', 'duplicate', def(SS, ['double every letter', 'write each character twice'], single, (s: string) => Array.from(s, (c) => c + c).join(''))),
    spec('palindrome', 'duplicate', def(SS, ['append the reversed word', 'make a palindrome from the word followed by itself backwards'], single, (s: string) => s + Array.from(s).reverse().join(''), '(lambda (++ $0 (reverse $0)))')),
    spec('first-char', 'ends', def(SS, ['the first letter', 'only the initial character'], single, (s: string) => s.slice(0, 1), '(lambda (cons (car $0) empty))')),
    spec('last-char', 'ends', def(SS, ['the last letter', 'only the final character'], single, (s: string) => s.slice(-1), '(lambda (cons (car (reverse $0)) empty))')),
    spec('first-and-last-char', 'ends', def(SS, ['the first and the last letter', 'keep the two ends of the word'], single, (s: string) => s[0]! + s.at(-1)!)),
    spec('move-first-char-to-end', 'ends', def(SS, ['move the first letter to the end', 'rotate the word by one letter'], single, (s: string) => s.slice(1) + s[0]!, '(lambda (++ (cdr $0) (cons (car $0) empty)))')),
    spec('every-other-char', 'ends', def(SS, ['every second letter, starting with the first', 'skip every other character'], single, (s: string) => Array.from(s).filter((_, i) => i % 2 === 0).join(''))),
    spec('initials', 'initials', def(SS, ['the first letter of each word', 'take the initials'], sentence, initials, '(lambda (map car (split SPACE $0)))')),
    spec('initials-uppercase', 'initials', def(SS, ['the capitalised first letters of the words', 'an acronym in capitals'], sentence, (s: string) => initials(s).toUpperCase(), '(lambda (upper (map car (split SPACE $0))))')),
    spec('initials-with-periods', 'initials', def(SS, ['initials followed by periods', 'abbreviate the name to its initials with dots'], fullName, (s: string) => s.split(' ').map((w) => `${w[0]!}.`).join(''))),
    spec('abbreviate-first-name', 'names', def(SS, ['shorten the first name to an initial and a period', 'abbreviate the given name'], fullName, (s: string) => `${s[0]!}. ${s.split(' ')[1]!}`)),
    spec('surname-first', 'names', def(SS, ['surname, comma, first name', 'put the last name first, separated by a comma'], fullName, (s: string) => `${s.split(' ')[1]!}, ${s.split(' ')[0]!}`)),
    spec('surname', 'nth-word', def(SS, ['the last name', 'keep the family name only'], fullName, (s: string) => s.split(' ')[1]!)),
    spec('uppercase-surname', 'names', def(SS, ['write the surname in capitals', 'the family name in upper case, first name unchanged'], fullName, (s: string) => `${s.split(' ')[0]!} ${s.split(' ')[1]!.toUpperCase()}`)),
    spec('swap-first-two-words', 'word-order', def(SS, ['swap the first two words', 'exchange the first and the second word'], sentence, (s: string) => {
      const ws = s.split(' ');
      return [ws[1]!, ws[0]!, ...ws.slice(2)].join(' ');
    })),
    spec('move-first-word-to-end', 'word-order', def(SS, ['move the first word to the end', 'the first word goes last'], sentence, (s: string) => {
      const ws = s.split(' ');
      return [...ws.slice(1), ws[0]!].join(' ');
    })),
    spec('drop-last-word', 'word-order', def(SS, ['remove the last word', 'everything except the final word'], sentence, (s: string) => s.split(' ').slice(0, -1).join(' '), '(lambda (join (cons SPACE empty) (reverse (cdr (reverse (split SPACE $0))))))')),
    spec('longest-word', 'word-order', def(SS, ['the longest word (the first one if tied)', 'find the word with the most letters'], sentence, (s: string) => s.split(' ').reduce((a, w) => (w.length > a.length ? w : a)))),
    spec('strip', 'whitespace', def(SS, ['remove the spaces at the start and at the end', 'trim the surrounding whitespace'], (rng) => [' '.repeat(randInt(rng, 0, 2)) + words(rng, 1, 2).join(' ') + ' '.repeat(randInt(rng, 0, 2))], (s: string) => s.trim(), '(lambda (strip $0))')),
    spec('collapse-spaces', 'whitespace', def(SS, ['replace runs of spaces with a single space', 'squeeze repeated spaces'], (rng) => [words(rng, 2, 4).reduce((a, w) => a + ' '.repeat(randInt(rng, 1, 3)) + w)], (s: string) => s.replace(/ +/g, ' '))),
    spec('email-user', 'email', def(SS, ['the part of the email before the @', 'the user name of the address'], email, (s: string) => s.split('@')[0]!, "(lambda (car (split '@' $0)))")),
    spec('email-domain', 'email', def(SS, ['the part of the email after the @', 'the domain of the address'], email, (s: string) => s.split('@')[1]!, "(lambda (car (cdr (split '@' $0))))")),
    spec('email-first-name', 'email', def(SS, ['the name before the period or the @ in the email', 'the first name of the email address'], email, (s: string) => s.split('@')[0]!.split('.')[0]!)),
    spec('file-extension', 'last-token', def(SS, ['the file extension', 'what comes after the period in the file name'], fileName, (s: string) => s.split('.').at(-1)!, "(lambda (car (reverse (split '.' $0))))")),
    spec('remove-extension', 'first-token', def(SS, ['the file name without its extension', 'delete the period and everything after it'], fileName, (s: string) => s.split('.')[0]!, "(lambda (car (split '.' $0)))")),
    spec('change-extension-to-txt', 'files', def(SS, ['change the extension to txt', 'replace whatever follows the period with txt'], fileName, (s: string) => `${s.split('.')[0]!}.txt`)),
    spec('date-year', 'first-token', def(SS, ['the year of the date', 'the first four digits, before the first dash'], date, (s: string) => s.split('-')[0]!, "(lambda (car (split '-' $0)))")),
    spec('date-month', 'dates', def(SS, ['the month of the date', 'the number between the two dashes'], date, (s: string) => s.split('-')[1]!)),
    spec('date-to-slashes', 'dates', def(SS, ['write the date with slashes instead of dashes', 'replace the dashes in the date by slashes'], date, (s: string) => s.split('-').join('/'))),
    spec('date-day-month-year', 'dates', def(SS, ['rewrite the date as day, month, year separated by periods', 'European date order with dots'], date, (s: string) => s.split('-').reverse().join('.'), "(lambda (join (cons '.' empty) (reverse (split '-' $0))))")),
    spec('inside-parens', 'parens', def(SS, ['the text inside the parentheses', 'what is written between the brackets'], withParens, (s: string) => s.slice(s.indexOf('(') + 1, s.indexOf(')')), '(lambda (car (split RPAREN (car (cdr (split LPAREN $0))))))')),
    spec('remove-parens', 'parens', def(SS, ['delete the parentheses but keep what is inside', 'remove the brackets'], withParens, (s: string) => s.replace(/[()]/g, ''))),
    spec('before-parens', 'parens', def(SS, ['the text before the opening parenthesis', 'everything up to the bracket, without the trailing space'], withParens, (s: string) => s.slice(0, s.indexOf('(') - 1))),
    spec('is-single-word', 'contains-char', def('str -> bool', ['is it a single word', 'does the text have no spaces'], (rng) => (rng.int(2) === 0 ? single(rng) : sentence(rng)), (s: string) => !s.includes(' '), '(lambda (eq? (length (split SPACE $0)) 1))')),
    spec('ends-with-s', 'word-tests', def('str -> bool', ['does the word end in s', 'is the last letter an s'], (rng) => [word(rng) + (rng.int(2) === 0 ? 's' : '')], (s: string) => s.endsWith('s'))),
    spec('longer-than-four', 'word-tests', def('str -> bool', ['is the word longer than four letters', 'does it have at least five characters'], single, (s: string) => s.length > 4, '(lambda (gt? (length $0) (+ (+ 1 1) (+ 1 1))))')),
    spec('camel-case', 'word-joins', def(SS, ['write the words in camel case', 'join the words, capitalising all but the first'], sentence, (s: string) => s.split(' ').map((w, i) => (i === 0 ? w : cap(w))).join(''))),
    spec('snake-case-upper', 'word-joins', def(SS, ['upper snake case: capitals joined by underscores', 'constant style name'], sentence, (s: string) => s.toUpperCase().split(' ').join('_'))),
    spec('comma-list', 'word-joins', def(SS, ['separate the words with a comma and a space', 'make a comma-separated list of the words'], sentence, (s: string) => s.split(' ').join(', '))),
    spec('hashtag', 'word-joins', def(SS, ['turn the phrase into a hashtag', 'remove spaces and put # in front'], sentence, (s: string) => `#${s.split(' ').join('')}`)),
  ];
}

/** Every spec of the string-editing suite. */
export function textSuiteSpecs(): TaskSpec[] {
  return [...delimiterTasks(), ...charTasks(), ...affixTasks(), ...caseTasks(), ...wordTasks()];
}

/** Default seed and test-set size of the string-editing suite. */
export const TEXT_SUITE_SEED = 16;
export const TEXT_SUITE_TEST_SIZE = 55;

/**
 * The string-editing suite: 181 tasks in 44 families; with the default seed 125 train and 56 test tasks
 * (seeds 0–11: 55–56 test tasks; families whole on one side).
 */
export function textEditingSuite(seed = TEXT_SUITE_SEED, testSize = TEXT_SUITE_TEST_SIZE): TaskSuite {
  return buildSuite('text-editing', 'text', textSuiteSpecs(), seed, testSize);
}
