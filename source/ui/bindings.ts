/**
 * The key bindings, as data: which keys do what, where, and how the help overlay and the footer
 * describe them. The reducer (keymap.ts) finds the binding of a key here and performs its action;
 * the help overlay lists the table; the footer shows the hints of the bindings that work in the
 * current view, most important first. htop's Action.c and Gemini CLI's keyBindings.ts are the
 * models: one table, three readers.
 */
import type { Key } from 'ink';
import type { Mode, TableId, ViewId } from './state.js';
import { VIEW_SPECS } from './views/registry.js';

/** The key fields the reducer reads; tests pass only the ones they set. */
export type KeyInput = Partial<Key>;

/** What a binding does: plain data, performed by the reducer. */
export type Action =
  | { type: 'quit' }
  | { type: 'help' }
  | { type: 'view'; to: ViewId }
  | { type: 'nextView'; step: 1 | -1 }
  | { type: 'move'; to: 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' }
  | { type: 'drill' }
  | { type: 'latency' }
  | { type: 'back' }
  | { type: 'sort'; step: 1 | -1 | 0 }
  | { type: 'filter' }
  | { type: 'clearFilter' }
  | { type: 'freeze' }
  | { type: 'refresh'; step: 1 | -1 }
  | { type: 'spark' }
  | { type: 'showAll' }
  | { type: 'cgroupColumn' }
  | { type: 'diag' }
  | { type: 'record' }
  | PlaybackAction;

/**
 * What the replay keys do, named as the playback controls they call (ReplayControls in types.ts,
 * PlaybackControls in sources/source.ts): togglePause, seek, changeSpeed, jump.
 */
export type PlaybackAction =
  | { type: 'togglePause' }
  | { type: 'seek'; deltaSec: number }
  | { type: 'changeSpeed'; factor: number }
  | { type: 'jump'; to: 'start' | 'end' };

type KeyFlag = Exclude<keyof Key, 'eventType'>;

/** One way to press a binding: a typed character, or a named key (with or without Shift). */
export interface KeyMatch {
  input?: string;
  key?: KeyFlag;
  shift?: boolean;
  ctrl?: boolean;
}

export interface Binding {
  action: Action;
  keys: readonly KeyMatch[];
  /**
   * Where it works: the modes (default normal, drill and latency, where ↑↓ pick the row), the tables (a view, or the drill-down;
   * default all), and live or replay only.
   */
  modes?: readonly Mode[];
  views?: readonly TableId[];
  only?: 'live' | 'replay';
  /** The help overlay's line: bindings with the same `what` share one line. */
  help: { keys: string; what: string };
  /** The footer's hint; lower rank = more important, shown first when room is short. */
  hint?: { keys: string; what: string; rank: number };
}

const BROWSE: readonly Mode[] = ['normal', 'drill', 'latency'];
const EVERYWHERE: readonly Mode[] = ['normal', 'drill', 'latency', 'filter', 'help'];

type Where = Pick<Binding, 'modes' | 'views' | 'only'>;

/** One row of the table: action, keys, help line (keys, text), footer hint (keys, text, rank). */
function bind(
  action: Action,
  keys: readonly KeyMatch[],
  help: readonly [string, string],
  hint?: readonly [string, string, number],
  where: Where = {},
): Binding {
  return {
    action,
    keys,
    help: { keys: help[0], what: help[1] },
    hint: hint && { keys: hint[0], what: hint[1], rank: hint[2] },
    ...where,
  };
}

const QUIT = ['q Ctrl-C F10', 'quit'] as const;

/**
 * Function keys, as the App passes them on: Ink reports F1…F12 with no name and no text, so the
 * App reads their escape sequences itself (keymap.ts: functionKey) and hands these stand-ins over.
 */
export const FKEY = { F1: '\u0000F1', F10: '\u0000F10' } as const;
const VIEW = [
  ['Tab', ...VIEW_SPECS.map((v) => v.key)].join(' '),
  // (one line of the help at 80 columns: the titles joined without spaces, the keys say views)
  VIEW_SPECS.map((v) => v.title.toLowerCase()).join('/'),
] as const;
const MOVE = ['↑ ↓ PgUp PgDn Home End', 'move the selection (also j k)'] as const;
const SORT = ['< >', 'choose the sort column (marked ▼/▲ in the header)'] as const;
const SEEK = ['← →', 'step 1 s back / forward (Shift: 10 s)'] as const;
const SPEED = ['[ ]', 'halve / double the playback speed'] as const;
const JUMP = ['g G', 'jump to the start / end of the recording'] as const;
const REFRESH = ['+ -', 'slower / faster refresh'] as const;
// pairs that read as one line in the help (so that it fits 80x24 with every key)
const DRILL = ['Enter l Esc', 'drill into a process, l its latency detail, Esc back'] as const;
const FILTER = ['/ c', 'filter (pid:1234 comm:pg* op:READ,WRITE); c clears'] as const;
// keys that change a table's columns or order: not over the latency panel, which hides the table
const TABLE: readonly Mode[] = ['normal', 'drill'];
/** The drill-down and the views that have a sort (not the events tail, which is in time order). */
const SORTABLE: Where = {
  modes: TABLE,
  views: [...VIEW_SPECS.filter((v) => v.sort.key !== '').map((v) => v.id), 'drill'],
};
/** The drill-down and the views whose spec says they have diagnostics columns, or a latency panel. */
const tablesWith = (has: 'diagnostics' | 'latency'): readonly TableId[] => [
  ...VIEW_SPECS.filter((v) => v[has]).map((v) => v.id),
  'drill',
];
const LIVE: Where = { only: 'live' };
const REPLAY: Where = { only: 'replay' };

// prettier-ignore
export const BINDINGS: readonly Binding[] = [
  bind({ type: 'quit' }, [{ input: 'c', ctrl: true }], QUIT, undefined, { modes: EVERYWHERE }),
  bind({ type: 'quit' }, [{ input: 'q' }], QUIT, ['q', 'quit', 0]),
  bind({ type: 'help' }, [{ input: '?' }, { input: 'h' }, { input: FKEY.F1 }], ['? h F1', 'this help (any of ? Esc q closes it)'], ['?', 'help', 1]),
  bind({ type: 'quit' }, [{ input: FKEY.F10 }], QUIT),
  bind({ type: 'nextView', step: 1 }, [{ key: 'tab', shift: false }], VIEW, ['Tab', 'view', 4]),
  bind({ type: 'nextView', step: -1 }, [{ key: 'tab', shift: true }], VIEW),
  ...VIEW_SPECS.map((v) => bind({ type: 'view', to: v.id }, [{ input: v.key }], VIEW)),
  bind({ type: 'move', to: 'up' }, [{ key: 'upArrow' }, { input: 'k' }], MOVE, ['↑↓', 'select', 8]),
  bind({ type: 'move', to: 'down' }, [{ key: 'downArrow' }, { input: 'j' }], MOVE),
  bind({ type: 'move', to: 'pageUp' }, [{ key: 'pageUp' }], MOVE),
  bind({ type: 'move', to: 'pageDown' }, [{ key: 'pageDown' }], MOVE),
  bind({ type: 'move', to: 'home' }, [{ key: 'home' }], MOVE),
  bind({ type: 'move', to: 'end' }, [{ key: 'end' }], MOVE),
  bind({ type: 'drill' }, [{ key: 'return' }], DRILL, ['Enter', 'drill', 5], { modes: ['normal'], views: ['processes'] }),
  bind({ type: 'back' }, [{ key: 'escape' }, { key: 'backspace' }, { key: 'delete' }], DRILL, ['Esc', 'back', 2], { modes: ['drill', 'latency'] }),
  bind({ type: 'latency' }, [{ input: 'l' }], DRILL, ['l', 'latency', 6], { modes: TABLE, views: tablesWith('latency') }),
  bind({ type: 'sort', step: 1 }, [{ input: '>' }, { input: '.' }], SORT, ['</>', 'sort', 6], SORTABLE),
  bind({ type: 'sort', step: -1 }, [{ input: '<' }, { input: ',' }], SORT, undefined, SORTABLE),
  bind({ type: 'sort', step: 0 }, [{ input: 'r' }], ['r', 'reverse the sort order'], ['r', 'rev', 10], SORTABLE),
  bind({ type: 'filter' }, [{ input: '/' }], FILTER, ['/', 'filter', 3]),
  bind({ type: 'clearFilter' }, [{ input: 'c' }], FILTER, ['c', 'clear', 11]),
  bind({ type: 'freeze' }, [{ input: 'p' }, { input: ' ' }], ['p Space', 'freeze the display (capture and recording go on)'], ['p', 'pause', 7], LIVE),
  bind({ type: 'freeze' }, [{ input: 'p' }], ['p', 'freeze the display (playback goes on)'], undefined, REPLAY),
  bind({ type: 'togglePause' }, [{ input: ' ' }], ['Space', 'pause / resume playback'], ['Space', 'play/pause', 2], REPLAY),
  bind({ type: 'seek', deltaSec: -1 }, [{ key: 'leftArrow', shift: false }], SEEK, ['←→', '±1s (Shift ±10s)', 3], REPLAY),
  bind({ type: 'seek', deltaSec: 1 }, [{ key: 'rightArrow', shift: false }], SEEK, undefined, REPLAY),
  bind({ type: 'seek', deltaSec: -10 }, [{ key: 'leftArrow', shift: true }], SEEK, undefined, REPLAY),
  bind({ type: 'seek', deltaSec: 10 }, [{ key: 'rightArrow', shift: true }], SEEK, undefined, REPLAY),
  bind({ type: 'changeSpeed', factor: 0.5 }, [{ input: '[' }], SPEED, ['[ ]', 'speed', 4], REPLAY),
  bind({ type: 'changeSpeed', factor: 2 }, [{ input: ']' }], SPEED, undefined, REPLAY),
  bind({ type: 'jump', to: 'start' }, [{ input: 'g' }], JUMP, ['g/G', 'start/end', 5], REPLAY),
  bind({ type: 'jump', to: 'end' }, [{ input: 'G' }], JUMP, undefined, REPLAY),
  bind({ type: 'record' }, [{ input: 'R' }], ['R', 'start / stop recording'], ['R', 'record', 9], LIVE),
  bind({ type: 'refresh', step: 1 }, [{ input: '+' }, { input: '=' }], REFRESH),
  bind({ type: 'refresh', step: -1 }, [{ input: '-' }, { input: '_' }], REFRESH),
  bind({ type: 'spark' }, [{ input: 's' }], ['s', 'opcode sparklines: p99 latency or ops/s'], ['s', 'spark', 12], { modes: TABLE, views: ['opcodes'] }),
  bind({ type: 'diag' }, [{ input: 'd' }], ['d', 'diagnostics: punt, poll, short, fail, links, overflow'], ['d', 'diag', 12], { modes: TABLE, views: tablesWith('diagnostics') }),
  bind({ type: 'showAll' }, [{ input: 'a' }], ['a C', 'a: idle processes too (exited); C: cgroup column'], ['a', 'all', 13], { modes: TABLE, views: ['processes'] }),
  bind({ type: 'cgroupColumn' }, [{ input: 'C' }], ['a C', 'a: idle processes too (exited); C: cgroup column'], undefined, { modes: TABLE, views: ['processes'] }),
];

/** Where the keys are pressed: the mode, the table on screen, live or replay. */
export interface KeyScope {
  mode: Mode;
  table: TableId;
  replay: boolean;
}

function applies(b: Binding, scope: KeyScope): boolean {
  if (!(b.modes ?? BROWSE).includes(scope.mode)) return false;
  if (b.views && !b.views.includes(scope.table)) return false;
  if (b.only === 'live' && scope.replay) return false;
  if (b.only === 'replay' && !scope.replay) return false;
  return true;
}

function matches(m: KeyMatch, input: string, key: KeyInput): boolean {
  if (m.key !== undefined) {
    if (!key[m.key]) return false;
    if (m.shift !== undefined && Boolean(key.shift) !== m.shift) return false;
    return true;
  }
  if (Boolean(key.ctrl) !== Boolean(m.ctrl)) return false;
  return input === m.input;
}

/** The action bound to this key here, if any. */
export function actionFor(input: string, key: KeyInput, scope: KeyScope): Action | undefined {
  for (const b of BINDINGS) {
    if (applies(b, scope) && b.keys.some((m) => matches(m, input, key))) return b.action;
  }
  return undefined;
}

/** One line of the help overlay. */
export interface HelpEntry {
  keys: string;
  what: string;
}

/** The help overlay's lines for live or replay: one per distinct `what`, in table order. */
export function helpEntries(replay: boolean): HelpEntry[] {
  const out: HelpEntry[] = [];
  const scopeOk = (b: Binding) =>
    !(b.only === 'live' && replay) && !(b.only === 'replay' && !replay);
  for (const b of BINDINGS) {
    if (!scopeOk(b) || out.some((h) => h.what === b.help.what)) continue;
    out.push(b.help);
  }
  // not a key, but where the pointer works is part of the same answer
  out.push({
    keys: 'mouse',
    what: 'click: select a row, sort by a column; wheel: move',
  });
  // the quit line last, as the place readers look for it
  const quit = out.findIndex((h) => h.what === 'quit');
  if (quit >= 0) out.push(...out.splice(quit, 1));
  return out;
}

/** The footer's hints for the keys that work here, most important first. */
export function hintsFor(scope: KeyScope): { keys: string; what: string }[] {
  const seen = new Set<string>();
  return BINDINGS.filter((b) => b.hint !== undefined && applies(b, scope))
    .map((b) => b.hint!)
    .filter((h) => (seen.has(h.what) ? false : (seen.add(h.what), true)))
    .sort((a, b) => a.rank - b.rank)
    .map(({ keys, what }) => ({ keys, what }));
}
