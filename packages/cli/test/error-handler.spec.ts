import { CommanderError } from 'commander';
import { z } from 'zod';
import { CheckpointError, ConfigError, RunError } from '@kt/core';
import { handleError } from '../src/error-handler';

describe('handleError', () => {
  it('lists zod issues as "- path.to.field: message" and exits 2', () => {
    const r = z.strictObject({ train: z.strictObject({ lr: z.number().positive() }) }).safeParse({ train: { lr: -1 } });
    const out = handleError(r.error, false);
    expect(out.exitCode).toBe(2);
    expect(out.text).toContain('  - train.lr: Too small');
  });

  it('prints a KtError message with its exit code, without a stack unless debug', () => {
    const config = handleError(new ConfigError('bad field'), false);
    expect(config).toEqual({ text: 'error: bad field\n', exitCode: 2 });
    expect(handleError(new CheckpointError('corrupt'), false).exitCode).toBe(2);
    const run = handleError(new RunError('diverged'), true);
    expect(run.exitCode).toBe(1);
    expect(run.text).toMatch(/^error: diverged\nRunError: diverged\n\s+at /);
  });

  it('treats an error carrying exitCode 1|2 (another copy of @kt/core) like a KtError', () => {
    const foreign = Object.assign(new Error('from a bundled core'), { exitCode: 2 });
    expect(handleError(foreign, false)).toEqual({ text: 'error: from a bundled core\n', exitCode: 2 });
  });

  it('maps commander usage errors to 2 and --help/--version to 0, printing nothing more', () => {
    expect(handleError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), false)).toEqual({ text: '', exitCode: 2 });
    expect(handleError(new CommanderError(0, 'commander.version', '0.1.0'), false)).toEqual({ text: '', exitCode: 0 });
  });

  it('prints anything else as "error: <message>" with exit 1, stack only with debug', () => {
    expect(handleError(new TypeError('boom'), false)).toEqual({ text: 'error: boom\n', exitCode: 1 });
    expect(handleError(new TypeError('boom'), true).text).toContain('    at ');
    expect(handleError('a string', false)).toEqual({ text: 'error: a string\n', exitCode: 1 });
  });
});
