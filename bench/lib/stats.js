// Small statistics for the benchmark: medians over runs, worst cases over cycles.
'use strict';

function sorted(values) {
  return [...values].sort((a, b) => a - b);
}

/** The median (the mean of the middle two for an even count). */
function median(values) {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The p-th percentile (0..100), nearest rank. */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

/** `{ median, min, max }` of a list, rounded to `digits` decimals. */
function summary(values, digits = 1) {
  return {
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
  };
}

function round(value, digits = 1) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

module.exports = { median, percentile, summary, round };
