import * as tf from '@tensorflow/tfjs';
import { doctorCommand, DoctorOptionsSchema, formatDoctorReport, measureMatmul } from '../../src/commands/doctor-command';

describe('doctor', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('times a matmul for about the requested time without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const m = await measureMatmul(0.05, 32);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.iterations).toBeGreaterThan(0);
    expect(m.seconds).toBeGreaterThanOrEqual(0.05);
    expect(m.gflops).toBeCloseTo((2 * 32 ** 3 * m.iterations) / m.seconds / 1e9, 9);
  });

  it('reports backend, native kernels, versions and throughput', async () => {
    const report = await doctorCommand(DoctorOptionsSchema.parse({ backend: 'cpu', seconds: '0.05', size: '32' }), {});
    expect(report.backend.name).toBe('cpu');
    expect(report.chosenBy).toBe('cpu (flag)');
    expect(report.backend.native.active).toBe(false);
    expect(report.tfjs).toBe(tf.version.tfjs);
    expect(report.node).toBe(process.versions.node);
    const text = formatDoctorReport(report);
    expect(text).toMatch(/^backend +cpu \(requested cpu \(flag\)\)$/m);
    expect(text).toMatch(/^native kernels +inactive \(.+\)$/m);
    expect(text).toMatch(/^matmul +\d+\.\d\d GFLOP\/s \(32x32 float32, \d+ in \d+\.\d\d s\)$/m);
  });

  it('says which setting chose the backend (core decides the precedence)', async () => {
    const report = await doctorCommand(DoctorOptionsSchema.parse({ seconds: '0.01', size: '16' }), { KT_BACKEND: 'cpu' });
    expect(report.backend.name).toBe('cpu');
    expect(report.chosenBy).toBe('cpu (env)');
  });

  it('validates its options', () => {
    expect(DoctorOptionsSchema.safeParse({ seconds: '-1' }).success).toBe(false);
    expect(DoctorOptionsSchema.safeParse({ backend: 'gpu' }).success).toBe(false);
  });
});
