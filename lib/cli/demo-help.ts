// `kvm-tod demo --help`: the demo and its options in brief; docs/cli.md has them in full.
import { DEFAULT_PAUSE_MS, MIN_PAUSE_MS } from './demo-args';
import { formatDuration } from './duration';

export const DEMO_HELP = `Usage: kvm-tod demo [--pause <duration>] [--backend <backend>] [--policy <policy>] [--json]

Runs the test plan of the s390x TOD fix on VMs of this host and shows the jump
the guest clock makes across a pause with kvm-tod and without it:
  1. simple start         the clock keeps running; no read or write
  2. live migration       the destination holds the migrated value until it starts
  3. offline migration    stop on the source holds the clock; cont on the
                          destination continues from the stop instant
  4. stop/cont, repeated  held at stop, restored at cont; repeats do nothing
Each scenario also runs on a second VM without the library (the control),
which sees the whole pause as a jump. The scenarios share one pause.

Options:
  --pause <duration>   how long the VMs stay stopped (default ${formatDuration(DEFAULT_PAUSE_MS)});
                       e.g. 500ms, 3s, 1.5s, 2m, 1m30s (at least ${MIN_PAUSE_MS}ms)
  --backend <backend>  auto (default): s390 on s390x, kvmclock on x86_64, and the
                       built-in simulation where /dev/kvm is not usable (the
                       first line of output says so, and why)
                       s390: the s390 TOD of VMs on /dev/kvm
                       kvmclock: the x86 kvmclock of VMs on /dev/kvm
                       simulated: the built-in s390 TOD simulation, no KVM
  --policy <policy>    what kvm-tod does with the held clock at cont:
                       freeze (default): the guest continues from the stop
                       instant, it sees no jump (QEMU's rule)
                       catch-up: the guest clock is moved on by the time it
                       was held, ending where it would have been (migrations
                       send the source's wall time: the downtime counts too)
                       both: run kvm-tod under each and show both jumps
                       threshold:<duration>: catchUpAfter(duration): freeze
                       shorter holds, catch up longer ones (e.g. threshold:2s)
  --json               print one JSON document instead of the table
  -h, --help           show this help

Exit status: 0 every scenario behaved as the rules say, 1 one did not,
2 a usage error, 3 the backend asked for is not usable here.

Examples:
  kvm-tod demo                      # a 3 s pause on this host's KVM
  kvm-tod demo --pause 2m           # the seed's "stop, wait two minutes, cont"
  kvm-tod demo --backend simulated --pause 500ms
  kvm-tod demo --policy both --pause 1s   # freeze and catch-up side by side
  kvm-tod demo --json | jq '.scenarios[] | {id, pass}'
`;
