#!/usr/bin/env node
/**
 * `kubectl modelvariant`: the kubectl plugin (an executable `kubectl-modelvariant` on PATH, also
 * usable on its own) to list, inspect, watch and steer ModelVariant rollouts — promote, abort, retry,
 * pause, resume — and to wait for an outcome in CI. The commands live in ./plugin/; this file only
 * wires the process (argv, streams, clock) in and the exit code out. Node's compile cache is turned on
 * before the commands are imported, which roughly halves the start-up time that loading
 * @kubernetes/client-node costs on every invocation. docs/kubectl-plugin.md has usage.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { processIo } = await import('./plugin/io.ts');
const { run } = await import('./plugin/program.ts');

process.exitCode = await run(process.argv.slice(2), processIo());
