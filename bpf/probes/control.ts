/**
 * The control channel: iouringtop tells its program which counter keys to drop, those of
 * processes that are gone and whose last counts it has read (so that the maps do not fill up
 * under process churn: a build, a CGI server). It writes records to its own /dev/null with
 * pwrite(2) at a per-session offset; this probe, on that system call, acts only for iouringtop's
 * process, that descriptor and that offset, and reads the records from its buffer:
 *   (map id, key 1, key 2, key 3), four u64 each, up to COMMANDS_PER_CALL a call
 * (map ids: bpf/maps.ts). A key that is not there is no harm.
 *
 * A pwrite at the next offset (TICK_OFFSET) is the tick: print the counters now. The counters are
 * not printed from an interval probe: a timer's BPF program does not run while another BPF program
 * runs on its CPU (the kernel skips it, uncounted), and in a storm the io_uring probes run most
 * of the time: rounds went missing for seconds. A system call of iouringtop's never lands inside
 * another program, so every tick prints.
 */
import { COUNTER_MAPS, keyType, OWNER_MAP_ID } from '../maps.js';
import { indent, probe, type ProgramContext } from '../context.js';
import type { ControlChannel } from '../spec.js';

export const COMMAND_BYTES = 32;
export const COMMANDS_PER_CALL = 16;
/** The offset after `magic` of the tick: a pwrite there prints the counters. */
export const TICK_OFFSET = 1;

/** `used(name)`: whether the program writes @name (bpftrace refuses a map it never writes). */
export function controlProbe(
  ctx: ProgramContext,
  used: (map: string) => boolean,
): string | undefined {
  const c = ctx.spec.control;
  if (!c) return undefined;
  const keys = ['$k0', '$k1', '$k2'];
  const deletes = COUNTER_MAPS.filter((m) => used(m.name)).map((m) => {
    const k = m.keys.map((part, i) => (keyType(part) === 'int64' ? `(int64)${keys[i]}` : keys[i]));
    return `if ($id == ${m.id}) { delete(@${m.name}[${k.join(', ')}]); }`;
  });
  if (used('own')) deletes.push(`if ($id == ${OWNER_MAP_ID}) { delete(@own[$k0]); }`);
  const each = [
    'if ($i < $n) {',
    '  $id = *(uint64 *)($p);',
    '  $k0 = *(uint64 *)($p + 8);',
    '  $k1 = *(uint64 *)($p + 16);',
    '  $k2 = *(uint64 *)($p + 24);',
    ...indent(deletes, '  '),
    `  $p = $p + ${COMMAND_BYTES};`,
    '  $i = $i + 1;',
    '}',
  ];
  return probe(
    'tracepoint:syscalls:sys_enter_pwrite64',
    heard(c, 0),
    indent(
      [
        '$p = (uint64)args->buf;',
        `$n = args->count / ${COMMAND_BYTES};`,
        '$i = (uint64)0;',
        `unroll(${COMMANDS_PER_CALL}) {`,
        ...indent(each, '  '),
        '}',
      ],
      '  ',
    ),
  );
}

function heard(c: ControlChannel, offset: number): string {
  return `pid == ${c.pid} && args->fd == ${c.fd} && args->pos == ${c.magic + offset}`;
}

/** The block that prints the counters (`body`): on iouringtop's tick, or every second without a channel. */
export function tickProbe(ctx: ProgramContext, body: string[]): string {
  const c = ctx.spec.control;
  if (!c) return `interval:s:1\n{\n${indent(body, '  ').join('\n')}\n}`;
  return probe('tracepoint:syscalls:sys_enter_pwrite64', heard(c, TICK_OFFSET), indent(body, '  '));
}
