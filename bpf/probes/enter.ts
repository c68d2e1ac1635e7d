/**
 * The io_uring_enter system call: every call counted at its return, in @c under the opcode
 * IO_URING_ENTER and its result (the operations it submitted, or −errno), one map update; its
 * latency and its IO_URING_ENTER event taken for the calls chosen at entry (sampling.ts), whose
 * entry is kept by thread.
 */
import { IO_URING_ENTER } from '../../source/model/opcodes.js';
import { bucketStatements } from '../buckets.js';
import { indent, probe, type ProgramContext } from '../context.js';
import { ENTER_CLASS_MAX } from '../maps.js';
import { decide } from './sampling.js';

export function enterProbes(ctx: ProgramContext): string[] {
  if (!ctx.wantEnter) return [];
  const entry = [
    '$fd = (uint64)(uint32)args->fd;',
    '$ts = (uint64)(uint32)args->to_submit;',
    ...decide(ctx, 'enter'),
    'if ($w != 0 || $emit != 0) {',
    '  @e[(uint64)tid] = (nsecs, $fd, $ts | ($w << 32) | ($emit << 63));',
    '}',
  ];
  // the process's IO_URING_ENTER row in the operations' maps (bpf/maps.ts)
  const row = `${ctx.key0('(uint64)pid')}, (uint64)${IO_URING_ENTER}`;
  const exit = [
    '$r = (int64)args->ret;',
    '$cls = $r;',
    `if ($r > ${ENTER_CLASS_MAX}) { $cls = ${ENTER_CLASS_MAX + 1}; @by[${row}] = sum($r); }`,
    `@c[${row}, $cls] = count();`,
    // (where submissions are traced, they name the process)
    ...(ctx.counting === 'none' ? ctx.nameOnce() : []),
    '$e = @e[(uint64)tid];',
    'if ($e.0 != 0) {',
    '  delete(@e[(uint64)tid]);',
    '  $v = nsecs - $e.0;',
    '  $w = ($e.2 >> 32) & 0x7fffffff;',
    '  if ($w != 0) {',
    ...indent(bucketStatements(''), '    '),
    `    @lat[${row}, $b] = sum($w);`,
    '    @elsn = count();',
    '  }',
    ...(ctx.sendsEvents
      ? [
          '  if ($e.2 >> 63) {',
          ...indent(
            ctx.stage(
              'nsecs',
              '$v',
              `(uint64)pid | (${IO_URING_ENTER} << 24) | ($e.1 << 32)`,
              '0',
              '($e.2 & 0xffffffff) | ((uint64)(uint32)$r << 32)',
            ),
            '    ',
          ),
          '  }',
        ]
      : []),
    '}',
  ];
  return [
    probe('tracepoint:syscalls:sys_enter_io_uring_enter', ctx.who, indent(entry, '  ')),
    probe('tracepoint:syscalls:sys_exit_io_uring_enter', ctx.who, indent(exit, '  ')),
  ];
}
