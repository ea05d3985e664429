/**
 * When is a training loss "diverging without NaN"? Per step t the monitor keeps
 *   - s_t, an exponential moving average of the loss (weight `smoothing` on the new value), so one
 *     noisy batch or a single spike does not count;
 *   - m_t = min over u ≤ t of s_u, the running minimum of that average;
 *   - scale_t = max(|m_t|, floorFraction · |s_1|, 1e-12): the loss's own size, floored at a
 *     fraction of the first loss so that a loss converging to ~0 (a KL term) is not judged by
 *     the ratio of two tiny numbers.
 * A step is "far above" when s_t − m_t > factor · scale_t (for a positive loss: s_t > (1+factor)·m_t).
 * The run is reported as diverging once `patience` consecutive steps are far above, and only
 * once per run. The defaults (factor 4, i.e. 5× the minimum; patience 20 steps; smoothing 0.1;
 * floor 1 % of the first loss) never fire on a noisy but converging run (see the tests: ±50 %
 * noise, 10× single-step spikes, a KL term falling to 1e-4) and fire within ~25 steps of a
 * learning rate that blows the loss up by orders of magnitude.
 */
export interface RunawayLossOptions {
  factor: number;
  patience: number;
  smoothing: number;
  floorFraction: number;
}

export const RUNAWAY_LOSS_DEFAULTS: Readonly<RunawayLossOptions> = { factor: 4, patience: 20, smoothing: 0.1, floorFraction: 0.01 };

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : x.toFixed(4);
}

/** Watches the training loss step by step; `observe` returns a warning message once, when the loss runs away. */
export class RunawayLossMonitor {
  private readonly options: RunawayLossOptions;
  private smoothed: number | undefined;
  private first = 0;
  private min = Number.POSITIVE_INFINITY;
  private minStep = 0;
  private above = 0;
  private warned = false;

  constructor(options: Partial<RunawayLossOptions> = {}) {
    this.options = { ...RUNAWAY_LOSS_DEFAULTS, ...options };
  }

  /** `step` is the 1-based number of the step that produced `loss`. Non-finite losses are ignored (the trainer stops on them). */
  observe(step: number, loss: number): string | undefined {
    if (!Number.isFinite(loss) || this.warned) return undefined;
    const { factor, patience, smoothing, floorFraction } = this.options;
    if (this.smoothed === undefined) {
      this.smoothed = loss;
      this.first = loss;
    } else {
      this.smoothed = (1 - smoothing) * this.smoothed + smoothing * loss;
    }
    if (this.smoothed < this.min) {
      this.min = this.smoothed;
      this.minStep = step;
    }
    const scale = Math.max(Math.abs(this.min), floorFraction * Math.abs(this.first), 1e-12);
    this.above = this.smoothed - this.min > factor * scale ? this.above + 1 : 0;
    if (this.above < patience) return undefined;
    this.warned = true;
    return (
      `the training loss is diverging: its moving average has stayed far above its minimum for ${patience} steps ` +
      `(${fmt(this.smoothed)} at step ${step}, minimum ${fmt(this.min)} at step ${this.minStep}); ` +
      `the run goes on, but its results are likely meaningless: lower train.lr or set train.gradClip`
    );
  }
}
