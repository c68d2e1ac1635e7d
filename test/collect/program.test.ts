import { describe, expect, it } from 'vitest';
import {
  generateProgram,
  kernelBucketMid,
  kernelBucketOf,
  validateFilter,
  EVENT_BATCH,
  FLUSH_HZ,
  KERNEL_LAST_BUCKET,
  type CaptureFilter,
  type EventLines,
  type KernelFeatures,
} from '../../bpf/program.js';
import { COUNTER_MAPS, resultClass } from '../../bpf/maps.js';
import { ENTER_SAMPLE, LATENCY_BUDGET } from '../../bpf/probes/sampling.js';
import { TICK_OFFSET } from '../../bpf/probes/control.js';
import { MODERN_FEATURES as modern } from '../helpers/features.js';
import { perCpuCounterKeys } from '../../source/collect/bpftrace.js';

const TOKEN = 'abcdef01';
const gen = (
  tier: 1 | 2 | 3,
  filter: CaptureFilter = { pids: [] },
  features = modern,
  events: EventLines = { kind: 'all' },
) => generateProgram({ tier, token: TOKEN, features, filter, events });

/** The body of the first probe at `point` (with its predicate line, if any). */
function probeOf(program: string, point: string, pred?: string): string {
  const blocks = program.split('\n\n');
  const b = blocks.find(
    (x) => x.startsWith(`${point}\n`) && (pred === undefined || x.split('\n')[1] === pred),
  );
  if (b === undefined) throw new Error(`no probe ${point} ${pred ?? ''}`);
  return b;
}

/**
 * One branch of the io_uring_complete program: a request's CQE ('req') or one without a request
 * ('none'). Both are one program (two on the tracepoint would both run for every CQE).
 */
function completionOf(program: string, which: 'req' | 'none'): string {
  const p = probeOf(program, 'tracepoint:io_uring:io_uring_complete');
  const at = p.indexOf('\n  } else {\n');
  expect(p).toContain('\n  if (args->req != 0) {\n');
  expect(at).toBeGreaterThan(p.indexOf('\n  if (args->req != 0) {\n'));
  return which === 'req' ? p.slice(0, at) : p.slice(at);
}

describe('generateProgram', () => {
  it('tier 1 counts each CQE at its completion, from the request, once', () => {
    const p = gen(1);
    const done = completionOf(p, 'req');
    // one program on the tracepoint, whatever the CQE: two, each with its predicate, would both
    // run for every CQE; io_uring_enter calls are counted in @c too (op 255): one map less
    expect(p.match(/^tracepoint:io_uring:io_uring_complete$/gm)).toHaveLength(1);
    expect(p).toContain('@c[(uint64)pid, (uint64)255, $cls] = count();');
    expect(p).not.toMatch(/@(ec|el|esub|so|se)\[/);
    // the opcode from the request, the process from the task (a kernel worker: the submitter)
    expect(done).toContain('$op = (uint64)((struct io_kiocb *)$req)->opcode;');
    expect(done).toContain(
      'if ($t->flags & 2097152) { $t = ((struct io_kiocb *)$req)->tctx->task; $tg = (uint64)$t->tgid; }',
    );
    expect(done.match(/@c\[\$tg, \$op, \$cls\] = count\(\);/g)).toHaveLength(1);
    // the submission keeps its record only when it must (latency sampled, event sent, multishot)
    const submit = probeOf(p, 'tracepoint:io_uring:io_uring_submit_req');
    expect(submit).toContain('$keep = $w != 0 || $emit != 0;');
    expect(submit).toContain('@s[$req] = (nsecs, $a, $off, $b);');
    expect(submit).toContain('(struct io_rw *)$req');
    expect(submit).toContain('$fd = (uint64)(uint32)((struct io_open *)$req)->dfd;');
    // a request that posts no CQE when it succeeds is never kept
    expect(submit).toContain('if ($fl & 64) { $w = 0; $emit = 0; }');
    expect(p).toContain('tracepoint:io_uring:io_uring_req_failed');
    expect(completionOf(p, 'none')).toContain('$m = @m[$rctx, $ud];'); // multishot and other CQEs
    expect(p).toContain('tracepoint:syscalls:sys_exit_io_uring_enter');
  });

  it("takes no request's record at a notification: it would send a freed request's event", () => {
    // a zero-copy send's notification (F_NOTIF, 8) comes on a request the kernel made, never
    // submitted: a record at its address is a freed request's whose CQE overflowed (the corpus
    // e2e test's recording held the overflowed NOPs' events again, one per notification)
    for (const events of [{ kind: 'all' }, { kind: 'sample', every: 10 }] as EventLines[]) {
      const done = completionOf(gen(1, undefined, undefined, events), 'req');
      const lines = done.split('\n').map((l) => l.trim());
      const notif = lines.indexOf('if ($cf & 8) {');
      expect(notif).toBeGreaterThan(0);
      const end = lines.indexOf('}', notif);
      expect(lines.slice(notif + 1, end)).toEqual([
        'if ($s.0 != 0) { delete(@s[$req]); }',
        'delete(@m[$rctx, $ud]);',
      ]);
      // the record is taken (latency, event) only on the other branch
      expect(lines[end + 1]).toBe('else if ($s.0 != 0) {');
      expect(lines.slice(0, notif).some((l) => l.startsWith('$ev = (uint64)1'))).toBe(false);
      expect(done.match(/\$v = nsecs - \$s\.0;/g)).toHaveLength(1);
      // a zero-copy send's F_MORE announces the notification, not a CQE of its own: no record kept
      expect(done).toContain(
        'if (($cf & 2) && !($op == 47 || $op == 48)) { @s[$req] = (nsecs, $s.1, $s.2, $s.3); } else { delete(@s[$req]); }',
      );
    }
  });

  it('counts a CQE without a request on its multishot request, or else on the ring owner', () => {
    const p = gen(1);
    const other = completionOf(p, 'none');
    expect(other).toContain('$m = @m[$rctx, $ud];');
    expect(other).toContain('@oc[$o] = count();');
    // the owner: the ring's creator, else its first task (the tctx list, from BTF), else the task
    expect(other).toContain('$o = @own[(uint64)$rctx];');
    expect(other).toContain('$hd = (uint64)$rctx + 1536;');
    expect(other).toContain('$o = (uint64)$ot->tgid;');
    expect(other).toContain('if ($o == 0 && !(curtask->flags & 2097152)) {');
    expect(probeOf(p, 'tracepoint:io_uring:io_uring_create')).toContain(
      '@own[(uint64)$rctx] = $o;',
    );
    const ovf = probeOf(p, 'tracepoint:io_uring:io_uring_cqe_overflow');
    expect(ovf).toContain('@ovfo[$m.1 & 0x3fffff, ($m.1 >> 24) & 0xff] = count();');
    expect(ovf).toContain('@ovf[$o] = count();');
  });

  it('tier 2 reads no BTF, counts from the submission records, fd from io_uring_file_get', () => {
    const p = gen(2);
    expect(p).not.toContain('struct io_rw');
    expect(p).not.toContain('struct io_kiocb');
    expect(p).toContain('tracepoint:io_uring:io_uring_file_get');
    const done = probeOf(p, 'tracepoint:io_uring:io_uring_complete', '/(args->req != 0)/');
    expect(done).toContain('$tg = $s.1 & 0x3fffff;');
    expect(done).toContain('@c[$tg, $op, $cls] = count();');
    expect(probeOf(p, 'tracepoint:io_uring:io_uring_submit_req')).toContain('$keep = 1;');
  });

  it('tier 2 on kernels whose complete has no req pairs by (ctx, user_data)', () => {
    const old: KernelFeatures = {
      ...modern,
      submitTracepoint: 'io_uring_submit_sqe',
      completeHasReq: false,
      hasOpStr: false,
      fileGetHasReq: false,
    };
    const p = gen(2, { pids: [] }, old);
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_sqe');
    expect(p).toContain('@s[$rctx, $ud]');
    expect(p).toContain('@fdtid[tid] = args->fd;');
    expect(p).not.toContain('op_str');
  });

  it('tier 3 attaches only the io_uring_enter syscall tracepoints', () => {
    const p = gen(3);
    expect(p).not.toContain('tracepoint:io_uring:');
    expect(p).toContain('sys_enter_io_uring_enter');
  });

  it('puts pid, command and opcode filters into the kernel predicates, at completion too', () => {
    const p = gen(1, { pids: [12, 34], comms: ['postgres'], opcodes: [22, 23] });
    // "postgres" and its NUL as two little-endian words of task_struct.comm (at 1752)
    expect(p).toContain(
      '/((pid == 12 || pid == 34) && (*(uint64 *)((uint64)curtask->group_leader + 1752) == 0x7365726774736f70 && (*(uint64 *)((uint64)curtask->group_leader + 1760) & 0xff) == 0x0) && (args->opcode == 22 || args->opcode == 23))/',
    );
    // the completion counts a CQE only if its process and opcode pass
    const done = completionOf(p, 'req');
    expect(done).toContain(
      'if (($tg == 12 || $tg == 34) && (*(uint64 *)((uint64)$t->group_leader + 1752) == 0x7365726774736f70',
    );
    expect(done).toContain('($op == 22 || $op == 23)) {');
    // without the offset: a string compare
    expect(
      generateProgram({
        tier: 2,
        token: TOKEN,
        features: { ...modern, taskCommOffset: undefined },
        filter: { pids: [], comms: ['nginx'] },
      }),
    ).toContain('/(curtask->group_leader->comm == "nginx")/');
    expect(p).not.toContain('sys_enter_io_uring_enter'); // IO_URING_ENTER not selected
    expect(gen(1, { pids: [], opcodes: [255] })).toContain('sys_enter_io_uring_enter');
    // an overflow counts only on a ring whose owner the filter takes
    expect(probeOf(p, 'tracepoint:io_uring:io_uring_cqe_overflow')).not.toContain(
      'if ($o == 0) { @overflow = count(); }',
    );
    expect(probeOf(gen(1), 'tracepoint:io_uring:io_uring_cqe_overflow')).toContain(
      'if ($o == 0) { @overflow = count(); }',
    );
  });

  it('refuses filter values and channels that could change the program text', () => {
    expect(() => gen(1, { pids: [], comms: ['x") { system("id'] })).toThrow(/invalid command name/);
    expect(() => gen(1, { pids: [1.5] })).toThrow(/invalid pid/);
    expect(() => gen(1, { pids: [0] })).toThrow(/invalid pid/);
    expect(() => gen(1, { pids: [], opcodes: [256] })).toThrow(/invalid opcode/);
    expect(() =>
      generateProgram({ tier: 1, token: 'zz"', features: modern, filter: { pids: [] } }),
    ).toThrow(/token/);
    expect(() =>
      generateProgram({
        tier: 1,
        token: TOKEN,
        features: modern,
        filter: { pids: [] },
        control: { pid: 1, fd: 3, magic: 0.5 },
      }),
    ).toThrow(/control/);
    expect(() =>
      generateProgram({
        tier: 1,
        token: TOKEN,
        features: modern,
        filter: { pids: [] },
        events: { kind: 'budget', perSec: 1.5 },
      }),
    ).toThrow(/budget/);
    expect(validateFilter({ pids: [1], comms: ['nginx: worker'] })).toBeUndefined();
    expect(validateFilter({ pids: [], comms: ['a\\b'] })).toMatch(/invalid command name/);
  });

  it('frames every printed line with the token at both ends', () => {
    const printfs = gen(1).match(/printf\("[^"]*"/g) ?? [];
    expect(printfs.length).toBeGreaterThan(3);
    for (const p of printfs)
      expect(p).toMatch(new RegExp(`^printf\\("${TOKEN}.*\\\\t${TOKEN}\\\\n"$`));
  });

  it('names every process that ends, and hears the control channel only from iouringtop', () => {
    const p = generateProgram({
      tier: 1,
      token: TOKEN,
      features: modern,
      filter: { pids: [] },
      control: { pid: 4321, fd: 17, magic: 2 ** 44 + 5 },
    });
    const exit = probeOf(p, 'tracepoint:sched:sched_process_exit');
    expect(exit).toContain('if (args->group_dead) {');
    expect(exit).toContain(`printf("${TOKEN}X\\t%d\\t%s\\t${TOKEN}\\n"`);
    const control = probeOf(
      p,
      'tracepoint:syscalls:sys_enter_pwrite64',
      `/(pid == 4321 && args->fd == 17 && args->pos == ${2 ** 44 + 5})/`,
    );
    // each counter map can have a key deleted, by its id; the result class is signed
    for (const m of COUNTER_MAPS)
      if (p.includes(`@${m.name}[`))
        expect(control).toContain(`if ($id == ${m.id}) { delete(@${m.name}[`);
    expect(control).toContain('delete(@c[$k0, $k1, (int64)$k2]);');
    expect(control).toContain('delete(@own[$k0]);');
    expect(gen(1)).not.toContain('sys_enter_pwrite64');
    // the counters print on iouringtop's tick, at the next offset: no timer probe, which the
    // kernel skips while another BPF program runs on its CPU (most of the time, in a storm)
    const tick = probeOf(
      p,
      'tracepoint:syscalls:sys_enter_pwrite64',
      `/(pid == 4321 && args->fd == 17 && args->pos == ${2 ** 44 + 5 + TICK_OFFSET})/`,
    );
    expect(tick).toContain('print(@c);');
    // the T line last, then a print: it flushes bpftrace's buffered output, so the round is
    // read now and not a tick later
    expect(tick).toContain(`printf("${TOKEN}T\\t%llu\\t${TOKEN}\\n", nsecs);\n  print(@ready);\n}`);
    expect(p).not.toContain('interval:s:');
  });

  it('prints the counters every second and at exit, and event lines as asked', () => {
    const all = gen(1);
    const counters = probeOf(all, 'interval:s:1');
    for (const m of ['@c', '@by', '@lat', '@oc', '@ovf', '@dropped'])
      expect(counters).toContain(`print(${m});`);
    expect(counters).toContain(`printf("${TOKEN}T\\t%llu\\t${TOKEN}\\n", nsecs);`);
    expect(all).toMatch(/END\n\{\n {2}print\(@c\);/);
    // every event is held on its CPU, and goes out with the ones before it when that makes a line
    // of EVENT_BATCH: a CQE (a request's with its record, or in flight at start, or a multishot
    // one: one staging at the probe's end, which fits 0.17's stack), an io_uring_enter
    const staged = all.match(/@q\[cpu, \$qn\] = \(/g) ?? [];
    expect(staged).toHaveLength(2);
    const full = `E\\t${Array(EVENT_BATCH).fill('%llu\\t%llu\\t%llx\\t%lld\\t%llx').join('\\t')}\\t`;
    expect(all.split(full)).toHaveLength(2 + 1);
    const done = completionOf(all, 'req');
    expect(done).toContain('$ea = (uint64)($tg | (1 << 22) | ($op << 24));');
    expect(done).toContain('$ea = (uint64)($s.1);');
    expect(all).toContain(`if ($qn == ${EVENT_BATCH - 1}) {`);
    // a CPU sends what it holds when it goes idle, while busy FLUSH_HZ times a second, before
    // a process's new name, and the rest is printed at the end (how many, then which)
    const flushes = (p: string) =>
      (p.match(/if \(\$qn != 0\) \{ @qn\[cpu\] = 0; \}/g) ?? []).length;
    expect(flushes(all)).toBe(4);
    expect(all).toContain(`profile:hz:${FLUSH_HZ}\n{\n  $qn = @qn[cpu];`);
    expect(all).toContain('tracepoint:power:cpu_idle\n/(args->state != 4294967295)/\n{');
    expect(all).toMatch(
      /F\\t%llu\\t[0-9a-f]+\\n", nsecs\);\n {2}print\(@qn\);\n {2}print\(@q\);\n/,
    );
    // every event: nothing sampled, nothing counted apart (every one counted is sent)
    expect(all).not.toMatch(/\$ss = |@emit|rand %/);
    const eLines = (p: string) => (p.match(/printf\("[0-9a-f]+E\\t/g) ?? []).length;
    const none = gen(1, { pids: [] }, modern, { kind: 'none' });
    expect(eLines(none)).toBe(0);
    expect(none).not.toMatch(/@qn?\[|profile:hz:10|cpu_idle/);
    const sampled = gen(1, { pids: [] }, modern, { kind: 'sample', every: 100 });
    // each event kept at random at its request's submission, or at its io_uring_enter
    expect(sampled.match(/rand % 100 == 0/g)).toHaveLength(2);
    expect(() => gen(1, { pids: [] }, modern, { kind: 'sample', every: 1 })).toThrow(/sample/);
  });

  it('samples latencies without events, and events under a budget, with weights', () => {
    const none = gen(1, { pids: [] }, modern, { kind: 'none' });
    const submit = probeOf(none, 'tracepoint:io_uring:io_uring_submit_req');
    // the latency budget, then one in N; the clock read only when one is taken
    expect(submit).toContain('$sx = @e[(uint64)cpu | 0x100000000];');
    expect(submit).toContain(`if ($ss == 0) { $ss = (uint64)((${LATENCY_BUDGET} << 16) | 1); }`);
    expect(submit).toContain('} else if ($sn <= 1 || rand % $sn == 0) {');
    expect(submit.indexOf('nsecs >> 10')).toBeGreaterThan(submit.indexOf('rand % $sn'));
    // io_uring_enter: a plain draw, no state
    const enter = probeOf(none, 'tracepoint:syscalls:sys_enter_io_uring_enter');
    expect(enter).toContain(
      `$w = rand % ${ENTER_SAMPLE} == 0 ? (uint64)${ENTER_SAMPLE} : (uint64)0;`,
    );
    expect(enter).not.toContain('@s');
    // the histograms sum the weights; the budget is put back every second on every CPU
    expect(none).toContain('@lat[$tg, $op, $b] = sum($w);');
    expect(none).toContain('@lat[(uint64)pid, (uint64)255, $b] = sum($w);');
    expect(probeOf(none, 'profile:hz:1')).toContain(
      `| (${LATENCY_BUDGET} << 16), (uint64)0, (uint64)0);`,
    );
    // the budget (2 CPUs): both streams share one sampler, whose samples are the events sent
    const budget = generateProgram({
      tier: 1,
      token: TOKEN,
      features: modern,
      filter: { pids: [] },
      events: { kind: 'budget', perSec: 20_000 },
      cpus: 2,
    });
    for (const tp of ['io_uring:io_uring_submit_req', 'syscalls:sys_enter_io_uring_enter']) {
      const b = probeOf(budget, `tracepoint:${tp}`);
      expect(b).toContain('$sx = @e[(uint64)cpu | 0x100000000];');
      expect(b).toContain('if ($ss == 0) { $ss = (uint64)((10000 << 16) | 1); }');
      expect(b).toContain('$emit = $w != 0 ? (uint64)1 : (uint64)0;');
    }
    expect(budget).toContain('@emit = count();');
    expect(budget).not.toContain('@se[');
  });
});

describe('counters kept per CPU (bpftrace 0.23: a key started on two CPUs at once loses one)', () => {
  it('puts the CPU above the tgid in every counter map, and only where asked', () => {
    const spec = (perCpuCounters: boolean) =>
      generateProgram({
        tier: 1,
        token: TOKEN,
        features: modern,
        filter: { pids: [] },
        events: { kind: 'all' },
        perCpuCounters,
      });
    const per = spec(true);
    const plain = spec(false);
    // every write of a counter map (bpf/maps.ts) starts its key with the packed tgid
    const writes = (p: string) =>
      [...p.matchAll(/@(\w+)\[([^\]]*)\] = (count|sum)\(/g)].filter(([, m]) =>
        COUNTER_MAPS.some((c) => c.name === m),
      );
    expect(writes(per).length).toBeGreaterThan(10);
    for (const [w, , keys] of writes(per))
      expect(keys, w).toMatch(/^\([^,]* \| \(\(uint64\)cpu << 32\)\)(, |$)/);
    for (const [w, , keys] of writes(plain)) expect(keys, w).not.toContain('cpu');
    expect(per).toContain('@c[((uint64)pid | ((uint64)cpu << 32)), (uint64)255, $cls] = count();');
    expect(per).toContain('@c[($tg | ((uint64)cpu << 32)), $op, $cls] = count();');
    // the keyless counters are per-CPU arrays in bpftrace: nothing to start, nothing to race
    expect(per).toContain('@overflow = count();');
    // the same maps written in both: only the keys differ
    expect(writes(per).map(([, m]) => m)).toEqual(writes(plain).map(([, m]) => m));
  });

  it('for bpftrace 0.23 alone', () => {
    expect(perCpuCounterKeys('v0.23.2')).toBe(true);
    expect(perCpuCounterKeys('v0.23.0')).toBe(true);
    expect(perCpuCounterKeys('v0.17.0')).toBe(false);
    expect(perCpuCounterKeys('v0.24.1')).toBe(false);
    expect(perCpuCounterKeys(undefined)).toBe(false);
  });
});

describe('result classes', () => {
  it('hold the errno, zero, or a block-sized byte count; anything else is 1 and its bytes apart', () => {
    expect(resultClass(-11, true)).toBe(-11);
    expect(resultClass(0, true)).toBe(0);
    expect(resultClass(4096, true)).toBe(4096);
    expect(resultClass(1 << 20, true)).toBe(1 << 20);
    expect(resultClass((1 << 20) + 512, true)).toBe(1);
    expect(resultClass(100, true)).toBe(1);
    expect(resultClass(4096, false)).toBe(1); // an fd, say: not bytes
  });
});

describe('kernel latency buckets', () => {
  it('are the value below 64 and 32 per power of two above, each within 1.6 % of its middle', () => {
    expect([0, 1, 63].map(kernelBucketOf)).toEqual([0, 1, 63]);
    expect(kernelBucketOf(64)).toBe(64);
    expect(kernelBucketOf(65)).toBe(64);
    expect(kernelBucketOf(66)).toBe(65);
    expect(kernelBucketOf(127)).toBe(95);
    expect(kernelBucketOf(128)).toBe(96);
    expect(kernelBucketOf(2 ** 60)).toBe(KERNEL_LAST_BUCKET);
    let prev = -1;
    for (let v = 1; v < 2 ** 40; v = Math.ceil(v * 1.003) + 1) {
      const b = kernelBucketOf(v);
      expect(b).toBeGreaterThanOrEqual(prev); // monotonic
      prev = b;
      const mid = kernelBucketMid(b);
      expect(kernelBucketOf(mid)).toBe(b); // the middle lies in its own bucket
      expect(Math.abs(mid - v) / v).toBeLessThanOrEqual(1 / 64 + 1e-9); // within half a bucket
    }
  });
});
