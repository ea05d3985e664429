import { installStopHandlers, signalExitCode, type SignalTarget } from '../../src/runtime/stop-signals';

function fakeTarget(): SignalTarget & { emit(s: NodeJS.Signals): void; exits: number[]; count(): number } {
  const listeners = new Map<string, ((s: NodeJS.Signals) => void)[]>();
  const exits: number[] = [];
  return {
    exits,
    on: (event, l) => listeners.set(event, [...(listeners.get(event) ?? []), l]),
    off: (event, l) => listeners.set(event, (listeners.get(event) ?? []).filter((x) => x !== l)),
    exit: (code) => {
      exits.push(code);
    },
    emit: (s) => {
      for (const l of listeners.get(s) ?? []) l(s);
    },
    count: () => [...listeners.values()].reduce((n, ls) => n + ls.length, 0),
  };
}

describe('installStopHandlers', () => {
  it('sets the stop flag on the first signal and exits 130 on the second', () => {
    const target = fakeTarget();
    const written: string[] = [];
    const stop = installStopHandlers((t) => written.push(t), target);
    expect(stop.shouldStop()).toBe(false);
    target.emit('SIGINT');
    expect(stop.shouldStop()).toBe(true);
    expect(stop.signal).toBe('SIGINT');
    expect(written.join('')).toContain('stopping after this step, checkpointing; press Ctrl-C again to abort');
    expect(target.exits).toEqual([]);
    target.emit('SIGINT');
    expect(target.exits).toEqual([130]);
  });

  it('uses 143 for SIGTERM and removes its listeners on dispose', () => {
    expect(signalExitCode('SIGTERM')).toBe(143);
    const target = fakeTarget();
    const stop = installStopHandlers(() => undefined, target);
    expect(target.count()).toBe(2);
    target.emit('SIGTERM');
    target.emit('SIGTERM');
    expect(target.exits).toEqual([143]);
    stop.dispose();
    expect(target.count()).toBe(0);
  });
});
