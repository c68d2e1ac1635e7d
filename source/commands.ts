/**
 * The commands that do not run a session: `--probe` (what this machine offers for capture) and
 * `--print-program` (the bpftrace program capture would run).
 */
import { generateProgram, type Tier } from '../bpf/program.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canCapture, describeProbe, probe, TIER_NAMES, type ProbeResult } from './collect/probe.js';
import { PACKAGE_ROOT } from './paths.js';
import type { Config } from './config.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

/** The tier to capture at: the best the probe found, or a lower one forced with --tier. */
export function chooseTier(p: ProbeResult, forced?: Tier): Tier | string {
  if (p.tier === undefined) return 'no capture tier is available on this machine';
  if (forced === undefined) return p.tier;
  if (forced < p.tier) {
    return `--tier ${forced} is not available here (best is ${p.tier}); see iouringtop --probe`;
  }
  return forced;
}

/** `--version`: iouringtop's, the bpftrace it would run, and the capture tier (a quick probe). */
export async function runVersion(): Promise<number> {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const out = [`iouringtop ${pkg.version} (node ${process.version})`];
  const p = await probe();
  out.push(
    p.bpftracePath
      ? `bpftrace: ${p.bpftracePath} ${p.bpftraceVersion ?? '(does not run)'}`
      : 'bpftrace: not found (apt-get install bpftrace)',
  );
  out.push(
    !p.privileged
      ? 'capture: needs root to probe (sudo iouringtop --probe)'
      : p.tier !== undefined
        ? `capture: ${TIER_NAMES[p.tier]}`
        : `capture: impossible here (${p.problems.join('; ')})`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

export async function runProbe(config: Config): Promise<number> {
  const p = await probe({ bpftrace: config.bpftrace });
  const tier = chooseTier(p, config.tier);
  for (const line of describeProbe(p, typeof tier === 'number' ? tier : undefined)) {
    process.stdout.write(`${line}\n`);
  }
  if (typeof tier === 'string' && config.tier !== undefined) err(tier);
  return canCapture(p) && typeof tier === 'number' ? 0 : 1;
}

export async function runPrintProgram(config: Config): Promise<number> {
  const p = await probe({ bpftrace: config.bpftrace });
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 1;
  }
  process.stdout.write(
    generateProgram({
      tier,
      token: '00000000',
      features: p.features,
      filter: config.filter,
      events: config.events,
    }),
  );
  return 0;
}
