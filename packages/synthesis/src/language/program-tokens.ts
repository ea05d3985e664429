import type { Program } from '../lang/program';
import { showProgram } from '../lang/program';

/**
 * The tokens of a program the translation model aligns words with: primitive names and learned functions
 * (printed `#(lambda …)`), in pre-order. λs and variables carry no vocabulary and are left out.
 */
export function programTokens(p: Program): string[] {
  const out: string[] = [];
  const walk = (q: Program): void => {
    switch (q.kind) {
      case 'primitive':
        out.push(q.name);
        return;
      case 'invented':
        out.push(showProgram(q));
        return;
      case 'lambda':
        walk(q.body);
        return;
      case 'apply':
        walk(q.f);
        walk(q.x);
        return;
      case 'index':
        return;
    }
  };
  walk(p);
  return out;
}

/** Replaces every non-overlapping occurrence (left to right) of `pattern` in `tokens` by `name`. */
export function replaceTokenSequence(tokens: readonly string[], pattern: readonly string[], name: string): string[] {
  if (pattern.length === 0) throw new Error('replaceTokenSequence: empty pattern');
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    if (pattern.every((t, k) => tokens[i + k] === t)) {
      out.push(name);
      i += pattern.length;
    } else out.push(tokens[i++]!);
  }
  return out;
}
