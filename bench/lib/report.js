// The report for people: one table per kind of figure, skipped ones with the reason.
'use strict';
const { FIGURES } = require('./settings');

// Rows are arrays of cells, or [name, { note }] for a figure that was not measured:
// the note runs across the other columns and does not widen them.
function table(header, rows, markdown) {
  if (markdown) {
    const md = (r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
    const body = rows.map((r) => (isNote(r) ? md([r[0], r[1].note, ...header.slice(2).map(() => '')]) : md(r)));
    return [md(header), md(header.map(() => '---')), ...body].join('\n');
  }
  const cells = [header, ...rows.filter((r) => !isNote(r))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] === undefined ? '' : r[i]).length)));
  widths[0] = Math.max(widths[0], ...rows.map((r) => String(r[0]).length));
  const line = (r) => {
    if (isNote(r)) return `  ${String(r[0]).padEnd(widths[0])}  ${r[1].note}`;
    return `  ${r.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`.trimEnd();
  };
  return [line(header), ...rows.map(line)].join('\n');
}

function isNote(row) {
  return row.length === 2 && typeof row[1] === 'object' && row[1] !== null && 'note' in row[1];
}

const verdict = (f) => (f.met ? 'met' : 'NOT met');
const name = (id) => id.slice(id.indexOf('.') + 1);

/** A row for a skipped or failed figure: its reason in place of the numbers. */
function notMeasured(id, f) {
  if (f === undefined) return [name(id), { note: 'ERROR: not produced' }];
  if (f.skipped) return [name(id), { note: `skipped: ${f.skipped.split('\n')[0]}` }];
  if (f.error) return [name(id), { note: `ERROR: ${f.error.split('\n')[0]}` }];
  return undefined;
}

let markdown = false;

/** A table under its title, as text or Markdown. */
function titled(title, header, rows) {
  return markdown ? `**${title}**\n\n${table(header, rows, true)}\n` : `${title}\n${table(header, rows)}`;
}

function section(title, ids, figures, header, row) {
  const rows = ids.map((id) => {
    const f = figures[id];
    const missing = notMeasured(id, f);
    return missing || row(id, f);
  });
  return titled(title, header, rows);
}

/** A `compare` figure per row (JS against the same ioctls in C), the first column named `first`. */
function compareSection(title, ids, figures, first) {
  return section(title, ids, figures, [first, 'backend', 'C ns', 'JS ns', 'JS/C', 'JS-C ns', 'target'], (id, f) => [
    name(id),
    f.backend,
    f.c.median,
    f.js.median,
    f.ratio.median.toFixed(3),
    f.overheadNs.median,
    verdict(f),
  ]);
}

/** VM scaling: one row per VM count of each figure. */
function scalingSection(ids, figures) {
  const title =
    'VM scaling: N VMs held and released together, one GuestClock ' +
    'each, vs the raw ioctl pairs in C (ns per VM); target JS/C <= 1.3';
  const rows = [];
  for (const id of ids) {
    const f = figures[id];
    const missing = notMeasured(id, f);
    if (missing) {
      rows.push(missing);
      continue;
    }
    for (const p of f.points) {
      rows.push([
        name(id),
        f.backend,
        p.vms,
        p.createUsPerVm,
        p.cNsPerVm,
        p.jsNsPerVm,
        p.ratio.toFixed(3),
        p.overheadNsPerVm,
      ]);
    }
    if (f.stoppedAt) rows.push([name(id), { note: `stopped at ${f.stoppedAt}` }]);
  }
  const header = ['device', 'backend', 'VMs', 'create µs/VM', 'C ns/VM', 'JS ns/VM', 'JS/C', 'JS-C ns/VM'];
  return titled(title, header, rows);
}

/** The report as text, or with `asMarkdown` as Markdown tables (for docs/performance.md). */
function render(report, asMarkdown = false) {
  markdown = asMarkdown;
  const { machine: m, figures } = report;
  const ids = (prefix) => Object.keys(FIGURES).filter((id) => id.startsWith(prefix));
  const out = [];
  const item = markdown ? '- ' : '';
  out.push(
    `${item}kvm-tod benchmark (${report.mode}: medians of ${report.settings.runs} ` +
      `runs), ${report.startedAt}, took ${report.durationS} s`,
  );
  out.push(
    `${item}machine: ${m.cpuModel}, ${m.cores} cores${m.hypervisorGuest ? ' (a VM guest)' : ''}, ` +
      `${m.memoryGiB} GiB, ${m.kernel}, ${m.arch}, node ${m.node} (V8 ${m.v8}, Node-API ${m.napi}), ` +
      `load ${m.loadAverage.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end`,
  );
  out.push(`${item}kvmclock: ${report.backends.kvmclock}`);
  out.push(`${item}s390 TOD: ${report.backends.s390}`);
  out.push(`${item}addon: ${report.addon}`);
  out.push('');
  out.push(
    compareSection(
      'Binding overhead: one call from JavaScript (public API) vs the ' +
        'same ioctl in a C loop, same process and fd; target JS/C <= 1.3',
      ids('binding.'),
      figures,
      'call',
    ),
  );
  out.push('');
  out.push(
    compareSection(
      'Hold and release: GuestClock vmStateChanged(false) + (true) vs the two raw ioctls in C; target JS/C <= 1.3',
      ids('holdRelease.'),
      figures,
      'device',
    ),
  );
  out.push('');
  out.push(
    section(
      'Stillness: guest clock jump across stop, pause, cont (µs; the ' +
        'two reads that measure it included); target median < 10 µs',
      ids('stillness.'),
      figures,
      [
        'device',
        'backend',
        'cycles',
        'pause ms',
        'with: median',
        'p90',
        'worst',
        'reads alone',
        'with, net',
        'without: median',
        'worst',
        'target',
      ],
      (id, f) => [
        name(id),
        f.backend,
        f.cycles,
        f.pauseMs.median,
        f.withLibraryUs.median,
        f.withLibraryUs.p90,
        f.withLibraryUs.worst,
        f.measuringFloorUs.median,
        f.withLibraryNetUs.median,
        f.withoutLibraryUs.median,
        f.withoutLibraryUs.worst,
        verdict(f),
      ],
    ),
  );
  const guest = figures['stillness.kvmclock'] && figures['stillness.kvmclock'].guestObserved;
  if (guest && !guest.skipped) {
    out.push(
      `Guest-observed (${guest.guest}; ${guest.cycles} cycles, ${guest.pauseMs} ms pause): ` +
        `with kvm-tod median ${guest.withLibraryMs.median} ms, p99 ${guest.withLibraryMs.p99} ms, ` +
        `worst ${guest.withLibraryMs.worst} ms; without it median ${guest.withoutLibraryMs.median} ms`,
    );
  } else if (guest) {
    out.push(`Guest-observed: skipped: ${guest.skipped}`);
  }
  out.push('');
  out.push(
    section(
      'Endurance: hold/release cycles through one GuestClock; heap after forced GC; target heap growth < 1 MiB',
      ids('endurance.'),
      figures,
      [
        'device',
        'backend',
        'cycles',
        'µs/cycle',
        'heap MiB before',
        'after',
        'growth KiB',
        'RSS MiB before',
        'after',
        'guest +ms',
        'not held ms',
        'added ms',
        'added ns/cycle',
        'target',
      ],
      (id, f) => [
        name(id),
        f.backend,
        f.cycles,
        f.usPerCycle,
        f.heap.beforeMiB,
        f.heap.afterMiB,
        f.heap.growthKiB,
        f.rss.beforeMiB,
        f.rss.afterMiB,
        f.guest.advanceMs,
        f.guest.notHeldMs,
        f.guest.addedMs,
        f.guest.addedNsPerCycle,
        verdict(f),
      ],
    ),
  );
  out.push('');
  out.push(scalingSection(ids('scaling.'), figures));
  out.push('');
  out.push(
    section(
      "Where a call's time goes, without any ioctl (ns per call)",
      ids('overhead.'),
      figures,
      ['call', 'ns', 'min', 'max', 'what'],
      (id, f) => [name(id), f.nsPerCall.median, f.nsPerCall.min, f.nsPerCall.max, f.what],
    ),
  );
  return `${out.join('\n')}\n`;
}

module.exports = { render };
