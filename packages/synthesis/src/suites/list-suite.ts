import type { Rng } from '@kt/core';
import { buildSuite, randInt, randList, type JsonValue, type TaskSpec, type TaskSuite } from './suite-task';

/**
 * The list-functions suite: functions over lists of ints (and ints and bools), in the spirit of DreamCoder's
 * list domain and Rule et al.'s list functions — map/filter/fold families, take/drop/slice, sort, dedup,
 * reverse, sums, counts, index, max/min, append/prepend constants, element-wise ops on two lists, … Every
 * example is an output of the reference implementation (a JS function) on a seeded random input.
 */

type Ints = readonly number[];
const LL = 'list(int) -> list(int)';
const LI = 'list(int) -> int';
const LB = 'list(int) -> bool';

/** Default input: 0–7 digits. */
const anyList = (rng: Rng): JsonValue[] => [randList(rng, 0, 7)];
/** Non-empty input (first, max, …). */
const nonEmpty = (rng: Rng): JsonValue[] => [randList(rng, 1, 7)];
/** Lists of length ≥ n. */
const atLeast =
  (n: number) =>
  (rng: Rng): JsonValue[] => [randList(rng, n, n + 5)];
/** Lists with small ints that often repeat (counts, dedup). */
const repetitive = (rng: Rng): JsonValue[] => [randList(rng, 0, 8, 0, 5)];
/** Lists with negatives. */
const signed = (rng: Rng): JsonValue[] => [randList(rng, 0, 7, -9, 9)];

const sum = (xs: Ints): number => xs.reduce((a, b) => a + b, 0);
const isPrime = (n: number): boolean => {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};
const mod = (a: number, b: number): number => ((a % b) + b) % b;
const ordinal = (k: number): string => ['first', 'second', 'third', 'fourth', 'fifth', 'sixth'][k]!;

function spec(
  name: string,
  family: string,
  type: string,
  descriptions: string[],
  draw: (rng: Rng) => JsonValue[],
  run: (...args: never[]) => JsonValue,
  program?: string,
): TaskSpec {
  return { name, family, type, descriptions, draw, run, ...(program === undefined ? {} : { program }) };
}

/** A family of tasks that differ in one constant. */
function family(name: string, ks: readonly number[], make: (k: number, name: string) => Omit<TaskSpec, 'name' | 'family'>): TaskSpec[] {
  if (!/(^|-)k(-|$)/.test(name)) throw new Error(`family ${name}: the name must hold the constant as "k"`);
  return ks.map((k) => {
    const task = name.replace(/(^|-)k(-|$)/, `$1${k}$2`);
    return { name: task, family: name, ...make(k, task) };
  });
}

/**
 * Families with a constant. A constant that would make a task the same function as a task of another family
 * is left out (multiply-by-2 is `double`, mod-2 is `parity-bits`, element-0 is `first`, keep-greater-than-0
 * is remove-0 on these non-negative inputs, keep-multiples-of-2 is `keep-evens`, range-plus-0 is `range`):
 * the split could otherwise put one copy in train and the other in test.
 */
function parameterised(): TaskSpec[] {
  const f = (type: string, descriptions: string[], draw: (rng: Rng) => JsonValue[], run: (...a: never[]) => JsonValue, program?: string): Omit<TaskSpec, 'name' | 'family'> => ({
    type,
    descriptions,
    draw,
    run,
    ...(program === undefined ? {} : { program }),
  });
  return [
    ...family('add-k', [1, 2, 3, 4, 5, 6], (k) =>
      f(LL, [`add ${k} to every number`, `increase each element of the list by ${k}`, `each item plus ${k}`], anyList, (xs: Ints) => xs.map((x) => x + k), k <= 5 ? `(lambda (map (lambda (+ $0 ${k})) $0))` : undefined),
    ),
    ...family('subtract-k', [1, 2, 3, 4], (k) =>
      f(LL, [`subtract ${k} from every element`, `take ${k} away from each number`], anyList, (xs: Ints) => xs.map((x) => x - k), `(lambda (map (lambda (- $0 ${k})) $0))`),
    ),
    ...family('multiply-by-k', [3, 4, 5], (k) =>
      f(LL, [`multiply each number by ${k}`, `every element times ${k}`], anyList, (xs: Ints) => xs.map((x) => x * k), `(lambda (map (lambda (* $0 ${k})) $0))`),
    ),
    ...family('divide-by-k', [2, 3, 4], (k) =>
      f(LL, [`divide each number by ${k}, rounding down`, `integer division of every element by ${k}`], anyList, (xs: Ints) => xs.map((x) => Math.floor(x / k)), `(lambda (map (lambda (div $0 ${k})) $0))`),
    ),
    ...family('mod-k', [3, 4, 5], (k) =>
      f(LL, [`replace each number with its remainder when divided by ${k}`, `every element modulo ${k}`], anyList, (xs: Ints) => xs.map((x) => mod(x, k)), `(lambda (map (lambda (mod $0 ${k})) $0))`),
    ),
    ...family('keep-greater-than-k', [1, 2, 3, 4, 5], (k) =>
      f(LL, [`keep only the numbers greater than ${k}`, `remove every element that is ${k} or less`, `filter for items above ${k}`], anyList, (xs: Ints) => xs.filter((x) => x > k), `(lambda (filter (lambda (gt? $0 ${k})) $0))`),
    ),
    ...family('keep-less-than-k', [1, 2, 3, 4, 5], (k) =>
      f(LL, [`keep the numbers smaller than ${k}`, `drop every element that is at least ${k}`], anyList, (xs: Ints) => xs.filter((x) => x < k), `(lambda (filter (lambda (gt? ${k} $0)) $0))`),
    ),
    ...family('remove-k', [0, 1, 2, 3, 4, 5], (k) =>
      f(LL, [`remove every ${k} from the list`, `delete all occurrences of ${k}`], repetitive, (xs: Ints) => xs.filter((x) => x !== k), `(lambda (filter (lambda (not (eq? $0 ${k}))) $0))`),
    ),
    ...family('count-k', [0, 1, 2, 3, 4, 5], (k) =>
      f(LI, [`how many times does ${k} appear`, `count the ${k}s in the list`], repetitive, (xs: Ints) => xs.filter((x) => x === k).length, `(lambda (length (filter (lambda (eq? $0 ${k})) $0)))`),
    ),
    ...family('take-k', [1, 2, 3, 4, 5], (k) =>
      f(LL, [`keep the first ${k} elements`, `take ${k} items from the front of the list`], atLeast(k), (xs: Ints) => xs.slice(0, k), `(lambda (slice 0 ${k} $0))`),
    ),
    ...family('drop-k', [1, 2, 3, 4, 5], (k) =>
      f(LL, [`remove the first ${k} elements`, `drop ${k} items from the start`, `everything after the first ${k} numbers`], atLeast(k), (xs: Ints) => xs.slice(k), `(lambda (slice ${k} (length $0) $0))`),
    ),
    ...family('take-last-k', [1, 2, 3, 4], (k) =>
      f(LL, [`keep the last ${k} elements`, `the final ${k} numbers of the list`], atLeast(k), (xs: Ints) => xs.slice(xs.length - k)),
    ),
    ...family('drop-last-k', [1, 2, 3], (k) =>
      f(LL, [`remove the last ${k} elements`, `drop ${k} items from the end`], atLeast(k), (xs: Ints) => xs.slice(0, xs.length - k)),
    ),
    ...family('element-k', [1, 2, 3, 4], (k) =>
      f(LI, [`the ${ordinal(k)} element`, `return the number in position ${k + 1}`], atLeast(k + 1), (xs: Ints) => xs[k]!, `(lambda (index ${k} $0))`),
    ),
    ...family('prepend-k', [0, 1, 2, 3, 4, 5], (k) =>
      f(LL, [`put ${k} at the front of the list`, `prepend ${k}`, `insert ${k} before the first element`], anyList, (xs: Ints) => [k, ...xs], `(lambda (cons ${k} $0))`),
    ),
    ...family('append-k', [0, 1, 2, 3, 4, 5], (k) =>
      f(LL, [`add ${k} to the end of the list`, `append ${k}`], anyList, (xs: Ints) => [...xs, k], `(lambda (++ $0 (cons ${k} empty)))`),
    ),
    ...family('contains-k', [0, 1, 2, 3, 4, 5], (k) =>
      f(LB, [`is ${k} in the list`, `does the list contain a ${k}`, `true if some element equals ${k}`], repetitive, (xs: Ints) => xs.includes(k), `(lambda (not (empty? (filter (lambda (eq? $0 ${k})) $0))))`),
    ),
    ...family('keep-multiples-of-k', [3, 4, 5], (k) =>
      f(LL, [`keep the multiples of ${k}`, `keep numbers divisible by ${k}`], anyList, (xs: Ints) => xs.filter((x) => x % k === 0), `(lambda (filter (lambda (eq? (mod $0 ${k}) 0)) $0))`),
    ),
    ...family('remove-multiples-of-k', [3, 4, 5], (k) =>
      f(LL, [`remove the multiples of ${k}`, `delete every number that ${k} divides`], anyList, (xs: Ints) => xs.filter((x) => x % k !== 0)),
    ),
    ...family('count-greater-than-k', [0, 1, 2, 3, 4], (k) =>
      f(LI, [`how many numbers are bigger than ${k}`, `count the elements above ${k}`], anyList, (xs: Ints) => xs.filter((x) => x > k).length, `(lambda (length (filter (lambda (gt? $0 ${k})) $0)))`),
    ),
    ...family('clip-at-k', [2, 3, 4, 5], (k) =>
      f(LL, [`replace every number above ${k} with ${k}`, `cap each element at ${k}`], anyList, (xs: Ints) => xs.map((x) => Math.min(x, k)), `(lambda (map (lambda (if (gt? $0 ${k}) ${k} $0)) $0))`),
    ),
    ...family('replace-k-with-0', [1, 2, 3], (k) =>
      f(LL, [`replace each ${k} with 0`, `turn every ${k} into a zero`], repetitive, (xs: Ints) => xs.map((x) => (x === k ? 0 : x))),
    ),
    ...family('repeat-list-k', [2, 3], (k) =>
      f(LL, [`repeat the list ${k} times`, `concatenate ${k} copies of the list`], (rng) => [randList(rng, 1, 4)], (xs: Ints) => Array.from({ length: k }, () => xs).flat()),
    ),
    ...family('range-plus-k', [1, 2, 3], (k) =>
      f('int -> list(int)', [`count from ${k} up to n plus ${k}, exclusive`, `the numbers ${k}, ${k + 1}, … below n + ${k}`], (rng) => [randInt(rng, 0, 12)], (n: number) => Array.from({ length: n }, (_, i) => i + k), `(lambda (map (lambda (+ $0 ${k})) (range $0)))`),
    ),
    ...family('is-length-k', [1, 2, 3], (k) =>
      f(LB, [`does the list have exactly ${k} elements`, `is the length ${k}`], (rng) => [randList(rng, 0, 5)], (xs: Ints) => xs.length === k, `(lambda (eq? (length $0) ${k}))`),
    ),
    ...family('slice-1-k', [3, 4, 5], (k) =>
      f(LL, [`the elements from the second up to position ${k}`, `drop the first element and keep the next ${k - 1}`], atLeast(k), (xs: Ints) => xs.slice(1, k), `(lambda (slice 1 ${k} $0))`),
    ),
  ];
}

function singles(): TaskSpec[] {
  const evens = (xs: Ints): number[] => xs.filter((x) => x % 2 === 0);
  const odds = (xs: Ints): number[] => xs.filter((x) => x % 2 !== 0);
  const sorted = (xs: Ints): number[] => [...xs].sort((a, b) => a - b);
  const dedup = (xs: Ints): number[] => xs.filter((x, i) => xs.indexOf(x) === i);
  const twoLists = (rng: Rng): JsonValue[] => {
    const n = randInt(rng, 0, 6);
    return [randList(rng, n, n), randList(rng, n, n)];
  };
  const intAndList = (rng: Rng): JsonValue[] => [randInt(rng, 0, 5), randList(rng, 0, 7)];
  const zip = (a: Ints, b: Ints, op: (x: number, y: number) => number): number[] => a.map((x, i) => op(x, b[i]!));
  return [
    spec('sum', 'sum', LI, ['add up all the numbers', 'the total of the list', 'sum of the elements'], anyList, sum, '(lambda (sum $0))'),
    spec('product', 'product', LI, ['multiply all the numbers together', 'the product of the list'], (rng) => [randList(rng, 0, 5, 1, 6)], (xs: Ints) => xs.reduce((a, b) => a * b, 1), '(lambda (fold $0 1 (lambda (lambda (* $1 $0)))))'),
    spec('length', 'length', LI, ['how many elements are there', 'the length of the list'], anyList, (xs: Ints) => xs.length, '(lambda (length $0))'),
    spec('max', 'max', LI, ['the largest number', 'find the maximum element', 'biggest item in the list'], nonEmpty, (xs: Ints) => Math.max(...xs), '(lambda (fold (cdr $0) (car $0) (lambda (lambda (if (gt? $1 $0) $1 $0)))))'),
    spec('min', 'min', LI, ['the smallest number', 'find the minimum element'], nonEmpty, (xs: Ints) => Math.min(...xs)),
    spec('first', 'first', LI, ['the first element', 'return the head of the list'], nonEmpty, (xs: Ints) => xs[0]!, '(lambda (car $0))'),
    spec('last', 'last', LI, ['the last element', 'return the final number'], nonEmpty, (xs: Ints) => xs[xs.length - 1]!, '(lambda (car (reverse $0)))'),
    spec('second-to-last', 'second-to-last', LI, ['the element before the last one', 'the second number from the end'], atLeast(2), (xs: Ints) => xs[xs.length - 2]!),
    spec('reverse', 'reverse', LL, ['reverse the list', 'write the numbers backwards', 'the elements in opposite order'], anyList, (xs: Ints) => [...xs].reverse(), '(lambda (reverse $0))'),
    spec('sort', 'sort', LL, ['sort the numbers in increasing order', 'arrange the list from smallest to largest'], anyList, sorted),
    spec('sort-descending', 'sort', LL, ['sort from largest to smallest', 'order the numbers decreasingly'], anyList, (xs: Ints) => sorted(xs).reverse()),
    spec('dedup', 'dedup', LL, ['remove duplicates, keeping first occurrences', 'each number only once, in order of first appearance'], repetitive, dedup),
    spec('sorted-unique', 'dedup', LL, ['sort the list and remove duplicates', 'the distinct numbers in increasing order'], repetitive, (xs: Ints) => dedup(sorted(xs))),
    spec('count-distinct', 'dedup', LI, ['how many different numbers are there', 'count the distinct values'], repetitive, (xs: Ints) => dedup(xs).length),
    spec('all-equal', 'all-equal', LB, ['are all the numbers the same', 'true if every element equals the first'], (rng) => {
      const n = randInt(rng, 1, 5);
      return rng.int(2) === 0 ? [Array.from({ length: n }, () => n + 2)] : [randList(rng, n, n, 0, 3)];
    }, (xs: Ints) => xs.every((x) => x === xs[0]), '(lambda (empty? (filter (lambda (not (eq? $0 (car $1)))) $0)))'),
    spec('is-sorted', 'is-sorted', LB, ['is the list in increasing order', 'are the numbers sorted'], (rng) => (rng.int(2) === 0 ? [sorted(randList(rng, 0, 5))] : [randList(rng, 0, 5)]), (xs: Ints) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x)),
    spec('all-even', 'parity-test', LB, ['are all the numbers even', 'true if every element is even'], (rng) => [randList(rng, 0, 4).map((x) => (rng.int(3) === 0 ? x : 2 * Math.floor(x / 2)))], (xs: Ints) => xs.every((x) => x % 2 === 0), '(lambda (empty? (filter (lambda (eq? (mod $0 2) 1)) $0)))'),
    spec('any-odd', 'parity-test', LB, ['is there an odd number', 'does some element fail to be even'], (rng) => [randList(rng, 0, 4).map((x) => (rng.int(3) === 0 ? x : 2 * Math.floor(x / 2)))], (xs: Ints) => xs.some((x) => x % 2 !== 0)),
    spec('all-positive', 'sign-test', LB, ['are all numbers positive', 'true if every element is above zero'], (rng) => [randList(rng, 0, 4, -2, 9)], (xs: Ints) => xs.every((x) => x > 0)),
    spec('any-negative', 'sign-test', LB, ['is there a negative number', 'does the list contain something below zero'], (rng) => [randList(rng, 0, 4, -2, 9)], (xs: Ints) => xs.some((x) => x < 0)),
    spec('keep-evens', 'parity-filter', LL, ['keep the even numbers', 'remove all odd numbers'], anyList, evens, '(lambda (filter (lambda (eq? (mod $0 2) 0)) $0))'),
    spec('keep-odds', 'parity-filter', LL, ['keep the odd numbers', 'throw away the even ones'], anyList, odds),
    spec('count-evens', 'parity-count', LI, ['how many even numbers', 'count the even elements'], anyList, (xs: Ints) => evens(xs).length),
    spec('count-odds', 'parity-count', LI, ['how many odd numbers are there', 'the number of odd elements'], anyList, (xs: Ints) => odds(xs).length),
    spec('sum-evens', 'parity-sum', LI, ['add up the even numbers', 'the sum of the even elements'], anyList, (xs: Ints) => sum(evens(xs)), '(lambda (sum (filter (lambda (eq? (mod $0 2) 0)) $0)))'),
    spec('sum-odds', 'parity-sum', LI, ['add up the odd numbers', 'sum of all odd entries'], anyList, (xs: Ints) => sum(odds(xs))),
    spec('double', 'double', LL, ['double every number', 'each element twice as large'], anyList, (xs: Ints) => xs.map((x) => 2 * x), '(lambda (map (lambda (+ $0 $0)) $0))'),
    spec('square', 'square', LL, ['square each number', 'every element multiplied by itself'], anyList, (xs: Ints) => xs.map((x) => x * x), '(lambda (map (lambda (* $0 $0)) $0))'),
    spec('cube', 'square', LL, ['cube each number', 'every element to the third power'], (rng) => [randList(rng, 0, 6, 0, 6)], (xs: Ints) => xs.map((x) => x * x * x)),
    spec('negate', 'negate', LL, ['negate every number', 'flip the sign of each element'], signed, (xs: Ints) => xs.map((x) => -x), '(lambda (map (lambda (- 0 $0)) $0))'),
    spec('absolute-value', 'negate', LL, ['the absolute value of each number', 'drop the minus signs'], signed, (xs: Ints) => xs.map((x) => Math.abs(x))),
    spec('sum-of-squares', 'sum-of-squares', LI, ['add up the squares of the numbers', 'sum of each element squared'], anyList, (xs: Ints) => sum(xs.map((x) => x * x)), '(lambda (sum (map (lambda (* $0 $0)) $0)))'),
    spec('cumulative-sum', 'running', LL, ['running total of the list', 'each position holds the sum of the elements up to it'], anyList, (xs: Ints) => xs.map((_, i) => sum(xs.slice(0, i + 1)))),
    spec('running-max', 'running', LL, ['the largest number so far at each position', 'running maximum'], nonEmpty, (xs: Ints) => xs.map((_, i) => Math.max(...xs.slice(0, i + 1)))),
    spec('differences', 'differences', LL, ['the difference between each number and the one before it', 'consecutive differences'], atLeast(1), (xs: Ints) => xs.slice(1).map((x, i) => x - xs[i]!)),
    spec('sum-adjacent', 'differences', LL, ['add each number to the next one', 'sums of neighbouring pairs'], atLeast(1), (xs: Ints) => xs.slice(1).map((x, i) => x + xs[i]!)),
    spec('average', 'average', LI, ['the average, rounded down', 'mean of the numbers, integer part'], nonEmpty, (xs: Ints) => Math.floor(sum(xs) / xs.length), '(lambda (div (sum $0) (length $0)))'),
    spec('range-of-values', 'max-minus-min', LI, ['the largest minus the smallest number', 'spread between maximum and minimum'], nonEmpty, (xs: Ints) => Math.max(...xs) - Math.min(...xs)),
    spec('first-plus-last', 'first-plus-last', LI, ['add the first and the last element', 'sum of the two ends'], nonEmpty, (xs: Ints) => xs[0]! + xs[xs.length - 1]!, '(lambda (+ (car $0) (car (reverse $0))))'),
    spec('range', 'range', 'int -> list(int)', ['count from zero up to n, not including n', 'the numbers below n'], (rng) => [randInt(rng, 0, 12)], (n: number) => Array.from({ length: n }, (_, i) => i), '(lambda (range $0))'),
    spec('count-down', 'range', 'int -> list(int)', ['count down from n to 1', 'the numbers n, n − 1, … 1'], (rng) => [randInt(rng, 0, 12)], (n: number) => Array.from({ length: n }, (_, i) => n - i)),
    spec('indices', 'indices', LL, ['replace each element with its position', 'the indices of the list, from zero'], anyList, (xs: Ints) => xs.map((_, i) => i), '(lambda (range (length $0)))'),
    spec('add-index', 'indices', LL, ['add its position to each number', 'each element plus its index'], anyList, (xs: Ints) => xs.map((x, i) => x + i)),
    spec('rotate-left', 'rotate', LL, ['move the first element to the end', 'rotate the list left by one'], nonEmpty, (xs: Ints) => [...xs.slice(1), xs[0]!], '(lambda (++ (cdr $0) (cons (car $0) empty)))'),
    spec('rotate-right', 'rotate', LL, ['move the last element to the front', 'rotate right by one place'], nonEmpty, (xs: Ints) => [xs[xs.length - 1]!, ...xs.slice(0, -1)]),
    spec('swap-first-two', 'swap', LL, ['swap the first two elements', 'exchange the first and second numbers'], atLeast(2), (xs: Ints) => [xs[1]!, xs[0]!, ...xs.slice(2)], '(lambda (cons (car (cdr $0)) (cons (car $0) (cdr (cdr $0)))))'),
    spec('keep-primes', 'primes', LL, ['keep the prime numbers', 'remove everything that is not prime'], (rng) => [randList(rng, 0, 7, 0, 20)], (xs: Ints) => xs.filter(isPrime), '(lambda (filter is-prime $0))'),
    spec('count-primes', 'primes', LI, ['how many primes are in the list', 'count the prime numbers'], (rng) => [randList(rng, 0, 7, 0, 20)], (xs: Ints) => xs.filter(isPrime).length),
    spec('remove-primes', 'primes', LL, ['delete the prime numbers', 'keep only the non-primes'], (rng) => [randList(rng, 0, 7, 0, 20)], (xs: Ints) => xs.filter((x) => !isPrime(x))),
    spec('zip-add', 'zip', 'list(int) -> list(int) -> list(int)', ['add the two lists element by element', 'pairwise sums of the two lists'], twoLists, (a: Ints, b: Ints) => zip(a, b, (x, y) => x + y)),
    spec('zip-multiply', 'zip', 'list(int) -> list(int) -> list(int)', ['multiply the lists element-wise', 'products of corresponding elements'], twoLists, (a: Ints, b: Ints) => zip(a, b, (x, y) => x * y)),
    spec('zip-max', 'zip', 'list(int) -> list(int) -> list(int)', ['the larger of each pair of corresponding numbers', 'element-wise maximum of two lists'], twoLists, (a: Ints, b: Ints) => zip(a, b, Math.max)),
    spec('concatenate', 'concatenate', 'list(int) -> list(int) -> list(int)', ['join the two lists', 'the first list followed by the second'], (rng) => [randList(rng, 0, 4), randList(rng, 0, 4)], (a: Ints, b: Ints) => [...a, ...b], '(lambda (lambda (++ $1 $0)))'),
    spec('concatenate-reversed', 'concatenate', 'list(int) -> list(int) -> list(int)', ['the second list followed by the first', 'put the second list in front of the first'], (rng) => [randList(rng, 0, 4), randList(rng, 0, 4)], (a: Ints, b: Ints) => [...b, ...a]),
    spec('mirror', 'palindrome', LL, ['the list followed by its reverse', 'append the list backwards to itself'], anyList, (xs: Ints) => [...xs, ...[...xs].reverse()], '(lambda (++ $0 (reverse $0)))'),
    spec('is-palindrome', 'palindrome', LB, ['does the list read the same backwards', 'is it a palindrome'], (rng) => {
      const h = randList(rng, 0, 3);
      return rng.int(2) === 0 ? [[...h, ...[...h].reverse()]] : [randList(rng, 1, 5)];
    }, (xs: Ints) => xs.every((x, i) => x === xs[xs.length - 1 - i])),
    spec('duplicate-each', 'duplicate', LL, ['repeat every element twice', 'write each number two times in a row'], anyList, (xs: Ints) => xs.flatMap((x) => [x, x])),
    spec('interleave-zero', 'duplicate', LL, ['put a zero after every number', 'each element followed by 0'], anyList, (xs: Ints) => xs.flatMap((x) => [x, 0]), '(lambda (fold $0 empty (lambda (lambda (cons $1 (cons 0 $0))))))'),
    spec('even-positions', 'positions', LL, ['the elements at even positions', 'every other element, starting with the first'], anyList, (xs: Ints) => xs.filter((_, i) => i % 2 === 0)),
    spec('odd-positions', 'positions', LL, ['the elements at odd positions', 'every other element, starting with the second'], anyList, (xs: Ints) => xs.filter((_, i) => i % 2 === 1)),
    spec('subtract-first', 'relative', LL, ['subtract the first element from every number', 'each element minus the head'], nonEmpty, (xs: Ints) => xs.map((x) => x - xs[0]!), '(lambda (map (lambda (- $0 (car $1))) $0))'),
    spec('subtract-min', 'relative', LL, ['subtract the smallest element from each number', 'shift the list so its minimum is zero'], nonEmpty, (xs: Ints) => xs.map((x) => x - Math.min(...xs))),
    spec('times-length', 'relative', LL, ['multiply each number by the length of the list', 'scale the elements by how many there are'], anyList, (xs: Ints) => xs.map((x) => x * xs.length), '(lambda (map (lambda (* $0 (length $1))) $0))'),
    spec('take-while-even', 'while', LL, ['the numbers at the start up to the first odd one', 'keep elements while they are even'], (rng) => [randList(rng, 0, 7).map((x) => (rng.int(2) === 0 ? 2 * Math.floor(x / 2) : x))], (xs: Ints) => {
      const i = xs.findIndex((x) => x % 2 !== 0);
      return i < 0 ? [...xs] : xs.slice(0, i);
    }),
    spec('drop-while-positive', 'while', LL, ['remove elements from the front while they are positive', 'everything from the first zero on'], (rng) => [randList(rng, 0, 7, 0, 4)], (xs: Ints) => {
      const i = xs.findIndex((x) => x <= 0);
      return i < 0 ? [] : xs.slice(i);
    }),
    spec('index-of-max', 'argmax', LI, ['the position of the largest number', 'where is the maximum, counting from zero'], nonEmpty, (xs: Ints) => xs.indexOf(Math.max(...xs))),
    spec('index-of-min', 'argmax', LI, ['the position of the smallest number', 'index of the minimum'], nonEmpty, (xs: Ints) => xs.indexOf(Math.min(...xs))),
    spec('replicate', 'replicate', 'int -> int -> list(int)', ['a list of n copies of x', 'repeat the second number as many times as the first says'], (rng) => [randInt(rng, 0, 5), randInt(rng, 0, 9)], (n: number, x: number) => Array.from({ length: n }, () => x), '(lambda (lambda (map (lambda $1) (range $1))))'),
    spec('add-n', 'with-argument', 'int -> list(int) -> list(int)', ['add the number to every element of the list', 'increase each item by n'], intAndList, (n: number, xs: Ints) => xs.map((x) => x + n), '(lambda (lambda (map (lambda (+ $0 $2)) $0)))'),
    spec('take-n', 'with-argument', 'int -> list(int) -> list(int)', ['the first n elements', 'keep as many items from the front as the number says'], intAndList, (n: number, xs: Ints) => xs.slice(0, n), '(lambda (lambda (slice 0 $1 $0)))'),
    spec('count-n', 'with-argument', 'int -> list(int) -> int', ['how many times n occurs in the list', 'count the elements equal to n'], (rng) => [randInt(rng, 0, 5), randList(rng, 0, 8, 0, 5)], (n: number, xs: Ints) => xs.filter((x) => x === n).length),
    spec('cons-n', 'with-argument', 'int -> list(int) -> list(int)', ['put n at the front of the list', 'prepend the given number'], intAndList, (n: number, xs: Ints) => [n, ...xs], '(lambda (lambda (cons $1 $0)))'),
    spec('keep-above-n', 'with-argument', 'int -> list(int) -> list(int)', ['keep the elements greater than n', 'filter the list for numbers above the given one'], intAndList, (n: number, xs: Ints) => xs.filter((x) => x > n)),
    spec('nth', 'with-argument', 'int -> list(int) -> int', ['the element at position n', 'index into the list with the number'], (rng) => {
      const xs = randList(rng, 1, 7);
      return [randInt(rng, 0, xs.length - 1), xs];
    }, (n: number, xs: Ints) => xs[n]!, '(lambda (lambda (index $1 $0)))'),
    spec('sum-first-two', 'pairs', LI, ['add the first two numbers', 'the sum of the first and second elements'], atLeast(2), (xs: Ints) => xs[0]! + xs[1]!),
    spec('product-first-two', 'pairs', LI, ['multiply the first two numbers', 'first element times the second'], atLeast(2), (xs: Ints) => xs[0]! * xs[1]!),
    spec('length-plus-one', 'length-arith', LI, ['one more than the length', 'number of elements plus one'], anyList, (xs: Ints) => xs.length + 1, '(lambda (+ (length $0) 1))'),
    spec('double-length', 'length-arith', LI, ['twice the length of the list', 'two times the number of elements'], anyList, (xs: Ints) => 2 * xs.length),
    spec('last-minus-first', 'pairs', LI, ['subtract the first element from the last', 'how much bigger the last number is than the first'], nonEmpty, (xs: Ints) => xs[xs.length - 1]! - xs[0]!),
    spec('is-first-largest', 'comparisons', LB, ['is the first number bigger than all the others', 'is the head the strict maximum'], atLeast(1), (xs: Ints) => xs.slice(1).every((x) => x < xs[0]!)),
    spec('first-greater-than-last', 'comparisons', LB, ['is the first element greater than the last', 'does the list start higher than it ends'], atLeast(2), (xs: Ints) => xs[0]! > xs[xs.length - 1]!, '(lambda (gt? (car $0) (car (reverse $0))))'),
    spec('sum-is-even', 'comparisons', LB, ['is the total even', 'does the sum divide by two'], anyList, (xs: Ints) => sum(xs) % 2 === 0, '(lambda (eq? (mod (sum $0) 2) 0))'),
    spec('reverse-then-drop-first', 'reverse-combos', LL, ['drop the last element and reverse', 'the list backwards without its final number'], nonEmpty, (xs: Ints) => xs.slice(0, -1).reverse(), '(lambda (cdr (reverse $0)))'),
    spec('sort-then-take-3', 'reverse-combos', LL, ['the three smallest numbers, in order', 'sort and keep the first three'], atLeast(3), (xs: Ints) => sorted(xs).slice(0, 3)),
    spec('double-evens', 'conditional-map', LL, ['double the even numbers and leave the odd ones', 'multiply each even element by two'], anyList, (xs: Ints) => xs.map((x) => (x % 2 === 0 ? 2 * x : x)), '(lambda (map (lambda (if (eq? (mod $0 2) 0) (+ $0 $0) $0)) $0))'),
    spec('zero-odds', 'conditional-map', LL, ['replace every odd number with zero', 'odd elements become 0'], anyList, (xs: Ints) => xs.map((x) => (x % 2 === 0 ? x : 0))),
    spec('parity-bits', 'conditional-map', LL, ['1 for odd numbers and 0 for even ones', 'each element modulo two'], anyList, (xs: Ints) => xs.map((x) => x % 2)),
    spec('is-even-each', 'conditional-map', 'list(int) -> list(bool)', ['is each number even', 'true for every even element, false otherwise'], anyList, (xs: Ints) => xs.map((x) => x % 2 === 0)),
    spec('max-of-pair', 'int-pairs', 'int -> int -> int', ['the larger of the two numbers', 'maximum of two ints'], (rng) => [randInt(rng, 0, 9), randInt(rng, 0, 9)], (a: number, b: number) => Math.max(a, b), '(lambda (lambda (if (gt? $1 $0) $1 $0)))'),
    spec('sum-of-pair', 'int-pairs', 'int -> int -> int', ['add the two numbers', 'the sum of both inputs'], (rng) => [randInt(rng, 0, 9), randInt(rng, 0, 9)], (a: number, b: number) => a + b, '(lambda (lambda (+ $1 $0)))'),
    spec('is-divisible', 'int-pairs', 'int -> int -> bool', ['does the second number divide the first', 'is the first a multiple of the second'], (rng) => [randInt(rng, 0, 12), randInt(rng, 1, 4)], (a: number, b: number) => a % b === 0, '(lambda (lambda (eq? (mod $1 $0) 0)))'),
    spec('sum-up-to-n', 'int-pairs', 'int -> int', ['the sum of the numbers below n', 'add 0, 1, … up to n − 1'], (rng) => [randInt(rng, 0, 14)], (n: number) => (n * (n - 1)) / 2, '(lambda (sum (range $0)))'),
    spec('squares-below-n', 'range', 'int -> list(int)', ['the squares of the numbers below n', 'square each number from zero up to n'], (rng) => [randInt(rng, 0, 11)], (n: number) => Array.from({ length: n }, (_, i) => i * i), '(lambda (map (lambda (* $0 $0)) (range $0)))'),
    spec('evens-below-n', 'range', 'int -> list(int)', ['the even numbers below n', 'even numbers from zero up to n, exclusive'], (rng) => [randInt(rng, 0, 12)], (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0)),
    spec('nested-sums', 'nested', 'list(list(int)) -> list(int)', ['the sum of each inner list', 'add up every sublist'], (rng) => [Array.from({ length: randInt(rng, 0, 4) }, () => randList(rng, 0, 3))], (xss: readonly Ints[]) => xss.map(sum), '(lambda (map sum $0))'),
    spec('nested-lengths', 'nested', 'list(list(int)) -> list(int)', ['the length of each inner list', 'how long every sublist is'], (rng) => [Array.from({ length: randInt(rng, 0, 4) }, () => randList(rng, 0, 4))], (xss: readonly Ints[]) => xss.map((x) => x.length), '(lambda (map length $0))'),
    spec('flatten', 'nested', 'list(list(int)) -> list(int)', ['concatenate the inner lists', 'flatten the list of lists'], (rng) => [Array.from({ length: randInt(rng, 0, 4) }, () => randList(rng, 0, 3))], (xss: readonly Ints[]) => xss.flat(), '(lambda (fold $0 empty (lambda (lambda (++ $1 $0)))))'),
    spec('heads', 'nested', 'list(list(int)) -> list(int)', ['the first element of each inner list', 'heads of the sublists'], (rng) => [Array.from({ length: randInt(rng, 0, 4) }, () => randList(rng, 1, 3))], (xss: readonly Ints[]) => xss.map((x) => x[0]!), '(lambda (map car $0))'),
  ];
}

/** Every spec of the list suite (parameterised families first). */
export function listSuiteSpecs(): TaskSpec[] {
  return [...parameterised(), ...singles()];
}

/** Default seed and test-set size of the list suite. */
export const LIST_SUITE_SEED = 16;
export const LIST_SUITE_TEST_SIZE = 50;

/**
 * The list-functions suite: 207 tasks in 75 families; with the default seed 155 train and 52 test tasks
 * (seeds 0–11: 50–51 test tasks; families whole on one side).
 */
export function listFunctionsSuite(seed = LIST_SUITE_SEED, testSize = LIST_SUITE_TEST_SIZE): TaskSuite {
  return buildSuite('list-functions', 'list', listSuiteSpecs(), seed, testSize);
}
