import { describe, expect, it } from 'vitest';
import {
  REFRESH_STEPS,
  SORT_KEYS,
  activeTable,
  initialUiState,
  reduceInput,
  pinSelection,
  reduceKey,
  resolveSelection,
  type KeyContext,
  type KeyInput,
  type UiState,
  sortKeysOf,
} from '../../source/ui/keymap.js';
import { BINDINGS, FKEY, actionFor, helpEntries, type KeyMatch } from '../../source/ui/bindings.js';

const ROWS: KeyContext = {
  rowKeys: [101, 102, 103, 104, 105, 106, 107, 108, 109, 110],
  pageSize: 4,
  checkFilter: (t) => (t.startsWith('bad') ? `unknown field in "${t}"` : undefined),
};

/** Press a sequence of keys; strings are typed characters, objects are special keys. */
function press(state: UiState, keys: (string | KeyInput)[], ctx: Partial<KeyContext> = ROWS) {
  const effects = [];
  for (const k of keys) {
    const r = typeof k === 'string' ? reduceKey(state, k, {}, ctx) : reduceKey(state, '', k, ctx);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const live = () => initialUiState();
const replay = () => initialUiState({ replay: true });

const KEY_NAMES: Partial<Record<NonNullable<KeyMatch['key']>, string>> = {
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
  backspace: 'Backspace',
  delete: 'Delete',
  tab: 'Tab',
};

/** A key of the binding table as the help writes it (Shift is said in the help's text). */
function keyName(m: KeyMatch): string {
  if (m.key !== undefined) {
    const name = KEY_NAMES[m.key];
    if (name === undefined) throw new Error(`no name for the key ${m.key}`);
    return name;
  }
  const input = m.input ?? '';
  if (m.ctrl) return `Ctrl-${input.toUpperCase()}`;
  if (input === ' ') return 'Space';
  if (input === FKEY.F1) return 'F1';
  if (input === FKEY.F10) return 'F10';
  return input;
}

/** The keys the help leaves out, and the key it lists that does the same. */
const ALIASES: Record<string, string> = {
  '.': '>',
  ',': '<',
  '=': '+',
  _: '-',
  Backspace: 'Esc',
  Delete: 'Esc',
};

/** Keys the help names in a line's text rather than its keys. */
const NAMED_IN_TEXT: Record<string, string> = { j: '(also j k)', k: '(also j k)' };

/** The reducer's input for a key of the help. */
function keyPress(name: string): [string, KeyInput] {
  const named = Object.entries(KEY_NAMES).find(([, n]) => n === name);
  return named ? ['', { [named[0]]: true }] : [name, {}];
}

describe('quitting', () => {
  it('quits on q in normal and drill modes', () => {
    expect(press(live(), ['q']).effects).toEqual([{ type: 'quit' }]);
    expect(press(live(), [{ return: true }, 'q']).effects).toEqual([{ type: 'quit' }]);
  });

  it('quits on Ctrl-C from every mode, including the filter prompt and help', () => {
    for (const setup of [[], ['/'], ['?'], [{ return: true }]] as (string | KeyInput)[][]) {
      const { state } = press(live(), setup);
      expect(reduceKey(state, 'c', { ctrl: true }, ROWS).effects).toEqual([{ type: 'quit' }]);
    }
  });

  it('types q into the filter prompt rather than quitting', () => {
    const r = press(live(), ['/', 'q']);
    expect(r.effects).toEqual([]);
    expect(r.state.filterDraft).toBe('q');
  });
});

describe('views', () => {
  it('cycles processes → opcodes → events → errors → rings → heatmap → doctor with Tab and back with Shift-Tab', () => {
    let s = live();
    expect(s.view).toBe('processes');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('opcodes');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('events');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('errors');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('rings');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('heatmap');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('doctor');
    s = press(s, [{ tab: true }]).state;
    expect(s.view).toBe('processes');
    s = press(s, [{ tab: true, shift: true }]).state;
    expect(s.view).toBe('doctor');
    s = press(s, [{ tab: true, shift: true }]).state;
    expect(s.view).toBe('heatmap');
    s = press(s, [{ tab: true, shift: true }]).state;
    expect(s.view).toBe('rings');
    // 7: the doctor's findings
    expect(press(live(), ['7']).state.view).toBe('doctor');
  });

  it('jumps to the errors view with 4 and the rings view with 5, and sorts them', () => {
    const s = press(live(), ['5']).state;
    expect(s.view).toBe('rings');
    expect(press(live(), ['4']).state.view).toBe('errors');
    expect(press(s, ['>']).state.sort.rings.key).toBe('comm');
  });

  it('d switches the diagnostics columns, whose sort keys < > then step through', () => {
    let s = press(live(), ['d']).state;
    expect(s.diag).toBe(true);
    expect(sortKeysOf('processes', true)).toEqual([
      'pid',
      'comm',
      'ops',
      'punted',
      'poll',
      'short',
      'failed',
      'links',
      'overflow',
      'other',
      'msEnds',
      'batch',
      'err',
      'top',
    ]);
    s = press(s, ['>']).state;
    expect(s.sort.processes).toEqual({ key: 'punted', desc: true });
    s = press(s, ['>', '>', '>', '>', '>']).state;
    expect(s.sort.processes.key).toBe('overflow');
    // back to the usual columns: a sort key they lack falls back to ops
    s = press(s, ['d']).state;
    expect(s.diag).toBe(false);
    expect(s.sort.processes).toEqual({ key: 'ops', desc: true });
    // the errors view sorts on its own columns
    s = press(s, ['4', '<']).state;
    expect(s.sort.errors).toEqual({ key: 'count', desc: true });
  });

  it('jumps to a view with 1, 2 and 3, leaving a drill-down', () => {
    expect(press(live(), ['2']).state.view).toBe('opcodes');
    expect(press(live(), ['3']).state.view).toBe('events');
    const s = press(live(), [{ return: true }, '1']).state;
    expect(s.mode).toBe('normal');
    expect(s.view).toBe('processes');
  });
});

describe('selection', () => {
  it('moves with the arrows, pages, Home and End and stops at the ends', () => {
    const at = (keys: (string | KeyInput)[]) =>
      resolveSelection(press(live(), keys).state.selection.processes, ROWS.rowKeys);
    expect(at([{ downArrow: true }])).toBe(1);
    expect(at([{ downArrow: true }, { upArrow: true }])).toBe(0);
    expect(at([{ upArrow: true }])).toBe(0);
    expect(at([{ pageDown: true }])).toBe(4);
    expect(at([{ pageDown: true }, { pageDown: true }, { pageDown: true }])).toBe(9);
    expect(at([{ end: true }, { pageUp: true }])).toBe(5);
    expect(at([{ end: true }])).toBe(9);
    expect(at([{ end: true }, { downArrow: true }])).toBe(9);
    expect(at([{ end: true }, { home: true }])).toBe(0);
    expect(at(['j', 'j', 'k'])).toBe(1);
  });

  it('follows the selected row when the rows re-sort', () => {
    const s = press(live(), [{ downArrow: true }, { downArrow: true }]).state;
    expect(s.selection.processes.key).toBe(103);
    expect(resolveSelection(s.selection.processes, [103, 101, 102])).toBe(0);
    // the selected row went away: keep the position, clamped
    expect(resolveSelection(s.selection.processes, [101, 102])).toBe(1);
    expect(resolveSelection(s.selection.processes, [])).toBe(-1);
  });

  it('pins the row drawn as selected, so it is followed before any key moves it', () => {
    // the first frame: nothing pressed, row 101 drawn as selected, and pinned to it
    const first = pinSelection(live(), [101, 102, 103]);
    expect(first.selection.processes).toEqual({ index: 0, key: 101 });
    // a refresh re-sorts: Enter opens 101, not the new first row
    const drill = reduceKey(first, '', { return: true }, { ...ROWS, rowKeys: [103, 101, 102] });
    expect(drill.state.drillKey).toBe(101);
    // pinned and on screen: the same state; gone: pinned to the row now drawn at its place
    expect(pinSelection(first, [103, 101])).toBe(first);
    expect(pinSelection(first, [103, 102]).selection.processes).toEqual({ index: 0, key: 103 });
    // no rows, or the events tail (rows without an identity): nothing to pin
    expect(pinSelection(live(), [])).toEqual(live());
    // the very same state (the App sets what pinSelection returns: a copy would render forever),
    // and a pinned row is kept while the table is empty, to be found again when rows return
    const fresh = live();
    expect(pinSelection(fresh, [])).toBe(fresh);
    const pinned = pinSelection(press(live(), [{ downArrow: true }]).state, [101, 102, 103]);
    expect(pinned.selection.processes).toEqual({ index: 1, key: 102 });
    expect(pinSelection(pinned, [])).toBe(pinned);
    expect(resolveSelection(pinSelection(pinned, []).selection.processes, [103, 102])).toBe(1);
    const events = reduceKey(live(), '3', {}, ROWS).state;
    expect(pinSelection(events, [0, 1, 2])).toBe(events);
  });

  it('keeps a separate selection per view', () => {
    const s = press(live(), [
      { downArrow: true },
      '2',
      { downArrow: true },
      { downArrow: true },
    ]).state;
    expect(s.selection.processes.index).toBe(1);
    expect(s.selection.opcodes.index).toBe(2);
  });

  it('does nothing harmful on an empty table', () => {
    const s = press(live(), [{ downArrow: true }, { end: true }], { rowKeys: [] }).state;
    expect(resolveSelection(s.selection.processes, [])).toBe(-1);
  });
});

describe('sorting', () => {
  it('starts on ops/s descending and steps columns with < and >', () => {
    let s = live();
    expect(s.sort.processes).toEqual({ key: 'ops', desc: true });
    s = press(s, ['>']).state;
    expect(s.sort.processes).toEqual({ key: 'read', desc: true });
    s = press(s, ['<', '<']).state;
    expect(s.sort.processes).toEqual({ key: 'comm', desc: false });
  });

  it('wraps around the column list', () => {
    const s = press(live(), ['<', '<', '<']).state;
    expect(s.sort.processes.key).toBe(SORT_KEYS.processes[SORT_KEYS.processes.length - 1]);
  });

  it('reverses with r', () => {
    expect(press(live(), ['r']).state.sort.processes).toEqual({ key: 'ops', desc: false });
    expect(press(live(), ['r', 'r']).state.sort.processes.desc).toBe(true);
  });

  it('sorts the opcodes view and the drill-down independently', () => {
    const s = press(live(), ['2', '>', '>']).state;
    expect(s.sort.opcodes.key).toBe('avg');
    expect(s.sort.processes.key).toBe('ops');
    const d = press(live(), [{ return: true }, '>']).state;
    expect(activeTable(d)).toBe('drill');
    expect(d.sort.drill.key).toBe('bytes');
    expect(d.sort.opcodes.key).toBe('ops');
  });

  it('ignores sort keys in the events view', () => {
    const s = press(live(), ['3', '>', 'r']).state;
    expect(s.sort).toEqual(live().sort);
  });
});

describe('drill-down', () => {
  it('opens the selected process on Enter and returns on Esc or Backspace', () => {
    let s = press(live(), [{ downArrow: true }, { return: true }]).state;
    expect(s.mode).toBe('drill');
    expect(s.drillKey).toBe(102);
    s = press(s, [{ escape: true, meta: true }]).state;
    expect(s.mode).toBe('normal');
    expect(s.drillKey).toBeUndefined();
    expect(s.selection.processes.key).toBe(102);
    s = press(s, [{ return: true }, { delete: true }]).state;
    expect(s.mode).toBe('normal');
  });

  it('does not open on an empty table or outside the processes view', () => {
    expect(press(live(), [{ return: true }], { rowKeys: [] }).state.mode).toBe('normal');
    expect(press(live(), ['2', { return: true }]).state.mode).toBe('normal');
  });
});

describe('filter prompt', () => {
  it('opens with /, takes typed and pasted text, and applies it on Enter', () => {
    let s = press(live(), ['/']).state;
    expect(s.mode).toBe('filter');
    s = press(s, ['p', 'i', 'd', ':', '4', '2', ' comm:fio']).state;
    expect(s.filterDraft).toBe('pid:42 comm:fio');
    s = press(s, [{ return: true }]).state;
    expect(s.mode).toBe('normal');
    expect(s.filterText).toBe('pid:42 comm:fio');
    expect(s.filterError).toBeUndefined();
  });

  it('edits with Backspace (key.delete in Ink 6) and Ctrl-U', () => {
    let s = press(live(), ['/', 'abc', { delete: true }]).state;
    expect(s.filterDraft).toBe('ab');
    s = press(s, [{ backspace: true }]).state;
    expect(s.filterDraft).toBe('a');
    s = reduceKey(s, 'u', { ctrl: true }, ROWS).state;
    expect(s.filterDraft).toBe('');
  });

  it('keeps the prompt open with the reason when the filter is bad', () => {
    const s = press(live(), ['/', 'bad:1', { return: true }]).state;
    expect(s.mode).toBe('filter');
    expect(s.filterError).toBe('unknown field in "bad:1"');
    expect(s.filterText).toBe('');
    // typing again clears the error
    expect(press(s, ['x']).state.filterError).toBeUndefined();
  });

  it('cancels on Esc, keeping the previous filter', () => {
    let s = press(live(), ['/', 'pid:1', { return: true }]).state;
    s = press(s, ['/']).state;
    expect(s.filterDraft).toBe('pid:1 '); // typing adds a term
    s = press(s, ['x', { escape: true, meta: true }]).state;
    expect(s.mode).toBe('normal');
    expect(s.filterText).toBe('pid:1');
  });

  it('clears the filter with c, and with an empty prompt', () => {
    let s = press(live(), ['/', 'pid:1', { return: true }, 'c']).state;
    expect(s.filterText).toBe('');
    s = press(live(), ['/', 'pid:1', { return: true }, '/', { ctrl: true }]).state;
    s = reduceKey(s, 'u', { ctrl: true }, ROWS).state;
    s = press(s, [{ return: true }]).state;
    expect(s.filterText).toBe('');
  });

  it('drops control characters from pasted text', () => {
    expect(press(live(), ['/', 'a\x1b[2Jb']).state.filterDraft).toBe('a[2Jb');
  });

  it('returns to the drill-down it was opened from', () => {
    const s = press(live(), [{ return: true }, '/', 'op:READ', { return: true }]).state;
    expect(s.mode).toBe('drill');
    expect(s.filterText).toBe('op:READ');
  });
});

describe('help', () => {
  it('opens with ? and closes with ?, Esc, q or Enter, swallowing other keys', () => {
    for (const close of ['?', 'q', { escape: true }, { return: true }] as (string | KeyInput)[]) {
      const r = press(live(), ['?', 'x', '2', close]);
      expect(r.state.mode).toBe('normal');
      expect(r.state.view).toBe('processes');
      expect(r.effects).toEqual([]);
    }
    expect(press(live(), ['?']).state.mode).toBe('help');
  });

  it('returns to the drill-down it was opened from', () => {
    expect(press(live(), [{ return: true }, '?', '?']).state.mode).toBe('drill');
  });

  it('lists every key the reducer handles', () => {
    const text = [...helpEntries(false), ...helpEntries(true)].map((h) => h.keys).join(' ');
    // every key the binding table binds, as the help writes it
    const bound = BINDINGS.flatMap((b) => b.keys.map(keyName));
    for (const k of [
      'Tab',
      '1',
      '2',
      '3',
      '4',
      'd',
      '↑',
      '↓',
      'PgUp',
      'PgDn',
      'Home',
      'End',
      'Enter',
      'Esc',
      '<',
      '>',
      'r',
      '/',
      'c',
      'p',
      'Space',
      '+',
      '-',
      'q',
      'Ctrl-C',
      '?',
      's',
      'R',
      '[',
      ']',
      'g',
      'G',
      '←',
      '→',
    ]) {
      expect(text.split(/\s+/)).toContain(k);
      expect(bound).toContain(k);
    }
    // and every bound key is in the help's keys, but for the ones its text names (`also j k`),
    // and the aliases it leaves out, which must do what the key it lists does
    const help = [...helpEntries(false), ...helpEntries(true)];
    const keys = new Set(help.flatMap((h) => h.keys.split(/\s+/)));
    for (const k of bound) {
      if (k in ALIASES) continue;
      if (k in NAMED_IN_TEXT)
        expect(help.map((h) => h.what).join('\n')).toContain(NAMED_IN_TEXT[k]);
      else expect(keys, `${k} is not in the help`).toContain(k);
    }
    // (the keys a hand-kept list once missed)
    for (const k of ['5', 'l', 'a', 'j', 'k', 'h', 'F1', 'F10']) expect(bound).toContain(k);
    for (const [alias, listed] of Object.entries(ALIASES)) {
      for (const mode of ['normal', 'drill', 'latency'] as const) {
        const scope = { mode, table: 'processes', replay: false };
        expect(actionFor(...keyPress(alias), scope)).toEqual(actionFor(...keyPress(listed), scope));
      }
    }
  });
});

describe('pause and refresh', () => {
  it('freezes and unfreezes the display with p and space in live mode', () => {
    let r = press(live(), ['p']);
    expect(r.state.paused).toBe(true);
    expect(r.effects).toEqual([]);
    r = press(r.state, [' ']);
    expect(r.state.paused).toBe(false);
    expect(r.effects).toEqual([]);
  });

  it('steps the refresh interval with + and -, stopping at the ends', () => {
    let r = press(live(), ['+']);
    expect(r.state.refreshMs).toBe(2000);
    expect(r.effects).toEqual([{ type: 'setRefresh', ms: 2000 }]);
    r = press(live(), ['-', '-']);
    expect(r.state.refreshMs).toBe(250);
    r = press(r.state, ['-']);
    expect(r.effects).toEqual([]);
    expect(press(live(), ['+', '+', '+', '+', '+']).state.refreshMs).toBe(
      REFRESH_STEPS[REFRESH_STEPS.length - 1],
    );
  });

  it('toggles the opcode sparkline between p99 and ops/s with s', () => {
    expect(press(live(), ['2', 's']).state.sparkMetric).toBe('ops');
    expect(press(live(), ['2', 's', 's']).state.sparkMetric).toBe('p99');
    // the processes view and the drill-down draw no opcode sparklines: s does nothing there
    expect(press(live(), ['s']).state.sparkMetric).toBe('p99');
  });
});

describe('recording and replay', () => {
  it('asks the controller to start or stop recording with R in live mode only', () => {
    expect(press(live(), ['R']).effects).toEqual([{ type: 'toggleRecording' }]);
    expect(press(replay(), ['R']).effects).toEqual([]);
  });

  it('dispatches replay actions', () => {
    const fx = (k: string | KeyInput) => press(replay(), [k]).effects;
    expect(fx(' ')).toEqual([{ type: 'replay', action: 'togglePause' }]);
    expect(fx({ leftArrow: true })).toEqual([{ type: 'replay', action: 'seek', deltaSec: -1 }]);
    expect(fx({ rightArrow: true })).toEqual([{ type: 'replay', action: 'seek', deltaSec: 1 }]);
    expect(fx({ leftArrow: true, shift: true })).toEqual([
      { type: 'replay', action: 'seek', deltaSec: -10 },
    ]);
    expect(fx({ rightArrow: true, shift: true })).toEqual([
      { type: 'replay', action: 'seek', deltaSec: 10 },
    ]);
    expect(fx('[')).toEqual([{ type: 'replay', action: 'changeSpeed', factor: 0.5 }]);
    expect(fx(']')).toEqual([{ type: 'replay', action: 'changeSpeed', factor: 2 }]);
    expect(fx('g')).toEqual([{ type: 'replay', action: 'jump', to: 'start' }]);
    expect(fx('G')).toEqual([{ type: 'replay', action: 'jump', to: 'end' }]);
    expect(press(replay(), ['p']).state.paused).toBe(true);
    expect(press(replay(), ['p']).effects).toEqual([]);
  });

  it('ignores replay keys in live mode', () => {
    for (const k of ['[', ']', 'g', 'G', { leftArrow: true }, { rightArrow: true }] as (
      string | KeyInput
    )[]) {
      expect(press(live(), [k]).effects).toEqual([]);
    }
  });
});

describe('a run of characters in one input (key repeat over SSH, fast typing, a paste)', () => {
  it('a held key is that key once per character: ]] doubles twice, [[[ halves three times', () => {
    const r = reduceInput(replay(), ']]', {}, ROWS);
    expect(r.effects).toEqual([
      { type: 'replay', action: 'changeSpeed', factor: 2 },
      { type: 'replay', action: 'changeSpeed', factor: 2 },
    ]);
    expect(reduceInput(replay(), '[[[', {}, ROWS).effects).toHaveLength(3);
    expect(reduceInput(live(), 'jjj', {}, ROWS).state.selection.processes.index).toBe(3);
  });

  it('takes upper case as shifted: GG jumps to the end twice', () => {
    expect(reduceInput(replay(), 'GG', {}, ROWS).effects).toEqual([
      { type: 'replay', action: 'jump', to: 'end' },
      { type: 'replay', action: 'jump', to: 'end' },
    ]);
  });

  it('a run starting with / opens the prompt with the rest typed into it', () => {
    const r = reduceInput(live(), '/op:READ q', {}, ROWS);
    expect(r.state.mode).toBe('filter');
    expect(r.state.filterDraft).toBe('op:READ q');
    expect(r.effects).toEqual([]);
  });

  it('a /filter typed with its Enter in one read is applied', () => {
    const r = reduceInput(live(), '/pid:101\r', {}, ROWS);
    expect(r.state.mode).toBe('normal');
    expect(r.state.filterText).toBe('pid:101');
  });

  it('takes any run as the keys typed, one after the other (r<<< over SSH)', () => {
    const r = reduceInput(live(), 'r<<<', {}, ROWS);
    // r reverses, then three steps left from OPS/s (COMMAND, PID, round to TOP, ascending)
    expect(r.state.sort.processes).toEqual({ key: 'top', desc: false });
    expect(reduceInput(live(), 'cRq', {}, ROWS).effects).toEqual([
      { type: 'toggleRecording' },
      { type: 'quit' },
    ]);
    // (a paste is bracketed by the terminal, and never reaches the key map: see App)
  });

  it('stops at q in a run of q: one quit', () => {
    expect(reduceInput(live(), 'qqq', {}, ROWS).effects).toEqual([{ type: 'quit' }]);
  });

  it('leaves a paste into the open prompt whole, and single keys as they were', () => {
    const open = press(live(), ['/']).state;
    expect(reduceInput(open, 'pid:1 pid:2', {}, ROWS).state.filterDraft).toBe('pid:1 pid:2');
    expect(reduceInput(live(), 'q', {}, ROWS)).toEqual(reduceKey(live(), 'q', {}, ROWS));
  });
});

describe('the latency panel key', () => {
  it('opens over the processes view with l and returns to it with Esc', () => {
    let s = initialUiState();
    ({ state: s } = press(s, ['l']));
    expect(s.mode).toBe('latency');
    expect(activeTable(s)).toBe('processes');
    ({ state: s } = press(s, [{ downArrow: true }]));
    expect(s.selection.processes).toEqual({ index: 1, key: 102 }); // ↑↓ pick the row
    ({ state: s } = press(s, [{ escape: true }]));
    expect(s.mode).toBe('normal');
    expect(s.latencyFrom).toBeUndefined();
  });

  it('opens over the drill-down and Esc returns to the drill-down, not the view', () => {
    let s = initialUiState();
    ({ state: s } = press(s, [{ return: true }, 'l']));
    expect(s.mode).toBe('latency');
    expect(activeTable(s)).toBe('drill');
    ({ state: s } = press(s, ['?', { escape: true }]));
    expect(s.mode).toBe('latency'); // help returns to the panel
    ({ state: s } = press(s, [{ escape: true }]));
    expect(s.mode).toBe('drill');
    expect(s.drillKey).toBe(101);
  });

  it('works in the opcodes view, not in the events view, nor with no row', () => {
    let s = initialUiState();
    ({ state: s } = press(s, ['2', 'l']));
    expect(s.mode).toBe('latency');
    s = initialUiState();
    ({ state: s } = press(s, ['3', 'l']));
    expect(s.mode).toBe('normal');
    s = initialUiState();
    ({ state: s } = press(s, ['l'], { ...ROWS, rowKeys: [] }));
    expect(s.mode).toBe('normal');
  });

  it('leaves the sort alone while the panel hides the table', () => {
    let s = initialUiState();
    ({ state: s } = press(s, ['l', '>', 'r']));
    expect(s.sort.processes).toEqual(initialUiState().sort.processes);
  });

  it('is in the help', () => {
    expect(helpEntries(false).some((h) => h.keys.includes('l') && h.what.includes('latency'))).toBe(
      true,
    );
  });
});
