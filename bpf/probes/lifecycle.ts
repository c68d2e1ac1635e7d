/**
 * Processes coming and going: a name after exec or a rename (the events this CPU holds are of the
 * old name, so they go out first), the ring owners (io_uring_create), and each process's end: an
 * X line with its last name, so that a process that lived a moment is still named, and iouringtop
 * knows it can drop the process's counters once their last values are in (control.ts). A thread
 * that dies inside io_uring_enter leaves its entry behind: taken back here.
 */
import { argLoads, indent, probe, type ProgramContext } from '../context.js';
import { FOREIGN_OWNER } from './completion.js';

export function lifecycleProbes(ctx: ProgramContext): string[] {
  const out = [
    probe(
      'tracepoint:sched:sched_process_exec',
      '',
      indent(
        [
          ...ctx.flushHeld(),
          'if (@named[pid] != 0) {',
          `  ${ctx.line('N\\t%d\\t%s', 'pid', 'curtask->group_leader->comm')}`,
          '}',
        ],
        '  ',
      ),
    ),
    probe(
      'tracepoint:task:task_rename',
      '',
      indent(
        [
          ...ctx.flushHeld(),
          'if (@named[args->pid] != 0) {',
          `  ${ctx.line('N\\t%d\\t%s', 'args->pid', 'args->newcomm')}`,
          '}',
        ],
        '  ',
      ),
    ),
  ];
  const last = ctx.f.exitHasGroupDead ? 'args->group_dead' : 'pid == tid';
  out.push(
    probe(
      'tracepoint:sched:sched_process_exit',
      '',
      indent(
        [
          ...(ctx.wantEnter ? ['delete(@e[(uint64)tid]);'] : []),
          `if (${last}) {`,
          '  delete(@named[pid]);',
          `  ${ctx.line('X\\t%d\\t%s', 'pid', 'curtask->group_leader->comm')}`,
          '}',
        ],
        '  ',
      ),
    ),
  );
  if (ctx.f.hasCreate && ctx.counting !== 'none') {
    const who = ctx.who;
    out.push(
      probe(
        'tracepoint:io_uring:io_uring_create',
        '',
        indent(
          [
            ...argLoads({ ctx: true }),
            `$o = ${who ? `(${who}) ? (uint64)pid : (uint64)${FOREIGN_OWNER}` : '(uint64)pid'};`,
            '@own[(uint64)$rctx] = $o;',
            ctx.line('C\\t%llu\\t%llu', '(uint64)$rctx', '$o'),
          ],
          '  ',
        ),
      ),
    );
  }
  return out;
}
