/**
 * The commands that do not run a session: `--probe` (what this machine offers for capture) and
 * `--print-program` (the bpftrace program capture would run).
 */
import { generateProgram, type Tier } from '../bpf/program.js';
import { canCapture, describeProbe, probe, type ProbeResult } from './collect/probe.js';
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

export async function runProbe(config: Config): Promise<number> {
  const p = await probe();
  const tier = chooseTier(p, config.tier);
  for (const line of describeProbe(p, typeof tier === 'number' ? tier : undefined)) {
    process.stdout.write(`${line}\n`);
  }
  if (typeof tier === 'string' && config.tier !== undefined) err(tier);
  return canCapture(p) && typeof tier === 'number' ? 0 : 1;
}

export async function runPrintProgram(config: Config): Promise<number> {
  const p = await probe();
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 1;
  }
  process.stdout.write(
    generateProgram({ tier, token: '00000000', features: p.features, filter: config.filter }),
  );
  return 0;
}
