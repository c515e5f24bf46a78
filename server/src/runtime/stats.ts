// The statistics behind `php-leak measure`: a least-squares slope with its standard error
// and R², and the verdict leak | plateau | inconclusive from the growth envelope.
//
// Why an envelope: memory sampled between requests is not a clean line. PHP's cycle
// collector makes memory_get_usage() a sawtooth (garbage piles up until 10,000 possible
// roots, then drops), allocators grow RSS in steps, and the first requests warm caches.
// A plain regression over a sawtooth reports growth during a rising tooth and a drop after
// a collection. The running maximum (the highest memory seen so far) is monotone; it stops
// rising once the process is bounded (every later tooth peaks at the same height) and keeps
// rising when something is never freed (every tooth peaks higher than the last). Like
// webman's monitor we compare the growth of the last part of the run with the first part:
// growth that continues is a leak, growth that stopped is a plateau.

export interface Sample {
  /** Requests (or handler calls) completed when the sample was taken. */
  x: number;
  /** Bytes. */
  y: number;
}

export interface Fit {
  /** Bytes per request. */
  slope: number;
  /** Standard error of the slope (bytes per request). */
  stderr: number;
  /** Coefficient of determination, 0..1 (1 when every y is equal). */
  r2: number;
  intercept: number;
  n: number;
}

/** Ordinary least squares of y on x. */
export function fitLine(samples: readonly Sample[]): Fit {
  const n = samples.length;
  if (n === 0) return { slope: 0, stderr: Infinity, r2: 0, intercept: 0, n };
  const mx = samples.reduce((a, s) => a + s.x, 0) / n;
  const my = samples.reduce((a, s) => a + s.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const s of samples) {
    sxx += (s.x - mx) ** 2;
    sxy += (s.x - mx) * (s.y - my);
    syy += (s.y - my) ** 2;
  }
  if (n < 2 || sxx === 0) return { slope: 0, stderr: Infinity, r2: 0, intercept: my, n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(0, syy - slope * sxy);
  const stderr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Infinity;
  const r2 = syy === 0 ? 1 : Math.max(0, Math.min(1, 1 - sse / syy));
  return { slope, stderr, r2, intercept, n };
}

/** The running maximum: y_i replaced by max(y_0..y_i). */
export function runningMax(samples: readonly Sample[]): Sample[] {
  let m = -Infinity;
  return samples.map((s) => ({ x: s.x, y: (m = Math.max(m, s.y)) }));
}

/** Number of falls larger than `minDrop` bytes between consecutive samples (collections, recycling). */
export function countDrops(samples: readonly Sample[], minDrop: number): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1].y - samples[i].y > minDrop) n++;
  return n;
}

export type Verdict = 'leak' | 'plateau' | 'inconclusive';

export interface Analysis {
  verdict: Verdict;
  /** One sentence: why this verdict. */
  reason: string;
  /** Samples after the warm-up. */
  samples: number;
  /** Requests covered after the warm-up. */
  span: number;
  /** Least squares over the raw samples after the warm-up. */
  fit: Fit;
  /** Growth of the running maximum per request in the first and the last part of the run. */
  envelopeFirst: number;
  envelopeLast: number;
  /** Bytes the running maximum grew over the first and the last part. */
  growthFirst: number;
  growthLast: number;
  /** Falls larger than the noise floor (garbage collections, freed caches). */
  drops: number;
  /** Memory at the first and last sample after the warm-up (bytes). */
  first: number;
  last: number;
  /** The growth below which a part counts as flat (bytes). */
  noiseFloor: number;
}

export interface AnalyzeOptions {
  /** Samples with x <= warmup are excluded. */
  warmup: number;
  /** Growth of a part below this many bytes is noise (RSS moves in pages and allocator chunks). */
  noiseFloor: number;
  /** Fraction of the run forming "the last part" (default 0.5). */
  lastFraction?: number;
  /** Fewer samples than this after the warm-up: inconclusive (default 6). */
  minSamples?: number;
  /** What x counts, for the reason text (default "request"). */
  unit?: string;
}

/**
 * leak: the running maximum still rises in the last part of the run (by more than the noise
 *       floor and at least half as fast as in the first part), and not as one single step.
 * A single step after a flat start (a cached allocator chunk) followed by a flat stretch is a
 * plateau; a single step at the very end is inconclusive.
 * plateau: it does not rise in the last part (flat throughout, or growth that stopped).
 * inconclusive: too few samples, or growth that slows down without stopping (run longer).
 */
export function analyzeSeries(all: readonly Sample[], opts: AnalyzeOptions): Analysis {
  const samples = all.filter((s) => s.x > opts.warmup);
  const fit = fitLine(samples);
  const minSamples = opts.minSamples ?? 6;
  const base: Omit<Analysis, 'verdict' | 'reason'> = {
    samples: samples.length,
    span: samples.length ? samples[samples.length - 1].x - samples[0].x : 0,
    fit,
    envelopeFirst: 0,
    envelopeLast: 0,
    growthFirst: 0,
    growthLast: 0,
    drops: countDrops(samples, opts.noiseFloor),
    first: samples[0]?.y ?? 0,
    last: samples[samples.length - 1]?.y ?? 0,
    noiseFloor: opts.noiseFloor,
  };
  if (samples.length < minSamples) {
    return { ...base, verdict: 'inconclusive', reason: `only ${samples.length} samples after the warm-up (need ${minSamples})` };
  }
  const env = runningMax(samples);
  const x0 = env[0].x;
  const x1 = env[env.length - 1].x;
  const split = x1 - (x1 - x0) * (opts.lastFraction ?? 0.5);
  const at = (x: number) => {
    // The envelope's value at x: the last envelope sample at or before x.
    let v = env[0].y;
    for (const s of env) {
      if (s.x > x) break;
      v = s.y;
    }
    return v;
  };
  const mid = at(split);
  const growthFirst = mid - env[0].y;
  const growthLast = env[env.length - 1].y - mid;
  const lenFirst = Math.max(1, split - x0);
  const lenLast = Math.max(1, x1 - split);
  const envelopeFirst = growthFirst / lenFirst;
  const envelopeLast = growthLast / lenLast;
  const a = { ...base, envelopeFirst, envelopeLast, growthFirst, growthLast };
  const fmt = (b: number) => formatBytes(b);
  const unit = opts.unit ?? 'request';
  if (growthLast <= opts.noiseFloor) {
    return {
      ...a,
      verdict: 'plateau',
      reason:
        growthFirst > opts.noiseFloor
          ? `grew ${fmt(growthFirst)} in the first part, then stopped (last part: ${fmt(growthLast)}, within the ${fmt(opts.noiseFloor)} noise floor)`
          : `flat: the peak rose ${fmt(growthFirst + growthLast)} over ${a.span} ${unit}s (noise floor ${fmt(opts.noiseFloor)})`,
    };
  }
  // Sustained growth rises again and again; a single step (an allocator caching one more
  // 2 MB chunk, a buffer that doubled once) rises in one place. Split the last part into
  // four windows and count those in which the peak rose by more than the noise floor.
  const windows = 4;
  const width = (x1 - split) / windows;
  let rising = 0;
  let lastRise = -1;
  for (let w = 0; w < windows; w++) {
    const from = split + w * width;
    const to = w === windows - 1 ? x1 : from + width;
    if (at(to) - at(from) > opts.noiseFloor) {
      rising++;
      lastRise = w;
    }
  }
  if (rising <= 1 && growthFirst <= opts.noiseFloor) {
    // One step, and flat before it.
    if (lastRise >= 0 && lastRise < windows - 1) {
      return {
        ...a,
        verdict: 'plateau',
        reason: `one step of ${fmt(growthLast)}, then flat for the rest of the run (a cached allocator chunk or a buffer that grew once, not a leak)`,
      };
    }
    return { ...a, verdict: 'inconclusive', reason: `one step of ${fmt(growthLast)} at the very end of the run: run longer to tell a step from a leak` };
  }
  if (envelopeLast >= 0.5 * envelopeFirst) {
    return {
      ...a,
      verdict: 'leak',
      reason: `still growing: the peak rose ${fmt(growthLast)} in the last part (${fmt(envelopeLast)}/${unit}; first part ${fmt(envelopeFirst)}/${unit})`,
    };
  }
  return {
    ...a,
    verdict: 'inconclusive',
    reason: `growth is slowing (${fmt(envelopeFirst)}/${unit}, then ${fmt(envelopeLast)}/${unit}) but has not stopped: run longer`,
  };
}

/** 2,097,152 bytes -> "2.0 MiB"; small values in bytes. */
export function formatBytes(b: number): string {
  const sign = b < 0 ? '-' : '';
  const v = Math.abs(b);
  if (v < 1024) return `${sign}${Math.round(v)} B`;
  if (v < 1024 * 1024) return `${sign}${(v / 1024).toFixed(1)} KiB`;
  if (v < 1024 * 1024 * 1024) return `${sign}${(v / 1024 / 1024).toFixed(1)} MiB`;
  return `${sign}${(v / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** 2097152 -> "2,097,152" (valgrind's style). */
export function groupDigits(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
