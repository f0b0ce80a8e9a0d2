#!/usr/bin/env node
/**
 * `kubectl modelvariant`: the kubectl plugin (an executable `kubectl-modelvariant` on PATH, also
 * usable on its own) to list, inspect, watch and steer ModelVariant rollouts — promote, abort, retry,
 * pause, resume — and to wait for an outcome in CI. The commands live in ./plugin/; this file only
 * wires the process (argv, streams, clock) in and the exit code out. docs/kubectl-plugin.md has usage.
 */
import { processIo } from './plugin/io.ts';
import { run } from './plugin/program.ts';

process.exitCode = await run(process.argv.slice(2), processIo());
