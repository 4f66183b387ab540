// The report for people: one table per kind of figure, skipped ones with the reason.
'use strict';
const { FIGURES, REAL_IOCTL_TARGETS, WITHOUT_IOCTL_TARGET_IDS } = require('./settings');

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
    `each, vs the raw ioctl pairs in C (ns per VM); target JS/C <= ${REAL_IOCTL_TARGETS.scaling}`;
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

/**
 * The targets without the ioctl: all met, or which are not, and which were not measured
 * (skipped or failed: neither met nor missed). In --json as `withoutIoctlTargets`.
 */
function targetSummary(figures) {
  const ids = WITHOUT_IOCTL_TARGET_IDS;
  const measured = ids.filter((id) => figures[id] && figures[id].met !== undefined);
  const missed = measured.filter((id) => !figures[id].met);
  const unmeasured = ids.filter((id) => !measured.includes(id));
  return { ids, measured, missed, unmeasured, met: measured.length === ids.length && missed.length === 0 };
}

function summaryLine(t) {
  if (t.met) return `Targets without the ioctl: all ${t.ids.length} met.`;
  const parts = [];
  if (t.missed.length) parts.push(`${t.missed.length} of ${t.ids.length} NOT met (${t.missed.map(name).join(', ')})`);
  if (t.unmeasured.length) parts.push(`${t.unmeasured.length} not measured (${t.unmeasured.map(name).join(', ')})`);
  return `Targets without the ioctl: ${parts.join('; ')}.`;
}

/** The report as text, or with `asMarkdown` as Markdown tables (for bench/README.md). */
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
  out.push(`${item}without the ioctl: ${report.backends.withoutIoctl}`);
  out.push('');
  out.push(
    compareSection(
      'Binding overhead: one call from JavaScript (public API) vs the ' +
        `same ioctl in a C loop, same process and fd; target JS/C <= ${REAL_IOCTL_TARGETS.call}`,
      ids('binding.'),
      figures,
      'call',
    ),
  );
  out.push('');
  out.push(
    compareSection(
      'Hold and release: GuestClock vmStateChanged(false) + (true) vs the two raw ioctls in C; ' +
        `target JS/C <= ${REAL_IOCTL_TARGETS.holdRelease}`,
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
      'Without the ioctl: the cost of the library around the system call (the stand-in addon), ' +
        'as a ratio to the bare node-addon-api call (napiCall) timed in adjacent blocks',
      WITHOUT_IOCTL_TARGET_IDS.filter((id) => FIGURES[id] === 'cost'),
      figures,
      ['call', 'ns', 'napiCall ns', 'ratio', 'min', 'max', 'target', 'verdict'],
      (id, f) => [
        name(id),
        f.nsPerCall.median,
        f.floorNs.median,
        f.ratioToFloor.median.toFixed(2),
        f.ratioToFloor.min.toFixed(2),
        f.ratioToFloor.max.toFixed(2),
        `<= ${f.target.ratioToFloorAtMost}`,
        verdict(f),
      ],
    ),
  );
  out.push('');
  out.push(
    withoutIoctlScaling(
      WITHOUT_IOCTL_TARGET_IDS.filter((id) => FIGURES[id] === 'costScaling'),
      figures,
    ),
  );
  out.push('');
  out.push(summaryLine(targetSummary(figures)));
  out.push('');
  out.push(
    section(
      "Where a call's time goes, without any ioctl (ns per call)",
      ids('overhead.').filter((id) => FIGURES[id] === 'cost'),
      figures,
      ['call', 'ns', 'min', 'max', 'what'],
      (id, f) => [name(id), f.nsPerCall.median, f.nsPerCall.min, f.nsPerCall.max, f.what],
    ),
  );
  return `${out.join('\n')}\n`;
}

/** VM scaling without the ioctl: one row per VM count of each figure. */
function withoutIoctlScaling(ids, figures) {
  const rows = [];
  let target = '';
  for (const id of ids) {
    const f = figures[id];
    const missing = notMeasured(id, f);
    if (missing) {
      rows.push(missing);
      continue;
    }
    target = f.target.ratioToOneVmAtMost;
    for (const p of f.points) {
      const met = p.ratioToOneVm <= f.target.ratioToOneVmAtMost;
      rows.push([name(id), p.vms, p.nsPerVm, p.ratioToOneVm.toFixed(3), met ? 'met' : 'NOT met']);
    }
  }
  const title =
    'VM scaling without the ioctl: N GuestClocks held, then released, together (the stand-in addon), ' +
    `ns per VM and its ratio to one VM in adjacent blocks; target <= ${target || '?'}`;
  return titled(title, ['figure', 'VMs', 'ns/VM', 'ratio to 1 VM', 'verdict'], rows);
}

module.exports = { render, targetSummary };
