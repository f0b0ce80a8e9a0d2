/**
 * The command line of `kubectl modelvariant`, with kubectl's flags (-n, --kubeconfig, --context, -A,
 * -o) accepted before or after the command. `run` parses argv, opens a session, dispatches to one of
 * the commands and returns the exit code; every error is printed once as `Error: …` on stderr with the
 * exit code of its kind (see errors.ts), and usage mistakes exit 3 like other errors that are not
 * about the rollout itself.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { errorMessage } from '../../kube/client.ts';
import { getCommand } from './commands/get.ts';
import { listCommand } from './commands/list.ts';
import { signalCommand } from './commands/signal.ts';
import { waitCommand } from './commands/wait.ts';
import { watchCommand } from './commands/watch.ts';
import { EXIT, PluginError } from './errors.ts';
import { writeLines, type Io } from './io.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';
import { openSession, type ConnectionFlags } from './session.ts';
import { SIGNAL_VERBS, type SignalVerb } from './signal-check.ts';
import { parseTimeout } from './time.ts';
import { WAIT_TARGETS, type WaitTarget } from './wait-outcome.ts';

const POLL_MS = 1000;

const VERB_HELP: Record<SignalVerb, string> = {
  promote: 'skip the remaining steps and promote the canary now',
  abort: 'roll the canary back: all traffic to stable (phase Degraded)',
  retry: 'start a rolled-back (Degraded) canary again from step 1',
  pause: 'hold the canary at its current step',
  resume: 'continue a rollout paused by pause',
};

function timeoutOption(defaultValue: string): Option {
  return new Option('--timeout <duration>', 'how long to wait, e.g. 90s, 5m, 1h30m').default(defaultValue).argParser((text) => {
    if (parseTimeout(text) === undefined) throw new InvalidArgumentError('expected a duration such as 30s, 5m or 1h30m');
    return text;
  });
}

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table');

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('kubectl modelvariant')
    .description('Inspect and steer canary rollouts of ModelVariants (activationcanary.io)')
    .option('-n, --namespace <namespace>', "namespace (default: the kubeconfig context's, else default)")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run kubectl modelvariant --help for usage)')
    .addHelpText('after', '\nExit codes: 0 done, 1 refused or rolled back, 2 timed out, 3 usage, not found or cluster error.');

  const session = (cmd: Command) => openSession(cmd.optsWithGlobals<ConnectionFlags>());

  program.command('list').alias('ls').description('list ModelVariants with phase, weight, step and last verdict')
    .option('-A, --all-namespaces', 'list in every namespace')
    .addOption(outputOption())
    .action(async (opts: { allNamespaces?: boolean; output: OutputFormat }, cmd: Command) => {
      exitCode = await listCommand(session(cmd), { allNamespaces: !!opts.allNamespaces, output: opts.output }, io);
    });

  program.command('get').argument('<name>').description('show one ModelVariant: steps, weights, SLIs, burn rate, conditions, events')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: OutputFormat }, cmd: Command) => {
      exitCode = await getCommand(session(cmd), name, opts, io);
    });

  program.command('watch').argument('<name>').description('the get view, refreshed every second until Ctrl-C')
    .option('--until-done', 'stop when the rollout ends: exit 0 when Healthy, 1 when Degraded')
    .action(async (name: string, opts: { untilDone?: boolean }, cmd: Command) => {
      exitCode = await watchCommand(session(cmd), name, { untilDone: !!opts.untilDone, intervalMs: POLL_MS }, io);
    });

  for (const verb of SIGNAL_VERBS) {
    program.command(verb).argument('<name>').description(`${VERB_HELP[verb]} (sets the ${verb} signal)`)
      .option('--wait', 'wait until the operator has acted on the signal')
      .addOption(timeoutOption('60s'))
      .option('--force', 'send the signal even if the current phase says the operator will ignore it')
      .action(async (name: string, opts: { wait?: boolean; force?: boolean; timeout: string }, cmd: Command) => {
        exitCode = await signalCommand(session(cmd), verb, name, {
          wait: !!opts.wait, force: !!opts.force, timeoutMs: parseTimeout(opts.timeout) ?? 0, timeoutText: opts.timeout, intervalMs: POLL_MS,
        }, io);
      });
  }

  program.command('wait').argument('<name>')
    .description('wait until a rollout is promoted or rolled back (exit 0 reached, 1 opposite outcome, 2 timeout, 3 error)')
    .addOption(new Option('--for <outcome>', 'promoted (spec.activation is stable and Healthy), healthy, degraded (rolled back), or decided (the experiment was judged)')
      .choices(WAIT_TARGETS).makeOptionMandatory())
    .addOption(timeoutOption('10m'))
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (name: string, opts: { for: WaitTarget; timeout: string; quiet?: boolean }, cmd: Command) => {
      exitCode = await waitCommand(session(cmd), name, {
        for: opts.for, timeoutMs: parseTimeout(opts.timeout) ?? 0, timeoutText: opts.timeout, quiet: !!opts.quiet, intervalMs: POLL_MS,
      }, io);
    });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    if (err instanceof PluginError) {
      writeLines(io.stderr, [`Error: ${err.message}`]);
      return err.exitCode;
    }
    writeLines(io.stderr, [`Error: ${errorMessage(err)}`]);
    return EXIT.error;
  }
}
