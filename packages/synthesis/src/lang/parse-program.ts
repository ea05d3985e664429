import { inferType, TypeInferenceError } from './infer';
import { allPrimitives } from './primitives';
import { apply, index, lambda, type Invented, type Primitive, type Program } from './program';

/** A program text that is not a valid S-expression of the language; `offset` is the 0-based character. */
export class ProgramSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ProgramSyntaxError';
  }
}

interface Token {
  readonly text: string;
  readonly offset: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s+|[()#]|[^\s()#]+/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) if (!/^\s/.test(m[0])) out.push({ text: m[0], offset: m.index });
  return out;
}

/** Makes an invented function from a closed body (its type is inferred; a body that does not type-check is a TypeInferenceError). */
export function invented(body: Program): Invented {
  return { kind: 'invented', body, type: inferType(body) };
}

/**
 * Parses what showProgram prints: `$i`, `(lambda BODY)`, `(F A …)`, primitive names, `#BODY` for an invented
 * function. Names resolve through `primitives` (default: every primitive of every domain). Errors name the
 * character offset.
 */
export function parseProgram(src: string, primitives: ReadonlyMap<string, Primitive> = allPrimitives()): Program {
  const tokens = tokenize(src);
  let pos = 0;
  const fail = (what: string, at = tokens[pos]?.offset ?? src.length): never => {
    throw new ProgramSyntaxError(`program "${src.length > 80 ? `${src.slice(0, 77)}...` : src}": ${what} at offset ${at}`, at);
  };
  const expr = (): Program => {
    const tok = tokens[pos];
    if (tok === undefined) return fail('unexpected end');
    if (tok.text === ')') return fail('unexpected ")"');
    if (tok.text === '#') {
      pos++;
      const body = expr();
      try {
        return invented(body);
      } catch (e) {
        if (e instanceof TypeInferenceError) return fail(`invented function does not type-check: ${e.message}`, tok.offset);
        throw e;
      }
    }
    if (tok.text === '(') {
      pos++;
      if (tokens[pos]?.text === 'lambda') {
        pos++;
        const body = expr();
        if (tokens[pos]?.text !== ')') fail('expected ")" closing the lambda');
        pos++;
        return lambda(body);
      }
      const f = expr();
      const args: Program[] = [];
      while (tokens[pos] !== undefined && tokens[pos]!.text !== ')') args.push(expr());
      if (tokens[pos] === undefined) fail('missing ")"', tok.offset);
      if (args.length === 0) fail('an application needs at least one argument', tok.offset);
      pos++;
      return apply(f, ...args);
    }
    pos++;
    const v = /^\$(\d+)$/.exec(tok.text);
    if (v) return index(Number(v[1]));
    if (tok.text === 'lambda') return fail('"lambda" must open a parenthesis: (lambda BODY)', tok.offset);
    const p = primitives.get(tok.text);
    if (p === undefined) return fail(`unknown primitive "${tok.text}"`, tok.offset);
    return p;
  };
  const p = expr();
  if (pos !== tokens.length) fail('unexpected text after the program');
  return p;
}
