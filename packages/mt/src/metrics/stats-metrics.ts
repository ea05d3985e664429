import { bleuFromStats, bleuSegmentStats, type BleuOptions } from './bleu';
import { chrfFromStats, chrfSegmentStats, type ChrfOptions } from './chrf';
import type { StatsMetric } from './paired-tests';

/** BLEU as a resamplable metric (sacreBLEU's `BLEU` with these options). */
export function bleuStatsMetric(options: BleuOptions = {}): StatsMetric {
  return {
    name: 'BLEU',
    segmentStats: (hyps, refs) => bleuSegmentStats(hyps, refs, options),
    score: (stats, float32) => bleuFromStats(stats, { ...options, float32 }),
    float32Scores: false,
  };
}

/** chrF (chrF++ with `wordOrder: 2`) as a resamplable metric (sacreBLEU's `CHRF` with these options). */
export function chrfStatsMetric(options: ChrfOptions = {}): StatsMetric {
  const beta = options.beta ?? 2;
  return {
    name: `chrF${beta}${'+'.repeat(options.wordOrder ?? 0)}`,
    segmentStats: (hyps, refs) => chrfSegmentStats(hyps, refs, options),
    score: (stats, float32) => chrfFromStats(stats, { ...options, float32 }),
    float32Scores: true,
  };
}
