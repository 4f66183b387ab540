// kvm-tod demo: the seed's test plan on this host's KVM (or the simulation), with
// and without the library, as a table or one JSON document.
import { Backend, selectBackend } from './backends';
import { parseDemoArgs } from './demo-args';
import { DEMO_HELP } from './demo-help';
import { FAULT_ENV, parseFault } from './fault';
import { progressWriter } from './progress';
import { backendLine, headLines } from './report-head';
import { jsonDocument, jsonText } from './report-json';
import { textReport } from './report-text';
import { runDemo } from './run-demo';

/** Runs the demo; returns the exit status. */
export async function demo(argv: string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const fault = parseFault(process.env[FAULT_ENV]);
  const { backend, requested, fallbackReason } = selectBackend(args.backend);
  const first = backendLine(backend, requested, fallbackReason);
  try {
    if (!args.json) {
      for (const line of [first, ...headLines(args, backend, fault)]) process.stdout.write(`${line}\n`);
    } else if (fallbackReason !== undefined) {
      process.stderr.write(`${first}\n`);
    }
    const progress = progressWriter(args);
    const results = await runDemo(backend as Backend<unknown>, {
      pauseMs: args.pauseMs,
      policies: args.policies,
      fault,
      onWait: progress?.update,
    });
    progress?.done();
    const pass = results.every((r) => r.pass);
    if (args.json) {
      process.stdout.write(
        `${jsonText(jsonDocument(args, backend, requested, fallbackReason, fault, results, pass))}\n`,
      );
    } else {
      process.stdout.write(`${textReport(results, pass, args).join('\n')}\n`);
    }
    return pass ? 0 : 1;
  } finally {
    backend.close();
  }
}
