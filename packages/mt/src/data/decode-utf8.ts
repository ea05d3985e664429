import { MtDataError } from './mt-data-error';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Offset of the first byte that does not start a valid UTF-8 sequence (the WHATWG decoder's rules, which
 * `TextDecoder` with `fatal` applies: no overlong forms, no surrogates, nothing above U+10FFFF, no
 * truncated sequence), or -1 when all of `bytes` is valid.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      need = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) lo = 0xa0; // overlong
      if (lead === 0xed) hi = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) lo = 0x90; // overlong
      if (lead === 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < lo || next > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes `bytes` as UTF-8, strictly: invalid input is an MtDataError (a ConfigError, exit code 2) naming
 * `source` (a file name, or "stdin"), the byte offset of the first bad byte, its value and its line, instead
 * of text with U+FFFD replacement characters. A leading byte order mark is kept (U+FEFF); the caller decides.
 */
export function decodeUtf8Strict(bytes: Uint8Array, source: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const value = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    throw new MtDataError(`${source}: not valid UTF-8: byte 0x${value} at offset ${offset} (line ${line})`);
  }
}
